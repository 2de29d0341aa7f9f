"""Installations of apps in groups, daily post counters, and operators' per-app settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db
from gateway.identity.models import OpenID
from gateway.timeutil import utcnow


class Installation(db.Model):
    """App `app_id` installed in group `group_id`. The row stays after an uninstall (only
    `uninstalled_at` is set) so a reinstalled app gets the same `group_openid` back."""

    __tablename__ = "group_apps"
    __table_args__ = (UniqueConstraint("group_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    # What the app calls the group: random, different for every app, stable for one app.
    group_openid: Mapped[str] = mapped_column(String(32), unique=True)
    installed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninstalled_at: Mapped[datetime | None]


class DailyPosts(db.Model):
    """Posts an app made in a group on one UTC day (the quota's counter)."""

    __tablename__ = "group_app_daily_posts"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"),
                                        primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class AppCommunitySettings(db.Model):
    """Operator decisions for one app: its daily post quota per group (None: the default) and
    whether it passed review for member lists of large groups."""

    __tablename__ = "app_community_settings"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"),
                                        primary_key=True)
    daily_posts: Mapped[int | None]
    large_groups_approved: Mapped[bool] = mapped_column(default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# Member lists page through a group's authorized members in openid order: walking the app's
# openids by this index finds a page without sorting every member of a large group.
Index("ix_openids_app_id_openid", OpenID.app_id, OpenID.openid)
