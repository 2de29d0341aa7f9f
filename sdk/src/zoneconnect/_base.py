"""`BaseClient`: options, shared caches and every operation as a sans-I/O plan."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import httpx

from . import _jwt
from . import _requests as req
from ._config import ClientConfig
from ._dpop import DPoPKey, Signer
from ._exceptions import OAuthError, ReauthorizationRequired, ZoneConnectError
from ._sansio import (
    Notify,
    Plan,
    RequestSpec,
    RetrySettings,
    json_object,
    parse_json,
    raise_for_oauth_status,
    raise_for_status,
    send,
)
from ._tokens import (
    AuthorizationRequest,
    IDTokenClaims,
    LogoutTokenClaims,
    ProviderMetadata,
    Token,
)

T = TypeVar("T")

#: A forced JWKS refetch (unknown `kid`) happens at most this often, in seconds.
JWKS_REFETCH_INTERVAL = 10.0
#: How many refresh results are remembered, so a stale token is not refreshed twice.
REFRESH_MEMORY = 256


@dataclass
class SharedState:
    """Caches shared by a client and the copies `with_options` makes of it."""

    metadata: ProviderMetadata | None = None
    jwks: dict[str, Any] | None = None
    jwks_forced_at: float | None = None
    refreshed: OrderedDict[str, Token] = field(default_factory=OrderedDict)
    signer: Signer | None = None  # DPoP: the client's key and the server's nonces
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def latest(self, token: Token) -> Token:
        """The newest token this client obtained by refreshing `token` (or `token` itself)."""
        with self.lock:
            for _ in range(REFRESH_MEMORY):  # follow old -> new links, never loop forever
                nxt = self.refreshed.get(token.refresh_token or "")
                if nxt is None or nxt is token:  # a server that does not rotate maps R -> R
                    break
                token = nxt
        return token

    def remember_refresh(self, olds: Iterable[str], new: Token) -> None:
        """Record that these refresh tokens were exchanged for `new` (bounded LRU)."""
        with self.lock:
            for old in olds:
                self.refreshed[old] = new
                self.refreshed.move_to_end(old)
            while len(self.refreshed) > REFRESH_MEMORY:
                self.refreshed.popitem(last=False)


def _is_invalid_token(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    if 'error="invalid_token"' in response.headers.get("www-authenticate", ""):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") == "invalid_token"


class BaseClient:
    """What `Client` and `AsyncClient` share: everything but the I/O."""

    _config: ClientConfig
    _state: SharedState

    def __init__(
        self,
        config: ClientConfig,
        *,
        clock: Callable[[], float] | None,
        rng: random.Random | None,
        state: SharedState | None,
        dpop: bool | DPoPKey = False,
    ) -> None:
        self._config = config
        self._clock = clock or time.time
        self._rng = rng or random.Random()
        self._state = state or SharedState()
        if dpop and self._state.signer is None:
            key = dpop if isinstance(dpop, DPoPKey) else DPoPKey()
            self._state.signer = Signer(key, self._clock)

    @property
    def dpop_key(self) -> DPoPKey | None:
        """The key this client's tokens are bound to (DPoP, RFC 9449), or None."""
        return self._state.signer.key if self._state.signer is not None else None
    @property
    def app_id(self) -> str:
        """The app's id (OAuth client_id)."""
        return self._config.app_id

    @property
    def base_url(self) -> str:
        """The platform's base URL, without a trailing slash."""
        return self._config.base_url

    @property
    def redirect_uri(self) -> str | None:
        """The default redirect URI for logins."""
        return self._config.redirect_uri

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._config.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeout applied to each request."""
        return self._config.timeout

    # -- transport ------------------------------------------------------------------------------

    def _send(self, spec: RequestSpec) -> Plan[httpx.Response]:
        settings = RetrySettings(self._config.max_retries, self._clock, self._rng,
                                 self._state.signer)
        return send(spec, settings)

    def _call(self, spec: RequestSpec, parse: Callable[[httpx.Response], T]) -> Plan[T]:
        response = yield from self._send(spec)
        raise_for_status(response, self._clock())
        return parse(response)

    # -- discovery and keys ---------------------------------------------------------------------

    def _discover_plan(self, refresh: bool = False) -> Plan[ProviderMetadata]:
        if self._state.metadata is not None and not refresh:
            return self._state.metadata
        metadata = yield from self._call(
            req.discovery(self._config), lambda r: parse_json(r, ProviderMetadata.from_json))
        self._state.metadata = metadata
        return metadata

    def _jwks_plan(self, metadata: ProviderMetadata) -> Plan[dict[str, Any]]:
        keys = yield from self._call(req.jwks(self._config, metadata), json_object)
        self._state.jwks = keys
        return keys

    # -- login flow -----------------------------------------------------------------------------

    def _authorization_url_plan(
        self,
        scopes: Iterable[str],
        state: str | None,
        nonce: str | None,
        prompt: str | None,
        redirect_uri: str | None,
    ) -> Plan[AuthorizationRequest]:
        metadata = yield from self._discover_plan()
        key = self.dpop_key
        return req.authorization_request(self._config, metadata, scopes=scopes, state=state,
                                         nonce=nonce, prompt=prompt, redirect_uri=redirect_uri,
                                         dpop_jkt=key.thumbprint if key else None)

    def _pushed_authorization_url_plan(
        self,
        scopes: Iterable[str],
        state: str | None,
        nonce: str | None,
        prompt: str | None,
        redirect_uri: str | None,
    ) -> Plan[AuthorizationRequest]:
        metadata = yield from self._discover_plan()
        key = self.dpop_key
        params, auth = req.authorization_parameters(self._config, scopes=scopes, state=state,
                                                    nonce=nonce, prompt=prompt,
                                                    redirect_uri=redirect_uri,
                                                    dpop_jkt=key.thumbprint if key else None)
        response = yield from self._send(req.pushed_authorization(self._config, metadata, params))
        raise_for_oauth_status(response, self._clock())
        request_uri = parse_json(response, lambda body: str(body["request_uri"]))
        return replace(auth, url=req.pushed_authorization_url(self._config, metadata,
                                                              request_uri))

    def _token_plan(self, form: dict[str, str], previous: Token | None) -> Plan[Token]:
        metadata = yield from self._discover_plan()
        response = yield from self._send(req.token(self._config, metadata, form))
        raise_for_oauth_status(response, self._clock())
        now = self._clock()
        return parse_json(response, lambda body: Token.from_response(body, now=now,
                                                                       previous=previous))

    def _exchange_code_plan(self, code: str, code_verifier: str,
                            redirect_uri: str | None) -> Plan[Token]:
        redirect = redirect_uri or self._config.redirect_uri
        if not redirect:
            raise ValueError("redirect_uri is required: pass it to the client or to this call")
        form = req.code_grant(code, code_verifier=code_verifier, redirect_uri=redirect)
        return (yield from self._token_plan(form, None))

    def _refresh_plan(self, token: Token | str, scopes: Sequence[str] | None) -> Plan[Token]:
        previous = token if isinstance(token, Token) else None
        value = token.refresh_token if isinstance(token, Token) else token
        if not value:
            raise ZoneConnectError("this token has no refresh_token")
        return (yield from self._token_plan(req.refresh_grant(value, scopes), previous))

    def _exchange_token_plan(self, subject: Token | str, audience: str,
                             scopes: Sequence[str] | None,
                             actor: Token | str | None) -> Plan[Token]:
        if not self._config.app_key:
            raise ValueError("token exchange needs the app's key: only a backend can exchange")
        if not audience:
            raise ValueError("audience (the target app's appid) is required")
        value = subject.access_token if isinstance(subject, Token) else subject
        actor_value = actor.access_token if isinstance(actor, Token) else actor
        form = req.exchange_grant(value, audience=audience, scopes=scopes,
                                  actor_token=actor_value)
        return (yield from self._token_plan(form, None))

    def _revoke_plan(self, token: Token | str) -> Plan[None]:
        metadata = yield from self._discover_plan()
        pairs: list[tuple[str, str]] = []
        if isinstance(token, Token):
            if token.refresh_token:
                pairs.append((token.refresh_token, "refresh_token"))
            pairs.append((token.access_token, "access_token"))
        else:
            pairs.append((token, "access_token"))
        for value, hint in pairs:
            response = yield from self._send(req.revoke(self._config, metadata, value, hint))
            raise_for_oauth_status(response, self._clock())

    def _verify_id_token_plan(self, id_token: str, nonce: str | None) -> Plan[IDTokenClaims]:
        metadata = yield from self._discover_plan()
        return (yield from self._with_jwks(metadata, lambda keys: _jwt.verify_id_token(
            id_token, keys, issuer=metadata.issuer, audience=self._config.app_id, nonce=nonce,
            now=self._clock())))

    def _verify_logout_token_plan(self, logout_token: str) -> Plan[LogoutTokenClaims]:
        metadata = yield from self._discover_plan()
        return (yield from self._with_jwks(metadata, lambda keys: _jwt.verify_logout_token(
            logout_token, keys, issuer=metadata.issuer, audience=self._config.app_id,
            now=self._clock())))

    def _with_jwks(self, metadata: ProviderMetadata,
                   verify: Callable[[dict[str, Any]], T]) -> Plan[T]:
        """Verify with the cached JWKS; an unknown `kid` refetches it once (keys rotate), at
        most every JWKS_REFETCH_INTERVAL seconds (a forged kid cannot make us hammer it)."""
        fetched = False
        keys = self._state.jwks
        if keys is None:
            keys = yield from self._jwks_plan(metadata)
            fetched = True
        try:
            return verify(keys)
        except _jwt.UnknownKeyError:
            last = self._state.jwks_forced_at
            now = self._clock()
            if fetched or (last is not None and now - last < JWKS_REFETCH_INTERVAL):
                raise
            self._state.jwks_forced_at = now
        keys = yield from self._jwks_plan(metadata)
        return verify(keys)

    def _end_session_url_plan(self, id_token_hint: str | None,
                              post_logout_redirect_uri: str | None, state: str | None,
                              logout_hint: str | None, ui_locales: str | None) -> Plan[str]:
        metadata = yield from self._discover_plan()
        return req.end_session_url(self._config, metadata, id_token_hint=id_token_hint,
                                   post_logout_redirect_uri=post_logout_redirect_uri,
                                   state=state, logout_hint=logout_hint, ui_locales=ui_locales)

    # -- calls made with a user's token: transparent refresh ------------------------------------

    def _auto_refresh(self, token: Token) -> Plan[Token]:
        # Refresh tokens are single-use: if this client already refreshed `token`, reuse the
        # result rather than burn the old refresh token (which would revoke the whole family).
        new = self._state.latest(token)
        if new is token or new.is_expired(self._clock()):
            base = new
            try:
                new = yield from self._refresh_plan(base, None)
            except OAuthError as exc:
                if exc.code != "invalid_grant":
                    raise
                raise ReauthorizationRequired.from_oauth_error(exc) from exc
            olds = {t.refresh_token for t in (token, base) if t.refresh_token}
            self._state.remember_refresh(olds, new)
        yield Notify(new)
        return new

    def _authed(self, token: Token, build: Callable[[Token], RequestSpec],
                parse: Callable[[httpx.Response], T]) -> Plan[T]:
        """Call with the user's token; refresh once (expired, or 401 invalid_token) and retry."""
        current = token
        refreshed = False
        if current.refresh_token and current.is_expired(self._clock()):
            current = yield from self._auto_refresh(current)
            refreshed = True
        while True:
            response = yield from self._send(build(current))
            if not refreshed and current.refresh_token and _is_invalid_token(response):
                current = yield from self._auto_refresh(current)
                refreshed = True
                continue
            raise_for_status(response, self._clock())
            return parse(response)
