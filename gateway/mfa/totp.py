"""Authenticator apps (RFC 6238 with pyotp): enrol, check a code, lock after repeated failures.

A code is accepted once (the time step is remembered), one step of clock drift either way is
allowed, and ZC_TOTP_MAX_FAILURES wrong codes in a row lock the factor (and recovery codes) for
ZC_TOTP_LOCK_SECONDS, with a mail to the owner.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from flask import current_app

from gateway.accounts.models import User
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.i18n import _l
from gateway.mail import services as mail
from gateway.mfa import recovery, sealing
from gateway.mfa.models import TotpFactor
from gateway.timeutil import utcnow

ISSUER = "ZoneConnect"


class Locked(Exception):
    """The factor is locked after too many wrong codes."""


def factor_of(user: User) -> TotpFactor | None:
    """The account's authenticator app (confirmed or still being set up)."""
    return db.session.get(TotpFactor, user.id)


def begin(user: User) -> tuple[str, str]:
    """Start (or restart) enrolment: a new secret; returns it and its otpauth:// URI."""
    secret = pyotp.random_base32()
    factor = factor_of(user)
    if factor is not None and factor.confirmed_at is not None:
        raise ValueError("an authenticator app is already set up")
    if factor is None:
        factor = TotpFactor(user_id=user.id, sealed_secret="")
        db.session.add(factor)
    factor.sealed_secret = sealing.seal(secret, str(user.id))
    factor.created_at, factor.last_step, factor.failures = utcnow(), 0, 0
    db.session.flush()
    label = user.email or user.username
    return secret, pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=ISSUER)


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment not yet confirmed (shown again on the set-up page)."""
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is not None:
        return None
    return sealing.unseal(factor.sealed_secret, str(user.id))


def _matching_step(secret: str, code: str, after: int) -> int | None:
    """The time step (drift ±1) whose code this is, if newer than `after`."""
    code = "".join(c for c in code if c.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > after and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def confirm(user: User, code: str) -> list[str] | None:
    """Finish enrolment with a first code; returns the new recovery codes (or None)."""
    factor = factor_of(user)
    secret = pending_secret(user)
    step = _matching_step(secret, code, 0) if secret else None
    if factor is None or step is None:
        return None
    factor.confirmed_at, factor.last_step = utcnow(), step
    audit.record("mfa.totp_added", actor_id=user.id, subject_type="user", subject_id=user.id)
    return recovery.generate(user)


def locked(factor: TotpFactor) -> bool:
    """Whether wrong codes have locked this factor for now."""
    return factor.locked_until is not None and factor.locked_until > utcnow()


def check(user: User, code: str) -> str | None:
    """Check a login or step-up code: an app code ("otp") or a recovery code ("otp"); None when
    wrong. Raises Locked while the factor is locked (even a right code waits)."""
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is None:
        return "otp" if recovery.use(user, code) else None
    if locked(factor):
        raise Locked()
    secret = sealing.unseal(factor.sealed_secret, str(user.id))
    step = _matching_step(secret, code, factor.last_step) if secret else None
    if step is not None:
        factor.last_step, factor.failures = step, 0
        return "otp"
    if recovery.use(user, code):
        factor.failures = 0
        audit.record("mfa.recovery_code_used", actor_id=user.id, subject_type="user",
                     subject_id=user.id)
        return "otp"
    _failed(user, factor)
    return None


def _failed(user: User, factor: TotpFactor) -> None:
    factor.failures += 1
    audit.record("mfa.code_failed", actor_id=user.id, subject_type="user", subject_id=user.id)
    if factor.failures < int(current_app.config["ZC_TOTP_MAX_FAILURES"]):
        return
    minutes = int(current_app.config["ZC_TOTP_LOCK_SECONDS"]) // 60
    factor.locked_until = utcnow() + timedelta(minutes=minutes)
    factor.failures = 0
    audit.record("mfa.locked", actor_id=user.id, subject_type="user", subject_id=user.id)
    if user.email:
        mail.queue("mfa_locked", user.email, _l("Your ZoneConnect second factor is locked"),
                   user=user, minutes=minutes, forgot_url=mail.public_url("recovery.forgot"))


def remove(user: User) -> None:
    """Remove the authenticator app."""
    factor = factor_of(user)
    if factor is not None:
        db.session.delete(factor)
        audit.record("mfa.totp_removed", actor_id=user.id, subject_type="user",
                     subject_id=user.id)
        db.session.flush()
