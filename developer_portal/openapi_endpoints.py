"""The management API's webhook endpoints and events in OpenAPI terms."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from developer_portal.schemas import (
    EndpointCreateSchema,
    EndpointSchema,
    EndpointSecretSchema,
    EndpointUpdateSchema,
)

SECURITY: list[dict[str, list[str]]] = [{"personalApiKey": []}]
APPID = {"name": "appid", "in": "path", "required": True, "schema": {"type": "string"}}
ENDPOINT = {"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "integer"}}
EVENT = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "string"}}
ERROR = {"application/json": {"schema": "ManageError"}}


def _ok(schema: str | None, status: str = "200", description: str = "OK") -> dict[str, Any]:
    found: dict[str, Any] = {code: {"description": text, "content": ERROR} for code, text in (
        ("401", "Missing, unknown or revoked API key (invalid_token)"),
        ("403", "Read-only key used to write (insufficient_scope), or no developer profile"),
        ("404", "No such app, endpoint or event among yours"),
        ("422", "Invalid fields (validation_error, with fields)"))}
    found[status] = {"description": description}
    if schema:
        found[status]["content"] = {"application/json": {"schema": schema}}
    return found


def _op(operation_id: str, summary: str, responses: dict[str, Any],
        **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "summary": summary, "tags": ["management"],
            "security": SECURITY, "responses": responses, **extra}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def register_endpoint_docs(spec: APISpec) -> None:
    """Add the webhook endpoints, event types and events paths (needs ManageError and
    ManageDelivery among the spec's schemas)."""
    for name, schema in (("ManageEndpoint", EndpointSchema),
                         ("ManageEndpointCreate", EndpointCreateSchema),
                         ("ManageEndpointUpdate", EndpointUpdateSchema),
                         ("ManageEndpointSecret", EndpointSecretSchema)):
        spec.components.schema(name, schema=schema)
    spec.components.schema("ManageEndpointList", {"type": "object", "properties": {
        "appid": {"type": "string"},
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/ManageEndpoint"}}}})
    spec.components.schema("ManageEvent", {"type": "object", "properties": {
        "id": {"type": "string"}, "type": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "data": {"type": "object", "description": "as in the webhooks section for its type"},
        "deliveries": {"type": "array", "description": "only when one event is read",
                       "items": {"$ref": "#/components/schemas/ManageDelivery"}}}})
    spec.components.schema("ManageEventList", {"type": "object", "properties": {
        "appid": {"type": "string"},
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/ManageEvent"}}}})
    spec.components.schema("ManageEventTypes", {"type": "object", "properties": {
        "data": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "description": {"type": "string"}}}}}})
    base = "/api/v1/manage/apps/{appid}/webhook-endpoints"
    spec.path(path="/api/v1/manage/webhook-event-types", operations={"get": _op(
        "listWebhookEventTypes", "Every event type an endpoint can subscribe to",
        _ok("ManageEventTypes"))})
    spec.path(path=base, parameters=[APPID], operations={
        "get": _op("listManagedAppEndpoints", "The app's webhook endpoints",
                   _ok("ManageEndpointList")),
        "post": _op("createManagedAppEndpoint",
                    "Add a webhook endpoint (its secret is in the answer, only this once)",
                    _ok("ManageEndpointSecret", "201", "Created"),
                    requestBody=_body("ManageEndpointCreate"))})
    spec.path(path=base + "/{endpoint_id}", parameters=[APPID, ENDPOINT], operations={
        "get": _op("getManagedAppEndpoint", "One webhook endpoint", _ok("ManageEndpoint")),
        "patch": _op("updateManagedAppEndpoint",
                     "Change URL, description, event types or enabled (enabling sends what "
                     "was held)", _ok("ManageEndpoint"),
                     requestBody=_body("ManageEndpointUpdate")),
        "delete": _op("deleteManagedAppEndpoint",
                      "Remove an endpoint with its queued deliveries",
                      _ok(None, "204", "Removed"))})
    spec.path(path=base + "/{endpoint_id}/rotate-secret", parameters=[APPID, ENDPOINT],
              operations={"post": _op(
                  "rotateManagedAppEndpointSecret",
                  "A new signing secret (the previous one co-signs during the overlap)",
                  _ok("ManageEndpointSecret"))})
    limited = {"429": {"description": "Too many test events (rate_limited), with Retry-After",
                       "content": ERROR}}
    spec.path(path=base + "/{endpoint_id}/test", parameters=[APPID, ENDPOINT], operations={
        "post": _op("sendManagedAppEndpointTestEvent",
                    "Send a signed webhook.test event to this endpoint",
                    {**_ok("ManageDelivery", "202", "Queued"), **limited})})
    spec.path(path="/api/v1/manage/apps/{appid}/events", parameters=[APPID], operations={
        "get": _op("listManagedAppEvents", "The app's latest events, newest first",
                   _ok("ManageEventList"), parameters=[
                       {"name": "limit", "in": "query", "schema": {
                           "type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                       {"name": "type", "in": "query", "schema": {"type": "string"}}])})
    spec.path(path="/api/v1/manage/apps/{appid}/events/{event_id}", parameters=[APPID, EVENT],
              operations={"get": _op("getManagedAppEvent",
                                     "One event with each delivery and its attempts",
                                     _ok("ManageEvent"))})
