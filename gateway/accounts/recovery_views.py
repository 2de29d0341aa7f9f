"""Pages for a forgotten password: ask for a link, then set a new password from it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import recovery
from gateway.accounts.errors import InvalidLink
from gateway.accounts.forms import ForgotForm, ResetForm
from gateway.errors import ValidationFailed
from gateway.extensions import db, limiter
from gateway.i18n import _

bp = Blueprint("recovery", __name__)


def _address_limit() -> str:
    return str(current_app.config["ZC_RESET_LIMIT_ADDRESS"])


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def forgot() -> ResponseReturnValue:
    """Ask for a reset link by email; the answer never says whether an account exists."""
    form = ForgotForm()
    status = 200
    if form.validate_on_submit():
        try:
            recovery.request_reset(form.email.data)
        except ValidationFailed as exc:
            form.email.errors = list(exc.fields["email"])
            status = 400
        else:
            db.session.commit()
            return render_template("accounts/forgot_sent.html")
    elif request.method == "POST":
        status = 400
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def reset(token: str) -> ResponseReturnValue:
    """Set a new password from a mailed link (once, within 30 minutes)."""
    form = ResetForm()
    try:
        recovery.check_link(token)
    except InvalidLink as exc:
        return render_template("accounts/reset.html", form=None, error=_(exc.description)), 400
    status = 200
    if form.validate_on_submit():
        try:
            recovery.reset(token, form.password.data)
        except ValidationFailed as exc:
            form.password.errors = list(exc.fields["password"])
            status = 400
        except InvalidLink as exc:
            db.session.rollback()
            return render_template("accounts/reset.html", form=None,
                                   error=_(exc.description)), 400
        else:
            db.session.commit()
            flash(_("Your password was changed and every session signed out. Log in with the "
                    "new password."))
            return redirect(url_for("accounts.login"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/reset.html", form=form), status
