"""Groups and membership: create, roles, requests, leave, remove, ban, transfer, member lists.

Flush, never commit. Membership is read from the database on every check (never cached), so a
removed or banned member loses access with the very next request, pages and API alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from gateway.accounts.models import User
from gateway.albums.services import load
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.friends import services as friends
from gateway.groups.errors import (
    AlreadyMember,
    Banned,
    GroupNotFound,
    NotAllowed,
    OwnerMustTransfer,
)
from gateway.groups.models import MEMBER_VISIBILITIES, Ban, Group, JoinRequest, Membership
from gateway.groups.schemas import GroupSchema
from gateway.i18n import _

RANK = {"owner": 3, "admin": 2, "member": 1}


def create_group(owner_id: int, data: Any) -> Group:
    """Create a group owned (and joined) by `owner_id`."""
    fields = load(GroupSchema(), data)
    group = Group(owner_id=owner_id, **fields)
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=owner_id, role="owner"))
    db.session.flush()
    return group


def update_group(group: Group, data: Any) -> None:
    """Change name, description, category or visibility (admins)."""
    for key, value in load(GroupSchema(), data).items():
        setattr(group, key, value)
    db.session.flush()


def get_group(group_id: int) -> Group:
    """The group with this id, or GroupNotFound."""
    group = db.session.get(Group, group_id) if 0 < group_id < 2**31 else None
    if group is None:
        raise GroupNotFound()
    return group


def membership(group_id: int, user_id: int | None) -> Membership | None:
    """The user's membership (one primary-key read), None for non-members and anonymous."""
    if user_id is None:
        return None
    return db.session.get(Membership, (group_id, user_id))


def role_of(group_id: int, user_id: int | None) -> str | None:
    found = membership(group_id, user_id)
    return found.role if found is not None else None


def require_role(group_id: int, user_id: int | None, minimum: str) -> Membership:
    """The user's membership if their role is at least `minimum`, else NotAllowed (or 404)."""
    found = membership(group_id, user_id)
    if found is None:
        raise GroupNotFound()
    if RANK[found.role] < RANK[minimum]:
        raise NotAllowed()
    return found


def can_see_group(group: Group, viewer_id: int | None) -> bool:
    """Public groups' pages are visible to all but banned users; invite-only to members."""
    if membership(group.id, viewer_id) is not None:
        return True
    if viewer_id is not None and db.session.get(Ban, (group.id, viewer_id)) is not None:
        return False
    return group.visibility == "public"


def can_see_content(group_id: int, viewer_id: int | None) -> bool:
    """Board, files and albums: members only."""
    return membership(group_id, viewer_id) is not None


def can_upload_to_album(group_id: int, user_id: int) -> bool:
    """Any member adds photos to the group's albums."""
    return membership(group_id, user_id) is not None


def _join(group: Group, user_id: int) -> Membership:
    if db.session.get(Ban, (group.id, user_id)) is not None:
        raise Banned()
    if membership(group.id, user_id) is not None:
        raise AlreadyMember()
    db.session.execute(delete(JoinRequest).where(JoinRequest.group_id == group.id,
                                                 JoinRequest.user_id == user_id))
    joined = Membership(group_id=group.id, user_id=user_id, role="member")
    db.session.add(joined)
    db.session.flush()
    return joined


def add_member(group: Group, user_id: int) -> Membership:
    """Add a member directly (invite links, the CLI)."""
    return _join(group, user_id)


def request_to_join(group: Group, user_id: int) -> None:
    """Ask to join a public group (invite-only groups are joined by invite link only)."""
    if group.visibility != "public":
        raise GroupNotFound()
    if db.session.get(Ban, (group.id, user_id)) is not None:
        raise Banned()
    if membership(group.id, user_id) is not None:
        raise AlreadyMember()
    if db.session.get(JoinRequest, (group.id, user_id)) is None:
        db.session.add(JoinRequest(group_id=group.id, user_id=user_id))
        db.session.flush()


def pending_requests(group_id: int) -> list[User]:
    """Who asked to join, oldest first."""
    return list(db.session.scalars(select(User).join(
        JoinRequest, JoinRequest.user_id == User.id).where(
        JoinRequest.group_id == group_id).order_by(JoinRequest.created_at)))


def answer_request(group: Group, admin_id: int, user_id: int, approve: bool) -> None:
    """An admin approves (the user joins) or declines a request."""
    require_role(group.id, admin_id, "admin")
    found = db.session.get(JoinRequest, (group.id, user_id))
    if found is None:
        raise ValidationFailed({"user": [_("No such request.")]})
    if approve:
        _join(group, user_id)
    else:
        db.session.delete(found)
        db.session.flush()


def leave(group: Group, user_id: int) -> None:
    """Leave a group; the owner must transfer it first."""
    found = membership(group.id, user_id)
    if found is None:
        raise GroupNotFound()
    if found.role == "owner":
        raise OwnerMustTransfer()
    db.session.delete(found)
    db.session.flush()


def _outranks(group_id: int, actor_id: int, target_id: int) -> Membership:
    actor = require_role(group_id, actor_id, "admin")
    target = membership(group_id, target_id)
    if target is None:
        raise ValidationFailed({"user": [_("Not a member.")]})
    if RANK[actor.role] <= RANK[target.role]:
        raise NotAllowed()
    return target


def remove_member(group: Group, actor_id: int, user_id: int) -> None:
    """An admin removes a member (owners also remove admins)."""
    db.session.delete(_outranks(group.id, actor_id, user_id))
    db.session.flush()


def ban(group: Group, actor_id: int, user_id: int) -> None:
    """Remove (if a member) and ban: no joining, no requests, no invite links."""
    require_role(group.id, actor_id, "admin")
    if membership(group.id, user_id) is not None:
        remove_member(group, actor_id, user_id)
    db.session.execute(delete(JoinRequest).where(JoinRequest.group_id == group.id,
                                                 JoinRequest.user_id == user_id))
    if db.session.get(Ban, (group.id, user_id)) is None:
        db.session.add(Ban(group_id=group.id, user_id=user_id, banned_by=actor_id))
    db.session.flush()


def unban(group: Group, actor_id: int, user_id: int) -> None:
    """Lift a ban."""
    require_role(group.id, actor_id, "admin")
    db.session.execute(delete(Ban).where(Ban.group_id == group.id, Ban.user_id == user_id))
    db.session.flush()


def banned(group_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Ban, Ban.user_id == User.id).where(
        Ban.group_id == group_id)))


def set_role(group: Group, owner_id: int, user_id: int, role: str) -> None:
    """The owner makes a member an admin or an admin a member."""
    require_role(group.id, owner_id, "owner")
    target = membership(group.id, user_id)
    if role not in {"admin", "member"} or target is None or target.role == "owner":
        raise ValidationFailed({"role": [_("Choose admin or member for another member.")]})
    target.role = role
    db.session.flush()


def transfer(group: Group, owner_id: int, user_id: int) -> None:
    """Hand the group to another member; the old owner stays as an admin."""
    current = require_role(group.id, owner_id, "owner")
    target = membership(group.id, user_id)
    if target is None or target.user_id == owner_id:
        raise ValidationFailed({"user": [_("Choose another member.")]})
    current.role, target.role, group.owner_id = "admin", "owner", user_id
    db.session.flush()


def set_member_visibility(group_id: int, user_id: int, visibility: str) -> None:
    """A member chooses who sees them in the member list."""
    found = membership(group_id, user_id)
    if found is None:
        raise GroupNotFound()
    if visibility not in MEMBER_VISIBILITIES:
        raise ValidationFailed({"visibility": [_("Choose public, friends or private.")]})
    found.visibility = visibility
    db.session.flush()


def visible_members(group_id: int, viewer_id: int) -> list[tuple[Membership, User]]:
    """The member list as this member sees it: admins see everyone; others see members who
    chose public, friends who chose friends, and themselves."""
    rows = db.session.execute(select(Membership, User).join(User, User.id == Membership.user_id)
                              .where(Membership.group_id == group_id)
                              .order_by(Membership.joined_at, User.id)).all()
    viewer = next((m for m, _ in rows if m.user_id == viewer_id), None)
    if viewer is not None and viewer.role in {"owner", "admin"}:
        return [(m, u) for m, u in rows]
    mine, blocked = friends.friend_ids(viewer_id), friends.blocked_either_way(viewer_id)
    return [(m, u) for m, u in rows if m.user_id == viewer_id or (m.user_id not in blocked and (
        m.visibility == "public" or (m.visibility == "friends" and m.user_id in mine)))]


def member_count(group_id: int) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.group_id == group_id)) or 0)


def groups_of(user_id: int) -> list[tuple[Group, str]]:
    """The user's groups and their role in each."""
    return [(g, r) for g, r in db.session.execute(select(Group, Membership.role).join(
        Membership, Membership.group_id == Group.id).where(Membership.user_id == user_id)
        .order_by(Group.name))]


def public_groups(limit: int = 50) -> list[Group]:
    """Newest public groups, for the directory."""
    return list(db.session.scalars(select(Group).where(Group.visibility == "public")
                                   .order_by(Group.id.desc()).limit(limit)))
