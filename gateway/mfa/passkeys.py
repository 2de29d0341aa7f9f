"""Passkeys (WebAuthn, with py_webauthn): register several, name, remove, log in with one alone.

Every ceremony checks the challenge (issued here, kept in the signed session, used once, five
minutes), the origin and the RP ID (from ZC_PUBLIC_URL, else this request's host in development),
and, on login, that the signature counter moved forward (a cloned authenticator is refused).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, session
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from gateway.accounts.models import User
from gateway.audit import services as audit
from gateway.errors import NotFound, ZoneConnectError
from gateway.extensions import db
from gateway.i18n import _l
from gateway.mfa.models import Passkey
from gateway.timeutil import utcnow

CHALLENGE_SECONDS = 300


class PasskeyRefused(ZoneConnectError):
    code = "passkey_refused"
    status = 400
    description = _l("The passkey could not be verified.")


def origin() -> str:
    """The origin browsers report: ZC_PUBLIC_URL's, else this request's."""
    base = current_app.config.get("ZC_PUBLIC_URL") or request.host_url
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def rp_id() -> str:
    """The relying party id: ZC_WEBAUTHN_RP_ID, else the public URL's host name."""
    return str(current_app.config.get("ZC_WEBAUTHN_RP_ID") or urlsplit(origin()).hostname)


def _remember(kind: str, challenge: bytes, user_id: int | None = None) -> None:
    session[f"webauthn_{kind}"] = {"c": bytes_to_base64url(challenge), "at": int(time.time()),
                                   "uid": user_id}


def _take(kind: str, user_id: int | None = None) -> bytes:
    """The challenge issued for this ceremony, spent now (a replay finds none)."""
    saved = session.pop(f"webauthn_{kind}", None)
    if not isinstance(saved, dict) or time.time() - int(saved.get("at", 0)) > CHALLENGE_SECONDS \
            or saved.get("uid") != user_id:
        raise PasskeyRefused()
    return base64url_to_bytes(str(saved["c"]))


def registration_options(user: User) -> dict[str, Any]:
    """Options for navigator.credentials.create (a discoverable credential: login without a
    username works)."""
    existing = db.session.scalars(select(Passkey.credential_id).where(Passkey.user_id == user.id))
    options = generate_registration_options(
        rp_id=rp_id(), rp_name="ZoneConnect", user_name=user.username,
        user_id=str(user.id).encode(), user_display_name=user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c))
                             for c in existing])
    _remember("register", options.challenge, user.id)
    return json.loads(options_to_json(options))  # type: ignore[no-any-return]


def register(user: User, credential: dict[str, Any], name: str) -> Passkey:
    """Verify a new credential and keep it under `name`."""
    challenge = _take("register", user.id)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin())
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused() from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id)):
        raise PasskeyRefused()
    passkey = Passkey(user_id=user.id, credential_id=credential_id,
                      public_key=verified.credential_public_key,
                      sign_count=verified.sign_count, name=name.strip()[:64] or "Passkey")
    db.session.add(passkey)
    db.session.flush()
    audit.record("mfa.passkey_added", actor_id=user.id, subject_type="user", subject_id=user.id)
    return passkey


def authentication_options(user: User | None = None) -> dict[str, Any]:
    """Options for navigator.credentials.get: any of the account's passkeys (step-up) or any
    discoverable passkey of this site (login with a passkey alone)."""
    allow = []
    if user is not None:
        allow = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
                 for p in list_for(user)]
    options = generate_authentication_options(
        rp_id=rp_id(), allow_credentials=allow,
        user_verification=UserVerificationRequirement.PREFERRED)
    _remember("login", options.challenge, user.id if user else None)
    return json.loads(options_to_json(options))  # type: ignore[no-any-return]


def authenticate(credential: dict[str, Any], user: User | None = None) -> tuple[User, list[str]]:
    """Verify an assertion; returns the account and the amr values it proves."""
    challenge = _take("login", user.id if user else None)
    raw_id = credential.get("id") if isinstance(credential, dict) else None
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == str(raw_id)))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyRefused()
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin(), credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count)
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused() from exc
    owner = db.session.get(User, passkey.user_id)
    if owner is not None and not owner.is_active:
        from gateway.accounts.services import refuse_if_suspended

        refuse_if_suspended(owner)  # the passkey was proved: the owner may learn why
    if owner is None or not owner.is_active:
        raise PasskeyRefused()
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    db.session.flush()
    # A passkey with user verification is possession plus PIN or biometrics: two factors.
    return owner, ["hwk", "mfa"] if verified.user_verified else ["hwk"]


def list_for(user: User) -> list[Passkey]:
    """The account's passkeys, oldest first."""
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user.id)
                                   .order_by(Passkey.id)))


def _owned(user: User, passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound()
    return passkey


def rename(user: User, passkey_id: int, name: str) -> None:
    """Give one of the account's passkeys another name."""
    _owned(user, passkey_id).name = name.strip()[:64] or "Passkey"
    db.session.flush()


def remove(user: User, passkey_id: int) -> None:
    """Delete one of the account's passkeys."""
    db.session.delete(_owned(user, passkey_id))
    audit.record("mfa.passkey_removed", actor_id=user.id, subject_type="user",
                 subject_id=user.id)
    db.session.flush()
