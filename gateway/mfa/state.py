"""What the current session proved, and when: amr values, the acr they add up to, step-up.

amr (RFC 8176) values used: "pwd" (password), "otp" (authenticator app or recovery code),
"hwk" (a passkey: a proof-of-possession key held by an authenticator), "mfa" (two different
factors, or a passkey with user verification, which is possession plus PIN or biometrics).

acr values (documented in docs/accounts.md and discovery):
- ACR_MFA "urn:zoneconnect:acr:mfa": the login used two factors ("mfa" in amr);
- ACR_PWD "urn:zoneconnect:acr:pwd": one factor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from gateway.accounts import sessions
from gateway.accounts.models import User, UserSession
from gateway.extensions import db
from gateway.mfa.models import Passkey, TotpFactor
from gateway.timeutil import utcnow

ACR_MFA = "urn:zoneconnect:acr:mfa"
ACR_PWD = "urn:zoneconnect:acr:pwd"
ACR_VALUES = (ACR_PWD, ACR_MFA)


def acr_for(amr: list[str]) -> str:
    """The acr a login with these methods reached."""
    return ACR_MFA if "mfa" in amr else ACR_PWD


def has_factor(user: User) -> bool:
    """Whether the account has a confirmed authenticator app or a passkey."""
    totp = exists().where(TotpFactor.user_id == user.id, TotpFactor.confirmed_at.is_not(None))
    passkey = exists().where(Passkey.user_id == user.id)
    return bool(db.session.scalar(select(totp | passkey)))


def record_login(record: UserSession, amr: list[str]) -> None:
    """Write what a fresh login proved onto its session record."""
    record.amr = " ".join(amr)
    if "mfa" in amr:
        record.second_factor_at = utcnow()
    db.session.flush()


def record_step_up(record: UserSession, method: str) -> None:
    """A second factor checked again in a running session (step-up)."""
    methods = [m for m in record.amr.split() if m not in (method, "mfa")]
    record.amr = " ".join([*methods, method, "mfa"])
    record.second_factor_at = utcnow()
    db.session.flush()


def session_amr() -> list[str]:
    """The current session's amr values (empty when nobody is logged in)."""
    record = sessions.current_session()
    return record.amr.split() if record is not None and record.amr else []


def session_amr_text() -> str | None:
    """The current session's amr as stored on authorization codes."""
    return " ".join(session_amr()) or None


def second_factor_at() -> datetime | None:
    """When this session last checked a second factor."""
    record = sessions.current_session()
    return record.second_factor_at if record is not None else None


def step_up_needed(user: User) -> bool:
    """True when the account has a second factor not checked in the last ZC_STEP_UP_SECONDS."""
    if not has_factor(user):
        return False
    when = second_factor_at()
    window = timedelta(seconds=int(current_app.config["ZC_STEP_UP_SECONDS"]))
    return when is None or utcnow() - when > window
