"""Operators' holds on accounts. Every decision is audited; services flush, the request commits.

A hold (deactivation or ban) takes effect at once: the account's tokens and codes are revoked
through the token store (every instance's cache drops them), its sessions end, its developer API
keys stop working (they check `is_active`) and its login is refused with a page that says why,
shown only after the right password. A ban also suspends the developer's live apps; reinstating
the account brings back only those the ban suspended and nobody has decided on since.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.errors import NotFound, ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.identity.models import OpenID
from gateway.moderation.errors import AccountHoldError
from gateway.moderation.models import KINDS, AccountSuspension, SuspendedApp
from gateway.timeutil import utcnow

SEARCH_LIMIT = 50
REASON_MAX = 2000


def current(user_id: int) -> AccountSuspension | None:
    """The hold on this account now, or None."""
    return db.session.scalar(select(AccountSuspension).where(
        AccountSuspension.user_id == user_id, AccountSuspension.lifted_at.is_(None))
        .order_by(AccountSuspension.id.desc()).limit(1))


def history(user_id: int) -> list[AccountSuspension]:
    """Every hold the account has had, newest first."""
    return list(db.session.scalars(select(AccountSuspension).where(
        AccountSuspension.user_id == user_id).order_by(AccountSuspension.id.desc())))


def find_user(user_id: int) -> User:
    """An account by id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


def _reason(reason: str | None) -> str:
    cleaned = (reason or "").strip()
    if not 0 < len(cleaned) <= REASON_MAX:
        raise ValidationFailed({"reason": [_l("Give a reason (1 to 2000 characters).")]})
    return cleaned


def suspend(user: User, operator: User, kind: str, reason: str | None) -> AccountSuspension:
    """Deactivate or ban an account: tokens revoked, sessions ended, login refused; a ban also
    suspends the developer's live apps."""
    from gateway.developers import review
    from gateway.oauth.services import revoke_tokens_of_user

    note = _reason(reason)
    if kind not in KINDS:
        raise NotFound()
    if user.id == operator.id:
        raise AccountHoldError(_l("Operators cannot suspend their own account."))
    db.session.refresh(user, with_for_update=True)  # two operators at once: one hold
    if current(user.id) is not None or not user.is_active:
        raise AccountHoldError(_l("This account is already suspended: reinstate it first."))
    hold = AccountSuspension(user_id=user.id, kind=kind, reason=note, operator_id=operator.id,
                             created_at=utcnow())
    db.session.add(hold)
    user.is_active = False
    revoked = revoke_tokens_of_user(user.id)
    ended = sessions.end_all(user.id, kind)
    suspended: list[str] = []
    if kind == "banned":
        for app in db.session.scalars(select(App).where(App.developer_id == user.id,
                                                        App.status == "live")).all():
            review.suspend_app(app, operator, note)
            hold.apps.append(SuspendedApp(app_id=app.id, suspended_at=app.reviewed_at))
            suspended.append(app.appid or str(app.id))
    audit.record(f"account.{'banned' if kind == 'banned' else 'deactivated'}",
                 actor_id=operator.id, subject_type="user", subject_id=user.id, reason=note,
                 tokens_revoked=revoked, sessions_ended=ended, apps_suspended=suspended)
    db.session.flush()
    return hold


def reinstate(user: User, operator: User) -> list[str]:
    """Lift the hold on an account; apps its ban suspended come back if still suspended by it.
    Returns the appids reinstated."""
    from gateway.developers import review

    db.session.refresh(user, with_for_update=True)
    hold = current(user.id)
    if hold is None:
        raise AccountHoldError(_l("This account is not suspended."))
    hold.lifted_at, hold.lifted_by = utcnow(), operator.id
    user.is_active = True
    back: list[str] = []
    for link in hold.apps:
        app = db.session.get(App, link.app_id)
        if app is not None and app.status == "suspended" and app.reviewed_at == link.suspended_at:
            review.reinstate_app(app, operator)
            back.append(app.appid or str(app.id))
    audit.record("account.reinstated", actor_id=operator.id, subject_type="user",
                 subject_id=user.id, kind=hold.kind, apps_reinstated=back)
    db.session.flush()
    return back


def search(text: str) -> list[User]:
    """Accounts whose username or email contains `text` (case-insensitive), exact matches
    first; at most SEARCH_LIMIT."""
    needle = text.strip().lower()[:254]
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    exact = or_(func.lower(User.username) == needle, User.email == needle)
    query = (select(User).where(or_(func.lower(User.username).like(pattern, escape="\\"),
                                    User.email.like(pattern, escape="\\")))
             .order_by(exact.desc(), User.username).limit(SEARCH_LIMIT))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Resolved:
    """Whose an openid is, and for which app."""

    user: User
    app: App
    openid: str


def resolve_openid(openid: str, operator: User, reason: str | None) -> Resolved:
    """The account and app behind an app's openid (abuse handling); audited with the reason.
    An unknown openid is audited too, and raises NotFound."""
    note = _reason(reason)
    value = openid.strip().upper()
    row = db.session.scalar(select(OpenID).where(OpenID.openid == value[:32])) \
        if len(value) == 32 else None
    user = db.session.get(User, row.user_id) if row is not None else None
    app = db.session.get(App, row.app_id) if row is not None else None
    audit.record("account.openid_resolved", actor_id=operator.id, subject_type="user",
                 subject_id=user.id if user else None, openid=value[:64], reason=note,
                 appid=app.appid if app else None, found=user is not None)
    db.session.flush()
    if user is None or app is None:
        raise NotFound(_l("No account has that openid."))
    return Resolved(user, app, value)
