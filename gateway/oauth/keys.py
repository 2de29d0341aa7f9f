"""Signing keys of id_tokens and JWT access tokens: created on first use, rotated by
`gateway keys rotate`, published as JWKS.

Private keys are kept in the database as PEM (table oauth_signing_keys) so every instance signs
with the same key; protect database backups accordingly (see the README's security notes).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import or_, select

from gateway.extensions import db
from gateway.oauth.models import SigningKey
from gateway.timeutil import utcnow

ALGORITHMS = ("RS256", "ES256")
Key = RSAKey | ECKey


def _generate(alg: str) -> SigningKey:
    key: Key = RSAKey.generate_key(2048) if alg == "RS256" else ECKey.generate_key("P-256")
    pem = key.as_pem(private=True)
    row = SigningKey(kid=key.thumbprint()[:43], alg=alg,
                     private_pem=pem.decode() if isinstance(pem, bytes) else pem)
    db.session.add(row)
    db.session.flush()
    return row


def signing_algorithm() -> str:
    """The algorithm id_tokens are signed with (ZC_ID_TOKEN_ALG: RS256 or ES256)."""
    alg = current_app.config["ZC_ID_TOKEN_ALG"]
    return alg if alg in ALGORITHMS else "RS256"


def access_token_algorithm() -> str:
    """The algorithm JWT access tokens are signed with (ZC_ACCESS_TOKEN_ALG: ES256 or RS256)."""
    alg = current_app.config["ZC_ACCESS_TOKEN_ALG"]
    return alg if alg in ALGORITHMS else "ES256"


def current_row(alg: str) -> SigningKey:
    """The key that signs for `alg` now, created when none exists."""
    row = db.session.scalar(select(SigningKey).where(
        SigningKey.alg == alg, SigningKey.retire_after.is_(None))
        .order_by(SigningKey.id.desc()).limit(1))
    return row or _generate(alg)


# Parsing a PEM costs milliseconds on every id_token; parsed keys are kept per process, keyed
# by the row's kid and PEM (so a rotated or replaced key is never served from here).
_parsed: dict[tuple[str, str, str], Key] = {}
_PARSED_MAX = 32


def load(row: SigningKey) -> Key:
    """The joserfc private key of a row, with its kid."""
    cache_key = (row.kid, row.alg, row.private_pem)
    found = _parsed.get(cache_key)
    if found is not None:
        return found
    params = {"kid": row.kid, "alg": row.alg, "use": "sig"}
    if row.alg == "RS256":
        key: Key = RSAKey.import_key(row.private_pem, params)
    else:
        key = ECKey.import_key(row.private_pem, params)
    if len(_parsed) >= _PARSED_MAX:
        _parsed.clear()
    _parsed[cache_key] = key
    return key


def rotate() -> list[str]:
    """Add a new key per algorithm; old ones stay published until their id_tokens expired."""
    retire_after = utcnow() + timedelta(seconds=int(current_app.config["ZC_ID_TOKEN_TTL"]))
    old = db.session.scalars(select(SigningKey).where(SigningKey.retire_after.is_(None)))
    for row in old:
        row.retire_after = retire_after
    return [_generate(alg).kid for alg in ALGORITHMS]


def jwks() -> dict[str, Any]:
    """The public keys of every signing key still published (current and retiring)."""
    current_row(signing_algorithm())
    current_row(access_token_algorithm())
    rows = db.session.scalars(select(SigningKey).where(or_(
        SigningKey.retire_after.is_(None), SigningKey.retire_after > utcnow()))
        .order_by(SigningKey.id))
    return {"keys": [load(row).as_dict(private=False) for row in rows]}
