"""A deleted account's groups: handed to the next in line, or closed when nobody else is in them."""

from __future__ import annotations

from sqlalchemy import case, select

from gateway.extensions import db
from gateway.groups.models import Group, GroupFile, Membership


def hand_over_or_close(group: Group, owner_id: int) -> None:
    """Make the longest-standing admin (else member) the owner; with no other member, delete the
    group with its files, albums and picture. Flush."""
    heir = db.session.scalar(select(Membership).where(
        Membership.group_id == group.id, Membership.user_id != owner_id).order_by(
        case((Membership.role == "admin", 0), else_=1), Membership.joined_at,
        Membership.user_id).limit(1))
    if heir is not None:
        heir.role, group.owner_id = "owner", heir.user_id
        db.session.flush()
        return
    close(group)


def close(group: Group) -> None:
    """Delete a group, its stored files, albums (with their photos) and picture. Flush."""
    from gateway.albums.models import Album
    from gateway.albums.services import delete_album
    from gateway.groups.files import storage_key
    from gateway.storage import get_storage

    store = get_storage()
    for found in db.session.scalars(select(GroupFile).where(GroupFile.group_id == group.id)):
        store.delete(storage_key(found))
    for album in db.session.scalars(select(Album).where(Album.group_id == group.id)).all():
        delete_album(album)
    if group.avatar_key:
        store.delete(group.avatar_key)
    db.session.delete(group)
    db.session.flush()
