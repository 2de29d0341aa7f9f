"""The QQ Connect wire format: parameter collection, token redemption, response bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, g, request

from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.errors import english
from gateway.extensions import db
from gateway.oauth import tokens
from gateway.oauth.clients import ClientFacts, ClientRefused, authenticate
from gateway.oauth.errors import QQError
from gateway.oauth.store import current_store
from gateway.oauth.tokens import GrantProblem, Issued


def params() -> dict[str, str]:
    """Query, form and JSON body merged (first value wins), plus HTTP Basic client credentials.

    Parsed once per request: the token endpoint's rate-limit key reads them too.
    """
    parsed: dict[str, str] | None = g.get("qq_params")
    if parsed is None:
        parsed = g.qq_params = _parse_params()
    return dict(parsed)


# A JSON body sent as text/plain is at most this long: token parameters fit in far less.
_UNTYPED_JSON_LIMIT = 16 * 1024
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _json_body() -> Any:
    """The JSON body, typed or not: fetch(url, {body: JSON.stringify(...)}) sends text/plain.

    Auth.js/NextAuth and similar clients post JSON that way; a body that is not JSON, a form
    or an oversized untyped body is simply not a JSON source.
    """
    if request.is_json:
        return request.get_json(silent=True)
    if request.mimetype in _FORM_TYPES or request.method != "POST":
        return None
    length = request.content_length
    if length is None or not 0 < length <= _UNTYPED_JSON_LIMIT:
        return None
    data = request.get_data(cache=True)
    if not data.lstrip().startswith(b"{"):
        return None
    try:
        return current_app.json.loads(data)  # the app's size and depth limits
    except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
        return None


def _parse_params() -> dict[str, str]:
    merged: dict[str, str] = {}
    body = _json_body()
    sources: list[Mapping[str, Any]] = [request.args, request.form]
    if isinstance(body, dict):
        sources.append(body)
    for source in sources:
        for key in source:
            value = source.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                merged.setdefault(str(key), str(value))
    try:
        basic = request.authorization
    except ValueError:  # Werkzeug raises on a non-ASCII Basic header: treat it as absent
        basic = None
    if basic is not None and basic.type == "basic":
        merged.setdefault("client_id", basic.username or "")
        merged.setdefault("client_secret", basic.password or "")
    return merged


def client_key() -> str:
    """The rate-limit key of a token request: the client it names."""
    return "token-client:" + params().get("client_id", "")[:16]


def callback_body(payload: dict[str, Any], fmt_json: bool) -> Response:
    """`callback( {...} );\\n` as text/html, or the bare JSON with fmt=json."""
    compact = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    if fmt_json:
        return Response(compact, mimetype="application/json")
    return Response(f"callback( {compact} );\n", mimetype="text/html")


def error_response(exc: QQError, fmt_json: bool) -> Response:
    """A QQ error: HTTP 200, `error` a JSON number."""
    return callback_body({"error": exc.ret, "error_description": english(exc.description)},
                         fmt_json)


# Each reason a client is refused, as the QQ wire code (refresh grant, code grant).
_REFUSED = {"unknown": (100041, 100008), "refused": (100011, 100011),
            "missing_secret": (100002, 100002), "wrong_secret": (100040, 100009)}


def _client(p: dict[str, str], *, refresh: bool) -> ClientFacts:
    """The authenticated client of a token request (clients.authenticate), or the QQ error."""
    client_id = p.get("client_id", "")
    if not client_id:
        raise QQError(100001, "invalid_client")
    try:
        return authenticate(current_store().client(client_id), p.get("client_secret"))
    except ClientRefused as exc:
        raise QQError(_REFUSED[exc.reason][0 if refresh else 1], "invalid_client") from exc


def verify_pkce(challenge: str | None, verifier: str | None) -> bool:
    """S256 only: BASE64URL(SHA256(verifier)) == challenge, compared in constant time."""
    if not challenge:
        return not verifier
    if not verifier or not 43 <= len(verifier) <= 128:
        return False
    hashed = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(hashed).rstrip(b"=").decode()
    return hmac.compare_digest(expected, challenge)


def redeem(p: dict[str, str]) -> Issued:
    """Run a legacy token request; raise QQError with the wire code."""
    grant_type = p.get("grant_type", "")
    if grant_type not in {"authorization_code", "refresh_token"}:
        raise QQError(100004, "unsupported_grant_type")
    try:
        if grant_type == "refresh_token":
            return _refresh(p)
        return _redeem_code(_client(p, refresh=False), p)
    except GrantProblem as exc:
        raise QQError(exc.ret, exc.error) from exc


def _refresh(p: dict[str, str]) -> Issued:
    client = _client(p, refresh=True)
    if not p.get("refresh_token"):
        raise QQError(100006)
    return tokens.refresh(client, p["refresh_token"])


def _redeem_code(client: ClientFacts, p: dict[str, str]) -> Issued:
    if not p.get("code"):
        raise QQError(100005)
    app = db.session.get(App, client.app_id)
    assert app is not None
    code = tokens.find_code(app, p["code"])
    if p.get("redirect_uri", "") != code.redirect_uri:
        raise QQError(100010, "invalid_grant")
    if not verify_pkce(code.code_challenge, p.get("code_verifier")):
        raise QQError(100019, "invalid_grant")
    # This door takes no DPoP proof: a DPoP app's or a dpop_jkt code is refused here.
    tokens.check_binding(client, None, ret=100019, code=code)
    tokens.consume_code(code)
    return tokens.issue_tokens(app, code.user_id, code.scopes, grant_type="authorization_code",
                               code_id=code.id, sid=code.sid)


def token_body(issued: Issued, p: dict[str, str]) -> Response:
    """`access_token=T&expires_in=N&refresh_token=R` (text/html), or the QQ JSON with fmt=json."""
    fields: dict[str, str] = {"access_token": issued.access_token,
                              "expires_in": str(issued.expires_in),
                              "refresh_token": issued.refresh_token or ""}
    if p.get("need_openid") == "1" and issued.openid:
        fields["openid"] = issued.openid
    if p.get("fmt") == "json":
        return Response(json.dumps(fields, separators=(",", ":")), mimetype="application/json")
    # Values are uppercase hex and digits: nothing needs escaping.
    return Response("&".join(f"{k}={v}" for k, v in fields.items()), mimetype="text/html")


def audit_failure(exc: QQError, p: dict[str, str]) -> None:
    """Failed token requests land in the audit log (never the secrets themselves)."""
    audit.record("oauth.token_failed", subject_type="app", subject_id=p.get("client_id", "")[:16],
                 ret=exc.ret, grant_type=p.get("grant_type", "")[:32])
