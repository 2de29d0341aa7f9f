"""Email addresses on accounts: set, verify, change. They flush; the request commits.

No answer says whether an address belongs to another account: when it does, the page reads the
same ("check your mailbox") and the address's owner gets a mail saying someone tried to use it.
"""

from __future__ import annotations

import functools
import logging
import re

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import func, select

from gateway.accounts import links
from gateway.accounts.errors import EmailTaken, InvalidLink
from gateway.accounts.models import User
from gateway.accounts.passwords import verify_password
from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _, _l
from gateway.mail import services as mail
from gateway.timeutil import utcnow

log = logging.getLogger(__name__)
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
                           r"\.[A-Za-z]{2,63}$")
VERIFY, CHANGE = "verify_email", "change_email"


def normalize(raw: str | None) -> str:
    """The address as stored (trimmed, lower-cased), or ValidationFailed on the `email` field."""
    address = (raw or "").strip().lower()
    if len(address) > 254 or not EMAIL_PATTERN.match(address):
        raise ValidationFailed({"email": [_("Enter a valid email address.")]})
    return address


def mask(address: str) -> str:
    """An address shown to someone who may not own it: first letter and domain only."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def owner_of(address: str) -> User | None:
    """The account using this address, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == address.lower()))


@functools.lru_cache(maxsize=8)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def _may_mail(address: str) -> bool:
    """Whether this address may get another account mail this hour (bounds mail bombing)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    from gateway.quotas.services import counters

    ok = counters().hit(_limit(current_app.config["ZC_EMAIL_LIMIT"]), "account-mail", address)
    if not ok:
        log.warning("account mail to one address over its hourly limit: not sent")
    return ok


def _ttl() -> int:
    return int(current_app.config["ZC_EMAIL_LINK_TTL"])


def _tell_owner_in_use(address: str) -> None:
    owner = owner_of(address)
    if owner is not None and _may_mail(address):
        mail.queue("email_in_use", address, _l("Someone tried to use your email address"),
                   user=owner, login_url=mail.public_url("accounts.login"))


def send_verification(user: User) -> None:
    """Mail a fresh verification link for the account's current address (older ones die)."""
    if user.email is None or user.email_verified or not _may_mail(user.email):
        return
    links.retire(user, VERIFY)
    token = links.issue(user, VERIFY, user.email, _ttl())
    mail.queue(VERIFY, user.email, _l("Confirm your email address"), user=user,
               link=mail.public_url("account_email.confirm", token=token),
               hours=_ttl() // 3600)


def set_address(user: User, raw: str) -> None:
    """Give an account without one its address (unverified) and mail the verification link."""
    address = normalize(raw)
    if owner_of(address) not in (None, user):
        _tell_owner_in_use(address)
        return
    user.email, user.email_verified_at = address, None
    db.session.flush()
    audit.record("email.set", actor_id=user.id, subject_type="user", subject_id=user.id)
    send_verification(user)


def set_verified(user: User, raw: str) -> None:
    """Store an address an operator vouches for (`gateway users create --email`)."""
    address = normalize(raw)
    if owner_of(address) not in (None, user):
        raise EmailTaken()
    user.email, user.email_verified_at = address, utcnow()
    db.session.flush()


def request_change(user: User, password: str, raw: str) -> None:
    """Mail a link to the new address; the change happens only when it is opened."""
    if not verify_password(user.password_hash, password):
        raise ValidationFailed({"password": [_("That is not your current password.")]})
    address = normalize(raw)
    if address == user.email:
        raise ValidationFailed({"email": [_("That is already your address.")]})
    audit.record("email.change_requested", actor_id=user.id, subject_type="user",
                 subject_id=user.id)
    if owner_of(address) is not None:
        _tell_owner_in_use(address)
        return
    if user.email is None:
        set_address(user, address)
        return
    if not _may_mail(address):
        return
    links.retire(user, CHANGE)
    token = links.issue(user, CHANGE, f"{user.email}\n{address}", _ttl())
    mail.queue(CHANGE, address, _l("Confirm your new email address"), user=user,
               link=mail.public_url("account_email.confirm", token=token), new_address=address,
               hours=_ttl() // 3600)


def confirm(token: str) -> User:
    """Open a verification or change link: single use, still bound to the account's address."""
    row = links.peek(token, VERIFY) or links.peek(token, CHANGE)
    user = db.session.get(User, row.user_id) if row else None
    if row is None or user is None:
        raise InvalidLink()
    if row.purpose == VERIFY:
        if row.binding != user.email or user.email_verified or not links.spend(row):
            raise InvalidLink()
        user.email_verified_at = utcnow()
        audit.record("email.verified", actor_id=user.id, subject_type="user", subject_id=user.id)
    else:
        old, new = row.binding.split("\n", 1)
        if old != user.email or owner_of(new) is not None or not links.spend(row):
            raise InvalidLink()
        user.email, user.email_verified_at = new, utcnow()
        links.retire(user, VERIFY)
        audit.record("email.changed", actor_id=user.id, subject_type="user", subject_id=user.id)
        mail.queue("email_changed", old, _l("Your ZoneConnect email address was changed"),
                   user=user, new_address=mask(new), login_url=mail.public_url("accounts.login"))
    db.session.flush()
    return user
