"""Forgotten passwords: a mailed link, valid once for 30 minutes, bound to the current password.

The answer to a request is the same whether or not an account uses the address, and costs about
the same (the mail is rendered either way). Requests are limited per caller address (the view)
and per account and address here. Flush only; the request commits.
"""

from __future__ import annotations

import functools

from flask import current_app, render_template
from limits import RateLimitItem, parse

from gateway.accounts import emails, links, sessions
from gateway.accounts.errors import InvalidLink
from gateway.accounts.models import User
from gateway.accounts.passwords import hash_password
from gateway.accounts.services import check_new_password
from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.mail import services as mail
from gateway.timeutil import utcnow

RESET = "reset_password"


@functools.lru_cache(maxsize=8)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def _account_may_reset(user: User) -> bool:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    from gateway.quotas.services import counters

    item = _limit(current_app.config["ZC_RESET_LIMIT_ACCOUNT"])
    return counters().hit(item, "password-reset-account", str(user.id))


def request_reset(raw_address: str) -> None:
    """Mail a reset link if an active account uses this address; otherwise do the same work."""
    address = emails.normalize(raw_address)
    user = emails.owner_of(address)
    ttl = int(current_app.config["ZC_RESET_LINK_TTL"])
    if (user is None or not user.is_active or not _account_may_reset(user)
            or not emails._may_mail(address)):
        # Spend what a real request spends on rendering, so timing tells nothing either.
        render_template("mail/reset_password.txt", user=None, link="", minutes=ttl // 60)
        return
    links.retire(user, RESET)
    token = links.issue(user, RESET, links.password_fingerprint(user), ttl)
    mail.queue(RESET, address, _l("Reset your ZoneConnect password"), user=user,
               link=mail.public_url("recovery.reset", token=token), minutes=ttl // 60)
    audit.record("password.reset_requested", actor_id=user.id, subject_type="user",
                 subject_id=user.id)


def check_link(token: str) -> User:
    """The account a reset link is for, while the link is unused, unexpired and current."""
    row = links.peek(token, RESET)
    user = db.session.get(User, row.user_id) if row else None
    if row is None or user is None or not user.is_active \
            or row.binding != links.password_fingerprint(user):
        raise InvalidLink()
    return user


def reset(token: str, new_password: str) -> User:
    """Set a new password from a link: every session ends, and older links die with the old
    password. Logging in afterwards still asks for the account's second factor."""
    user = check_link(token)
    if reasons := check_new_password(new_password):
        raise ValidationFailed({"password": reasons})
    row = links.peek(token, RESET)
    if row is None or not links.spend(row):
        raise InvalidLink()
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1
    sessions.end_all(user.id, "password_changed")
    if user.email_verified_at is None:  # the link reached the mailbox: the address is theirs
        user.email_verified_at = utcnow()
    links.retire(user, RESET)
    audit.record("password.reset", actor_id=user.id, subject_type="user", subject_id=user.id)
    if user.email:
        mail.queue("password_changed", user.email, _l("Your ZoneConnect password was changed"),
                   user=user, forgot_url=mail.public_url("recovery.forgot"))
    db.session.flush()
    return user
