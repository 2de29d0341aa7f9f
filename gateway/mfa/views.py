"""The account's security page: authenticator app, recovery codes, passkeys."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.accounts.views import login_required
from gateway.extensions import db, limiter
from gateway.forms import Form
from gateway.i18n import _
from gateway.mfa import passkeys, recovery, state, totp
from gateway.mfa.flow import step_up_required
from gateway.mfa.forms import CodeForm, PasskeyNameForm

bp = Blueprint("mfa", __name__)


def _me() -> User:
    user = sessions.current_user()
    assert user is not None
    return user


def _forget_factors_if_none_left(user: User) -> None:
    if not state.has_factor(user):
        recovery.remove_all(user)


@bp.get("/account/security")
@login_required
def security() -> ResponseReturnValue:
    """List the account's second factors and what can be done with them."""
    user = _me()
    factor = totp.factor_of(user)
    return render_template("mfa/security.html", user=user, form=Form(),
                           totp_on=factor is not None and factor.confirmed_at is not None,
                           codes_left=recovery.remaining(user), keys=passkeys.list_for(user),
                           name_form=PasskeyNameForm())


@bp.route("/account/security/totp", methods=["GET", "POST"])
@login_required
@step_up_required
@limiter.limit("20 per 5 minutes", methods=["POST"])
def totp_setup() -> ResponseReturnValue:
    """Set up an authenticator app: show its key, then check a first code."""
    user = _me()
    form = CodeForm()
    if request.method == "GET" or totp.pending_secret(user) is None:
        try:
            secret, uri = totp.begin(user)
        except ValueError:
            return redirect(url_for("mfa.security"))
        db.session.commit()
        return render_template("mfa/totp_setup.html", form=CodeForm(formdata=None),
                               secret=secret, uri=uri)
    if form.validate_on_submit():
        codes = totp.confirm(user, form.code.data)
        if codes is not None:
            record = sessions.current_session()
            if record is not None:
                state.record_step_up(record, "otp")
            db.session.commit()
            return render_template("mfa/recovery_codes.html", codes=codes)
        form.code.errors = [_("That code is not right. Check the time on your phone.")]
    secret = totp.pending_secret(user) or ""
    import pyotp

    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email or user.username,
                                              issuer_name=totp.ISSUER)
    return render_template("mfa/totp_setup.html", form=form, secret=secret, uri=uri), 400


@bp.post("/account/security/totp/remove")
@login_required
@step_up_required
def totp_remove() -> ResponseReturnValue:
    """Remove the authenticator app."""
    user = _me()
    if Form().validate_on_submit():
        totp.remove(user)
        _forget_factors_if_none_left(user)
        db.session.commit()
        flash(_("The authenticator app was removed."))
    return redirect(url_for("mfa.security"))


@bp.post("/account/security/recovery-codes")
@login_required
@step_up_required
def new_recovery_codes() -> ResponseReturnValue:
    """Replace the recovery codes (the old ones stop working) and show the new ones once."""
    user = _me()
    if not Form().validate_on_submit() or not state.has_factor(user):
        return redirect(url_for("mfa.security"))
    codes = recovery.generate(user)
    db.session.commit()
    return render_template("mfa/recovery_codes.html", codes=codes)


@bp.post("/account/security/passkeys/options")
@login_required
@step_up_required
def passkey_options() -> ResponseReturnValue:
    """WebAuthn options to create a passkey for this account."""
    return jsonify(passkeys.registration_options(_me()))


@bp.post("/account/security/passkeys")
@login_required
@step_up_required
@limiter.limit("20 per 5 minutes")
def passkey_add() -> ResponseReturnValue:
    """Verify and keep a new passkey (JSON: credential, name)."""
    user = _me()
    body = request.get_json(silent=True)
    first = not state.has_factor(user)
    try:
        if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
            raise passkeys.PasskeyRefused()
        passkeys.register(user, body["credential"], str(body.get("name") or ""))
    except passkeys.PasskeyRefused as exc:
        db.session.rollback()
        return jsonify(error=exc.code, error_description=_(exc.description)), exc.status
    codes = recovery.generate(user) if first else None
    record = sessions.current_session()
    if first and record is not None:  # the new passkey was just used: this session has it
        state.record_step_up(record, "hwk")
    db.session.commit()
    return jsonify({"ok": True, "recovery_codes": codes})


@bp.post("/account/security/passkeys/<int:passkey_id>/rename")
@login_required
def passkey_rename(passkey_id: int) -> ResponseReturnValue:
    """Rename one of the account's passkeys."""
    form = PasskeyNameForm()
    if form.validate_on_submit():
        passkeys.rename(_me(), passkey_id, form.name.data)
        db.session.commit()
    return redirect(url_for("mfa.security"))


@bp.post("/account/security/passkeys/<int:passkey_id>/remove")
@login_required
@step_up_required
def passkey_remove(passkey_id: int) -> ResponseReturnValue:
    """Remove one of the account's passkeys."""
    user = _me()
    if Form().validate_on_submit():
        passkeys.remove(user, passkey_id)
        _forget_factors_if_none_left(user)
        db.session.commit()
        flash(_("The passkey was removed."))
    return redirect(url_for("mfa.security"))
