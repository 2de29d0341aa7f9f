"""OpenID Connect RP-Initiated Logout 1.0: an app sends the user here to end their ZoneConnect
session, then (optionally) back to one of its registered post-logout redirect URIs.

The request is tied to the browser's session only by a valid id_token_hint whose `sid` names
this very session (or, for id_tokens from before `sid`, whose `sub` is this user at that app).
Anything else (no hint, another session's hint, a logout_hint naming someone else) asks the
user to confirm with a CSRF-protected form: another site must not be able to log people out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, validate_csrf
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from wtforms.validators import ValidationError

from gateway.accounts import sessions
from gateway.apps import services as apps
from gateway.apps.errors import AppNotFound
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.i18n import _
from gateway.identity.services import openid_for
from gateway.oauth import frontchannel, keys
from gateway.oauth.authorize import PageError, error_page, issuer

MAX_HINT = 8192
MAX_STATE = 2048


@dataclass
class LogoutRequest:
    """A validated end-session request."""

    app: App | None
    hint: dict[str, Any] | None
    redirect_uri: str | None
    state: str | None
    logout_hint: str | None


def verify_hint(raw: str) -> dict[str, Any]:
    """The claims of an id_token this server signed (expiry aside, as the spec allows), or
    PageError: a forged, unsigned (alg none), HS256 or foreign-issuer hint is refused."""
    if len(raw) > MAX_HINT:
        raise PageError(None, "invalid_request", _("The id_token_hint is too long."))
    try:
        published = KeySet.import_key_set(keys.jwks())  # type: ignore[arg-type]
        token = jwt.decode(raw, published, algorithms=list(keys.ALGORITHMS))
    except (JoseError, ValueError, TypeError, KeyError):
        raise PageError(None, "invalid_request", _(
            "The id_token_hint was not signed by ZoneConnect.")) from None
    claims = dict(token.claims)
    audience = claims.get("aud")
    if claims.get("iss") != issuer() or not isinstance(audience, str) or not isinstance(
            claims.get("sub"), str):
        raise PageError(None, "invalid_request", _(
            "The id_token_hint was not issued by ZoneConnect."))
    return claims


def _app(client_id: str | None, hint: dict[str, Any] | None) -> App | None:
    if client_id and hint is not None and hint["aud"] != client_id:
        raise PageError(None, "invalid_request", _(
            "The id_token_hint was issued to another app than client_id."))
    appid = client_id or (hint["aud"] if hint is not None else None)
    if not appid:
        return None
    try:
        return apps.find_by_appid(appid)
    except AppNotFound:
        raise PageError(None, "invalid_client", _("No app has this client_id.")) from None


def parse(values: Any) -> LogoutRequest:
    """Validate the parameters (query or form) of an end-session request."""
    raw_hint = values.get("id_token_hint") or None
    hint = verify_hint(raw_hint) if raw_hint else None
    app = _app(values.get("client_id") or None, hint)
    redirect_uri = values.get("post_logout_redirect_uri") or None
    if redirect_uri is not None:
        if app is None:
            raise PageError(None, "invalid_request", _(
                "post_logout_redirect_uri needs client_id or id_token_hint."))
        if redirect_uri not in (app.post_logout_redirect_uris or []):
            raise PageError(None, "invalid_request", _(
                "post_logout_redirect_uri is not registered for this app."))
    state = values.get("state") or None
    if state is not None and len(state) > MAX_STATE:
        raise PageError(None, "invalid_request", _("state is too long."))
    return LogoutRequest(app, hint, redirect_uri, state, values.get("logout_hint") or None)


def tied_to_session(req: LogoutRequest) -> bool:
    """Whether the hint proves the request comes from an app this session signed in to."""
    record = sessions.current_session()
    if record is None or req.hint is None or req.app is None:
        return False
    if req.logout_hint is not None and req.logout_hint != req.hint["sub"]:
        return False
    sid = req.hint.get("sid")
    if sid is not None:
        return sid == sessions.public_sid(record)
    return bool(req.hint["sub"] == openid_for(record.user_id, req.app))


def end_session() -> None:
    """Log the browser out: the session record ends (the same path as the logout button)."""
    user = sessions.current_user()
    if user is not None:
        audit.record("logout", actor_id=user.id, subject_type="user", subject_id=user.id)
    sessions.logout()


def finish(req: LogoutRequest, frames: list[str] | None = None) -> ResponseReturnValue:
    """Back to the app's registered URI (with state), or a page saying the user is signed out;
    with front-channel logout URLs to load, that page frames them first."""
    target = None
    if req.redirect_uri is not None:
        parts = urlsplit(req.redirect_uri)
        extra = urlencode({"state": req.state}) if req.state else ""
        target = urlunsplit(parts._replace(query="&".join(p for p in (parts.query, extra) if p)))
    if frames or target is None:
        return frontchannel.logged_out_page(frames or [], target, req.app)
    response = redirect(target, 302)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _confirmed() -> bool:
    if request.method != "POST" or request.form.get("confirm") != "yes":
        return False
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        raise PageError(None, "invalid_request", _(
            "The confirmation form expired: open the link again."), status=400) from None
    return True


def end_session_endpoint() -> ResponseReturnValue:
    """OIDC RP-Initiated Logout: end the ZoneConnect session, then return to the app."""
    frames: list[str] = []
    try:
        req = parse(request.values)
        if sessions.current_session() is not None:
            if not (tied_to_session(req) or _confirmed()):
                return render_template("oauth/logout_confirm.html", req=req,
                                       user=sessions.current_user())
            frames = frontchannel.logout_urls()
            end_session()
    except PageError as exc:
        return error_page(exc)
    response = finish(req, frames)
    db.session.commit()
    return response

