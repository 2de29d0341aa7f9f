"""Delete my account: scheduling, the grace period, and cancelling it (by logging in or by the
banner's button). The erasure itself is gateway/privacy/erasure.py, run by the worker.

Policy (docs/privacy.md): coins left on the account are forfeited (never refunded; the ledger
keeps them on the closed account); a developer's earnings keep being settled and paid to the
connected payout account; the developer's apps are deleted at erasure through the app deletion
service (their users are told by each app's deauthorization callback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from gateway.accounts import sessions
from gateway.accounts.errors import WrongPassword
from gateway.accounts.models import User
from gateway.accounts.passwords import verify_password
from gateway.apps.models import App
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.groups.models import Group
from gateway.i18n import _l
from gateway.ledger.models import COIN_CURRENCY, LedgerAccount
from gateway.mail import services as mail
from gateway.privacy.errors import DeletionNotScheduled
from gateway.timeutil import utcnow

UNPAID_KINDS = ("unsettled", "pending", "available")


@dataclass
class Situation:
    """What the account holds that deletion affects, shown before the user confirms."""

    coins: int = 0
    unpaid: dict[str, int] = field(default_factory=dict)  # currency -> minor units
    payout_account: bool = False
    apps: list[str] = field(default_factory=list)
    groups_owned: list[str] = field(default_factory=list)


def situation(user: User) -> Situation:
    """Coins, unpaid earnings, apps and owned groups of the account (reads only)."""
    from gateway.revenue.models import ConnectedAccount

    found = Situation()
    for acct in db.session.scalars(select(LedgerAccount).where(
            LedgerAccount.owner_id == user.id,
            LedgerAccount.owner_type.in_(("user", "developer")))):
        if acct.owner_type == "user" and acct.kind == "coins" and acct.currency == COIN_CURRENCY:
            found.coins += acct.balance
        elif acct.owner_type == "developer" and acct.kind in UNPAID_KINDS and acct.balance:
            found.unpaid[acct.currency] = found.unpaid.get(acct.currency, 0) + acct.balance
    found.payout_account = db.session.scalar(select(ConnectedAccount.id).where(
        ConnectedAccount.developer_id == user.id)) is not None
    found.apps = list(db.session.scalars(select(App.name).where(
        App.developer_id == user.id, App.status != "deleted").order_by(App.id)))
    found.groups_owned = list(db.session.scalars(select(Group.name).where(
        Group.owner_id == user.id).order_by(Group.id)))
    return found


def grace() -> timedelta:
    """How long a scheduled deletion waits (ZC_DELETION_GRACE_DAYS)."""
    return timedelta(days=int(current_app.config["ZC_DELETION_GRACE_DAYS"]))


def schedule(user: User, password: str) -> None:
    """Check the password, schedule the erasure after the grace period, sign out the account's
    other sessions and mail the owner. The caller has checked the second factor (step-up)."""
    if not verify_password(user.password_hash, password):
        audit.record("password.check_failed", actor_id=user.id, subject_type="user",
                     subject_id=user.id, form="delete_account")
        raise WrongPassword({"password": [_l("That is not your current password.")]})
    user.deletion_due_at = utcnow() + grace()
    current = sessions.current_session()
    sessions.end_all(user.id, "signed_out", keep=current.id if current is not None else None)
    audit.record("account.deletion_scheduled", actor_id=user.id, subject_type="user",
                 subject_id=user.id, due=user.deletion_due_at.isoformat())
    if user.email:
        mail.queue("deletion_scheduled", user.email,
                   _l("Your ZoneConnect account will be deleted"), user=user,
                   due=user.deletion_due_at, login_url=mail.public_url("accounts.login"))
    db.session.flush()


def cancel(user: User, how: str) -> None:
    """Cancel a scheduled deletion (`how`: "login" or "button") and mail the owner."""
    if user.deletion_due_at is None or user.erased_at is not None:
        raise DeletionNotScheduled()
    user.deletion_due_at = None
    audit.record("account.deletion_cancelled", actor_id=user.id, subject_type="user",
                 subject_id=user.id, how=how)
    if user.email:
        mail.queue("deletion_cancelled", user.email,
                   _l("The deletion of your ZoneConnect account was cancelled"), user=user,
                   security_url=mail.public_url("mfa.security"))
    db.session.flush()


def cancel_on_login(user: User) -> bool:
    """Logging in cancels a scheduled deletion; True when it did."""
    if user.deletion_due_at is None or user.erased_at is not None:
        return False
    cancel(user, "login")
    return True
