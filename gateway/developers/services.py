"""Developer operations: the profile, editing apps, test users, icons, submitting for review."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from gateway import images, outbound
from gateway.accounts.models import User
from gateway.apps import services as app_services
from gateway.apps.errors import AppNotFound
from gateway.apps.models import ACCESS_TOKEN_FORMATS, APP_TYPES, App, AppPermission, AppTestUser
from gateway.apps.names import imitation_problem
from gateway.audit import services as audit
from gateway.developers import review
from gateway.developers.errors import InvalidIcon, InvalidState, NotADeveloper
from gateway.developers.models import AppIcon, DeveloperProfile
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _, _l
from gateway.labels import label
from gateway.timeutil import utcnow
from gateway.weburls import UrlProblem, normalize_http_url

ICON_SIZES = (16, 32, 64, 128)
CATEGORIES = ("game", "social", "tools", "shopping", "news", "education", "other")
SUBMITTABLE = ("draft", "rejected")
EDITABLE_FIELDS = ("name", "description", "category", "website", "app_type", "redirect_uris",
                   "deauthorize_url", "post_logout_redirect_uris",
                   "backchannel_logout_uri", "backchannel_logout_session_required",
                   "frontchannel_logout_uri", "frontchannel_logout_session_required",
                   "access_token_format", "token_exchange_enabled", "require_par",
                   "require_dpop")
CALLBACK_FIELDS = ("deauthorize_url", "backchannel_logout_uri")


def profile_of(user: User) -> DeveloperProfile | None:
    """The user's developer profile, if they opened one."""
    return db.session.get(DeveloperProfile, user.id)


def require_profile(user: User) -> DeveloperProfile:
    """The user's developer profile, or NotADeveloper."""
    profile = profile_of(user)
    if profile is None:
        raise NotADeveloper()
    return profile


def open_profile(user: User, *, name: str, contact_email: str) -> DeveloperProfile:
    """Open (or update) the developer profile; the terms are accepted now."""
    profile = profile_of(user)
    if profile is None:
        profile = DeveloperProfile(user_id=user.id, name=name, contact_email=contact_email,
                                   accepted_terms_at=utcnow())
        db.session.add(profile)
        audit.record("developer.profile_opened", actor_id=user.id, subject_type="user",
                     subject_id=user.id)
    else:
        profile.name, profile.contact_email = name, contact_email
    db.session.flush()
    return profile


def apps_of(user: User) -> list[App]:
    """The developer's own apps, newest first."""
    return list(db.session.scalars(
        select(App).where(App.developer_id == user.id, App.status != "deleted")
        .order_by(App.id.desc())))


def own_app(user: User, appid: str | None) -> App:
    """The developer's app with this appid; anybody else's (or none) is AppNotFound."""
    app = app_services.find_by_appid(appid)
    if app.developer_id != user.id or app.status == "deleted":
        raise AppNotFound()
    return app


def _check_url(value: str, name: str, problems: dict[str, list[str]]) -> str:
    """The URL normalized (gateway.weburls), or "" with the problem noted."""
    if not value:
        return value
    try:
        value = normalize_http_url(value)
    except UrlProblem as exc:
        problems[name] = [str(exc)]
        return ""
    if name in CALLBACK_FIELDS and (why := outbound.url_problem(value)):
        problems[name] = [why]  # the platform POSTs here: no internal address
    return value


def update_app(app: App, actor: User, changes: dict[str, Any]) -> App:
    """Change an app's editable fields (validated as a whole: all or nothing)."""
    problems: dict[str, list[str]] = {}
    changes = {k: v for k, v in changes.items() if k in EDITABLE_FIELDS and v is not None}
    if "name" in changes and not (0 < len(changes["name"].strip()) <= 64):
        problems["name"] = [_l("Give the app a name of 1 to 64 characters.")]
    elif "name" in changes and (why := imitation_problem(changes["name"])):
        problems["name"] = [why]
    elif "name" in changes and app_services.name_taken(
            app.developer_id, changes["name"].strip(), except_app_id=app.id):
        problems["name"] = [_("You already have an app called “%(name)s”: choose another name.",
                              name=changes["name"].strip())]
    if "app_type" in changes and changes["app_type"] not in APP_TYPES:
        problems["app_type"] = [_l("One of %(values)s.", values=", ".join(APP_TYPES))]
    if ("access_token_format" in changes
            and changes["access_token_format"] not in ACCESS_TOKEN_FORMATS):
        problems["access_token_format"] = [_l("One of %(values)s.",
                                              values=", ".join(ACCESS_TOKEN_FORMATS))]
    if "category" in changes and changes["category"] not in CATEGORIES:
        problems["category"] = [_l("One of %(values)s.", values=", ".join(CATEGORIES))]
    if "require_par" in changes and not isinstance(changes["require_par"], bool):
        problems["require_par"] = [_l("Yes or no.")]
    if "require_dpop" in changes and not isinstance(changes["require_dpop"], bool):
        problems["require_dpop"] = [_l("Either true or false.")]
    if len(changes.get("description", "")) > 2000:
        problems["description"] = [_l("At most 2000 characters.")]
    for name in ("website", *CALLBACK_FIELDS):
        if changes.get(name):
            changes[name] = _check_url(changes[name], name, problems)
    if "redirect_uris" in changes:
        try:
            changes["redirect_uris"] = app_services.validate_redirect_uris(
                list(changes["redirect_uris"]))
        except ValidationFailed as exc:
            problems.update(exc.fields)
    if changes.get("frontchannel_logout_uri"):
        try:  # loaded in the user's browser: the redirect URI rules (https, or http loopback)
            [changes["frontchannel_logout_uri"]] = app_services.validate_post_logout_uris(
                [changes["frontchannel_logout_uri"]])
        except ValidationFailed as exc:
            problems["frontchannel_logout_uri"] = exc.fields["post_logout_redirect_uris"]
    if "post_logout_redirect_uris" in changes:
        try:
            changes["post_logout_redirect_uris"] = app_services.validate_post_logout_uris(
                list(changes["post_logout_redirect_uris"]))
        except ValidationFailed as exc:
            problems.update(exc.fields)
    if problems:
        raise ValidationFailed(problems)
    changed = []
    for name, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(app, name) != value:
            setattr(app, name, value)
            changed.append(name)
    if changed:  # the audit log names what changed, not every field of the form
        audit.record("app.updated", actor_id=actor.id, subject_type="app", subject_id=app.appid,
                     fields=sorted(changed))
    db.session.flush()
    return app


def set_test_users(app: App, actor: User, usernames: list[str]) -> list[User]:
    """Replace the app's test users with these accounts; unknown names are a ValidationFailed."""
    names = list(dict.fromkeys(n.strip() for n in usernames if n.strip()))
    users = list(db.session.scalars(select(User).where(User.username.in_(names)))) if names else []
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise ValidationFailed({"test_users": [
            _l("No such user: %(names)s.", names=", ".join(missing)[:200])]})
    for row in db.session.scalars(select(AppTestUser).where(AppTestUser.app_id == app.id)):
        db.session.delete(row)
    db.session.flush()
    for user in users:
        db.session.add(AppTestUser(app_id=app.id, user_id=user.id))
    audit.record("app.test_users_set", actor_id=actor.id, subject_type="app",
                 subject_id=app.appid, count=len(users))
    db.session.flush()
    return users


def test_usernames(app: App) -> list[str]:
    """The usernames of the app's test users."""
    return list(db.session.scalars(select(User.username).join(
        AppTestUser, AppTestUser.user_id == User.id).where(AppTestUser.app_id == app.id)
        .order_by(User.username)))


def set_icon(app: App, actor: User, data: bytes, max_pixels: int = 25_000_000) -> None:
    """Decode an uploaded image and store it as small square PNGs."""
    try:
        square = images.decode_square(data, max_pixels, mode="RGBA")
    except images.UnreadableImage as exc:
        raise InvalidIcon(str(exc)) from exc
    for row in db.session.scalars(select(AppIcon).where(AppIcon.app_id == app.id)):
        db.session.delete(row)
    db.session.flush()
    for size, png in images.thumbnails(square, ICON_SIZES, "PNG", optimize=True).items():
        db.session.add(AppIcon(app_id=app.id, size=size, data=png))
    audit.record("app.icon_set", actor_id=actor.id, subject_type="app", subject_id=app.appid)
    db.session.flush()


def icon(app_id: int, size: int) -> bytes | None:
    """One size of an app's icon as PNG bytes, or None."""
    row = db.session.get(AppIcon, (app_id, size))
    return row.data if row else None


def has_icon(app: App) -> bool:
    """Whether the developer uploaded an icon."""
    return db.session.scalar(select(AppIcon.size).where(AppIcon.app_id == app.id).limit(1)) \
        is not None


def rotate_webhook_secret(app: App, actor: User, overlap_seconds: int | None = None) -> str:
    """A new webhook signing secret, signing at once; the previous one keeps signing too (a second
    signature on every delivery) for ZC_WEBHOOK_SECRET_OVERLAP seconds. Audited."""
    if overlap_seconds is None:
        overlap_seconds = int(current_app.config["ZC_WEBHOOK_SECRET_OVERLAP"])
    if app.webhook_secret and overlap_seconds > 0:
        app.previous_webhook_secret = app.webhook_secret
        app.previous_webhook_secret_expires_at = utcnow() + timedelta(seconds=overlap_seconds)
    else:
        app.previous_webhook_secret = app.previous_webhook_secret_expires_at = None
    app.webhook_secret = secrets.token_hex(24)
    audit.record("app.webhook_secret_rotated", actor_id=actor.id, subject_type="app",
                 subject_id=app.appid, overlap_seconds=max(overlap_seconds, 0))
    db.session.flush()
    return app.webhook_secret


def submit_for_review(app: App, actor: User) -> None:
    """Send a draft or rejected app to the operators' review queue."""
    if app.status not in SUBMITTABLE:
        raise InvalidState(_l("Only draft or rejected apps can be submitted (this one is "
                              "%(status)s).", status=label(app.status)))
    app.status = "in_review"
    app.submitted_at = utcnow()
    audit.record("app.submitted", actor_id=actor.id, subject_type="app", subject_id=app.appid)
    db.session.flush()


def request_permission(app: App, actor: User, scope: str, reason: str) -> AppPermission:
    """Apply for a scope (or "unionid") with a reason; a refused one may be asked again."""
    if scope not in review.REQUESTABLE:
        raise ValidationFailed({"scope": [_l("This permission cannot be requested.")]})
    if not 0 < len(reason.strip()) <= 1000:
        raise ValidationFailed({"reason": [
            _l("Say why the app needs it (1 to 1000 characters).")]})
    existing = next((p for p in app.permissions if p.scope == scope), None)
    if existing is not None and existing.status in ("granted", "requested"):
        raise InvalidState(_l("%(scope)s is already %(status)s.", scope=scope,
                              status=label(existing.status)))
    if existing is None:
        existing = AppPermission(scope=scope)
        app.permissions.append(existing)
    existing.status, existing.reason = "requested", reason.strip()
    existing.review_note, existing.decided_at = "", None
    audit.record("app.permission_requested", actor_id=actor.id, subject_type="app",
                 subject_id=app.appid, scope=scope)
    db.session.flush()
    return existing


def checklist(app: App) -> list[tuple[str, bool]]:
    """What is done and what is left before the app goes live."""
    extra = [p for p in app.permissions if p.scope not in review.default_scopes()]
    return [
        ("Register a redirect URI", bool(app.redirect_uris)),
        ("Describe the app and give its website", bool(app.description and app.website)),
        ("Upload an icon", has_icon(app)),
        ("Request the permissions it needs (beyond the defaults)", bool(extra)),
        ("Submit it for review", app.status in ("in_review", "live", "suspended")
         or app.submitted_at is not None),
        ("Approved by an operator", app.status == "live"),
    ]

