"""Friend requests, friendships (one row per direction) and blocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.timeutil import utcnow


class FriendRequest(db.Model):
    """`from_id` asked `to_id` to be friends; gone once answered."""

    __tablename__ = "friend_requests"
    __table_args__ = (CheckConstraint("from_id <> to_id", name="not_self"),)

    from_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                       primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Friendship(db.Model):
    """`user_id` counts `friend_id` as a friend. Both directions are stored, so "the friends of
    U" and "are A and B friends" are single index lookups."""

    __tablename__ = "friendships"
    __table_args__ = (CheckConstraint("user_id <> friend_id", name="not_self"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    friend_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Block(db.Model):
    """`blocker_id` blocked `blocked_id`: no requests, no invitations, no friends-only content."""

    __tablename__ = "user_blocks"
    __table_args__ = (CheckConstraint("blocker_id <> blocked_id", name="not_self"),)

    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
