"""`AsyncClient`: the asyncio/trio front end, driving the same plans as `Client` with `await`."""

from __future__ import annotations

import inspect
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import anyio
import httpx

from . import _requests as req
from ._base import BaseClient, SharedState
from ._config import DEFAULT_MAX_RETRIES, resolve_config
from ._dpop import DPoPKey
from ._models import UserInfo
from ._sansio import Notify, Plan, RequestSpec, Send, Sleep, parse_json
from ._tokens import (
    AuthorizationRequest,
    IDTokenClaims,
    LogoutTokenClaims,
    ProviderMetadata,
    Token,
)
from .resources import AsyncAlbums, AsyncGroups, AsyncOrders, AsyncShares

T = TypeVar("T")

AsyncTokenHook = Callable[[Token], object | Awaitable[object]]


class AsyncClient(BaseClient):
    """An async ZoneConnect client (asyncio or trio, through httpx.AsyncClient)."""

    shares: AsyncShares
    orders: AsyncOrders
    groups: AsyncGroups
    albums: AsyncAlbums

    def __init__(
        self,
        *,
        app_id: str | None = None,
        app_key: str | None = None,
        redirect_uri: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        on_token_refresh: AsyncTokenHook | None = None,
        dpop: bool | DPoPKey = False,
        _sleep: Callable[[float], Awaitable[None]] | None = None,
        _clock: Callable[[], float] | None = None,
        _rng: random.Random | None = None,
        _state: SharedState | None = None,
    ) -> None:
        config = resolve_config(app_id=app_id, app_key=app_key, redirect_uri=redirect_uri,
                                base_url=base_url, timeout=timeout, max_retries=max_retries,
                                http_client=http_client)
        super().__init__(config, clock=_clock, rng=_rng, state=_state, dpop=dpop)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=config.timeout)
        self._sleep = _sleep or anyio.sleep
        self.on_token_refresh = on_token_refresh
        self.shares = AsyncShares(self)
        self.orders = AsyncOrders(self)
        self.groups = AsyncGroups(self)
        self.albums = AsyncAlbums(self)

    def with_options(self, *, timeout: float | httpx.Timeout | None = None,
                     max_retries: int | None = None) -> AsyncClient:
        """A copy with other timeout/retry settings, sharing the HTTP client and caches."""
        copy = AsyncClient(
            app_id=self._config.app_id, app_key=self._config.app_key,
            redirect_uri=self._config.redirect_uri, base_url=self._config.base_url,
            timeout=timeout if timeout is not None else self._config.timeout,
            max_retries=self._config.max_retries if max_retries is None else max_retries,
            http_client=self._http, on_token_refresh=self.on_token_refresh,
            _sleep=self._sleep, _clock=self._clock, _rng=self._rng, _state=self._state,
        )
        copy._owns_http = False
        return copy

    # -- driver ---------------------------------------------------------------------------------

    async def _perform(self, spec: RequestSpec) -> httpx.Response | httpx.TransportError:
        request = self._http.build_request(spec.method, spec.url, timeout=self._config.timeout,
                                           **spec.build_kwargs())
        try:
            return await self._http.send(request)
        except httpx.TransportError as exc:
            return exc

    async def _run(self, plan: Plan[T]) -> T:
        outcome: Any = None
        try:
            while True:
                action = plan.send(outcome)
                if isinstance(action, Send):
                    outcome = await self._perform(action.spec)
                elif isinstance(action, Sleep):
                    await self._sleep(action.seconds)
                    outcome = None
                elif isinstance(action, Notify):
                    if self.on_token_refresh is not None:
                        result = self.on_token_refresh(action.token)
                        if inspect.isawaitable(result):
                            await result
                    outcome = None
        except StopIteration as stop:
            value: T = stop.value
            return value

    async def close(self) -> None:
        """Close the underlying HTTP client (unless it was passed in by the caller)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # -- login flow -----------------------------------------------------------------------------

    async def discover(self, *, refresh: bool = False) -> ProviderMetadata:
        """The provider's OpenID configuration (fetched once, then cached on the client)."""
        return await self._run(self._discover_plan(refresh))

    async def authorization_url(
        self,
        *,
        scopes: Iterable[str] = ("get_user_info",),
        state: str | None = None,
        nonce: str | None = None,
        prompt: str | None = None,
        redirect_uri: str | None = None,
    ) -> AuthorizationRequest:
        """Build the URL to send the user to, with fresh state and PKCE S256 verifier."""
        return await self._run(
            self._authorization_url_plan(scopes, state, nonce, prompt, redirect_uri))

    async def pushed_authorization_url(
        self,
        *,
        scopes: Iterable[str] = ("get_user_info",),
        state: str | None = None,
        nonce: str | None = None,
        prompt: str | None = None,
        redirect_uri: str | None = None,
    ) -> AuthorizationRequest:
        """Push the authorization request to the provider first (PAR, RFC 9126: it never travels
        through the browser) and build the URL that carries only its request_uri."""
        return await self._run(
            self._pushed_authorization_url_plan(scopes, state, nonce, prompt, redirect_uri))

    async def exchange_code(self, code: str, *, code_verifier: str,
                            redirect_uri: str | None = None) -> Token:
        """Exchange an authorization code (from the callback) for a Token."""
        return await self._run(self._exchange_code_plan(code, code_verifier, redirect_uri))

    async def refresh(self, token: Token | str, *, scopes: Sequence[str] | None = None) -> Token:
        """Exchange a refresh token for a new Token (returned; the hook is not called)."""
        return await self._run(self._refresh_plan(token, scopes))

    async def exchange_token(self, subject: Token | str, *, audience: str,
                             scopes: Sequence[str] | None = None,
                             actor: Token | str | None = None) -> Token:
        """RFC 8693: trade a user's access token for a narrower one for another of your apps
        (`audience` = its appid); see `Client.exchange_token`."""
        return await self._run(self._exchange_token_plan(subject, audience, scopes, actor))

    async def revoke(self, token: Token | str) -> None:
        """Revoke a token (for a Token: its refresh token, then its access token)."""
        await self._run(self._revoke_plan(token))

    async def verify_id_token(self, id_token: str, *, nonce: str | None = None) -> IDTokenClaims:
        """Verify an id_token's signature and claims against the cached JWKS."""
        return await self._run(self._verify_id_token_plan(id_token, nonce))

    async def verify_logout_token(self, logout_token: str) -> LogoutTokenClaims:
        """Verify a back-channel logout token as strictly as an id_token (signature from the
        JWKS, iss, aud, iat, exp), plus its type, event, jti, sid/sub and absent nonce.
        Refusing a replayed jti is the receiver's job (the Flask blueprint does it)."""
        return await self._run(self._verify_logout_token_plan(logout_token))

    async def end_session_url(
        self,
        *,
        id_token_hint: str | None = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        logout_hint: str | None = None,
        ui_locales: str | None = None,
    ) -> str:
        """The URL that logs the user out of ZoneConnect (RP-Initiated Logout), then back to
        `post_logout_redirect_uri` (registered for the app) with `state`. With the login's
        id_token as `id_token_hint` the platform logs out without asking."""
        return await self._run(self._end_session_url_plan(
            id_token_hint, post_logout_redirect_uri, state, logout_hint, ui_locales))

    # -- user API -------------------------------------------------------------------------------

    async def get_user_info(self, token: Token) -> UserInfo:
        """The user's profile (`GET /api/v1/me`, scope get_user_info)."""
        return await self._run(self._authed(token, lambda t: req.me(self._config, t),
                                            lambda r: parse_json(r, UserInfo.from_json)))
