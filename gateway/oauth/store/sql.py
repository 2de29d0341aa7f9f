"""The portable token store (SQLAlchemy, any database): the reference semantics.

Writes go through the request's session and commit with it. Reads that decide nothing on their
own (client facts, access checks) go through an autocommit connection: one round trip, and
always the latest committed state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, or_, select, update

from gateway.database import autocommit_engine
from gateway.extensions import db
from gateway.oauth.clients import ClientFacts
from gateway.oauth.models import DeviceCode, OAuthCode, OAuthToken, PushedRequest
from gateway.oauth.store import (
    AccessCheck,
    Claimed,
    NewPair,
    RefreshRow,
    RevokeWhere,
    TokenRow,
    events,
)
from gateway.oauth.store import statements as st
from gateway.timeutil import utcnow


class SqlStore:
    """TokenStore over SQLAlchemy Core statements run in the request's session."""

    # -- reads ---------------------------------------------------------------------------------

    def _read_one(self, statement: Any, params: dict[str, Any]) -> Any:
        with autocommit_engine().connect() as conn:
            return conn.execute(statement, params).first()

    def _read_all(self, statement: Any, params: dict[str, Any]) -> list[Any]:
        with autocommit_engine().connect() as conn:
            return list(conn.execute(statement, params).scalars())

    def client(self, appid: str) -> ClientFacts | None:
        if not appid or not appid.isdigit() or len(appid) > 16:
            return None
        row = self._read_one(st.CLIENT_BY_APPID, {"appid": appid})
        return None if row is None else st.client_facts(
            row, self._read_all(st.GRANTED_SCOPES, {"app_id": row[0]}))

    def client_by_id(self, app_id: int) -> ClientFacts | None:
        row = self._read_one(st.CLIENT_BY_ID, {"app_id": app_id})
        return None if row is None else st.client_facts(
            row, self._read_all(st.GRANTED_SCOPES, {"app_id": app_id}))

    def access_check(self, access_digest: str) -> AccessCheck | None:
        row = self._read_one(st.ACCESS_CHECK, {"digest": access_digest})
        return None if row is None else st.access_check(row)

    def find_token(self, token_digest: str, refresh_first: bool) -> TokenRow | None:
        columns = [OAuthToken.access_digest, OAuthToken.refresh_digest]
        if refresh_first:
            columns.reverse()
        for column in columns:
            row = db.session.execute(select(
                OAuthToken.id, OAuthToken.app_id, OAuthToken.user_id, OAuthToken.revoked_at)
                .where(column == token_digest)).first()
            if row is not None:
                return TokenRow(row[0], row[1], row[2], row[3] is not None)
        return None

    def find_refresh(self, refresh_digest: str) -> RefreshRow | None:
        row = db.session.execute(st.FIND_REFRESH, {"digest": refresh_digest}).first()
        return None if row is None else st.refresh_row(row)

    def live_child(self, token_id: int) -> bool:
        child = db.session.execute(st.NEWEST_CHILD, {"token_id": token_id}).first()
        return child is not None and child[0] is None and child[1] is None

    # -- refresh claims --------------------------------------------------------------------------

    def claim_for_client(self, refresh_digest: str, app_id: int, pair: NewPair,
                         family_cutoff: datetime) -> Claimed | None:
        row = self.find_refresh(refresh_digest)
        if (row is None or row.app_id != app_id or row.rotated_at is not None
                or row.revoked_at is not None or row.user_id is None or row.openid is None
                or row.jkt is not None  # DPoP-bound: the rules check the proof's key
                or (row.refresh_expires_at is not None
                    and row.refresh_expires_at <= pair.created_at)
                or row.family_started_at <= family_cutoff):
            return None
        child = child_of(row, pair, row.scopes)
        if not self.claim(row.id, child):
            return None
        return Claimed(row.id, row.user_id, row.openid, row.scopes, False)

    def claim(self, token_id: int, pair: NewPair) -> bool:
        claimed = db.session.execute(st.CLAIM, {"token_id": token_id, "now": pair.created_at})
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        events.note_changed([(pair.user_id, pair.app_id)])
        self.insert_pair(pair, alone=False)
        return True

    def insert_pair(self, pair: NewPair, alone: bool = True) -> tuple[int, bool]:
        result = db.session.execute(insert(OAuthToken).values(pair.columns())
                                    .returning(OAuthToken.id))
        return int(result.scalar_one()), False

    # -- revocation ------------------------------------------------------------------------------

    def revoke(self, where: RevokeWhere) -> int:
        criteria: list[Any] = [OAuthToken.revoked_at.is_(None)]
        if where.token_id is not None:
            criteria.append(OAuthToken.id == where.token_id)
        if where.family is not None:
            criteria.append(OAuthToken.family == where.family)
        if where.families_of_code is not None:
            criteria.append(OAuthToken.family.in_(select(OAuthToken.family).where(
                OAuthToken.code_id == where.families_of_code)))
        if where.parent_id is not None:
            criteria.append(OAuthToken.parent_id == where.parent_id)
        if where.user_id is not None:
            criteria.append(OAuthToken.user_id == where.user_id)
        if where.app_id is not None:
            criteria.append(OAuthToken.app_id == where.app_id)
        assert len(criteria) > 1, "a revocation names what it revokes"
        result = db.session.execute(update(OAuthToken).where(*criteria)
                                    .values(revoked_at=utcnow())
                                    .execution_options(synchronize_session=False))
        db.session.expire_all()  # loaded rows (tests, the code grant) see the revocation
        return int(result.rowcount)  # type: ignore[attr-defined]

    def revoke_codes(self, app_id: int | None, user_id: int | None = None) -> None:
        criteria: list[Any] = [OAuthCode.used_at.is_(None)]
        if app_id is not None:
            criteria.append(OAuthCode.app_id == app_id)
        if user_id is not None:
            criteria.append(OAuthCode.user_id == user_id)
        assert len(criteria) > 1, "a revocation names what it revokes"
        db.session.execute(update(OAuthCode).where(*criteria).values(used_at=utcnow())
                           .execution_options(synchronize_session=False))

    # -- codes -----------------------------------------------------------------------------------

    def insert_code(self, columns: dict[str, Any]) -> None:
        db.session.add(OAuthCode(**columns))
        db.session.flush()

    def find_code(self, code_digest: str) -> OAuthCode | None:
        return db.session.scalar(select(OAuthCode).where(OAuthCode.code_digest == code_digest))

    def use_code(self, code_id: int) -> bool:
        done = db.session.execute(update(OAuthCode).where(
            OAuthCode.id == code_id, OAuthCode.used_at.is_(None)).values(used_at=utcnow())
            .execution_options(synchronize_session=False))
        db.session.expire_all()
        return done.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def nonce_used(self, app_id: int, nonce: str) -> bool:
        return db.session.scalar(select(OAuthCode.id).where(
            OAuthCode.app_id == app_id, OAuthCode.nonce == nonce).limit(1)) is not None

    # -- device codes (RFC 8628) -----------------------------------------------------------------

    def insert_device_code(self, columns: dict[str, Any]) -> None:
        db.session.add(DeviceCode(**columns))
        db.session.flush()

    def find_device_code(self, device_code_digest: str) -> DeviceCode | None:
        return db.session.scalar(select(DeviceCode).where(
            DeviceCode.device_code_digest == device_code_digest))

    def find_user_code(self, user_code_digest: str) -> DeviceCode | None:
        return db.session.scalar(select(DeviceCode).where(
            DeviceCode.user_code_digest == user_code_digest))

    def device_code(self, device_code_id: int) -> DeviceCode | None:
        return db.session.get(DeviceCode, device_code_id)

    def use_device_code(self, device_code_id: int) -> bool:
        done = db.session.execute(update(DeviceCode).where(
            DeviceCode.id == device_code_id, DeviceCode.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False))
        db.session.expire_all()
        return done.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def note_poll(self, device_code_id: int) -> datetime | None:
        row = db.session.get(DeviceCode, device_code_id)
        assert row is not None
        last, row.last_polled_at = row.last_polled_at, utcnow()
        db.session.flush()
        return last

    def decide_device_code(self, device_code_id: int, user_id: int,
                           scopes: list[str] | None) -> bool:
        done = db.session.execute(update(DeviceCode).where(
            DeviceCode.id == device_code_id, DeviceCode.approved.is_(None))
            .values(user_id=user_id, approved=scopes is not None,
                    **({"scopes": scopes} if scopes is not None else {}))
            .execution_options(synchronize_session=False))
        db.session.expire_all()
        return done.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    # -- caches and housekeeping -----------------------------------------------------------------

    def forget(self, grants: Any = (), users: Any = (), apps: Any = ()) -> None:
        """Nothing cached here."""

    def clear(self) -> None:
        """Nothing cached here."""

    def purge(self, batch_size: int) -> int:
        now = utcnow()
        dead_token = (OAuthToken.expires_at < now) & or_(
            OAuthToken.refresh_expires_at.is_(None), OAuthToken.refresh_expires_at < now,
            OAuthToken.revoked_at.is_not(None))
        total = 0
        targets: tuple[tuple[Any, Any], ...] = (
            (OAuthCode, OAuthCode.expires_at < now), (DeviceCode, DeviceCode.expires_at < now),
            # Pushed requests: dead once past both windows (ZC_PAR_TTL, then the flow's).
            (PushedRequest, PushedRequest.created_at < now - timedelta(
                seconds=int(current_app.config["ZC_PAR_TTL"])
                + int(current_app.config["ZC_PAR_FLOW_TTL"]))),
            (OAuthToken, dead_token))
        for model, criterion in targets:
            while True:
                ids = list(db.session.scalars(
                    select(model.id).where(criterion).limit(batch_size)))
                if not ids:
                    break
                db.session.execute(delete(model).where(model.id.in_(ids)))
                db.session.commit()
                total += len(ids)
        return total


def child_of(row: RefreshRow, pair: NewPair, scopes: list[str]) -> NewPair:
    """`pair` as the next pair of `row`'s family (same app, user, openid, family, code,
    session)."""
    return NewPair(pair.access_digest, pair.refresh_digest, row.app_id, row.user_id, row.openid,
                   scopes, "refresh_token", row.family, row.family_started_at, row.id,
                   row.code_id, pair.created_at, pair.expires_at, pair.refresh_expires_at,
                   row.sid, row.audience, jkt=pair.jkt)
