"""The authorization request shared by /oauth2.0/authorize and /oauth2/authorize.

Validation happens in the order that keeps the endpoint from being an open redirector: the client
and its redirect URI first (problems there show a page and never redirect), then everything else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from werkzeug.datastructures import MultiDict

from gateway import public_url
from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.apps import scopes as scope_registry
from gateway.apps import services as apps
from gateway.apps.errors import AppNotFound
from gateway.apps.models import App
from gateway.authorizations import services as authorizations
from gateway.errors import localized
from gateway.extensions import db
from gateway.i18n import N_
from gateway.identity.services import openid_for
from gateway.oauth import dpop, keys, pushed, resources
from gateway.oauth.errors import QQ_DESCRIPTIONS
from gateway.oauth.models import PushedRequest

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_STATE = 2048
# OIDC Core §3.1.2.6: request objects and registration are not offered (see discovery).
UNSUPPORTED_PARAMETERS = (("request", "request_not_supported"),
                          ("request_uri", "request_uri_not_supported"),
                          ("registration", "registration_not_supported"))


class PageError(Exception):
    """A problem shown to the user's browser as a page (the redirect URI is not trusted)."""

    def __init__(self, ret: int | None, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.ret, self.error, self.description, self.status = ret, error, description, status


class RedirectError(Exception):
    """A problem reported to the client on its (validated) redirect URI."""

    def __init__(self, error: str, description: str, ret: int | None = None) -> None:
        super().__init__(description)
        self.error, self.description, self.ret = error, description, ret


@dataclass
class AuthRequest:
    """A validated authorization request."""

    app: App
    redirect_uri: str
    response_type: str
    scopes: list[str]
    state: str | None
    legacy: bool
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: set[str] = field(default_factory=set)
    max_age: int | None = None
    hint_subject: str | None = None
    resource: str | None = None  # RFC 8707: the platform API the code's tokens are for
    # A pushed request (RFC 9126) cannot be rewritten on the way back from the login page, so a
    # login made since the browser opened it satisfies its prompt=login and max_age.
    login_since: datetime | None = None


def redirect_uri_allowed(app: App, uri: str) -> bool:
    """Exact match against the registered list; loopback URIs of public apps on any port."""
    if uri in app.redirect_uris:
        return True
    if not app.is_public_client:
        return False
    try:
        asked = urlsplit(uri)
        asked.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if asked.scheme != "http" or asked.hostname not in LOOPBACK:
        return False
    for registered in app.redirect_uris:
        known = urlsplit(registered)
        if (known.scheme, known.hostname, known.path, known.query) == (
                asked.scheme, asked.hostname, asked.path, asked.query):
            return True
    return False


def page_error(ret: int) -> PageError:
    return PageError(ret, "invalid_request", QQ_DESCRIPTIONS[ret])


REQUEST_URI_REFUSED = N_("This sign-in request has expired or was already used: go back to the "
                         "app and start again.")
PAR_REQUIRED = N_("This app sends its authorization requests only through PAR (RFC 9126).")


def request_args(args: MultiDict[str, str]) -> tuple[MultiDict[str, str], PushedRequest | None]:
    """The parameters of an authorization request: the query's, or (RFC 9126 §4) those of the
    pushed request its request_uri names, for the client_id that pushed it; any other query
    parameter is then ignored. Raises PageError for a refused request_uri."""
    if not pushed.is_request_uri(args.get("request_uri")):
        return args, None
    client_id = args.get("client_id", "")
    if not client_id:
        raise page_error(100001)
    try:
        app = apps.find_by_appid(client_id)
        row = pushed.open_request(args.get("request_uri", ""), app)
    except (AppNotFound, pushed.RequestUriRefused) as exc:
        raise PageError(None, "invalid_request_uri", REQUEST_URI_REFUSED) from exc
    stored = MultiDict(row.parameters)
    return stored, row


def parse(args: MultiDict[str, str], *, legacy: bool, pushed_request: PushedRequest | None = None,
          pushing: bool = False) -> AuthRequest:
    """Validate an authorization request; raise PageError or RedirectError. `pushed_request`:
    where `args` came from (request_args); `pushing`: the PAR endpoint is validating them."""
    client_id = args.get("client_id", "")
    if not client_id:
        raise page_error(100001)
    try:
        app = apps.find_by_appid(client_id)
    except AppNotFound as exc:
        raise page_error(100008) from exc
    redirect_uri = args.get("redirect_uri", "")
    if not redirect_uri or not redirect_uri_allowed(app, redirect_uri):
        raise page_error(100010)
    state = args.get("state")
    if state is not None and len(state) > MAX_STATE:
        raise page_error(100010)
    allowed_types = {"code", "token"} if legacy else {"code"}
    response_type = args.get("response_type", "")
    auth = AuthRequest(app=app, redirect_uri=redirect_uri, response_type=response_type,
                       scopes=[], state=state, legacy=legacy)
    if pushed_request is not None:
        auth.login_since = pushed_request.opened_at
    if app.require_par and pushed_request is None and not pushing:
        raise RedirectError("invalid_request", PAR_REQUIRED)
    if response_type not in allowed_types:
        raise RedirectError("unsupported_response_type", QQ_DESCRIPTIONS[100000], 100000)
    auth.scopes = scope_registry.parse(args.get("scope")) or [scope_registry.DEFAULT_SCOPE]
    if not set(auth.scopes) <= app.granted_scopes():
        raise RedirectError("invalid_scope", QQ_DESCRIPTIONS[100031], 100031)
    _parse_pkce(auth, args)
    _parse_oidc(auth, args)
    if not legacy:
        try:
            auth.resource = resources.platform(args.getlist("resource"))
        except resources.InvalidTarget as exc:
            raise RedirectError("invalid_target", exc.description) from exc
    if not legacy and "dpop_jkt" in args and not dpop.valid_jkt(args.get("dpop_jkt")):
        # RFC 9449 §10: the code is then redeemed only with a proof of that key.
        raise RedirectError("invalid_request", "dpop_jkt must be a JWK SHA-256 thumbprint.")
    return auth


def _parse_pkce(auth: AuthRequest, args: MultiDict[str, str]) -> None:
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method")
    if challenge or method:
        if method != "S256":
            raise RedirectError("invalid_request", "PKCE: only code_challenge_method=S256.")
        if not challenge or not 43 <= len(challenge) <= 128:
            raise RedirectError("invalid_request", "PKCE: invalid code_challenge.")
        auth.code_challenge, auth.code_challenge_method = challenge, method
    elif auth.app.is_public_client and auth.response_type == "code":
        raise RedirectError("invalid_request", "PKCE (S256) is required for this app.")
    elif auth.app.is_public_client:
        raise RedirectError("unsupported_response_type", QQ_DESCRIPTIONS[100000], 100000)


def _parse_oidc(auth: AuthRequest, args: MultiDict[str, str]) -> None:
    if not auth.legacy:  # discovery says these are unsupported: refuse rather than ignore
        for name, error in UNSUPPORTED_PARAMETERS:
            if args.get(name):
                raise RedirectError(error, f"The {name} parameter is not supported.")
    auth.nonce = (args.get("nonce") or None) if not auth.legacy else None
    if auth.nonce and len(auth.nonce) > 255:
        raise RedirectError("invalid_request", "nonce is too long.")
    auth.prompt = set((args.get("prompt") or "").split())
    if "none" in auth.prompt and len(auth.prompt) > 1:
        raise RedirectError("invalid_request", "prompt=none cannot be combined.")
    auth.hint_subject = hinted_subject(auth.app, args.get("id_token_hint"))
    raw_max_age = args.get("max_age")
    if raw_max_age not in (None, ""):
        if not raw_max_age.isdigit():
            raise RedirectError("invalid_request", "max_age must be a number of seconds.")
        auth.max_age = int(raw_max_age)


def hinted_subject(app: App, raw: str | None) -> str | None:
    """The `sub` of an id_token_hint this server signed for this app (expiry aside), else None."""
    if not raw or len(raw) > 8192:
        return None
    try:
        published = KeySet.import_key_set(keys.jwks())  # type: ignore[arg-type]
        token = jwt.decode(raw, published, algorithms=list(keys.ALGORITHMS))
    except (JoseError, ValueError, TypeError, KeyError):
        return None  # not ours, or its key is retired: the hint is ignored, as a hint may be
    claims = token.claims
    if claims.get("iss") != issuer() or claims.get("aud") != app.appid:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


def hint_names_another_user(auth: AuthRequest, user: User) -> bool:
    """OIDC Core §3.1.2.1: the id_token_hint identifies someone other than the session's user."""
    return auth.hint_subject is not None and auth.hint_subject != openid_for(user.id, auth.app)


def _logged_in_since(moment: datetime) -> bool:
    record = sessions.current_session()
    return record is not None and record.authenticated_at >= moment


def needs_login(auth: AuthRequest, user: User | None) -> bool:
    """No session, or the request demands a fresher login than the session's."""
    if user is None:
        return True
    if auth.login_since is not None and _logged_in_since(auth.login_since):
        return False
    if "login" in auth.prompt:
        return True
    if auth.max_age is not None:
        when = sessions.auth_time()
        return when is None or time.time() - when > auth.max_age
    return False


def login_redirect() -> ResponseReturnValue:
    """Send the user to the login page, then back here without the forcing parameters."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in {"prompt", "max_age"}]
    prompts = " ".join(p for p in (request.args.get("prompt") or "").split() if p != "login")
    if prompts:
        args.append(("prompt", prompts))
    target = request.path + ("?" + urlencode(args) if args else "")
    return redirect(url_for("accounts.login", next=target))


def needs_consent(auth: AuthRequest, user: User) -> bool:
    """A returning user who granted every requested scope is not asked again."""
    if "consent" in auth.prompt:
        return True
    return not set(auth.scopes) <= authorizations.granted_scopes(user.id, auth.app.id)


def consent_page(auth: AuthRequest, user: User) -> ResponseReturnValue:
    """The consent page: the app, its developer, and each scope with a checkbox."""
    from gateway.developers.services import has_icon

    developer = db.session.get(User, auth.app.developer_id)
    items = [(name, scope_registry.SCOPES[name].description) for name in auth.scopes]
    return render_template("oauth/consent.html", app=auth.app, developer=developer,
                           scopes=items, user=user, has_icon=has_icon(auth.app))


def approved_scopes(auth: AuthRequest, form: MultiDict[str, str]) -> list[str]:
    """What the user left checked, within what was asked and what the app may use."""
    checked = set(form.getlist("approved_scope"))
    granted = auth.app.granted_scopes()
    return [s for s in auth.scopes if s in checked and s in granted]


def error_page(exc: PageError) -> ResponseReturnValue:
    """Render an authorization problem as a page (never a redirect)."""
    from flask import g

    body = {"error": exc.error, "error_description": localized(exc.description), "ret": exc.ret,
            "request_id": g.get("request_id")}
    g.authlog_page_error = body  # the app's auth event log (gateway/authlog/capture.py)
    return render_template("error.html", error=body, status=exc.status), exc.status


def issuer() -> str:
    """The OIDC issuer (ZC_ISSUER, else ZC_PUBLIC_URL; the Host header only outside production)."""
    return public_url.issuer()


def callback_redirect(uri: str, params: dict[str, str | None], *,
                      fragment: bool = False) -> Response:
    """Redirect to the client's callback; the Referer must not leak the authorization page."""
    params = {k: v for k, v in params.items() if v is not None}
    separator = "#" if fragment else ("&" if "?" in uri else "?")
    response = redirect(uri + separator + urlencode(params))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
