"""This process's own changes to what cached reads depend on, evicted when they commit.

Session events note flushed rows (tokens, grants, users, apps, permissions) and bulk
UPDATE/DELETE statements on those tables; at the outermost commit the current app's token store
forgets what they touched (a bulk statement, whose rows are unknown, drops everything unless it
is marked `zc_token_cache_neutral` and its caller uses `note_changed`). Other processes learn the
same changes through PostgreSQL NOTIFY (gateway/notify_feed.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from gateway.oauth.store import GrantKey

_PENDING = "zc_token_cache_pending"
_TABLES = {"oauth_tokens", "authorizations", "users", "apps", "app_permissions"}
_GRANTING = {"authorizations", "app_permissions"}


@dataclass
class _Pending:
    grants: set[GrantKey]
    users: set[int]
    apps: set[int]
    everything: bool = False


def _pending(session: Session) -> _Pending:
    found = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = _Pending(set(), set(), set())
    return found  # type: ignore[no-any-return]


def _note_instances(session: Session, _context: Any, _instances: Any) -> None:
    from gateway.accounts.models import User
    from gateway.apps.models import App, AppPermission
    from gateway.authorizations.models import Authorization
    from gateway.oauth.models import OAuthToken

    changed = [*session.dirty, *session.deleted]
    if not changed:
        return
    pending = _pending(session)
    for obj in changed:
        if isinstance(obj, OAuthToken | Authorization):
            pending.grants.add((obj.user_id, obj.app_id))
        elif isinstance(obj, User):
            pending.users.add(obj.id)
        elif isinstance(obj, App):
            pending.apps.add(obj.id)
        elif isinstance(obj, AppPermission):
            pending.apps.add(obj.app_id)
    for obj in session.new:
        if isinstance(obj, Authorization):
            pending.grants.add((obj.user_id, obj.app_id))
        elif isinstance(obj, AppPermission):
            pending.apps.add(obj.app_id)


def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get("zc_token_cache_neutral"):
        return  # e.g. a grant's last-used time: nothing a token check reads
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name in (_GRANTING if state.is_insert else _TABLES):  # a new token changes no check
        _pending(state.session).everything = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: evict when the whole transaction commits
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None or not has_app_context():
        return
    store = current_app.extensions.get("zc_token_store")
    if store is None:
        return
    if pending.everything:
        store.clear()
    else:
        store.forget(pending.grants, pending.users, pending.apps)


def note_changed(grants: Iterable[GrantKey]) -> None:
    """Tokens of these (user, app) pairs change in the session's transaction through a statement
    marked `zc_token_cache_neutral` (which would otherwise clear the whole cache at commit)."""
    from gateway.extensions import db

    _pending(db.session()).grants.update(grants)


def listen_for_local_changes() -> None:
    """Register the session events once per process."""
    if getattr(listen_for_local_changes, "done", False):
        return
    event.listen(Session, "before_flush", _note_instances)
    event.listen(Session, "do_orm_execute", _note_statement)
    # No rollback hook: what a rolled-back transaction noted is evicted at the session's next
    # commit (a wasted eviction at worst, never a missed one).
    event.listen(Session, "after_commit", _after_commit)
    listen_for_local_changes.done = True  # type: ignore[attr-defined]
