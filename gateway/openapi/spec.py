"""The OpenAPI 3 document of every /api/v1 operation, built with apispec from the schemas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.openapi import schemas as s
from gateway.outbox.catalogue import openapi_webhooks
from gateway.shares import schemas as shares

BEARER = [{"bearerAuth": []}]
BASIC = [{"appBasic": []}]
ERRORS = {
    "BadRequest": "Bad input (invalid_request), e.g. a token sent in the URL",
    "Unauthorized": "Missing, illegal, expired or revoked token (invalid_token; ret 100007, "
                    "100013, 100014, 100015), with WWW-Authenticate",
    "Forbidden": "insufficient_scope (ret 100030), permission_denied (ret 100031) or "
                 "app_suspended (ret 100011), with WWW-Authenticate",
    "NotFound": "No such resource (not_found)",
    "Unprocessable": "Invalid fields (validation_error, with fields)",
    "RateLimited": "The app's quota for this API is used up (rate_limited), with Retry-After",
}


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*names: str) -> dict[str, str]:
    codes = {"BadRequest": "400", "Unauthorized": "401", "Forbidden": "403",
             "NotFound": "404", "Unprocessable": "422", "RateLimited": "429"}
    return {codes[n]: n for n in names}


def _components(spec: APISpec) -> None:
    for name, schema in (("Error", s.ErrorSchema), ("Me", s.MeSchema),
                         ("ShareCreate", shares.ShareCreateSchema), ("Share", shares.ShareSchema),
                         ("ShareList", shares.ShareListSchema),
                         ("OrderCreate", s.OrderCreateSchema), ("Order", s.OrderSchema)):
        spec.components.schema(name, schema=schema)
    for name, text in ERRORS.items():
        response = _json("Error", text)
        if name == "RateLimited":
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                   "description": "Seconds to wait."}}
        spec.components.response(name, response)
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer", "description":
        "A user's access token from the OAuth flow, in the Authorization header only."})
    spec.components.security_scheme("appBasic", {
        "type": "http", "scheme": "basic", "description": "appid:appkey of the app."})


def _user_paths(spec: APISpec) -> None:
    user_errors = _errors("BadRequest", "Unauthorized", "Forbidden", "RateLimited")
    spec.path(path="/api/v1/me", operations={"get": {
        "summary": "The user behind the token (scope get_user_info)", "tags": ["user"],
        "operationId": "getMe", "security": BEARER,
        "responses": {"200": _json("Me"), **user_errors}}})
    spec.path(path="/api/v1/shares", operations={
        "post": {"summary": "Share a link to the user's feed (scope add_share)",
                 "tags": ["shares"], "operationId": "createShare", "security": BEARER,
                 "requestBody": {"required": True,
                                 "content": {"application/json": {"schema": "ShareCreate"}}},
                 "responses": {"201": _json("Share", "Created"), **user_errors,
                               **_errors("Unprocessable")}},
        "get": {"summary": "What this app shared for this user, newest first",
                "tags": ["shares"], "operationId": "listShares", "security": BEARER,
                "parameters": [{"in": "query", "schema": shares.ShareListQuerySchema}],
                "responses": {"200": _json("ShareList"), **user_errors,
                              **_errors("Unprocessable")}}})
    spec.path(path="/api/v1/shares/{share_id}", operations={"delete": {
        "summary": "Delete a share this app posted for this user", "tags": ["shares"],
        "operationId": "deleteShare", "security": BEARER,
        "parameters": [{"name": "share_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"204": {"description": "Deleted"}, **user_errors,
                      **_errors("NotFound")}}})


def _payment_paths(spec: APISpec) -> None:
    order_id = [{"name": "order_id", "in": "path", "required": True,
                 "schema": {"type": "string"}}]
    errors = {"401": _json("Error", "Wrong or missing appid:appkey"),
              "403": _json("Error", "The app or the user has not granted pay"),
              **_errors("NotFound")}
    spec.path(path="/api/v1/payments/orders", operations={"post": {
        "summary": "Create a pending order the user confirms", "tags": ["payments"],
        "operationId": "createOrder", "security": BASIC,
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                        "schema": {"type": "string", "maxLength": 255}}],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": "OrderCreate"}}},
        "responses": {"201": _json("Order", "Created"),
                      "200": _json("Order", "Replayed Idempotency-Key"),
                      "409": _json("Error", "Idempotency-Key replayed with another body"),
                      **errors, **_errors("Unprocessable")}}})
    spec.path(path="/api/v1/payments/orders/{order_id}", parameters=order_id, operations={
        "get": {"summary": "Read one of the app's orders", "tags": ["payments"],
                "operationId": "readOrder", "security": BASIC,
                "responses": {"200": _json("Order"), **errors}}})
    spec.path(path="/api/v1/payments/orders/{order_id}/refund", parameters=order_id,
              operations={"post": {
                  "summary": "Refund a paid order", "tags": ["payments"],
                  "operationId": "refundOrder", "security": BASIC,
                  "responses": {"200": _json("Order"),
                                "409": _json("Error", "The order is not paid"), **errors}}})


def build_spec(contributors: Iterable[Callable[[APISpec], None]] = ()) -> dict[str, Any]:
    """The whole document; `contributors` add other packages' paths (the management API).

    The composition root registers them (`add_contributor`), so gateway never imports the portal.
    """
    spec = APISpec(title="ZoneConnect API",  # no-i18n: the OpenAPI document stays English
                   version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "The REST API of the ZoneConnect open platform. The "
                                        "QQ-compatible legacy paths are described in the README."})
    _components(spec)
    _user_paths(spec)
    _payment_paths(spec)
    spec.path(path="/api/v1/openapi.json", operations={"get": {
        "summary": "This document", "tags": ["meta"], "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}})
    for contribute in contributors:
        contribute(spec)
    doc = spec.to_dict()
    doc["webhooks"] = openapi_webhooks()  # OpenAPI 3.1: what the platform POSTs to apps
    return doc
