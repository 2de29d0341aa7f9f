"""Every webhook event type the platform sends, with its payload schema (the OpenAPI document's
`webhooks` section is made from this, and tests check real deliveries against it)."""

from __future__ import annotations

from typing import Any

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE_TIME = {"type": ["string", "null"], "format": "date-time"}

ORDER = {"type": "object", "required": ["order_id", "status", "amount", "openid", "livemode"],
         "properties": {"order_id": STRING, "status": STRING, "amount": {"type": "integer"},
                        "item_id": STRING, "item_name": STRING, "openid": STRING,
                        "confirm_url": STRING, "notify_url": NULLABLE_STRING,
                        "livemode": {"type": "boolean",
                                     "description": "false for a sandbox order (test coins)"},
                        "created_at": DATE_TIME, "paid_at": DATE_TIME,
                        "refunded_at": DATE_TIME}}


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


PAYOUT = _obj(["appid", "payout_id", "amount", "currency", "status"], appid=STRING,
              payout_id={"type": "integer"},
              amount={"type": "integer", "description": "in the currency's minor unit"},
              currency=STRING, status={"type": "string", "enum": ["paid", "failed"]},
              error=STRING, finished_at=DATE_TIME)


EVENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "order.paid": ("A user paid an order in coins: deliver the item.", ORDER),
    "order.refunded": ("An order was refunded: take the item back.", ORDER),
    "user.deauthorized": (
        "A user removed the app (sent to the deauthorization URL when set).",
        _obj(["openid", "appid"], openid=STRING, appid=STRING, unionid=STRING)),
    "app.review_decided": (
        "An operator approved or rejected the app's review.",
        _obj(["appid", "decision", "note"], appid=STRING,
             decision={"type": "string", "enum": ["approved", "rejected"]}, note=STRING)),
    "app.suspended": ("An operator suspended the app (its tokens are revoked).",
                      _obj(["appid", "note"], appid=STRING, note=STRING)),
    "app.reinstated": ("An operator brought the suspended app back live.",
                       _obj(["appid", "note"], appid=STRING, note=STRING)),
    "permission.decided": (
        "An operator granted or refused a permission the app applied for.",
        _obj(["appid", "scope", "decision", "note"], appid=STRING, scope=STRING,
             decision={"type": "string", "enum": ["granted", "refused"]}, note=STRING)),
    "payout.sent": (
        "A payout of the developer's available revenue was sent to their Stripe account (sent "
        "to every app of the developer).", PAYOUT),
    "payout.failed": (
        "A payout was refused by Stripe for good; its money is back in the available balance "
        "(sent to every app of the developer).", PAYOUT),
    "group.app_installed": (
        "A group's admin installed the app in the group (or installed it again).",
        _obj(["appid", "group_openid"], appid=STRING, group_openid=STRING,
             installed_at=DATE_TIME)),
    "group.app_uninstalled": (
        "A group's admin uninstalled the app: the group is gone from its next call.",
        _obj(["appid", "group_openid"], appid=STRING, group_openid=STRING,
             uninstalled_at=DATE_TIME)),
    "webhook.test": ("A test event sent from the portal or the management API.",
                     _obj(["appid", "sent_at", "message"], appid=STRING, sent_at=STRING,
                          message=STRING)),
}

SIGNATURE_HEADERS = [
    {"name": "ZoneConnect-Signature", "in": "header", "required": True, "schema": STRING,
     "description": "t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>, one v1 per active secret"},
    {"name": "webhook-id", "in": "header", "required": True, "schema": STRING,
     "description": "Standard Webhooks: the event id, the same on every retry"},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": STRING},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": STRING,
     "description": "Standard Webhooks: v1,<base64 HMAC-SHA256 of 'id.timestamp.body'>, "
                    "space-separated, one per active secret (key: whsec_ + base64 of the "
                    "app's webhook secret)"}]


def envelope(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one event's whole body."""
    return _obj(["id", "type", "created", "livemode", "data"], id=STRING,
                type={"type": "string", "const": event_type},
                created={"type": "integer", "description": "Unix time"},
                livemode={"type": "boolean", "description": "false for an event about a "
                                                            "sandbox object (test coins)"},
                data=EVENTS[event_type][1])


def openapi_webhooks() -> dict[str, Any]:
    """The OpenAPI 3.1 `webhooks` object: one POST per event type."""
    return {name: {"post": {
        "operationId": "webhook_" + name.replace(".", "_"), "summary": summary,
        "tags": ["webhooks"], "parameters": SIGNATURE_HEADERS,
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": envelope(name)}}},
        "responses": {"2XX": {"description": "Received; any other answer (or none within the "
                                             "timeout) is retried with backoff"}}}}
        for name, (summary, _) in EVENTS.items()}
