"""The token rules, one entry each: issue, redeem a code, refresh (reuse, grace, family
lifetime), revoke, purge. Every grant and both front doors (standard and QQ) call these; the
storage (and its caches and single-statement claims) is behind `current_store()`. Only digests
are stored; writes join the request's transaction, which the view commits once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.authlog import recorder as authlog
from gateway.extensions import db
from gateway.i18n import N_
from gateway.identity.services import openid_for
from gateway.oauth import access_jwt, resources
from gateway.oauth.clients import ClientFacts
from gateway.oauth.models import OAuthCode, OAuthToken
from gateway.oauth.store import NewPair, RefreshRow, RevokeWhere, TokenRow, current_store
from gateway.oauth.store.sql import child_of
from gateway.observability import metrics
from gateway.security.secrets import digest, new_hex32
from gateway.timeutil import utcnow


class GrantProblem(Exception):
    """A code or refresh token cannot be redeemed; `ret` is the QQ code, `error` the RFC one."""

    def __init__(self, ret: int, description: str, error: str = "invalid_grant") -> None:
        super().__init__(description)
        self.ret = ret
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Issued:
    """A freshly issued pair: the raw values are returned once and never stored."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    scopes: list[str]
    openid: str | None
    token_id: int | None = None
    user_id: int | None = None
    jkt: str | None = None  # DPoP: the key thumbprint both tokens are bound to

    @property
    def token_type(self) -> str:
        """`DPoP` for sender-constrained tokens (RFC 9449 §5), `Bearer` otherwise."""
        return "DPoP" if self.jkt else "Bearer"

    @property
    def row(self) -> OAuthToken:
        """The stored row (loaded on demand: nothing on the hot paths reads it)."""
        row = db.session.get(OAuthToken, self.token_id)
        assert row is not None
        return row


def setting(name: str) -> int:
    """An integer setting of the provider (TTLs, grace window)."""
    return int(current_app.config[name])


def _count(grant_type: str) -> None:
    family = metrics.token_family()
    metrics.when_committed(lambda: metrics.token_issued(grant_type, family))


@dataclass(frozen=True)
class _Minted:
    access: str
    refresh: str | None
    ttl: int
    pair: NewPair


@dataclass(frozen=True)
class Bindings:
    """What a token is bound to beyond its app, user and scopes: its audience (RFC 8707/8693),
    its actor (RFC 8693 `act`), the login it comes from (auth_time, acr, amr: JWT claims), a
    family to join and a moment it may not outlive (token exchange)."""

    audience: str | None = None
    act: dict[str, Any] | None = None
    authentication: dict[str, Any] | None = None
    family: str | None = None
    family_started_at: datetime | None = None
    not_after: datetime | None = None


def _mint(app_id: int, user_id: int | None, openid: str | None, scopes: list[str], *,
          grant_type: str, with_refresh: bool = True, family: str | None = None,
          family_started_at: datetime | None = None, parent_id: int | None = None,
          code_id: int | None = None, sid: str | None = None,
          jwt_for: ClientFacts | None = None, bindings: Bindings = Bindings(),
          jkt: str | None = None) -> _Minted:
    now = utcnow()
    refresh = new_hex32() if with_refresh else None
    expires_at = now + timedelta(seconds=setting("ZC_ACCESS_TOKEN_TTL"))
    if bindings.not_after is not None and bindings.not_after < expires_at:
        expires_at = bindings.not_after
    ttl = max(0, int((expires_at - now).total_seconds()))
    if jwt_for is not None and jwt_for.issues_jwt:  # RFC 9068; still stored as a digest
        body = access_jwt.claims(
            appid=jwt_for.appid, subject=openid or jwt_for.appid, scopes=scopes,
            issued_at=now, expires_at=expires_at, audience=bindings.audience, act=bindings.act,
            authentication=bindings.authentication)
        if jkt is not None:  # RFC 9449 §6.1: the key a resource server checks proofs against
            body["cnf"] = {"jkt": jkt}
        access = access_jwt.encode(body)
    else:
        access = new_hex32()
    pair = NewPair(
        digest(access), digest(refresh) if refresh else None, app_id, user_id, openid,
        list(scopes), grant_type, family or bindings.family or new_hex32(),
        family_started_at or bindings.family_started_at or now, parent_id, code_id, now,
        expires_at,
        now + timedelta(seconds=setting("ZC_REFRESH_TOKEN_TTL")) if refresh else None, sid,
        bindings.audience, bindings.act, jkt)
    return _Minted(access, refresh, ttl, pair)


# Opaque tokens are 32 hex digits; JWT access tokens (RFC 9068) a few hundred characters.
MAX_TOKEN_LENGTH = 4096


# -- codes -------------------------------------------------------------------------------------


def issue_code(app: App, user_id: int, *, redirect_uri: str, scopes: list[str],
               code_challenge: str | None = None, code_challenge_method: str | None = None,
               nonce: str | None = None, auth_time: int | None = None,
               amr: str | None = None, sid: str | None = None,
               resource: str | None = None, dpop_jkt: str | None = None) -> str:
    """Mint a single-use authorization code bound to app, redirect URI, PKCE challenge and
    (authorize's `dpop_jkt`) a DPoP key."""
    raw = new_hex32()
    now = utcnow()
    current_store().insert_code(dict(
        code_digest=digest(raw), app_id=app.id, user_id=user_id, redirect_uri=redirect_uri,
        scopes=list(scopes), code_challenge=code_challenge,
        code_challenge_method=code_challenge_method if code_challenge else None,
        nonce=nonce, auth_time=auth_time, amr=amr or None, sid=sid, resource=resource,
        dpop_jkt=dpop_jkt,
        created_at=now,
        expires_at=now + timedelta(seconds=setting("ZC_CODE_TTL"))))
    return raw


def find_code(app: App, raw: str) -> OAuthCode:
    """The unused, unexpired code of this app; a replayed code revokes what it issued."""
    code: OAuthCode | None = current_store().find_code(digest(raw))
    if code is None or code.app_id != app.id:
        raise GrantProblem(100019, "code to access token error")
    if code.used_at is not None:
        revoked = current_store().revoke(RevokeWhere(families_of_code=code.id))
        audit.record("code.replayed", actor_id=code.user_id, subject_type="app",
                     subject_id=app.appid, tokens_revoked=revoked)
        raise GrantProblem(100020, "code is reused error")
    if code.expires_at <= utcnow():
        raise GrantProblem(100019, "code to access token error")
    return code


def consume_code(code: OAuthCode) -> None:
    """Mark the code used; a concurrent redemption that won first makes this one fail."""
    if not current_store().use_code(code.id):
        raise GrantProblem(100020, "code is reused error")


# -- DPoP bindings (RFC 9449) --------------------------------------------------------------------


def check_binding(client: ClientFacts, jkt: str | None, *, ret: int,
                  code: OAuthCode | None = None) -> None:
    """Before issuing from a grant: an app that requires DPoP gets no unbound tokens, and a
    code bound at authorize (`dpop_jkt`, §10) is redeemed only with a proof of that key.
    Checked before the code is spent."""
    if jkt is None and client.require_dpop:
        raise GrantProblem(ret, N_("This app requires DPoP: send a DPoP proof."),
                           error="invalid_dpop_proof")
    if code is not None and code.dpop_jkt and (
            jkt is None or not hmac.compare_digest(jkt, code.dpop_jkt)):
        raise GrantProblem(ret, N_("The DPoP proof's key is not the dpop_jkt of the "
                                   "authorization request."), error="invalid_dpop_proof")


def _check_refresh_binding(client: ClientFacts, row: RefreshRow, jkt: str | None) -> None:
    """A bound family refreshes only with a proof (never downgraded to Bearer); a public
    client's refresh token only with the same key (§5). A confidential client authenticates
    itself, so its refresh token is not bound to the key and may move to a new one."""
    if row.jkt is None:
        check_binding(client, jkt, ret=100042)
        return
    if jkt is None:
        raise GrantProblem(100042, N_("This refresh token is DPoP-bound: send a DPoP proof."),
                           error="invalid_dpop_proof")
    if client.is_public_client and not hmac.compare_digest(jkt, row.jkt):
        raise GrantProblem(100042, N_("The DPoP proof is not signed with the key the refresh "
                                      "token is bound to."), error="invalid_dpop_proof")


# -- issuing and refreshing ----------------------------------------------------------------------


def issue_tokens(app: App | ClientFacts | int, user_id: int | None, scopes: list[str], *,
                 grant_type: str, code_id: int | None = None, with_refresh: bool = True,
                 sid: str | None = None, bindings: Bindings = Bindings(),
                 jkt: str | None = None) -> Issued:
    """Store a new access (and refresh) token's digests for an app (its row, facts or id),
    starting a family (bound to the login session `sid` when issued from that session's code)
    or joining `bindings.family`, bound to the DPoP key `jkt` when given; the raw values. An
    app that chose JWT access tokens gets an RFC 9068 JWT (with `cnf.jkt` when bound)."""
    facts = _facts(app)
    app_id = facts.app_id
    openid = openid_for(user_id, app_id) if user_id is not None else None
    minted = _mint(app_id, user_id, openid, scopes, grant_type=grant_type,
                   with_refresh=with_refresh, code_id=code_id, sid=sid, jwt_for=facts,
                   bindings=bindings, jkt=jkt)
    token_id, committed = current_store().insert_pair(minted.pair)
    if committed:
        metrics.token_issued(grant_type, metrics.token_family())
    else:
        _count(grant_type)
    return Issued(minted.access, minted.refresh, minted.ttl, list(scopes), openid, token_id,
                  user_id, jkt)


def _facts(app: App | ClientFacts | int) -> ClientFacts:
    if isinstance(app, ClientFacts):
        return app
    if isinstance(app, App):
        return ClientFacts.of(app)
    facts = current_store().client_by_id(app)
    assert facts is not None, "tokens are issued to existing apps"
    return facts


def authentication_of(code: OAuthCode) -> dict[str, Any]:
    """The login a code comes from, as JWT claims (RFC 9068 §2.2.1): auth_time, acr, amr."""
    return {"auth_time": code.auth_time, "acr": code.get_acr(), "amr": code.get_amr()}


def refresh(client: ClientFacts, raw: str | None, scopes: list[str] | None = None,
            resource: str | None = None, jkt: str | None = None) -> Issued:
    """Exchange a refresh token of this (authenticated) client for the next pair of its family.

    Rules, in order: unknown (100036); another client's (100041); already exchanged: within
    ZC_REFRESH_REUSE_GRACE seconds the immediately previous token works once more and the pair
    issued before is revoked, otherwise reuse revokes the whole family (100038); revoked
    (100038); expired, or its family older than ZC_REFRESH_FAMILY_TTL (100037); DPoP-bound
    without a proof, or a public client's with another key (`invalid_dpop_proof`). A scope may
    only narrow (`invalid_scope`), and a `resource` (RFC 8707) must be the family's audience
    (`invalid_target`). The next pair is bound to `jkt` (the request's proof), if any. Of two
    concurrent exchanges of one token, one claims it and the other is judged again as a retry.
    """
    if not raw or len(raw) > 64:  # refresh tokens are always opaque
        raise GrantProblem(100036, "refresh token invalid")
    store = current_store()
    refresh_digest = digest(raw)
    cutoff = utcnow() - timedelta(seconds=setting("ZC_REFRESH_FAMILY_TTL"))
    if (scopes is None and resource is None and not client.issues_jwt and jkt is None
            and not client.require_dpop):
        # the common case: one atomic claim of an unbound token (one statement on PostgreSQL);
        # a JWT's claims need the row first, so JWT apps take the path below
        minted = _mint(client.app_id, None, None, [], grant_type="refresh_token")
        claimed = store.claim_for_client(refresh_digest, client.app_id, minted.pair, cutoff)
        if claimed is not None:
            if claimed.committed:
                metrics.token_issued("refresh_token", metrics.token_family())
            else:
                _count("refresh_token")
            return Issued(minted.access, minted.refresh, minted.ttl, claimed.scopes,
                          claimed.openid, None, claimed.user_id)
    for _attempt in range(2):
        row = store.find_refresh(refresh_digest)
        issued = _judge(client, row, scopes, cutoff, resource, jkt)
        if issued is not None:
            return issued
    raise GrantProblem(100038, "refresh token revoked")  # claimed away twice: a reuse storm


def _judge(client: ClientFacts, row: RefreshRow | None, scopes: list[str] | None,
           cutoff: datetime, resource: str | None = None,
           jkt: str | None = None) -> Issued | None:
    """Apply the rules to a refresh row read just now; None when a concurrent claim won."""
    if row is None:
        raise GrantProblem(100036, "refresh token invalid")
    if row.app_id != client.app_id:
        raise GrantProblem(100041, "refresh token bad appid")
    if resource is not None and resource != (row.audience or resources.platform_resource()):
        raise GrantProblem(100042, "resource differs from the grant's", error="invalid_target")
    if row.rotated_at is not None:
        if _in_grace(row):
            _check_refresh_binding(client, row, jkt)
            current_store().revoke(RevokeWhere(parent_id=row.id))  # the superseded pair
            return _next_pair(row, scopes, client, jkt, claim=False)
        revoked = current_store().revoke(RevokeWhere(family=row.family))
        authlog.note(reason="refresh_reuse_detected", openid=row.openid)
        audit.record("token.reuse_detected", actor_id=row.user_id, subject_type="app",
                     subject_id=client.appid, family=row.family, tokens_revoked=revoked)
        raise GrantProblem(100038, "refresh token revoked")
    if row.revoked_at is not None:
        raise GrantProblem(100038, "refresh token revoked")
    if (row.refresh_expires_at is not None and row.refresh_expires_at <= utcnow()
            or row.family_started_at <= cutoff):
        raise GrantProblem(100037, "refresh token expired")
    _check_refresh_binding(client, row, jkt)
    return _next_pair(row, scopes, client, jkt, claim=True)


def _in_grace(row: RefreshRow) -> bool:
    assert row.rotated_at is not None
    if (utcnow() - row.rotated_at).total_seconds() > setting("ZC_REFRESH_REUSE_GRACE"):
        return False
    return current_store().live_child(row.id)  # only the immediately previous token


def _next_pair(row: RefreshRow, scopes: list[str] | None, client: ClientFacts,
               jkt: str | None, *,
               claim: bool) -> Issued | None:
    if scopes is not None and not set(scopes) <= set(row.scopes):
        raise GrantProblem(100038, "scope exceeds the original grant", error="invalid_scope")
    narrowed = [s for s in row.scopes if scopes is None or s in scopes]
    openid = row.openid
    if openid is None and row.user_id is not None:  # tokens from before openids were kept
        openid = openid_for(row.user_id, row.app_id)
    minted = _mint(row.app_id, row.user_id, openid, narrowed, grant_type="refresh_token",
                   jwt_for=client, bindings=Bindings(audience=row.audience), jkt=jkt)
    child = child_of(row, minted.pair, narrowed)
    child = NewPair(**{**child.columns(), "openid": openid})
    store = current_store()
    if claim:
        if not store.claim(row.id, child):
            return None
    else:
        store.insert_pair(child, alone=False)
    _count("refresh_token")
    return Issued(minted.access, minted.refresh, minted.ttl, narrowed, openid, None, row.user_id,
                  jkt)


# -- revocation and housekeeping ----------------------------------------------------------------


def find_token(raw: str, hint: str | None) -> TokenRow | None:
    """A token pair by its access or refresh value (the hint only orders the lookups)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    return current_store().find_token(digest(raw), hint == "refresh_token")


def revoke_token(row: TokenRow) -> None:
    """Revoke one token pair (RFC 7009 revokes the access token and its refresh token)."""
    if not row.revoked:
        current_store().revoke(RevokeWhere(token_id=row.id))


def revoke_tokens_for(user_id: int, app_id: int) -> int:
    """Revoke every token and unused code one user holds for one app; the count of tokens."""
    count = current_store().revoke(RevokeWhere(user_id=user_id, app_id=app_id))
    current_store().revoke_codes(app_id, user_id)
    return count


def revoke_tokens_for_user(user_id: int) -> int:
    """Revoke every token and unused code of one user, whatever the app (an operator's hold):
    the revocation is one statement on the tokens, so every instance's cache drops them
    (this process's at commit, others by NOTIFY); the count of tokens."""
    count = current_store().revoke(RevokeWhere(user_id=user_id))
    current_store().revoke_codes(None, user_id)
    current_store().forget(users=[user_id])
    return count


def revoke_tokens_for_app(app_id: int) -> int:
    """Revoke every token and unused code of an app (suspension): they stop working at once."""
    count = current_store().revoke(RevokeWhere(app_id=app_id))
    current_store().revoke_codes(app_id)
    current_store().forget(apps=[app_id])
    return count


def purge(batch_size: int = 1000) -> int:
    """Delete expired codes and dead tokens in batches (committing each); how many rows went.
    The purge entry point of `gateway tokens purge` and the worker's scheduled job."""
    return current_store().purge(batch_size)

