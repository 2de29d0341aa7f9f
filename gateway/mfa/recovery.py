"""Ten single-use recovery codes per account: shown once, stored as SHA-256 digests."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select, update

from gateway.accounts.models import User
from gateway.extensions import db
from gateway.mfa.models import RecoveryCode
from gateway.security.secrets import digest
from gateway.timeutil import utcnow

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed


def _normalize(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def generate(user: User) -> list[str]:
    """Replace the account's codes with 10 new ones; the plain codes are returned only here."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(10))  # ~49 bits each
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_digest=digest(raw)))
    db.session.flush()
    return codes


def remaining(user: User) -> int:
    """How many unused codes the account has."""
    return int(db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0)


def use(user: User, code: str) -> bool:
    """Spend a code (one conditional UPDATE: a code works once even under races)."""
    raw = _normalize(code)
    if len(raw) != 10:
        return False
    done = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_digest == digest(raw),
        RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))
    return done.rowcount == 1  # type: ignore[attr-defined]


def remove_all(user: User) -> None:
    """Delete the account's codes (its last second factor was removed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
