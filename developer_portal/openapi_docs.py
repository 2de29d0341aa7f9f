"""The management API in OpenAPI terms: `register_manage_api_docs(spec)` adds its paths."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from developer_portal.openapi_endpoints import register_endpoint_docs
from developer_portal.schemas import (
    AppCreateSchema,
    AppListSchema,
    AppSchema,
    AppUpdateSchema,
    CredentialsSchema,
    ErrorSchema,
    PermissionSchema,
    StatsSchema,
)

SCHEMAS = {"ManagePermission": PermissionSchema, "ManageApp": AppSchema,
           "ManageAppList": AppListSchema,
           "ManageAppCreate": AppCreateSchema, "ManageAppUpdate": AppUpdateSchema,
           "ManageCredentials": CredentialsSchema, "ManageStats": StatsSchema,
           "ManageError": ErrorSchema}
SECURITY = [{"personalApiKey": []}]
APPID = {"name": "appid", "in": "path", "required": True, "schema": {"type": "string"}}


def _ok(schema: str, status: str = "200", description: str = "OK") -> dict[str, Any]:
    errors = {code: {"description": text, "content": {"application/json": {
        "schema": "ManageError"}}} for code, text in (
        ("401", "Missing, unknown or revoked API key (invalid_token)"),
        ("403", "Read-only key used to write (insufficient_scope), or no developer profile"),
        ("404", "No such app among yours (not_found / app_not_found)"),
        ("422", "Invalid fields (validation_error, with fields)"))}
    return {status: {"description": description,
                     "content": {"application/json": {"schema": schema}}}, **errors}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(operation_id: str, summary: str, responses: dict[str, Any],
        **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "summary": summary, "tags": ["management"],
            "security": SECURITY, "responses": responses, **extra}


def register_manage_api_docs(spec: APISpec) -> None:
    """Add the management API's schemas, security scheme and paths to an APISpec
    (needs apispec's MarshmallowPlugin on the spec)."""
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    spec.components.schema("ManageAppDeleted", {"type": "object", "properties": {
        "appid": {"type": "string"}, "status": {"type": "string", "enum": ["deleted"]},
        "deleted_at": {"type": "string", "format": "date-time"},
        "grants_removed": {"type": "integer"}}})
    spec.components.security_scheme("personalApiKey", {
        "type": "http", "scheme": "bearer", "bearerFormat": "zcpat_...",
        "description": "A personal API key made on /developer/keys (read or write)."})
    spec.path(path="/api/v1/manage/apps", operations={
        "get": _op("listManagedApps", "List your apps", _ok("ManageAppList")),
        "post": _op("createManagedApp", "Register an app (appkey shown once)",
                    _ok("ManageCredentials", "201", "Created"),
                    requestBody=_body("ManageAppCreate"))})
    spec.path(path="/api/v1/manage/apps/{appid}", parameters=[APPID], operations={
        "get": _op("getManagedApp", "Read one of your apps", _ok("ManageApp")),
        "patch": _op("updateManagedApp", "Change fields of one of your apps", _ok("ManageApp"),
                     requestBody=_body("ManageAppUpdate")),
        "delete": _op("deleteManagedApp",
                      "Delete one of your apps: grants removed (deauthorization callbacks), "
                      "tokens revoked, appid never reused, history kept",
                      _ok("ManageAppDeleted"), requestBody={"required": True, "content": {
                          "application/json": {"schema": {
                              "type": "object", "required": ["confirm_name"],
                              "properties": {"confirm_name": {"type": "string"}}}}}})})
    spec.path(path="/api/v1/manage/apps/{appid}/rotate-appkey", parameters=[APPID], operations={
        "post": _op("rotateManagedAppKey",
                    "Rotate the appkey (the old one works during the overlap)",
                    _ok("ManageCredentials"))})
    dates = [{"name": name, "in": "query", "schema": {"type": "string", "format": "date"}}
             for name in ("from", "to")]
    _auth_events_docs(spec)
    _webhook_docs(spec)
    register_endpoint_docs(spec)
    _review_docs(spec)
    from developer_portal.openapi_money_docs import register_money_docs

    register_money_docs(spec)
    spec.path(path="/api/v1/manage/apps/{appid}/stats", parameters=[APPID], operations={
        "get": _op("getManagedAppStats", "Daily statistics of one of your apps",
                   _ok("ManageStats"), parameters=dates)})


AUTH_EVENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "occurred_at": {"type": "string", "format": "date-time"},
    "kind": {"type": "string", "enum": ["authorize", "token"]},
    "outcome": {"type": "string", "enum": ["success", "failure"]},
    "reason": {"type": "string", "description": "code_issued, token_issued, or the failure: an "
               "OAuth error (access_denied, invalid_grant...), redirect_uri_mismatch, "
               "code_reused, refresh_reuse_detected, rate_limited..."},
    "ret": {"type": "integer", "nullable": True, "description": "the QQ error code"},
    "description": {"type": "string"}, "grant_type": {"type": "string", "nullable": True},
    "openid": {"type": "string", "nullable": True, "description": "the user, where known"},
    "client_ip": {"type": "string"}, "user_agent": {"type": "string"}}}


def _auth_events_docs(spec: APISpec) -> None:
    spec.components.schema("ManageAuthEvent", AUTH_EVENT)
    spec.components.schema("ManageAuthEventList", {"type": "object", "properties": {
        "appid": {"type": "string"},
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/ManageAuthEvent"}},
        "next_before": {"type": "integer", "nullable": True,
                        "description": "pass as `before` for the next (older) page"}}})
    query = [{"name": n, "in": "query", "schema": s} for n, s in (
        ("kind", {"type": "string", "enum": ["authorize", "token"]}),
        ("outcome", {"type": "string", "enum": ["success", "failure"]}),
        ("reason", {"type": "string"}), ("openid", {"type": "string"}),
        ("days", {"type": "integer", "minimum": 1}), ("before", {"type": "integer"}),
        ("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}))]
    spec.path(path="/api/v1/manage/apps/{appid}/auth-events", parameters=[APPID], operations={
        "get": _op("listManagedAppAuthEvents",
                   "Authorization and token events of one of your apps (kept 30 days)",
                   _ok("ManageAuthEventList"), parameters=query)})


DELIVERY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "event_id": {"type": "string"}, "type": {"type": "string"},
    "endpoint_id": {"type": ["integer", "null"],
                    "description": "null: a callback URL that is not an endpoint"},
    "url": {"type": "string"},
    "status": {"type": "string", "enum": ["pending", "delivered", "dead", "held"],
               "description": "held: waiting for its disabled endpoint to be enabled"},
    "attempts": {"type": "integer"},
    "created_at": {"type": "string", "format": "date-time"},
    "delivered_at": {"type": ["string", "null"], "format": "date-time"},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "history": {"type": "array", "items": {"type": "object", "properties": {
        "attempted_at": {"type": "string", "format": "date-time"}, "ok": {"type": "boolean"},
        "status_code": {"type": ["integer", "null"]}, "error": {"type": "string"},
        "duration_ms": {"type": "integer"}}}}}}


def _webhook_docs(spec: APISpec) -> None:
    spec.components.schema("ManageDelivery", DELIVERY)
    spec.components.schema("ManageDeliveryList", {"type": "object", "properties": {
        "appid": {"type": "string"},
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/ManageDelivery"}}}})
    spec.components.schema("ManageWebhookSecret", {"type": "object", "properties": {
        "appid": {"type": "string"}, "webhook_secret": {"type": "string"},
        "standard_webhooks_secret": {"type": "string", "description": "whsec_..."},
        "previous_expires_at": {"type": ["string", "null"], "format": "date-time",
                                "description": "until then the old secret co-signs"}}})
    message = {"name": "message_id", "in": "path", "required": True,
               "schema": {"type": "integer"}}
    limit = {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
    spec.path(path="/api/v1/manage/apps/{appid}/deliveries", parameters=[APPID], operations={
        "get": _op("listManagedAppDeliveries",
                   "Webhook events of one of your apps, each with every delivery attempt",
                   _ok("ManageDeliveryList"), parameters=[limit])})
    spec.path(path="/api/v1/manage/apps/{appid}/deliveries/{message_id}/resend",
              parameters=[APPID, message], operations={
                  "post": _op("resendManagedAppDelivery", "Deliver an event again now",
                              _ok("ManageDelivery", "202", "Queued"))})
    limited = {"429": {"description": "Too many test events (rate_limited), with Retry-After",
                       "content": {"application/json": {"schema": "ManageError"}}},
               "400": {"description": "The app has no enabled webhook endpoint (no_webhook_url)",
                       "content": {"application/json": {"schema": "ManageError"}}}}
    spec.path(path="/api/v1/manage/apps/{appid}/webhooks/test", parameters=[APPID], operations={
        "post": _op("sendManagedAppTestEvent",
                    "Send a signed webhook.test event to every enabled endpoint of the app",
                    {**_ok("ManageDelivery", "202", "Queued"), **limited})})
    spec.path(path="/api/v1/manage/apps/{appid}/rotate-webhook-secret", parameters=[APPID],
              operations={"post": _op(
                  "rotateManagedAppWebhookSecret",
                  "A new secret for callbacks to URLs that are not endpoints (an order's "
                  "notify_url, the deauthorization URL); the previous one co-signs during the "
                  "overlap",
                  _ok("ManageWebhookSecret"))})


def _review_docs(spec: APISpec) -> None:
    conflict = {"409": {"description": "Not in a state that allows it (conflict)",
                        "content": {"application/json": {"schema": "ManageError"}}}}
    spec.path(path="/api/v1/manage/apps/{appid}/submit", parameters=[APPID], operations={
        "post": _op("submitManagedApp", "Submit a draft or rejected app for review",
                    {**_ok("ManageApp"), **conflict})})
    permission = {"type": "object", "required": ["scope", "reason"], "properties": {
        "scope": {"type": "string"}, "reason": {"type": "string", "maxLength": 1000}}}
    spec.path(path="/api/v1/manage/apps/{appid}/permissions", parameters=[APPID], operations={
        "post": _op("requestManagedAppPermission", "Apply for a permission with a reason",
                    {**_ok("ManageApp", "201", "Requested"), **conflict},
                    requestBody={"required": True,
                                 "content": {"application/json": {"schema": permission}}})})
    spec.components.schema("ManageTestUsers", {"type": "object", "properties": {
        "appid": {"type": "string"},
        "usernames": {"type": "array", "items": {"type": "string"}}}})
    spec.path(path="/api/v1/manage/apps/{appid}/test-users", parameters=[APPID], operations={
        "get": _op("listManagedAppTestUsers", "The app's test users",
                   _ok("ManageTestUsers")),
        "put": _op("setManagedAppTestUsers", "Replace the app's test users",
                   _ok("ManageTestUsers"),
                   requestBody={"required": True, "content": {"application/json": {
                       "schema": {"type": "object", "required": ["usernames"], "properties": {
                           "usernames": {"type": "array", "maxItems": 100,
                                         "items": {"type": "string"}}}}}}})})
