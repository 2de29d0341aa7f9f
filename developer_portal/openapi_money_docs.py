"""The management API's revenue and sandbox routes in OpenAPI terms."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from developer_portal.openapi_docs import APPID, _body, _ok, _op

INT = {"type": "integer"}
STR = {"type": "string"}
MONTH = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
DATE_TIME = {"type": ["string", "null"], "format": "date-time"}

SUMMARY = {"type": "object", "required": ["currency", "balances", "unsettled"], "properties": {
    "currency": STR,
    "balances": {"type": "object", "description": "minor units of currency", "properties": {
        k: INT for k in ("unsettled", "pending", "available", "receivable")}},
    "unsettled": {"type": "array", "description": "paid live sales not yet settled",
                  "items": {"type": "object", "properties": {"month": MONTH, "gross": INT}}}}}
STATEMENT = {"type": "object", "properties": {
    "month": MONTH, "appid": STR, "app": STR, "currency": STR, "gross": INT, "refunds": INT,
    "platform_share": INT, "net": {"type": "integer", "description": "the developer's share "
                                   "less the developer's part of refunds"},
    "status": {"type": "string", "enum": ["pending", "available"]},
    "tiers_from": {"type": "string", "format": "date"}, "hold_until": DATE_TIME,
    "released_at": DATE_TIME}}
PAYOUT = {"type": "object", "properties": {
    "id": INT, "amount": INT, "currency": STR,
    "status": {"type": "string", "enum": ["pending", "paid", "failed", "reversed"]},
    "created_at": DATE_TIME, "finished_at": DATE_TIME}}
TEST_COINS = {"type": "object", "properties": {
    "appid": STR, "mode": {"type": "string", "enum": ["sandbox", "live"]},
    "test_sales": {"type": "integer", "description": "test coins the sandbox orders took in"},
    "testers": {"type": "array", "items": {"type": "object", "properties": {
        "username": STR, "test_coins": INT}}}}}


def _data(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"data": {"type": "array", "items": item}}}


def register_money_docs(spec: APISpec) -> None:
    """Add the revenue and sandbox paths (called by register_manage_api_docs)."""
    for name, schema in (("ManageRevenue", SUMMARY), ("ManageStatements", _data(STATEMENT)),
                         ("ManagePayouts", _data(PAYOUT)), ("ManageTestCoins", TEST_COINS)):
        spec.components.schema(name, schema)
    months = [{"name": n, "in": "query", "schema": MONTH} for n in ("from", "to")]
    spec.path(path="/api/v1/manage/revenue", operations={"get": _op(
        "getManagedRevenue", "Your balances and unsettled sales (the revenue page)",
        _ok("ManageRevenue"), tags=["management", "revenue"])})
    spec.path(path="/api/v1/manage/revenue/statements", operations={"get": _op(
        "listManagedStatements", "Settled months per app, newest first",
        _ok("ManageStatements"), tags=["management", "revenue"],
        parameters=[*months, {"name": "appid", "in": "query", "schema": STR}])})
    spec.path(path="/api/v1/manage/revenue/payouts", operations={"get": _op(
        "listManagedPayouts", "Your latest payouts", _ok("ManagePayouts"),
        tags=["management", "revenue"], parameters=[{
            "name": "limit", "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 200}}])})
    spec.path(path="/api/v1/manage/apps/{appid}/mode", parameters=[APPID], operations={
        "post": _op("setManagedAppMode", "Switch the app to sandbox or live mode (audited); "
                    "orders keep the mode they were created in", _ok("ManageApp"),
                    requestBody={"required": True, "content": {"application/json": {
                        "schema": {"type": "object", "required": ["mode"], "properties": {
                            "mode": {"type": "string", "enum": ["sandbox", "live"]}}}}}})})
    grant = {"type": "object", "required": ["username", "coins"], "properties": {
        "username": STR, "coins": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "grant_id": {"type": "string", "pattern": "^[0-9a-f]{32}$",
                     "description": "the same grant_id twice grants once"}}}
    spec.components.schema("ManageTestCoinGrant", grant)
    spec.path(path="/api/v1/manage/apps/{appid}/test-coins", parameters=[APPID], operations={
        "get": _op("getManagedAppTestCoins", "The app's mode and its testers' test coins",
                   _ok("ManageTestCoins")),
        "post": _op("grantManagedAppTestCoins",
                    "Give one of the app's test users test coins (sandbox orders only)",
                    _ok("ManageTestCoins", "201", "Granted"),
                    requestBody=_body("ManageTestCoinGrant"))})
