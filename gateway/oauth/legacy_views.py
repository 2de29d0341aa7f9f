"""QQ-compatible endpoints: /oauth2.0/authorize, /show, /token, /me (URLs in blueprint.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from gateway import driver
from gateway.accounts import sessions
from gateway.apps import services as apps
from gateway.apps.errors import AppNotLive
from gateway.authorizations import services as authorizations
from gateway.database import commit_if_open
from gateway.extensions import db
from gateway.identity.services import unionid_for
from gateway.oauth import authorize as authz
from gateway.oauth import legacy, resource, tokens
from gateway.oauth.errors import QQError, TokenError
from gateway.oauth.rate_limits import token_limits


def authorize() -> ResponseReturnValue:
    """QQ authorize: login, consent, then a code (or, for old clients, an implicit token)."""
    try:
        auth = authz.parse(request.args, legacy=True)
    except authz.PageError as exc:
        return authz.error_page(exc)
    except authz.RedirectError as exc:
        return authz.error_page(authz.PageError(exc.ret, exc.error, exc.description))
    user = sessions.current_user()
    if user is None or authz.needs_login(auth, user):
        return authz.login_redirect()
    try:
        apps.ensure_usable_by(auth.app, user.id)
    except AppNotLive:
        return authz.error_page(authz.page_error(100011))
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            return authz.callback_redirect(auth.redirect_uri,
                                     {"error": "access_denied", "state": auth.state})
        scopes = authz.approved_scopes(auth, request.form)
        authorizations.record_consent(user.id, auth.app.id, scopes)
    elif authz.needs_consent(auth, user):
        return authz.consent_page(auth, user)
    else:
        scopes = auth.scopes
    response = _grant(auth, user.id, scopes)
    db.session.commit()
    return response


def _grant(auth: authz.AuthRequest, user_id: int, scopes: list[str]) -> Response:
    if auth.response_type == "token":
        issued = tokens.issue_tokens(auth.app, user_id, scopes, grant_type="implicit",
                                     with_refresh=False)
        return authz.callback_redirect(auth.redirect_uri, {
            "access_token": issued.access_token, "expires_in": str(issued.expires_in),
            "state": auth.state}, fragment=True)
    code = tokens.issue_code(auth.app, user_id, redirect_uri=auth.redirect_uri, scopes=scopes,
                             code_challenge=auth.code_challenge,
                             code_challenge_method=auth.code_challenge_method,
                             auth_time=sessions.auth_time())
    return authz.callback_redirect(auth.redirect_uri, {"code": code, "state": auth.state})


def show() -> ResponseReturnValue:
    """QQ's login page URL (`/oauth2.0/show?which=Login&display=pc&...`): the authorize page.

    QQ's authorize redirected there and apps saved that link; it answers with the same login and
    consent as /oauth2.0/authorize, to which it redirects with the same parameters (`which` dropped,
    `response_type` defaulting to `code` as on QQ's page).
    """
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "which"]
    if "response_type" not in request.args:
        args.insert(0, ("response_type", "code"))
    return redirect(url_for(".authorize") + "?" + urlencode(args), 302)


@token_limits(client_key=legacy.client_key)
def token() -> ResponseReturnValue:
    """QQ token endpoint: every request shape, the urlencoded body, errors as HTTP 200."""
    p = legacy.params()
    try:
        with driver.one_connection():  # the refresh grant's read and claim: one checkout
            issued = legacy.redeem(p)
        g.authlog_openid = issued.openid  # the app's auth event log; the body may omit it
    except QQError as exc:
        legacy.audit_failure(exc, p)
        db.session.commit()  # keep the audit rows and any revocation a replay caused
        return legacy.error_response(exc, p.get("fmt") == "json")
    commit_if_open()
    response = legacy.token_body(issued, p)
    response.headers["Cache-Control"] = "no-store"
    return response


def me() -> ResponseReturnValue:
    """QQ openid lookup: `callback( {"client_id":"...","openid":"..."} );`."""
    p = legacy.params()
    fmt_json = p.get("fmt") == "json"
    presented = resource.from_header()
    if p.get("access_token"):  # a parameter is a Bearer token (a DPoP-bound one is refused)
        presented = resource.Presented(p["access_token"])
    try:
        ctx = resource.authenticate(presented)
        body = {"client_id": ctx.appid, "openid": ctx.openid}
        if p.get("unionid") == "1":
            if not ctx.unionid_enabled or ctx.user_id is None:
                raise QQError(100048)
            body["unionid"] = unionid_for(ctx.user_id, ctx.developer_id)
    except TokenError as exc:
        response = legacy.error_response(QQError(exc.ret or 100013), fmt_json)
        response.headers.update(resource.nonce_headers(exc))
        return response
    except QQError as exc:
        return legacy.error_response(exc, fmt_json)
    db.session.commit()  # a unionid is minted on first use
    return legacy.callback_body(body, fmt_json)

