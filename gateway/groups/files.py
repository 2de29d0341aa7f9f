"""Group files: any type, folders, per-file and per-group quotas, download counts.

Bytes go to gateway.storage under `groups/<group id>/<random key>`: a user's file name is only
ever a label, so it can never name a path. Downloads are always attachments of type
application/octet-stream (see views), so nothing uploaded renders from the platform's origin.
"""

from __future__ import annotations

import os
import unicodedata
from typing import IO, Any

from flask import current_app
from sqlalchemy import select, update

from gateway.accounts.models import User
from gateway.albums.services import load
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.groups import services
from gateway.groups.errors import FileNotFound, NotAllowed
from gateway.groups.models import FILE_NAME_MAX, Folder, Group, GroupFile
from gateway.groups.schemas import FolderSchema
from gateway.i18n import _
from gateway.storage import get_storage
from gateway.uploads import PayloadTooLarge, QuotaExceeded


def limits(group: Group) -> tuple[int, int]:
    """(bytes per file, bytes per group) for this group: its own, else the configured ones."""
    config = current_app.config
    return (group.file_max_bytes or int(config["ZC_GROUP_FILE_MAX_BYTES"]),
            group.file_quota_bytes or int(config["ZC_GROUP_STORAGE_MAX_BYTES"]))


def clean_name(raw: str) -> str:
    """A display name: the last path part, no control or bidi characters, at most 200."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name)
                   if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".") or "file"
    stem, ext = os.path.splitext(name)
    return (stem[: FILE_NAME_MAX - len(ext[:20])] + ext[:20]) if len(name) > FILE_NAME_MAX \
        else name


def storage_key(found: GroupFile) -> str:
    return f"groups/{found.group_id}/{found.key}"


def folder(group: Group, folder_id: int | None) -> Folder | None:
    """A folder of this group (None: the root)."""
    if folder_id is None:
        return None
    found = db.session.get(Folder, folder_id) if 0 < folder_id < 2**31 else None
    if found is None or found.group_id != group.id:
        raise FileNotFound()
    return found


def create_folder(group: Group, user_id: int, data: Any, parent_id: int | None) -> Folder:
    """A member makes a folder (names are unique within their parent)."""
    if not services.can_see_content(group.id, user_id):
        raise NotAllowed()
    parent = folder(group, parent_id)
    name = clean_name(load(FolderSchema(), data)["name"])
    taken = db.session.scalar(select(Folder.id).where(
        Folder.group_id == group.id, Folder.name == name,
        Folder.parent_id.is_(None) if parent is None else Folder.parent_id == parent.id))
    if taken is not None:
        raise ValidationFailed({"name": [_("A folder with this name exists here.")]})
    made = Folder(group_id=group.id, parent_id=parent.id if parent else None, name=name)
    db.session.add(made)
    db.session.flush()
    return made


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def upload(group: Group, user_id: int, stream: IO[bytes], filename: str, declared_type: str,
           folder_id: int | None = None) -> GroupFile:
    """Store a member's file; the group's byte count is reserved by one guarded UPDATE, so
    parallel uploads can never pass the group quota."""
    if not services.can_see_content(group.id, user_id):
        raise NotAllowed()
    parent = folder(group, folder_id)
    per_file, per_group = limits(group)
    size = _size(stream)
    if size > per_file:
        raise PayloadTooLarge(per_file)
    reserved = db.session.execute(update(Group).where(
        Group.id == group.id, Group.file_bytes_used + size <= per_group).values(
        file_bytes_used=Group.file_bytes_used + size).execution_options(
        synchronize_session=False))
    if reserved.rowcount != 1:  # type: ignore[attr-defined]
        raise QuotaExceeded(per_group, used=group.file_bytes_used)
    found = GroupFile(group_id=group.id, folder_id=parent.id if parent else None,
                      name=clean_name(filename), size=size, uploader_id=user_id,
                      declared_type=declared_type[:100])
    db.session.add(found)
    db.session.flush()
    get_storage().save(storage_key(found), stream, content_type="application/octet-stream",
                       max_bytes=size)
    return found


def find(group: Group, key: str) -> GroupFile:
    found = db.session.scalar(select(GroupFile).where(GroupFile.key == key[:32],
                                                      GroupFile.group_id == group.id)) \
        if key.isalnum() else None
    if found is None:
        raise FileNotFound()
    return found


def count_download(found: GroupFile) -> None:
    """One more download (an UPDATE that adds, safe from parallel downloads)."""
    db.session.execute(update(GroupFile).where(GroupFile.id == found.id).values(
        downloads=GroupFile.downloads + 1).execution_options(synchronize_session=False))


def delete(group: Group, found: GroupFile, user_id: int) -> None:
    """Uploaders delete their files, admins any; the bytes go back to the group's quota."""
    if found.uploader_id != user_id:
        services.require_role(group.id, user_id, "admin")
    get_storage().delete(storage_key(found))
    db.session.execute(update(Group).where(Group.id == group.id).values(
        file_bytes_used=Group.file_bytes_used - found.size).execution_options(
        synchronize_session=False))
    db.session.delete(found)
    db.session.flush()


def listing(group: Group, parent: Folder | None) -> dict[str, Any]:
    """Folders and files at one level, with uploaders."""
    parent_id = parent.id if parent else None
    folders = list(db.session.scalars(select(Folder).where(
        Folder.group_id == group.id,
        Folder.parent_id.is_(None) if parent_id is None else Folder.parent_id == parent_id)
        .order_by(Folder.name)))
    files = db.session.execute(select(GroupFile, User).outerjoin(
        User, User.id == GroupFile.uploader_id).where(
        GroupFile.group_id == group.id,
        GroupFile.folder_id.is_(None) if parent_id is None else GroupFile.folder_id == parent_id)
        .order_by(GroupFile.id.desc())).all()
    return {"folders": folders, "files": [{"file": f, "uploader": u} for f, u in files]}
