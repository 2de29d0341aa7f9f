"""Deleting an app: its users' grants go (each app told by its deauthorization callback), every
token and code is revoked, the row stays as a tombstone so the appid is never reused and the
ledger, orders and statements that name it keep their history."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.authorizations.models import Authorization
from gateway.developers.errors import InvalidState
from gateway.extensions import db
from gateway.i18n import _l
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

DELETED = "deleted"


class NameMismatch(InvalidState):
    """The confirmation does not repeat the app's name."""

    code = "confirmation_mismatch"
    status = 422
    description = _l("Type the app's name exactly to delete it.")


def delete_app(app: App, actor: User, confirm_name: str) -> int:
    """Delete the app (see the module docstring); returns how many users' grants were removed."""
    from gateway.authorizations.services import deauthorize
    from gateway.oauth.services import forget_app, revoke_tokens_for_app

    if app.status == DELETED:
        raise InvalidState(_l("This app is already deleted."))
    if confirm_name.strip() != app.name:
        raise NameMismatch()
    users = list(db.session.scalars(select(Authorization.user_id).where(
        Authorization.app_id == app.id, Authorization.revoked_at.is_(None))))
    removed = sum(1 for user_id in users if deauthorize(user_id, app))
    revoke_tokens_for_app(app.id)  # client-credentials tokens and anything left
    name = app.name
    app.status, app.deleted_at = DELETED, utcnow()
    # Credentials die with the app; the name is freed for a new app of the same developer.
    app.appkey_digest = digest(secrets.token_hex(32))
    app.previous_appkey_digest = app.previous_appkey_expires_at = None
    app.name = f"{name[:40]} (deleted {app.appid})"[:64]
    audit.record("app.deleted", actor_id=actor.id, subject_type="app", subject_id=app.appid,
                 name=name, grants_removed=removed)
    forget_app(app.id)
    db.session.flush()
    return removed
