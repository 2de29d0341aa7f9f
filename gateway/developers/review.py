"""Operator decisions on apps and permission requests; every one is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gateway.accounts.models import User
from gateway.apps import scopes as scope_registry
from gateway.apps.models import App, AppPermission
from gateway.audit import services as audit
from gateway.developers.errors import InvalidState
from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.timeutil import utcnow

UNIONID = "unionid"
REQUESTABLE = tuple(n for n, s in scope_registry.SCOPES.items() if not s.granted_by_default) + (
    UNIONID,)


def default_scopes() -> frozenset[str]:
    """Scopes every app has without review."""
    return scope_registry.DEFAULT_APP_SCOPES


def _reason(reason: str | None) -> str:
    cleaned = (reason or "").strip()
    if not 0 < len(cleaned) <= 2000:
        raise ValidationFailed({"reason": [
            _l("Give the developer a reason (1 to 2000 characters).")]})
    return cleaned


def review_queue() -> list[App]:
    """Apps waiting for review, oldest submission first."""
    return list(db.session.scalars(select(App).where(App.status == "in_review")
                                   .order_by(App.submitted_at, App.id)))


def permission_queue() -> list[AppPermission]:
    """Permission requests waiting for a decision, oldest first."""
    return list(db.session.scalars(select(AppPermission).where(
        AppPermission.status == "requested").order_by(AppPermission.created_at,
                                                     AppPermission.id)))


def approve_app(app: App, operator: User) -> None:
    """Put an app under review live."""
    if app.status != "in_review":
        raise InvalidState(_l("Only apps under review can be approved."))
    _developer_active(app)
    app.status, app.review_note, app.reviewed_at = "live", "", utcnow()
    audit.record("app.approved", actor_id=operator.id, subject_type="app", subject_id=app.appid)
    _notify(app, "app.review_decided", {"decision": "approved", "note": ""})
    _mail_developer(app, "app_reviews", "app_reviewed",
                    _l("%(app)s is approved and live", app=app.name), decision="approved", note="")
    _forget(app)
    db.session.flush()


def reject_app(app: App, operator: User, reason: str | None) -> None:
    """Send an app under review back to its developer with a reason."""
    note = _reason(reason)
    if app.status != "in_review":
        raise InvalidState(_l("Only apps under review can be rejected."))
    app.status, app.review_note, app.reviewed_at = "rejected", note, utcnow()
    audit.record("app.rejected", actor_id=operator.id, subject_type="app", subject_id=app.appid,
                 reason=note)
    _notify(app, "app.review_decided", {"decision": "rejected", "note": note})
    _mail_developer(app, "app_reviews", "app_reviewed",
                    _l("%(app)s was not approved", app=app.name), decision="rejected", note=note)
    _forget(app)
    db.session.flush()


def suspend_app(app: App, operator: User, reason: str | None) -> None:
    """Take a live app offline and revoke its tokens."""
    note = _reason(reason)
    if app.status != "live":
        raise InvalidState(_l("Only live apps can be suspended."))
    app.status, app.review_note, app.reviewed_at = "suspended", note, utcnow()
    _revoke_tokens(app)
    audit.record("app.suspended", actor_id=operator.id, subject_type="app",
                 subject_id=app.appid, reason=note)
    _notify(app, "app.suspended", {"note": note})
    _mail_developer(app, "app_suspensions", "app_suspended",
                    _l("%(app)s is suspended", app=app.name), note=note)
    _forget(app)
    db.session.flush()


def _notify(app: App, event_type: str, data: dict[str, str]) -> None:
    """Tell the app's webhook URL about an operator's decision (nothing when it has none)."""
    from gateway.outbox.services import enqueue_webhook

    enqueue_webhook(app, event_type, {"appid": app.appid or "", **data})


def _developer_active(app: App) -> None:
    """An app goes live only while its developer's account is (not banned or deactivated)."""
    developer = db.session.get(User, app.developer_id)
    if developer is None or not developer.is_active:
        raise InvalidState(_l("The developer's account is suspended: reinstate the account "
                              "first."))


def _mail_developer(app: App, topic: str, kind: str, subject: Any, **context: str) -> None:
    """Mail the app's developer about a decision (queued: sent after the request commits)."""
    from gateway.mail.services import public_url
    from gateway.notifications.services import notify

    notify(db.session.get(User, app.developer_id), topic, kind, subject, app_name=app.name,
           app_url=public_url("developer.app_detail", appid=app.appid), **context)


def _revoke_tokens(app: App) -> None:
    from gateway.oauth.services import revoke_tokens_for_app

    revoke_tokens_for_app(app.id)


def _forget(app: App) -> None:
    """Drop this process's cached status and permissions of the app (others expire in seconds)."""
    from gateway.oauth.services import forget_app

    forget_app(app.id)


def reinstate_app(app: App, operator: User) -> None:
    """Bring a suspended app back live."""
    if app.status != "suspended":
        raise InvalidState(_l("Only suspended apps can be reinstated."))
    _developer_active(app)
    app.status, app.review_note, app.reviewed_at = "live", "", utcnow()
    audit.record("app.reinstated", actor_id=operator.id, subject_type="app",
                 subject_id=app.appid)
    _notify(app, "app.reinstated", {"note": ""})
    _forget(app)
    db.session.flush()


def find_permission(permission_id: int) -> AppPermission:
    """A permission row by id, or NotFound."""
    permission = db.session.get(AppPermission, permission_id)
    if permission is None:
        raise NotFound()
    return permission


def grant_permission(permission: AppPermission, operator: User) -> None:
    """Grant a requested permission (unionid turns App.unionid_enabled on)."""
    if permission.status != "requested":
        raise InvalidState(_l("Only requested permissions can be granted."))
    permission.status, permission.review_note, permission.decided_at = "granted", "", utcnow()
    if permission.scope == UNIONID:
        permission.app.unionid_enabled = True
    audit.record("app.permission_granted", actor_id=operator.id, subject_type="app",
                 subject_id=permission.app.appid, scope=permission.scope)
    _notify(permission.app, "permission.decided",
            {"scope": permission.scope, "decision": "granted", "note": ""})
    _mail_developer(permission.app, "app_reviews", "permission_decided",
                    _l("%(scope)s granted for %(app)s", scope=permission.scope,
                       app=permission.app.name),
                    scope=permission.scope, decision="granted", note="")
    _forget(permission.app)
    db.session.flush()


def refuse_permission(permission: AppPermission, operator: User, reason: str | None) -> None:
    """Refuse a requested permission with a reason the developer sees."""
    note = _reason(reason)
    if permission.status != "requested":
        raise InvalidState(_l("Only requested permissions can be refused."))
    permission.status, permission.review_note, permission.decided_at = "refused", note, utcnow()
    if permission.scope == UNIONID:
        permission.app.unionid_enabled = False
    audit.record("app.permission_refused", actor_id=operator.id, subject_type="app",
                 subject_id=permission.app.appid, scope=permission.scope, reason=note)
    _notify(permission.app, "permission.decided",
            {"scope": permission.scope, "decision": "refused", "note": note})
    _mail_developer(permission.app, "app_reviews", "permission_decided",
                    _l("%(scope)s refused for %(app)s", scope=permission.scope,
                       app=permission.app.name),
                    scope=permission.scope, decision="refused", note=note)
    _forget(permission.app)
    db.session.flush()


def apps_by_status() -> dict[str, int]:
    """How many apps are in each status."""
    rows = db.session.execute(select(App.status, func.count()).group_by(App.status))
    return {status: int(count) for status, count in rows}
