"""Password hashing with argon2id, tunable through configuration."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers: dict[tuple[int, int, int], PasswordHasher] = {}
# A valid hash of a random password: verifying against it makes an unknown username cost as much
# as a wrong password, so timing does not reveal which accounts exist.
_DUMMY: dict[tuple[int, int, int], str] = {}


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    params = (cfg["ZC_ARGON2_TIME_COST"], cfg["ZC_ARGON2_MEMORY_COST"],
              cfg["ZC_ARGON2_PARALLELISM"])
    if params not in _hashers:
        _hashers[params] = PasswordHasher(
            time_cost=params[0], memory_cost=params[1], parallelism=params[2]
        )
    return _hashers[params]


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time and fail."""
    hasher = _hasher()
    if stored_hash is None:
        key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        if key not in _DUMMY:
            _DUMMY[key] = hasher.hash("not-a-real-password")
        stored_hash = _DUMMY[key]
        password = password + "\x00"
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than configured now."""
    return _hasher().check_needs_rehash(stored_hash)
