"""Installing apps in groups and what an installed app may see and do. Flush, never commit.

Nothing here is cached: every call reads the installation, the membership and the member's
authorization, so an uninstall, a removed member or a withdrawn authorization takes effect on the
very next API call (the token cache only ever holds the token check itself).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.audit.services import record
from gateway.authorizations.models import Authorization
from gateway.extensions import db
from gateway.groupapps.errors import GroupUnknownToApp, NotInstallable, ReviewRequired
from gateway.groupapps.models import AppCommunitySettings, DailyPosts, Installation
from gateway.groups import board
from gateway.groups import services as groups
from gateway.groups.models import Group, Membership, Post
from gateway.identity.models import OpenID
from gateway.outbox.services import enqueue_webhook
from gateway.security.secrets import new_hex32
from gateway.timeutil import isoformat, utcnow
from gateway.uploads import QuotaExceeded

HEX32 = re.compile(r"^[0-9A-F]{32}$")


def install(group: Group, actor_id: int | None, app: App) -> Installation:
    """Install a live app (admins; the CLI passes no actor); reinstalling keeps its pseudonym."""
    if actor_id is not None:
        groups.require_role(group.id, actor_id, "admin")
    if not app.is_live:
        raise NotInstallable()
    found = db.session.scalar(select(Installation).where(
        Installation.group_id == group.id, Installation.app_id == app.id))
    if found is None:
        found = Installation(group_id=group.id, app_id=app.id, group_openid=new_hex32())
        db.session.add(found)
    found.installed_by, found.installed_at, found.uninstalled_at = actor_id, utcnow(), None
    record("group.app_installed", actor_id=actor_id, subject_type="group", subject_id=group.id,
           appid=app.appid)
    enqueue_webhook(app, "group.app_installed", {
        "appid": app.appid or "", "group_openid": found.group_openid,
        "installed_at": isoformat(found.installed_at)})
    db.session.flush()
    return found


def uninstall(group: Group, actor_id: int, app_id: int) -> None:
    """Uninstall: the app loses the group with its next call."""
    groups.require_role(group.id, actor_id, "admin")
    found = db.session.scalar(select(Installation).where(
        Installation.group_id == group.id, Installation.app_id == app_id,
        Installation.uninstalled_at.is_(None)))
    if found is None:
        raise GroupUnknownToApp()
    found.uninstalled_at = utcnow()
    record("group.app_uninstalled", actor_id=actor_id, subject_type="group",
           subject_id=group.id, app_id=app_id)
    app = db.session.get(App, app_id)
    if app is not None:
        enqueue_webhook(app, "group.app_uninstalled", {
            "appid": app.appid or "", "group_openid": found.group_openid,
            "uninstalled_at": isoformat(found.uninstalled_at)})
    db.session.flush()


def installed(group_id: int) -> list[tuple[Installation, App]]:
    """Apps installed in the group now."""
    return [(i, a) for i, a in db.session.execute(select(Installation, App).join(
        App, App.id == Installation.app_id).where(Installation.group_id == group_id,
                                                   Installation.uninstalled_at.is_(None)))]


def resolve(app_id: int, user_id: int, group_openid: str) -> tuple[Installation, Group]:
    """The installation behind a group_openid, if the app is installed and the user a member."""
    if not HEX32.match(group_openid):
        raise GroupUnknownToApp()
    row = db.session.execute(select(Installation, Group).join(
        Group, Group.id == Installation.group_id).join(
        Membership, and_(Membership.group_id == Group.id, Membership.user_id == user_id)).where(
        Installation.group_openid == group_openid, Installation.app_id == app_id,
        Installation.uninstalled_at.is_(None))).first()
    if row is None:
        raise GroupUnknownToApp()
    return row[0], row[1]


def groups_for(app_id: int, user_id: int) -> list[tuple[Installation, Group, str]]:
    """The user's groups in which the app is installed, with the user's role."""
    rows = db.session.execute(select(Installation, Group, Membership.role).join(
        Group, Group.id == Installation.group_id).join(
        Membership, and_(Membership.group_id == Group.id, Membership.user_id == user_id)).where(
        Installation.app_id == app_id, Installation.uninstalled_at.is_(None))
        .order_by(Installation.id)).all()
    return [(i, g, r) for i, g, r in rows]


def settings_for(app_id: int) -> AppCommunitySettings | None:
    return db.session.get(AppCommunitySettings, app_id)


def _authorized_members(group_id: int, app_id: int) -> Any:
    return select(OpenID.openid, User.nickname, User.username, Membership.role,
                  Membership.joined_at, Membership.user_id).select_from(Membership).join(
        Authorization, and_(Authorization.user_id == Membership.user_id,
                            Authorization.app_id == app_id,
                            Authorization.revoked_at.is_(None))).join(
        OpenID, and_(OpenID.user_id == Membership.user_id, OpenID.app_id == app_id)).join(
        User, User.id == Membership.user_id).where(Membership.group_id == group_id,
                                                   User.is_active.is_(True))


def members_for_app(group: Group, app_id: int, *, after: str, limit: int) -> dict[str, Any]:
    """Members who authorized the app, as their openid for it, in openid order (the cursor is
    an openid the app already holds, so no internal id leaks); large groups need review."""
    threshold = int(current_app.config["ZC_GROUP_MEMBERS_REVIEW_THRESHOLD"])
    if groups.member_count(group.id) > threshold:
        settings = settings_for(app_id)
        if settings is None or not settings.large_groups_approved:
            raise ReviewRequired()
    query = _authorized_members(group.id, app_id).where(OpenID.openid > after).order_by(
        OpenID.openid).limit(limit + 1)
    rows = db.session.execute(query).all()
    page = rows[:limit]
    return {"members": page, "next": page[-1].openid if len(rows) > limit else None}


def daily_limit(app_id: int) -> int:
    """Posts a day per group for this app: the operator's setting, else the default."""
    settings = settings_for(app_id)
    if settings is not None and settings.daily_posts is not None:
        return settings.daily_posts
    return int(current_app.config["ZC_GROUP_APP_DAILY_POSTS"])


def _take_post_slot(group_id: int, app_id: int, limit: int) -> None:
    """Count one post in: the row is made once, then one guarded UPDATE adds to it, so
    parallel posts at the limit never get past it (the row lock orders them)."""
    today = utcnow().date()
    if db.session.get(DailyPosts, (group_id, app_id, today)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(DailyPosts(group_id=group_id, app_id=app_id, day=today, count=0))
        except IntegrityError:
            pass  # made by a parallel post
    done = db.session.execute(update(DailyPosts).where(
        DailyPosts.group_id == group_id, DailyPosts.app_id == app_id, DailyPosts.day == today,
        DailyPosts.count < limit).values(count=DailyPosts.count + 1).execution_options(
        synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _day_quota(limit)


def _day_quota(limit: int) -> QuotaExceeded:
    exc = QuotaExceeded(limit, resets_on=str(date.fromordinal(utcnow().date().toordinal() + 1)))
    exc.status = 429
    return exc


def send_message(group: Group, app_id: int, user_id: int, data: dict[str, Any]) -> Post:
    """The app posts to the group's board for the member, labelled with the app."""
    limit = daily_limit(app_id)
    _take_post_slot(group.id, app_id, limit)
    return board.post(group, user_id, data, app_id=app_id)


def posts_today(group_id: int, app_id: int) -> int:
    found = db.session.get(DailyPosts, (group_id, app_id, utcnow().date()))
    return found.count if found is not None else 0


def set_settings(app_id: int, actor_id: int | None, *, daily_posts: int | None,
                 large_groups_approved: bool) -> AppCommunitySettings:
    """An operator sets an app's daily post quota per group and its large-group review."""
    found = settings_for(app_id) or AppCommunitySettings(app_id=app_id)
    found.daily_posts, found.large_groups_approved = daily_posts, large_groups_approved
    found.updated_by, found.updated_at = actor_id, utcnow()
    db.session.add(found)
    record("app.community_settings", actor_id=actor_id, subject_type="app", subject_id=app_id,
           daily_posts=daily_posts, large_groups_approved=large_groups_approved)
    db.session.flush()
    return found


def count_authorized(group_id: int, app_id: int) -> int:
    return int(db.session.scalar(select(func.count()).select_from(
        _authorized_members(group_id, app_id).subquery())) or 0)
