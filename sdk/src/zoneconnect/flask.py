"""Flask integration: a blueprint with `/login`, `/callback`, `/logout`, `/deauthorized` and
`/backchannel-logout` (`zoneconnect[flask]`)."""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit

try:
    from flask import Blueprint, Response, has_request_context, redirect, request, session, url_for
    from flask.typing import ResponseReturnValue
    from markupsafe import escape
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("zoneconnect.flask needs Flask: pip install 'zoneconnect[flask]'") from exc

from . import webhooks
from ._client import Client
from ._exceptions import (
    APIConnectionError,
    APIError,
    IDTokenError,
    LogoutTokenError,
    OAuthError,
    SignatureVerificationError,
    ZoneConnectError,
)
from ._models import Event, UserInfo
from ._tokens import LogoutTokenClaims, Token

__all__ = ["Deauthorizations", "MemoryDeauthorizations", "MemoryReplayCache", "ReplayCache",
           "create_blueprint", "current_token", "current_user", "save_token", "safe_next"]

PENDING_KEY = "zoneconnect_pending"
USER_KEY = "zoneconnect_user"
TOKEN_KEY = "zoneconnect_token"
LOGIN_AT_KEY = "zoneconnect_login_at"
SID_KEY = "zoneconnect_sid"  # the ZoneConnect session the login came from (id_token `sid`)
ID_TOKEN_KEY = "zoneconnect_id_token"  # kept only with end_session=True (the logout's hint)
SESSION_KEYS = (USER_KEY, TOKEN_KEY, PENDING_KEY, LOGIN_AT_KEY, SID_KEY, ID_TOKEN_KEY)

LoginHook = Callable[[dict[str, Any], Token], ResponseReturnValue | None]
DeauthorizedHook = Callable[[Event], None]
LogoutHook = Callable[[LogoutTokenClaims], None]


class Deauthorizations(Protocol):
    """Where the blueprint remembers which users withdrew their authorization, and when."""

    def add(self, openid: str, at: float) -> None:
        """Record that `openid` deauthorized the app at Unix time `at`."""

    def since(self, openid: str) -> float | None:
        """When `openid` last deauthorized the app, or None."""


class MemoryDeauthorizations:
    """Deauthorizations kept in this process (the newest `limit`). A site served by several
    processes passes a shared store instead (a table, Redis): the callback reaches only one."""

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()

    def add(self, openid: str, at: float) -> None:
        with self._lock:
            self._seen[openid] = max(at, self._seen.get(openid, at))
            self._seen.move_to_end(openid)
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)

    def since(self, openid: str) -> float | None:
        with self._lock:
            return self._seen.get(openid)


class ReplayCache(Protocol):
    """Where the back-channel logout receiver remembers the logout tokens' `jti`s."""

    def first_use(self, jti: str, expires_at: float) -> bool:
        """Record `jti` until `expires_at`; False when it was already recorded (a replay)."""


class MemoryReplayCache:
    """`jti`s kept in this process until their token expires (at most `limit`). A site served
    by several processes passes a shared store (Redis SET NX EX, a unique column) instead."""

    def __init__(self, limit: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_use(self, jti: str, expires_at: float) -> bool:
        now = self._clock()
        with self._lock:
            for old in [k for k, until in self._seen.items() if until < now]:
                del self._seen[old]
            if jti in self._seen:
                return False
            self._seen[jti] = expires_at
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)
            return True


def current_user() -> dict[str, Any] | None:
    """The logged-in user stored by the callback (`openid`, `nickname`, `avatar`, ...), or None."""
    user = session.get(USER_KEY)
    return dict(user) if isinstance(user, dict) else None


def current_token() -> Token | None:
    """The logged-in user's Token from the session, or None."""
    data = session.get(TOKEN_KEY)
    return Token.from_dict(data) if isinstance(data, dict) else None


def save_token(token: Token) -> None:
    """Store a refreshed token in the session; pass it as the client's `on_token_refresh`."""
    if not has_request_context():
        return
    user = current_user()
    if user is None or token.openid in (None, user.get("openid")):
        session[TOKEN_KEY] = _session_token(token)


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def _session_token(token: Token) -> dict[str, Any]:
    data = token.to_dict()
    data.pop("id_token", None)  # verified at login; too large for a cookie session
    return data


def _user_dict(info: UserInfo | None, token: Token) -> dict[str, Any]:
    if info is None:
        return {"openid": token.openid, "unionid": token.unionid, "nickname": None,
                "avatar": None}
    return {"openid": info.openid, "unionid": info.unionid, "nickname": info.nickname,
            "avatar": info.avatar, "gender": info.gender, "province": info.province,
            "city": info.city}


def _error_page(title: str, detail: str, status: int, login_url: str) -> Response:
    body = (
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title></head><body>"
        f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>"
        f"<p><a href=\"{escape(login_url)}\">Try logging in again</a></p></body></html>"
    )
    return Response(body, status=status, mimetype="text/html")


def create_blueprint(
    client: Client | Callable[[], Client],
    *,
    on_login: LoginHook | None = None,
    scopes: Iterable[str] = ("get_user_info",),
    url_prefix: str = "/zoneconnect",
    name: str = "zoneconnect",
    webhook_secret: str | Callable[[], str] | None = None,
    deauthorizations: Deauthorizations | None = None,
    on_deauthorized: DeauthorizedHook | None = None,
    end_session: bool = False,
    post_logout_redirect_uri: str | Callable[[], str] | None = None,
    logouts: Deauthorizations | None = None,
    replay_cache: ReplayCache | None = None,
    on_backchannel_logout: LogoutHook | None = None,
) -> Blueprint:
    """A blueprint for "log in with ZoneConnect"; `client` may be a Client or a factory of one.

    Single logout: with `end_session=True`, `/logout` also logs the user out of ZoneConnect
    (RP-Initiated Logout with the login's id_token as hint), returning to
    `post_logout_redirect_uri` (one of the app's registered post-logout URIs; without it
    ZoneConnect shows its own "signed out" page). `POST /backchannel-logout` receives the
    platform's logout tokens (register its absolute URL as the app's back-channel logout URL):
    the ZoneConnect session (`sid`) or user (`sub`) it names is signed out here on its next
    request. `logouts` and `replay_cache` default to this process's memory; a site with several
    processes passes shared stores.
    """
    scope_list = tuple(scopes)
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    revoked = deauthorizations if deauthorizations is not None else MemoryDeauthorizations()
    ended = logouts if logouts is not None else MemoryDeauthorizations()
    jtis = replay_cache if replay_cache is not None else MemoryReplayCache()

    def get_client() -> Client:
        return client if isinstance(client, Client) else client()

    def fail(title: str, detail: str, status: int = 400) -> Response:
        session.pop(PENDING_KEY, None)
        return _error_page(title, detail, status, url_for(f"{name}.login"))

    @bp.get("/login")
    def login() -> ResponseReturnValue:
        """Start a login: remember state and PKCE verifier, redirect to the platform."""
        zc = get_client()
        redirect_uri = zc.redirect_uri or url_for(f"{name}.callback", _external=True)
        try:
            auth = zc.authorization_url(scopes=scope_list, redirect_uri=redirect_uri)
        except ZoneConnectError as exc:
            return fail("Login unavailable", f"ZoneConnect could not be reached: {exc}", 502)
        session[PENDING_KEY] = {"state": auth.state, "code_verifier": auth.code_verifier,
                                "nonce": auth.nonce, "redirect_uri": auth.redirect_uri,
                                "next": safe_next(request.args.get("next"))}
        return redirect(auth.url)

    @bp.get("/callback")
    def callback() -> ResponseReturnValue:
        """Finish a login: check state, exchange the code, load the profile, redirect."""
        if "error" in request.args:
            error = request.args.get("error", "")
            if error == "access_denied":
                return fail("Login cancelled", "You declined to log in with ZoneConnect.")
            text = request.args.get("error_description") or error
            return fail("Login failed", f"ZoneConnect answered: {text}")
        pending = session.get(PENDING_KEY)
        if not isinstance(pending, dict):
            return fail("Login expired", "This login was not started here or has expired.")
        state = request.args.get("state", "")
        if not hmac.compare_digest(state.encode(), str(pending.get("state", "")).encode()):
            return fail("Login failed", "The state parameter does not match this login.")
        code = request.args.get("code")
        if not code:
            return fail("Login failed", "The callback carried no authorization code.")
        zc = get_client()
        try:
            issuer = request.args.get("iss")
            if issuer is not None and issuer.rstrip("/") != zc.discover().issuer:
                return fail("Login failed", "The response came from an unexpected issuer.")
            token = zc.exchange_code(code, code_verifier=pending["code_verifier"],
                                     redirect_uri=pending["redirect_uri"])
            id_claims = None
            if token.id_token:
                id_claims = zc.verify_id_token(token.id_token, nonce=pending.get("nonce"))
            info = zc.get_user_info(token) if "get_user_info" in scope_list else None
        except (OAuthError, IDTokenError) as exc:
            return fail("Login failed", f"The login could not be completed: {exc}")
        except APIError as exc:
            if exc.status_code >= 500:
                return fail("Login failed", f"ZoneConnect had an error: {exc}", 502)
            return fail("Login failed", f"ZoneConnect refused the login: {exc}")
        except APIConnectionError as exc:
            return fail("Login failed", f"ZoneConnect could not be reached: {exc}", 502)
        session.pop(PENDING_KEY, None)
        # The profile call may have refreshed (and so spent) this token's refresh token: keep
        # the newest token the client holds for it.
        token = zc._state.latest(token)
        user = _user_dict(info, token)
        session[USER_KEY] = user
        session[TOKEN_KEY] = _session_token(token)
        session[LOGIN_AT_KEY] = time.time()
        sid = id_claims.claims.get("sid") if id_claims is not None else None
        if isinstance(sid, str) and sid:
            session[SID_KEY] = sid
        if end_session and token.id_token:
            session[ID_TOKEN_KEY] = token.id_token
        if on_login is not None:
            result = on_login(user, token)
            if result is not None:
                return result
        return redirect(safe_next(pending.get("next")))

    @bp.route("/logout", methods=["GET", "POST"])
    def logout() -> ResponseReturnValue:
        """Forget the user (and revoke the token, best effort), then redirect: with
        end_session=True through ZoneConnect's end-session endpoint (single logout)."""
        token = current_token()
        hint = session.get(ID_TOKEN_KEY)
        for key in SESSION_KEYS:
            session.pop(key, None)
        if token is not None:
            try:
                get_client().revoke(token)
            except ZoneConnectError:
                pass  # the session is gone either way; an unrevoked token expires on its own
        if end_session:
            back = (post_logout_redirect_uri() if callable(post_logout_redirect_uri)
                    else post_logout_redirect_uri)
            try:
                return redirect(get_client().end_session_url(
                    id_token_hint=hint if isinstance(hint, str) else None,
                    post_logout_redirect_uri=back))
            except ZoneConnectError:
                pass  # ZoneConnect unreachable: signed out here at least
        return redirect(safe_next(request.values.get("next")))

    @bp.post("/backchannel-logout")
    def backchannel_logout() -> ResponseReturnValue:
        """OpenID Connect Back-Channel Logout: verify the logout token, sign out the session
        (`sid`) or user (`sub`) it names. 200 when done, 400 with an error otherwise (§2.8)."""
        headers = {"Cache-Control": "no-store"}
        raw = request.form.get("logout_token")
        if not raw:
            return {"error": "invalid_request",
                    "error_description": "logout_token is required"}, 400, headers
        try:
            claims = get_client().verify_logout_token(raw)
        except IDTokenError as exc:
            return {"error": "invalid_request", "error_description": str(exc)}, 400, headers
        except ZoneConnectError:
            return {"error": "temporarily_unavailable"}, 503, headers  # the JWKS was unreachable
        if not jtis.first_use(claims.jti, float(claims.exp)):
            error = LogoutTokenError("logout token jti was already used")
            return {"error": "invalid_request", "error_description": str(error)}, 400, headers
        if claims.sid:
            ended.add("sid:" + claims.sid, float(claims.iat))
        else:
            assert claims.sub is not None  # verify_logout_token: a sid or a sub
            ended.add("sub:" + claims.sub, float(claims.iat))
        if on_backchannel_logout is not None:
            on_backchannel_logout(claims)
        return "", 200, headers

    @bp.post("/deauthorized")
    def deauthorized() -> ResponseReturnValue:
        """The platform's signed `user.deauthorized` callback: sign that user out here."""
        secret = webhook_secret() if callable(webhook_secret) else webhook_secret
        secret = secret or os.environ.get("ZONECONNECT_WEBHOOK_SECRET", "")
        if not secret:
            return {"error": "webhook_secret_missing"}, 503
        try:
            event = webhooks.verify(request.get_data(), request.headers, secret)
        except SignatureVerificationError:
            return {"error": "bad_signature"}, 400
        except ValueError:
            return {"error": "bad_event"}, 400
        openid = str(event.data.get("openid") or "")
        if event.type == "user.deauthorized" and openid:
            revoked.add(openid, float(event.created))
            if on_deauthorized is not None:
                on_deauthorized(event)
        return "", 204

    @bp.before_app_request
    def sign_out_deauthorized() -> None:
        """A user who withdrew the app's authorization since logging in is logged out, and so
        is a login whose ZoneConnect session (or user) a logout token named."""
        user = session.get(USER_KEY)
        openid = user.get("openid") if isinstance(user, dict) else None
        if not openid:
            return
        login_at = float(session.get(LOGIN_AT_KEY) or 0)
        sid = session.get(SID_KEY)
        # `created` and `iat` are whole seconds: a login within that second counts as before it
        # (signing out by mistake costs one login; keeping a signed-out user is worse).
        stamps = [revoked.since(str(openid)), ended.since("sub:" + str(openid))]
        if (any(at is not None and at + 1 > login_at for at in stamps)
                or (isinstance(sid, str) and ended.since("sid:" + sid) is not None)):
            for key in SESSION_KEYS:
                session.pop(key, None)

    return bp
