"""Groups, memberships, join requests, invite links, bans, board posts, folders and files."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow

NAME_MAX = 60
DESC_MAX = 500
CATEGORY_MAX = 30
VISIBILITIES = ("public", "invite")  # anyone may ask to join / invite links only
ROLES = ("owner", "admin", "member")
# Who sees a member in the group's member list (the member chooses).
MEMBER_VISIBILITIES = ("public", "friends", "private")
POST_KINDS = ("discussion", "question")
TITLE_MAX = 120
BODY_MAX = 5000
FILE_NAME_MAX = 200


class Group(db.Model):
    """A community; the owner is also a member with the role "owner"."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(String(DESC_MAX), default="")
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX), default="")
    visibility: Mapped[str] = mapped_column(String(8), default="invite")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    avatar_key: Mapped[str | None] = mapped_column(String(64))
    # Files: bytes stored now, and this group's own limits (None: the configured defaults).
    file_bytes_used: Mapped[int] = mapped_column(BigInteger, default=0)
    file_quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    file_max_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(db.Model):
    """A user in a group, with a role and who may see them in the member list."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_user_id", "user_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(8), default="member")
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class JoinRequest(db.Model):
    """Someone asked to join a public group; an admin approves or declines."""

    __tablename__ = "group_join_requests"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(db.Model):
    """An invite link: only the SHA-256 digest of its token is stored."""

    __tablename__ = "group_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ban(db.Model):
    """A user who may not join or ask to join again."""

    __tablename__ = "group_bans"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    banned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Post(db.Model):
    """A board post (discussion or question) or, with parent_id, a reply to one."""

    __tablename__ = "group_posts"
    __table_args__ = (Index("ix_group_posts_group_id_id", "group_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when an app posted it (shown as "via <app>").
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12), default="discussion")
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    accepted_reply_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Folder(db.Model):
    """A folder of group files (one level under the group's root or another folder)."""

    __tablename__ = "group_folders"
    __table_args__ = (UniqueConstraint("group_id", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_folders.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(FILE_NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def new_file_key() -> str:
    return secrets.token_hex(16)


class GroupFile(db.Model):
    """A file shared in a group; its bytes are in gateway.storage under `groups/<id>/<key>`."""

    __tablename__ = "group_files"
    __table_args__ = (Index("ix_group_files_group_id_folder_id", "group_id", "folder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_file_key)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    folder_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_folders.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(FILE_NAME_MAX))
    size: Mapped[int] = mapped_column(BigInteger)
    declared_type: Mapped[str] = mapped_column(String(100), default="")
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    downloads: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
