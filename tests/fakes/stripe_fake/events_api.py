"""Reading recorded events: `GET /v1/events/<id>` and `GET /v1/events`."""

from __future__ import annotations

from tests.fakes.stripe_fake.call import Call, Obj, Route


def retrieve_event(call: Call, event_id: str) -> Obj:
    """GET /v1/events/<id>."""
    call.params.allow()
    return call.state.get("event", event_id, kind="event")


def list_events(call: Call) -> Obj:
    """GET /v1/events (filters: `type`, which may end in `*`, and `types`)."""
    p = call.params.allow("limit", "starting_after", "ending_before", "type", "types",
                          "created", "delivery_success")
    wanted = p.string("type")
    types = set(p.array("types"))
    items = [e for e in call.state.all("event")
             if _type_matches(e["type"], wanted) and (not types or e["type"] in types)]
    return call.state.list_page(items, p, "/v1/events")


def _type_matches(event_type: str, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted.endswith("*"):
        return event_type.startswith(wanted[:-1])
    return event_type == wanted


ROUTES: list[Route] = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/<event_id>", retrieve_event),
]
