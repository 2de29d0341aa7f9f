"""What an authorize or token response says about its outcome, read after the view ran.

Hooked once (an app-level after_request) rather than into each grant: the views and grants stay
as they are, and every outcome (success, each error, a rate-limit refusal before the view) is
seen in one place. Bodies are read only for the four OAuth endpoints; tokens and codes in them
are never kept, only the openid a token response carries.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Response, g, request

from gateway.authlog import recorder
from gateway.extensions import client_address
from gateway.timeutil import utcnow

# endpoint -> (kind, legacy wire format)
ENDPOINTS = {"oauth.authorize": ("authorize", False), "oauth_legacy.authorize": ("authorize", True),
             "oauth.token": ("token", False), "oauth_legacy.token": ("token", True)}

# The QQ error codes a legacy token or authorize request fails with, as readable reasons.
QQ_REASONS = {
    100000: "invalid_response_type", 100001: "client_id_missing",
    100002: "client_secret_missing", 100004: "unsupported_grant_type", 100005: "code_missing",
    100006: "refresh_token_missing", 100008: "unknown_client", 100009: "invalid_client_secret",
    100010: "redirect_uri_mismatch", 100011: "app_not_live", 100019: "invalid_code",
    100020: "code_reused", 100031: "scope_not_permitted", 100036: "invalid_refresh_token",
    100037: "refresh_token_expired", 100038: "refresh_token_revoked",
    100040: "invalid_client_secret", 100041: "refresh_token_of_another_app",
}


def after_request(response: Response) -> Response:
    """Buffer the outcome of an authorize or token request (no database work here)."""
    found = ENDPOINTS.get(request.endpoint or "")
    if found is None:
        return response
    try:
        event = _authorize(response, found[1]) if found[0] == "authorize" else _token(
            response, found[1])
    except Exception:  # the log never breaks the answer
        recorder.log.exception("auth event capture failed")
        return response
    if event is not None and event.get("appid"):
        notes = g.get("authlog_notes") or {}
        event.update({k: v for k, v in notes.items() if k in ("reason", "openid")})
        event.update(kind=found[0], occurred_at=utcnow(), client_ip=client_address()[:64],
                     user_agent=request.user_agent.string[:255])
        event["appid"] = str(event["appid"])[:16]
        event.setdefault("grant_type", "")
        event["description"] = str(event.get("description") or "")[:255]
        event["reason"] = str(event.get("reason") or "unknown")[:64]
        recorder.record(event)
    return response


def _failure(reason: Any, description: Any = "", ret: Any = None) -> dict[str, Any]:
    code = ret if isinstance(ret, int) and not isinstance(ret, bool) else None
    if isinstance(reason, int) and not isinstance(reason, bool):
        code, reason = reason, QQ_REASONS.get(reason, f"error_{reason}")
    return {"outcome": "failure", "reason": reason, "description": description, "ret": code}


def _json_in(text: str) -> dict[str, Any]:
    """The JSON object of a body, QQ's `callback( {...} );` included."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return {}
    try:
        found = json.loads(text[start:end + 1])
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _token(response: Response, legacy: bool) -> dict[str, Any] | None:
    if legacy:
        from gateway.oauth.legacy import params

        p = params()
        client_id = p.get("client_id", "")
    else:
        p = request.form
        basic = request.authorization
        client_id = (basic.username if basic else None) or p.get("client_id") or ""
    event: dict[str, Any] = {"appid": client_id, "grant_type": (p.get("grant_type") or "")[:32]}
    text = response.get_data(as_text=True)
    if response.status_code == 429:
        return {**event, **_failure("rate_limited", "Too many token requests.")}
    if response.status_code == 200 and (text.startswith("access_token=") or '"access_token"'
                                        in text):
        openid = g.get("authlog_openid") or _json_in(text).get("openid")
        return {**event, "outcome": "success", "reason": "token_issued",
                "openid": openid if isinstance(openid, str) else None}
    body = _json_in(text)
    error = body.get("error")
    if legacy or isinstance(error, int):
        return {**event, **_failure(error if isinstance(error, int) else "invalid_request",
                                    body.get("error_description", ""))}
    return {**event, **_failure(error or "invalid_request", body.get("error_description", ""),
                                body.get("ret"))}


def _authorize(response: Response, legacy: bool) -> dict[str, Any] | None:
    event: dict[str, Any] = {"appid": request.args.get("client_id", "")}
    page_error = g.get("authlog_page_error")
    if page_error is not None:
        return {**event, **_failure(page_error.get("ret") or page_error.get("error"),
                                    page_error.get("error_description", ""),
                                    page_error.get("ret"))}
    if response.status_code not in (302, 303):
        return None  # the login or consent page: no outcome yet
    location = urlsplit(response.headers.get("Location", ""))
    found = {**parse_qs(location.query), **parse_qs(location.fragment)}
    user = _user_id()
    if "code" in found or "access_token" in found:
        issued = "code_issued" if "code" in found else "token_issued"
        return {**event, "outcome": "success", "reason": issued, "user_id": user}
    if "error" in found:
        error = found["error"][0]
        return {**event, **_failure(error, found.get("error_description", [""])[0]),
                "user_id": user if error == "access_denied" else None}
    return None  # the login redirect


def _user_id() -> int | None:
    from gateway.accounts import sessions

    user = sessions.current_user()
    return user.id if user is not None else None
