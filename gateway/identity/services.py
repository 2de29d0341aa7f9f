"""Looking up and minting openids and unionids."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.apps.models import App
from gateway.extensions import db
from gateway.identity.models import OpenID, UnionID
from gateway.security.secrets import new_hex32


def openid_for(user_id: int, app: App | int) -> str:
    """The user's openid for this app (an App or its id), minted on first use."""
    app_id = app if isinstance(app, int) else app.id
    found = db.session.scalar(select(OpenID.openid).where(
        OpenID.user_id == user_id, OpenID.app_id == app_id))
    if found:
        return found
    row = OpenID(openid=new_hex32(), user_id=user_id, app_id=app_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # minted concurrently by another request
        return db.session.scalars(select(OpenID.openid).where(
            OpenID.user_id == user_id, OpenID.app_id == app_id)).one()
    return row.openid


def unionid_for(user_id: int, developer_id: int) -> str:
    """The user's unionid across one developer's apps, minted on first use."""
    found = db.session.scalar(select(UnionID.unionid).where(
        UnionID.user_id == user_id, UnionID.developer_id == developer_id))
    if found:
        return found
    row = UnionID(unionid="UID_" + new_hex32(), user_id=user_id, developer_id=developer_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return db.session.scalars(select(UnionID.unionid).where(
            UnionID.user_id == user_id, UnionID.developer_id == developer_id)).one()
    return row.unionid


def user_id_for_openid(app: App, openid: str) -> int | None:
    """Which user this app means by `openid` (None for an openid of another app)."""
    return db.session.scalar(select(OpenID.user_id).where(
        OpenID.openid == openid, OpenID.app_id == app.id))
