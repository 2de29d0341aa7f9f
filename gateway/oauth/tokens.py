"""Codes and tokens: issue, redeem, rotate, revoke, purge. Only digests are stored; everything
here flushes and the request commits (the refresh grant's common case is in refresh.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, or_, select, update

from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.authlog import recorder as authlog
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.oauth.models import DeviceCode, OAuthCode, OAuthToken
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
    row: OAuthToken | None = None  # the stored row, when it was written through the session


def setting(name: str) -> int:
    """An integer setting of the provider (TTLs, grace window)."""
    return int(current_app.config[name])


def issue_code(app: App, user_id: int, *, redirect_uri: str, scopes: list[str],
               code_challenge: str | None = None, code_challenge_method: str | None = None,
               nonce: str | None = None, auth_time: int | None = None) -> str:
    """Mint a single-use authorization code bound to app, redirect URI and PKCE challenge."""
    raw = new_hex32()
    now = utcnow()
    db.session.add(OAuthCode(
        code_digest=digest(raw), app_id=app.id, user_id=user_id, redirect_uri=redirect_uri,
        scopes=list(scopes), code_challenge=code_challenge,
        code_challenge_method=code_challenge_method if code_challenge else None,
        nonce=nonce, auth_time=auth_time, created_at=now,
        expires_at=now + timedelta(seconds=setting("ZC_CODE_TTL"))))
    db.session.flush()
    return raw


def find_code(app: App, raw: str) -> OAuthCode:
    """The unused, unexpired code of this app; a replayed code revokes what it issued."""
    code = db.session.scalar(select(OAuthCode).where(OAuthCode.code_digest == digest(raw)))
    if code is None or code.app_id != app.id:
        raise GrantProblem(100019, "code to access token error")
    if code.used_at is not None:
        revoked = revoke_issued_from_code(code.id)
        audit.record("code.replayed", actor_id=code.user_id, subject_type="app",
                     subject_id=app.appid, tokens_revoked=revoked)
        raise GrantProblem(100020, "code is reused error")
    if code.expires_at <= utcnow():
        raise GrantProblem(100019, "code to access token error")
    return code


def consume_code(code: OAuthCode) -> None:
    """Mark the code used; a concurrent redemption that won first makes this one fail."""
    done = db.session.execute(update(OAuthCode).where(
        OAuthCode.id == code.id, OAuthCode.used_at.is_(None)).values(used_at=utcnow()))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise GrantProblem(100020, "code is reused error")
    db.session.refresh(code)


def revoke_issued_from_code(code_id: int) -> int:
    """Revoke every token of every family born from this code."""
    families = select(OAuthToken.family).where(OAuthToken.code_id == code_id)
    return _revoke_where(OAuthToken.family.in_(families))


def _revoke_where(*criteria: object) -> int:
    result = db.session.execute(
        update(OAuthToken).where(OAuthToken.revoked_at.is_(None), *criteria)  # type: ignore[arg-type]
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()
    return int(result.rowcount)  # type: ignore[attr-defined]


def issue_tokens(app: App, user_id: int | None, scopes: list[str], *, grant_type: str,
                 code_id: int | None = None, parent: OAuthToken | None = None,
                 with_refresh: bool = True) -> Issued:
    """Store a new access (and refresh) token's digests; return the raw values once."""
    access, refresh = new_hex32(), (new_hex32() if with_refresh else None)
    now = utcnow()
    ttl = setting("ZC_ACCESS_TOKEN_TTL")
    row = OAuthToken(
        access_digest=digest(access), refresh_digest=digest(refresh) if refresh else None,
        app_id=app.id, user_id=user_id, scopes=list(scopes), grant_type=grant_type,
        # A rotation keeps the pair's openid: no identity lookup on the refresh hot path.
        openid=(parent.openid if parent is not None and parent.openid
                else openid_for(user_id, app) if user_id is not None else None),
        family=parent.family if parent else new_hex32(), parent_id=parent.id if parent else None,
        code_id=parent.code_id if parent else code_id, created_at=now,
        expires_at=now + timedelta(seconds=ttl),
        refresh_expires_at=now + timedelta(seconds=setting("ZC_REFRESH_TOKEN_TTL"))
        if refresh else None)
    db.session.add(row)
    db.session.flush()
    family = metrics.token_family()
    metrics.when_committed(lambda: metrics.token_issued(grant_type, family))
    return Issued(access, refresh, ttl, row.scopes, row.openid, row)


def find_refresh(app: App, raw: str) -> OAuthToken:
    """The refresh token's row when it may be exchanged; reuse of a rotated one kills the family.

    Within ZC_REFRESH_REUSE_GRACE seconds the immediately previous token still works once more
    (a client that lost the response may retry): `rotate` then revokes the sibling it issued.
    """
    row = db.session.scalar(select(OAuthToken).where(OAuthToken.refresh_digest == digest(raw)))
    if row is None:
        raise GrantProblem(100036, "refresh token invalid")
    if row.app_id != app.id:
        raise GrantProblem(100041, "refresh token bad appid")
    if row.rotated_at is not None:
        if _in_grace(row):
            return row
        revoked = _revoke_where(OAuthToken.family == row.family)
        authlog.note(reason="refresh_reuse_detected", openid=row.openid)
        audit.record("token.reuse_detected", actor_id=row.user_id, subject_type="app",
                     subject_id=app.appid, family=row.family, tokens_revoked=revoked)
        raise GrantProblem(100038, "refresh token revoked")
    if row.revoked_at is not None:
        raise GrantProblem(100038, "refresh token revoked")
    if row.refresh_expires_at is not None and row.refresh_expires_at <= utcnow():
        raise GrantProblem(100037, "refresh token expired")
    return row


def _in_grace(row: OAuthToken) -> bool:
    assert row.rotated_at is not None
    if (utcnow() - row.rotated_at).total_seconds() > setting("ZC_REFRESH_REUSE_GRACE"):
        return False
    child = db.session.scalar(select(OAuthToken).where(OAuthToken.parent_id == row.id)
                              .order_by(OAuthToken.id.desc()).limit(1))
    # Only the immediately previous token: its child must be the family's live head.
    return child is not None and child.rotated_at is None and child.revoked_at is None


def rotate(app: App, row: OAuthToken, scopes: list[str] | None = None) -> Issued:
    """Exchange a refresh token for a new pair in the same family (scope may only narrow)."""
    narrowed = [s for s in row.scopes if scopes is None or s in scopes]
    if row.rotated_at is not None:  # grace reuse: the pair issued before is superseded
        _revoke_where(OAuthToken.parent_id == row.id)
    else:
        row.rotated_at = utcnow()
        row.revoked_at = row.rotated_at
    return issue_tokens(app, row.user_id, narrowed, grant_type="refresh_token", parent=row)


def revoke_token_row(row: OAuthToken) -> None:
    """Revoke one token pair (RFC 7009 revokes the access token and its refresh token)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.session.flush()


def revoke_tokens_for(user_id: int, app_id: int) -> int:
    """Revoke every token and unused code one user holds for one app; the count of tokens."""
    count = _revoke_where(OAuthToken.user_id == user_id, OAuthToken.app_id == app_id)
    db.session.execute(update(OAuthCode).where(
        OAuthCode.user_id == user_id, OAuthCode.app_id == app_id, OAuthCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return count


def revoke_tokens_for_app(app_id: int) -> int:
    """Revoke every token and unused code of an app (suspension): they stop working at once."""
    count = _revoke_where(OAuthToken.app_id == app_id)
    db.session.execute(update(OAuthCode).where(
        OAuthCode.app_id == app_id, OAuthCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    from gateway.oauth.services import forget_app

    forget_app(app_id)
    return count


def purge(batch_size: int = 1000) -> int:
    """Delete expired codes and dead tokens in batches (committing each); how many rows went."""
    now = utcnow()
    dead_token = (OAuthToken.expires_at < now) & or_(
        OAuthToken.refresh_expires_at.is_(None), OAuthToken.refresh_expires_at < now,
        OAuthToken.revoked_at.is_not(None))
    total = 0
    targets: tuple[tuple[Any, Any], ...] = (
        (OAuthCode, OAuthCode.expires_at < now), (DeviceCode, DeviceCode.expires_at < now),
        (OAuthToken, dead_token))
    for model, criterion in targets:
        while True:
            ids = list(db.session.scalars(select(model.id).where(criterion).limit(batch_size)))
            if not ids:
                break
            db.session.execute(delete(model).where(model.id.in_(ids)))
            db.session.commit()
            total += len(ids)
    return total
