"""The token store: every read and write of codes, tokens and client facts goes through here.

`TokenStore` is the seam between the OAuth rules (gateway/oauth/tokens.py: issue, redeem a code,
refresh with reuse detection and grace, revoke) and the database. Three implementations:

- `sql.SqlStore`: portable SQLAlchemy through the request's session; it defines the semantics
  (the contract suite, tests/oauth/store/test_contract.py, runs every store through them);
- `postgres.PostgresStore`: the same, with the refresh claim and the next pair in one
  statement sent to psycopg prepared, outside the request's transaction;
- `cached.CachedStore`: wraps either; keeps valid access checks and client facts in memory and
  owns every eviction (this process's commits, and other processes' through NOTIFY).

A grant or endpoint never imports an implementation: it calls `tokens.*`, which calls
`current_store()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import current_app

from gateway.oauth.clients import ClientFacts

GrantKey = tuple[int | None, int]  # (user_id, app_id)


@dataclass(frozen=True, slots=True)  # slots: the token cache holds many (about 40% less memory)
class TokenUser:
    """The profile columns of the user a token speaks for, read with the token itself."""

    username: str
    nickname: str
    gender: str | None
    province: str
    city: str
    birth_year: int | None
    avatar_key: str

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """What checking an access token reads: the token, the user's grant and profile."""

    token_id: int
    user_id: int | None
    app_id: int
    openid: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked: bool
    granted: tuple[str, ...] | None
    withdrawn: bool
    user: TokenUser | None  # None for client tokens
    audience: str | None = None  # RFC 8707 / 8693; None: the platform's API
    jkt: str | None = None  # DPoP: the key the token is bound to (part of every cached check)


@dataclass(frozen=True)
class RefreshRow:
    """A refresh token's row, as the refresh rules read it."""

    id: int
    app_id: int
    user_id: int | None
    openid: str | None
    scopes: list[str]
    family: str
    family_started_at: datetime
    code_id: int | None
    rotated_at: datetime | None
    revoked_at: datetime | None
    refresh_expires_at: datetime | None
    sid: str | None = None
    audience: str | None = None
    jkt: str | None = None  # DPoP: the key the pair is bound to


@dataclass(frozen=True)
class TokenRow:
    """A token pair found by either of its values (revocation)."""

    id: int
    app_id: int
    user_id: int | None
    revoked: bool


@dataclass(frozen=True)
class NewPair:
    """The stored columns of a pair about to be inserted (digests only, never raw values)."""

    access_digest: str
    refresh_digest: str | None
    app_id: int
    user_id: int | None
    openid: str | None
    scopes: list[str]
    grant_type: str
    family: str
    family_started_at: datetime
    parent_id: int | None
    code_id: int | None
    created_at: datetime
    expires_at: datetime
    refresh_expires_at: datetime | None
    sid: str | None = None  # the login session of the family's code (back-channel logout)
    audience: str | None = None  # RFC 8707 / 8693
    act: dict[str, Any] | None = None  # RFC 8693 delegation: the actor
    jkt: str | None = None  # DPoP: the key thumbprint both tokens are bound to

    def columns(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Claimed:
    """A refresh token claimed for its client and its next pair inserted: what the response
    needs from the claimed row."""

    parent_id: int
    user_id: int | None
    openid: str | None
    scopes: list[str]
    committed: bool  # True when the claim committed on its own (outside the session)


@dataclass(frozen=True)
class RevokeWhere:
    """Which tokens a revocation targets (every given field must match)."""

    token_id: int | None = None
    family: str | None = None
    families_of_code: int | None = None
    parent_id: int | None = None
    user_id: int | None = None
    app_id: int | None = None


class TokenStore(Protocol):
    """Storage of client facts, access checks, refresh tokens and codes (digests only).

    Writes join the request's transaction unless said otherwise; the request commits once.
    """

    def client(self, appid: str) -> ClientFacts | None:
        """The facts of the app with this appid (any status), or None."""

    def client_by_id(self, app_id: int) -> ClientFacts | None:
        """The facts of the app with this id (any status), or None."""

    def access_check(self, access_digest: str) -> AccessCheck | None:
        """The access token by digest with its user's grant and profile; None when unknown."""

    def find_token(self, token_digest: str, refresh_first: bool) -> TokenRow | None:
        """A pair by its access or refresh digest."""

    def find_refresh(self, refresh_digest: str) -> RefreshRow | None:
        """A refresh token's row by digest, whatever its state."""

    def live_child(self, token_id: int) -> bool:
        """Whether the newest pair issued from this token is the family's live head."""

    def claim_for_client(self, refresh_digest: str, app_id: int, pair: NewPair,
                         family_cutoff: datetime) -> Claimed | None:
        """Atomically claim a live, unexpired, unbound (no DPoP `jkt`) refresh token of this
        app whose family started after `family_cutoff`, and insert `pair` as its child (its
        app, user, openid, scopes, family and code are the claimed row's; its `jkt` is the
        pair's). None when nothing was claimed, for any reason;
        of two concurrent claims of one token, at most one succeeds."""

    def claim(self, token_id: int, pair: NewPair) -> bool:
        """Atomically claim this refresh token (unrotated and unrevoked) and insert `pair`."""

    def insert_pair(self, pair: NewPair, alone: bool = True) -> tuple[int, bool]:
        """Store a new pair: its row id, and whether it committed on its own (a store may do so
        when the request's session has nothing open and `alone` allows it)."""

    def revoke(self, where: RevokeWhere) -> int:
        """Revoke the live tokens matching `where`; how many."""

    def revoke_codes(self, app_id: int | None, user_id: int | None = None) -> None:
        """Mark the unused codes of an app, of one user (any app), or of both used."""

    def insert_code(self, columns: dict[str, Any]) -> None:
        """Store an authorization code (its digest and bindings)."""

    def find_code(self, code_digest: str) -> Any:
        """The code's row (an OAuthCode) by digest, whatever its state, or None."""

    def use_code(self, code_id: int) -> bool:
        """Mark an unused code used; False when a concurrent redemption won."""

    def nonce_used(self, app_id: int, nonce: str) -> bool:
        """Whether a code of this app already carried this OIDC nonce (a replayed request)."""

    def insert_device_code(self, columns: dict[str, Any]) -> None:
        """Store a device authorization (digests of both codes, the app, scopes, expiry)."""

    def find_device_code(self, device_code_digest: str) -> Any:
        """The device authorization (a DeviceCode) a polling device's code names, or None."""

    def find_user_code(self, user_code_digest: str) -> Any:
        """The device authorization a typed user code names, whatever its state, or None."""

    def device_code(self, device_code_id: int) -> Any:
        """The device authorization by id, or None."""

    def use_device_code(self, device_code_id: int) -> bool:
        """Mark an approved device authorization used; False when a concurrent poll won."""

    def note_poll(self, device_code_id: int) -> datetime | None:
        """Record a poll now; when the previous one was (None on the first)."""

    def decide_device_code(self, device_code_id: int, user_id: int,
                           scopes: list[str] | None) -> bool:
        """Record the user's answer once (approved with `scopes`, refused when None); False
        when it was already decided."""

    def forget(self, grants: Any = (), users: Any = (), apps: Any = ()) -> None:
        """Drop whatever cached reads these (user, app) pairs, users or apps touch."""

    def clear(self) -> None:
        """Drop every cached read."""

    def purge(self, batch_size: int) -> int:
        """Delete expired codes and dead tokens in batches (each committed); how many."""


def current_store() -> TokenStore:
    """The app's token store (chosen by init_app from the database and the configuration)."""
    store: TokenStore = current_app.extensions["zc_token_store"]
    return store
