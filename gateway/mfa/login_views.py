"""/login/verify (the second step of a login, and step-up) and logging in with a passkey."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.views import safe_next
from gateway.extensions import db, limiter
from gateway.i18n import _
from gateway.mfa import flow, passkeys, state, totp
from gateway.mfa.forms import CodeForm
from gateway.moderation.errors import AccountSuspended

bp = Blueprint("mfa_login", __name__)


def _who() -> tuple[Any, str, bool]:
    """(user, next, is_login): a pending login first, else the logged-in user's step-up."""
    pending = flow.pending_user()
    if pending is not None:
        return pending[0], pending[1], True
    return sessions.current_user(), safe_next(request.args.get("next")), False


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit("30 per 5 minutes", methods=["POST"])
def verify() -> ResponseReturnValue:
    """Ask for the second factor: an authenticator code, a recovery code or a passkey."""
    user, next_path, is_login = _who()
    if user is None:
        return render_template("mfa/verify.html", form=None,
                               error=_("Your login took too long: log in again.")), 400
    form, status, error = CodeForm(), 200, None
    if form.validate_on_submit():
        try:
            method = totp.check(user, form.code.data)
        except totp.Locked:
            db.session.rollback()
            error, status = _("Too many wrong codes: your second factor is locked for 15 "
                              "minutes. You can use a passkey meanwhile."), 429
        else:
            if method is not None:
                return _done(user, is_login, next_path, ["pwd", method, "mfa"], method)
            db.session.commit()  # keep the failure count (and the lock)
            error, status = _("That code is not right."), 400
    elif request.method == "POST":
        status = 400
    return render_template("mfa/verify.html", form=form, error=error, user=user,
                           has_totp=totp.factor_of(user) is not None,
                           has_passkeys=bool(passkeys.list_for(user)), next=next_path), status


def _done(user: Any, is_login: bool, next_path: str, amr: list[str],
          method: str) -> ResponseReturnValue:
    if is_login:
        return flow.finish_login(user, amr, next_path)
    record = sessions.current_session()
    assert record is not None
    state.record_step_up(record, method)
    db.session.commit()
    from flask import redirect

    return redirect(next_path)


@bp.post("/login/passkey/options")
@limiter.limit("30 per minute")
def passkey_options() -> ResponseReturnValue:
    """WebAuthn options: for the pending login or step-up, or for a login with a passkey alone."""
    user, _next, is_login = _who()
    mode = request.args.get("mode", "")
    return jsonify(passkeys.authentication_options(user if mode != "alone" else None))


@bp.post("/login/passkey")
@limiter.limit("30 per minute")
def passkey_login() -> ResponseReturnValue:
    """Check a passkey assertion; log in (alone, or as the second step) or step up."""
    body = request.get_json(silent=True)
    credential = body.get("credential") if isinstance(body, dict) else None
    alone = request.args.get("mode") == "alone"
    user, next_path, is_login = (None, safe_next(request.args.get("next")), True) if alone \
        else _who()
    try:
        if not isinstance(credential, dict) or (not alone and user is None):
            raise passkeys.PasskeyRefused()
        owner, amr = passkeys.authenticate(credential, user)
    except passkeys.PasskeyRefused as exc:
        db.session.rollback()
        return jsonify(error=exc.code, error_description=_(exc.description)), exc.status
    except AccountSuspended as exc:
        db.session.commit()  # the refusal's audit row (the challenge stays spent)
        return jsonify(error=exc.code, error_description=exc.message()), exc.status
    if alone:
        response = flow.finish_login(owner, amr, next_path)
    else:
        response = _done(owner, is_login, next_path, ["pwd", *amr, "mfa"] if is_login
                         else amr, "hwk")
    return jsonify({"redirect": response.location})  # type: ignore[union-attr]
