"""Standard OAuth 2.0 / OpenID Connect endpoints (RFC JSON), served by Authlib's server."""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from flask import Response, jsonify, make_response, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from gateway import driver
from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.apps import services as apps
from gateway.apps.errors import AppNotLive
from gateway.audit import services as audit
from gateway.authorizations import services as authorizations
from gateway.database import commit_if_open
from gateway.errors import english
from gateway.extensions import csrf, db
from gateway.mfa import flow as mfa_flow
from gateway.mfa import state as mfa_state
from gateway.oauth import authorize as authz
from gateway.oauth import dpop, pushed, resource
from gateway.oauth.errors import MissingToken, TokenError
from gateway.oauth.grants import InvalidDPoPProofError, UseDPoPNonceError
from gateway.oauth.models import PushedRequest
from gateway.oauth.rate_limits import token_limits
from gateway.oauth.server import authorization_request, server
from gateway.oauth.userinfo import email_claims, profile_claims
from gateway.openapi.errors import RateLimited
from gateway.openapi.guard import rest_error
from gateway.quotas import services as quotas
from gateway.usage.recorder import record_call

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
USERINFO_API = "userinfo"  # its name in usage statistics and quotas


def _redirect_error(auth_uri: str, error: str, description: str, state: str | None) -> Response:
    return authz.callback_redirect(auth_uri, {"error": error, "error_description": description,
                                              "state": state, "iss": authz.issuer()})


def authorize() -> ResponseReturnValue:
    """OIDC authorization endpoint (code flow only); adds `iss` to the response (RFC 9207).
    Takes the request in the query, in a POSTed form (OIDC Core §3.1.2.1), or pushed (RFC 9126)."""
    if request.method == "POST" and "confirm" not in request.form:
        return _posted_request()
    if request.method == "POST":
        csrf.protect()  # the consent form (the URL is CSRF-exempt for apps' POSTed requests)
    try:
        args, pushed_request = authz.request_args(request.args)
    except authz.PageError as exc:
        return authz.error_page(exc)
    try:
        auth = authz.parse(args, legacy=False, pushed_request=pushed_request)
    except authz.PageError as exc:
        return authz.error_page(exc)
    except authz.RedirectError as exc:
        return _answer(pushed_request, _redirect_error(
            args["redirect_uri"], exc.error, exc.description, args.get("state")))
    response = _decide(auth, args)
    if response.status_code in (301, 302, 303) and response.location.startswith(
            auth.redirect_uri):
        return _answer(pushed_request, response)  # the app has its answer
    commit_if_open()  # a pushed request opened: the login and consent time starts now
    return response


def _posted_request() -> ResponseReturnValue:
    """An authorization request sent as a form: the same request as a GET (303), so the login
    page's return, the consent form and the step-up all see it in the query."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
    return redirect(request.path + "?" + urlencode(fields), code=303)


def _answer(pushed_request: PushedRequest | None, response: Response) -> ResponseReturnValue:
    """Send the app its answer; a pushed request answers once (RFC 9126 §4, single use)."""
    if pushed_request is not None and not pushed.use(pushed_request):
        db.session.rollback()
        return authz.error_page(authz.PageError(None, "invalid_request_uri",
                                                authz.REQUEST_URI_REFUSED))
    commit_if_open()
    return response


def _decide(auth: authz.AuthRequest, args: MultiDict[str, str]) -> Response:
    """Log in, step up, consent: the page to show, or the redirect back to the app."""
    user = sessions.current_user()
    if "none" in auth.prompt:
        if (user is None or authz.needs_login(auth, user)
                or authz.hint_names_another_user(auth, user)):
            return _redirect_error(auth.redirect_uri, "login_required",
                                   "The user is not logged in.", auth.state)
        if authz.needs_consent(auth, user):
            return _redirect_error(auth.redirect_uri, "consent_required",
                                   "The user has not granted these scopes.", auth.state)
    elif user is None or authz.needs_login(auth, user):
        return make_response(authz.login_redirect())
    elif (step_up := mfa_flow.acr_step_up(user, args.get("acr_values"))) is not None:
        return make_response(step_up)  # acr_values asked for two factors: check it first
    try:
        apps.ensure_usable_by(auth.app, user.id)
    except AppNotLive:
        return make_response(authz.error_page(authz.page_error(100011)))
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            return _redirect_error(auth.redirect_uri, "access_denied",
                                   "The user refused.", auth.state)
        scopes = authz.approved_scopes(auth, request.form)
        authorizations.record_consent(user.id, auth.app.id, scopes)
    elif "none" not in auth.prompt and authz.needs_consent(auth, user):
        return make_response(authz.consent_page(auth, user))
    else:
        scopes = auth.scopes
    return _issue_code(user, scopes, auth.resource, args)


def _issue_code(user: User, scopes: list[str], resource: str | None,
                args: MultiDict[str, str]) -> Response:
    oauth_request = authorization_request(args)
    try:
        grant = server.get_consent_grant(oauth_request, end_user=user)
    except OAuth2Error as error:
        response = server.handle_error_response(oauth_request, error)
    else:
        # What the user approved travels on the grant's request to save_authorization_code.
        grant.request.approved_scopes = scopes
        grant.request.auth_time = sessions.auth_time()
        grant.request.amr = mfa_state.session_amr_text()  # the id_token's amr and acr
        grant.request.sid = sessions.public_sid(sessions.current_session())  # the id_token's sid
        grant.request.resource = resource  # RFC 8707: the tokens' audience
        response = server.create_authorization_response(oauth_request, grant_user=user,
                                                        grant=grant)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _token_client_key() -> str:
    basic = request.authorization
    client_id = (basic.username if basic else None) or request.form.get("client_id") or ""
    return "oauth2-token-client:" + client_id[:16]


def mixed_client_authentication() -> str | None:
    """RFC 6749 §2.3: a client uses one authentication method per request. HTTP Basic with a
    client_secret in the body too (or naming another client_id) is refused, not resolved."""
    basic = request.authorization
    if basic is None or basic.type != "basic":
        return None
    if "client_secret" in request.form:
        return "Send the client secret once: in HTTP Basic or in the body, not both."
    client_id = request.form.get("client_id")
    if client_id is not None and client_id != basic.username:
        return "The client_id in the body is not the client of the Authorization header."
    return None


# RFC 8707 §2 and RFC 8693 §2.1 let these repeat; the grants answer several with invalid_target.
MAY_REPEAT = frozenset({"resource", "audience"})


@token_limits(client_key=_token_client_key)
def token() -> ResponseReturnValue:
    """RFC 6749 token endpoint: authorization_code (+PKCE), refresh_token, client_credentials."""
    repeated = sorted(name for name, values in request.form.lists()
                      if len(values) > 1 and name not in MAY_REPEAT)
    if repeated:  # RFC 6749 §3.2 and §5.2: a repeated parameter is invalid_request
        response = server.handle_error_response(None, InvalidRequestError(
            f"Repeated parameter: {repeated[0][:32]}."))
    elif problem := mixed_client_authentication():
        response = server.handle_error_response(None, InvalidRequestError(problem))
    else:
        response = _token_response()
    if "DPoP" in request.headers and dpop.nonce_required(resource=False):
        response.headers["DPoP-Nonce"] = dpop.current_nonce()  # keep the client's nonce fresh
    if response.status_code != 200:
        body = response.get_json(silent=True) or {}
        audit.record("oauth.token_failed", subject_type="app",
                     subject_id=_token_client_key().rsplit(":", 1)[-1] or None,
                     error=str(body.get("error", ""))[:64],
                     grant_type=(request.form.get("grant_type") or "")[:32])
    commit_if_open()  # tokens, or the audit rows and any revocation a reuse caused
    return response


def _token_response() -> Response:
    """Check the DPoP proof (RFC 9449 §5), if any, then let Authlib run the grant with it."""
    try:
        proof = dpop.from_request()
    except dpop.DPoPProblem as exc:
        error = (UseDPoPNonceError if isinstance(exc, dpop.UseNonce)
                 else InvalidDPoPProofError)(english(exc.description))
        response: Response = server.handle_error_response(None, error)
        return response
    oauth_request = server.create_oauth2_request(None)
    oauth_request.dpop = proof
    with driver.one_connection():  # the store's reads and claim: one pooled checkout
        response = server.create_token_response(oauth_request)
    return response


def revoke() -> ResponseReturnValue:
    """RFC 7009 revocation (client-authenticated)."""
    response = server.create_endpoint_response("revocation")
    db.session.commit()
    return response


def introspect() -> ResponseReturnValue:
    """RFC 7662 introspection, answering only for the calling client's own tokens."""
    return server.create_endpoint_response("introspection")


def userinfo() -> ResponseReturnValue:
    """OIDC userinfo: the Authorization header only (Bearer, or DPoP with a proof; never a query
    or body token: docs/oauth-security.md), `openid` scope required; counted like the open
    API."""
    try:
        ctx = resource.authenticate(resource.from_header())
    except TokenError as exc:
        response = jsonify({"error": exc.code, "error_description": english(exc.description),
                            "ret": exc.ret})
        # RFC 6750 §3.1: a request without a token gets the challenge without an error code
        # (both schemes offered, RFC 9449 §7.1); a DPoP request or proof error gets DPoP's.
        bearer = "Bearer" if isinstance(exc, MissingToken) else f'Bearer error="{exc.code}"'
        challenge = resource.challenge_for(exc, bearer)
        if challenge:
            response.headers["WWW-Authenticate"] = challenge
        response.headers.update(resource.nonce_headers(exc))
        return response, exc.status
    if "openid" not in ctx.scopes or ctx.user_id is None:
        response = jsonify({"error": "insufficient_scope",
                            "error_description": "The token lacks the openid scope.",
                            "ret": 100030})
        response.headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope" scope="openid"'
        record_call(ctx.app_id, USERINFO_API, ctx.user_id, False)
        return response, 403
    try:
        quotas.hit(ctx.app_id, USERINFO_API)
    except RateLimited as exc:
        record_call(ctx.app_id, USERINFO_API, ctx.user_id, False)
        return rest_error(exc)
    assert ctx.user is not None  # a token with a user_id was read with its user's profile
    record_call(ctx.app_id, USERINFO_API, ctx.user_id, True)
    claims = {"sub": ctx.openid, **profile_claims(ctx.user, ctx.scopes)}
    if "email" in ctx.scopes:  # read only for tokens that carry the scope
        claims.update(email_claims(db.session.get(User, ctx.user_id), ctx.scopes))
    return jsonify(claims)
