"""Connect accounts, account links, login links and onboarding completion."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.stripe_fake.call import Call, Obj, Route
from tests.fakes.stripe_fake.errors import invalid, missing_param
from tests.fakes.stripe_fake.state import PLATFORM_ACCOUNT_ID, FakeStripeState, new_id

ACCOUNT_FIELDS = ("account_token", "business_profile", "business_type", "capabilities",
                  "company", "default_currency", "documents", "email", "external_account",
                  "groups", "individual", "metadata", "settings", "tos_acceptance")
TYPES = ("express", "standard", "custom")
CURRENCIES = {"US": "usd", "CN": "cny", "HK": "hkd", "GB": "gbp", "DE": "eur", "FR": "eur",
              "JP": "jpy", "SG": "sgd", "CA": "cad", "AU": "aud"}
DUE = ["business_profile.mcc", "business_profile.url", "external_account",
       "tos_acceptance.date", "tos_acceptance.ip"]
LINK_TTL = 300


def _requirements(due: list[str]) -> Obj:
    return {"alternatives": [], "current_deadline": None, "currently_due": list(due),
            "disabled_reason": "requirements.past_due" if due else None, "errors": [],
            "eventually_due": list(due), "past_due": list(due),
            "pending_verification": []}


def _capabilities(requested: dict[str, Any], current: dict[str, str]) -> dict[str, str]:
    caps = dict(current)
    for name, spec in requested.items():
        wants = isinstance(spec, dict) and spec.get("requested") == "true"
        if wants:
            caps.setdefault(name, "inactive")
        else:
            caps.pop(name, None)
    return caps


def _account_type(call: Call) -> str:
    kind = call.params.string("type")
    if kind is None and not call.params.has("controller"):
        raise missing_param("type")
    if kind is not None and kind not in TYPES:
        raise invalid(f"Invalid type: must be one of {', '.join(TYPES)}", param="type")
    return kind or "none"


def create_account(call: Call) -> Obj:
    """POST /v1/accounts."""
    p = call.params.allow("type", "country", "controller", *ACCOUNT_FIELDS)
    kind, country = _account_type(call), (p.string("country") or "US").upper()
    caps = _capabilities(p.hash("capabilities"), {})
    if kind == "standard" and not caps:
        caps = {"card_payments": "inactive", "transfers": "inactive"}
    account_id = new_id("acct", 16)
    account: Obj = {
        "id": account_id, "object": "account",
        "business_profile": p.hash("business_profile") or {"mcc": None, "name": None,
                                                          "url": None},
        "business_type": p.string("business_type"), "capabilities": caps,
        "charges_enabled": False,
        "controller": p.hash("controller") or {"type": "application", "is_controller": True},
        "country": country, "created": call.state.now(),
        "default_currency": (p.currency("default_currency", required=False)
                             or CURRENCIES.get(country, "usd")),
        "details_submitted": False, "email": p.string("email"),
        "external_accounts": {"object": "list", "data": [], "has_more": False,
                              "total_count": 0,
                              "url": f"/v1/accounts/{account_id}/external_accounts"},
        "future_requirements": _requirements([]), "metadata": p.metadata(),
        "payouts_enabled": False, "requirements": _requirements(DUE),
        "settings": {"payouts": {"debit_negative_balances": True,
                                 "schedule": {"delay_days": 2, "interval": "daily"}}},
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": kind,
    }
    return call.state.add(account)


def _get(state: FakeStripeState, account_id: str, param: str = "id") -> Obj:
    return state.get("account", account_id, kind="account", param=param)


def retrieve_account(call: Call, account_id: str) -> Obj:
    """GET /v1/accounts/<id>."""
    call.params.allow()
    return _get(call.state, account_id)


def retrieve_platform(call: Call) -> Obj:
    """GET /v1/account: the account the API key belongs to."""
    call.params.allow()
    if call.account:
        return _get(call.state, call.account)
    return {"id": PLATFORM_ACCOUNT_ID, "object": "account", "charges_enabled": True,
            "country": "US", "default_currency": "usd", "details_submitted": True,
            "payouts_enabled": True, "type": "standard"}


def update_account(call: Call, account_id: str) -> Obj:
    """POST /v1/accounts/<id>; emits `account.updated` when something changed."""
    p = call.params.allow(*ACCOUNT_FIELDS)
    account = _get(call.state, account_id)
    before = copy.deepcopy(account)
    account["metadata"] = p.metadata(account["metadata"])
    account["capabilities"] = _capabilities(p.hash("capabilities"), account["capabilities"])
    for field in ("email", "business_type"):
        if p.has(field):
            account[field] = p.string(field)
    if p.has("business_profile"):
        account["business_profile"] = {**account["business_profile"],
                                       **p.hash("business_profile")}
    if p.has("default_currency"):
        account["default_currency"] = p.currency("default_currency")
    _announce(call.state, account, before)
    return account


def list_accounts(call: Call) -> Obj:
    """GET /v1/accounts."""
    p = call.params.allow("limit", "starting_after", "ending_before", "created")
    return call.state.list_page(call.state.all("account"), p, "/v1/accounts")


def _announce(state: FakeStripeState, account: Obj, before: Obj) -> None:
    previous = {k: v for k, v in before.items() if account.get(k) != v}
    if previous:
        state.emit("account.updated", account, account=account["id"], previous=previous)


def create_account_link(call: Call) -> Obj:
    """POST /v1/account_links: a URL to the fake's own onboarding page."""
    p = call.params.allow("account", "refresh_url", "return_url", "type", "collect",
                          "collection_options")
    account_id = p.required_string("account")
    _get(call.state, account_id, param="account")
    kind = p.required_string("type")
    if kind not in ("account_onboarding", "account_update"):
        raise invalid(f"Invalid type: {kind}", param="type")
    created, token = call.state.now(), new_id("al", 20)
    call.state.account_links[token] = {
        "account": account_id, "refresh_url": p.required_string("refresh_url"),
        "return_url": p.required_string("return_url"), "expires_at": created + LINK_TTL,
    }
    url = f"{call.base_url}/_fake/onboarding/{account_id}?link={token}"
    return {"object": "account_link", "created": created, "expires_at": created + LINK_TTL,
            "url": url}


def create_login_link(call: Call, account_id: str) -> Obj:
    """POST /v1/accounts/<id>/login_links (Express dashboard)."""
    call.params.allow()
    account = _get(call.state, account_id, param="account")
    if account["type"] != "express":
        raise invalid("Cannot create a login link for an account that is not Express.")
    return {"object": "login_link", "created": call.state.now(),
            "url": f"{call.base_url}/_fake/dashboard/{account_id}"}


def complete_onboarding(state: FakeStripeState, account_id: str) -> Obj:
    """Mark an account fully onboarded (enabled, capabilities active); emits `account.updated`."""
    account = _get(state, account_id)
    before = copy.deepcopy(account)
    caps = account["capabilities"] or {"card_payments": "inactive", "transfers": "inactive"}
    bank = {"id": new_id("ba"), "object": "bank_account", "account": account_id,
            "bank_name": "STRIPE TEST BANK", "country": account["country"],
            "currency": account["default_currency"], "default_for_currency": True,
            "last4": "6789", "status": "new"}
    account.update({
        "capabilities": {name: "active" for name in caps}, "charges_enabled": True,
        "details_submitted": True, "payouts_enabled": True, "requirements": _requirements([]),
        "tos_acceptance": {"date": state.now(), "ip": "127.0.0.1", "user_agent": None},
        "external_accounts": {**account["external_accounts"], "data": [bank],
                              "total_count": 1},
    })
    _announce(state, account, before)
    return account


def restrict_account(state: FakeStripeState, account_id: str) -> Obj:
    """Disable charges and payouts pending new requirements; emits `account.updated`."""
    account = _get(state, account_id)
    before = copy.deepcopy(account)
    account.update({
        "capabilities": {name: "inactive" for name in account["capabilities"]},
        "charges_enabled": False, "payouts_enabled": False,
        "requirements": _requirements(["individual.verification.document"]),
    })
    _announce(state, account, before)
    return account


ROUTES: list[Route] = [
    ("POST", "/v1/accounts", create_account),
    ("GET", "/v1/accounts", list_accounts),
    ("GET", "/v1/accounts/<account_id>", retrieve_account),
    ("POST", "/v1/accounts/<account_id>", update_account),
    ("POST", "/v1/accounts/<account_id>/login_links", create_login_link),
    ("GET", "/v1/account", retrieve_platform),
    ("POST", "/v1/account_links", create_account_link),
]
