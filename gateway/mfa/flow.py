"""The second step of logging in, and step-up: the helpers views call.

After the password, an account with a second factor is not logged in yet: the signed session
holds only a pending marker (who, their session epoch, when, where to go next) for five minutes,
and /login/verify asks for a code or a passkey.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.models import User
from gateway.extensions import db
from gateway.i18n import _
from gateway.mfa import state

PENDING = "mfa_pending"
PENDING_SECONDS = 300


def after_password(user: User, next_path: str) -> ResponseReturnValue:
    """The password was right: log in, or hold the login until the second factor is shown."""
    if state.has_factor(user):
        session[PENDING] = {"uid": user.id, "epoch": user.session_epoch,
                            "at": int(time.time()), "next": next_path}
        db.session.commit()  # the password check's audit row and bookkeeping
        return redirect(url_for("mfa_login.verify"))
    return finish_login(user, ["pwd"], next_path)


def pending_user() -> tuple[User, str] | None:
    """The account waiting for its second factor, and where it goes next."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.is_active or user.session_epoch != pending.get("epoch"):
        return None
    return user, str(pending.get("next") or "/")


def finish_login(user: User, amr: list[str], next_path: str) -> ResponseReturnValue:
    """Start the session with what the login proved; the request commits."""
    from gateway.accounts.devices import tell_if_new_device
    from gateway.accounts.views import safe_next
    from gateway.privacy.deletion import cancel_on_login

    record = sessions.login(user)  # clears the pending marker with the old session
    state.record_login(record, amr)
    tell_if_new_device(user, record)
    if cancel_on_login(user):  # logging in keeps an account whose deletion was scheduled
        flash(_("Welcome back: your account will not be deleted."))
    db.session.commit()
    target = safe_next(next_path)
    if user.email is None:  # accounts from before email was required are asked once
        return redirect(url_for("account_email.email", next=target))
    return redirect(target)


View = Callable[..., ResponseReturnValue]


def step_up_required(view: View) -> View:
    """Ask for the second factor again when the last check is older than ZC_STEP_UP_SECONDS
    (accounts without one are let through: their forms ask for the password)."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        user = sessions.current_user()
        if user is not None and state.step_up_needed(user):
            back = request.full_path.rstrip("?") if request.method == "GET" else request.path
            target = url_for("mfa_login.verify", next=back)
            if request.is_json:  # the passkey scripts: an answer they can show
                return jsonify(error="step_up_required", redirect=target,
                               error_description=_("Confirm it is you: use your second "
                                                   "factor again.")), 403
            flash(_("Confirm it is you: use your second factor again."))
            return redirect(target)
        return view(*args, **kwargs)
    return wrapped


ASKED = "mfa_asked"


def ask_for_second_factor(user: User) -> bool:
    """Ask a developer once per session to add a second factor (before an app goes live or a
    payout account is connected); True when asked now."""
    if state.has_factor(user) or session.get(ASKED):
        return False
    session[ASKED] = True
    flash(_("Protect your apps and payouts: add a passkey or an authenticator app on the "
            "Security page (/account/security)."))
    return True


def acr_step_up(user: User, acr_values: str | None) -> ResponseReturnValue | None:
    """An authorization request asking for ACR_MFA from a one-factor session of an account that
    has a second factor: check it first (None: go on; accounts without one get acr pwd)."""
    if state.ACR_MFA not in (acr_values or "").split() or "mfa" in state.session_amr():
        return None
    if not state.has_factor(user):
        return None
    return redirect(url_for("mfa_login.verify", next=request.full_path.rstrip("?")))


def operator_factor_required() -> ResponseReturnValue | None:
    """Operators act only with a second factor checked in this session (None: go on)."""
    user = sessions.current_user()
    if user is None or not user.is_admin or not current_app.config["ZC_OPERATOR_MFA"]:
        return None
    if not state.has_factor(user):
        flash(_("The operator console needs a second factor: add a passkey or an "
                "authenticator app first."))
        return redirect(url_for("mfa.security"))
    if "mfa" not in state.session_amr():
        return redirect(url_for("mfa_login.verify", next=request.full_path.rstrip("?")))
    return None
