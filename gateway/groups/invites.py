"""Invite links: unguessable tokens (only their digest is stored), expiring and revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.friends import services as friends
from gateway.groups import services
from gateway.groups.errors import InviteInvalid
from gateway.groups.models import Group, Invite
from gateway.i18n import _
from gateway.security.secrets import digest
from gateway.timeutil import utcnow


def create(group: Group, admin_id: int, hours: int | None = None) -> str:
    """A new invite link token (shown once); it expires after `hours` (default and cap set)."""
    services.require_role(group.id, admin_id, "admin")
    limit = int(current_app.config["ZC_GROUP_INVITE_MAX_HOURS"])
    hours = int(current_app.config["ZC_GROUP_INVITE_HOURS"]) if hours is None else hours
    if not 1 <= hours <= limit:
        raise ValidationFailed({"hours": [_("From 1 to %(limit)s hours.", limit=limit)]})
    token = secrets.token_urlsafe(24)
    db.session.add(Invite(group_id=group.id, token_digest=digest(token), created_by=admin_id,
                          expires_at=utcnow() + timedelta(hours=hours)))
    db.session.flush()
    return token


def _live(token: str) -> Invite:
    if not 16 <= len(token) <= 64:
        raise InviteInvalid()
    invite = db.session.scalar(select(Invite).where(Invite.token_digest == digest(token)))
    if invite is None or invite.revoked_at is not None or invite.expires_at <= utcnow():
        raise InviteInvalid()
    return invite


def peek(token: str) -> tuple[Invite, Group]:
    """The live invite and its group (for the page that offers to join)."""
    invite = _live(token)
    return invite, services.get_group(invite.group_id)


def accept(token: str, user_id: int) -> Group:
    """Join through a link; refused when banned, or when the inviter and the user blocked
    each other."""
    invite, group = peek(token)
    if invite.created_by is not None and friends.is_blocked(invite.created_by, user_id):
        raise InviteInvalid()
    services.add_member(group, user_id)
    db.session.execute(update(Invite).where(Invite.id == invite.id).values(
        uses=Invite.uses + 1).execution_options(synchronize_session=False))
    db.session.flush()
    return group


def revoke(group: Group, admin_id: int, invite_id: int) -> None:
    """Revoke a link at once."""
    services.require_role(group.id, admin_id, "admin")
    invite = db.session.get(Invite, invite_id) if 0 < invite_id < 2**31 else None
    if invite is None or invite.group_id != group.id:
        raise InviteInvalid()
    invite.revoked_at = utcnow()
    db.session.flush()


def live_invites(group_id: int) -> list[Invite]:
    """The group's links that still work."""
    return list(db.session.scalars(select(Invite).where(
        Invite.group_id == group_id, Invite.revoked_at.is_(None),
        Invite.expires_at > utcnow()).order_by(Invite.id.desc())))

