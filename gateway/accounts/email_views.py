"""Pages for the account's email address: add it, confirm it from a mailed link, change it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import emails, sessions
from gateway.accounts.errors import InvalidLink
from gateway.accounts.forms import ChangeEmailForm, ConfirmForm, EmailForm
from gateway.accounts.views import login_required, safe_next
from gateway.errors import ValidationFailed
from gateway.extensions import db, limiter
from gateway.i18n import _
from gateway.mfa.flow import step_up_required

bp = Blueprint("account_email", __name__)


def _email_limit() -> str:
    return str(current_app.config["ZC_EMAIL_LIMIT"])


def _apply(form: EmailForm | ChangeEmailForm, exc: ValidationFailed) -> None:
    for name, messages in exc.fields.items():
        getattr(form, name).errors = list(messages)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@step_up_required
@limiter.limit(_email_limit, methods=["POST"])
def email() -> ResponseReturnValue:
    """Show the account's address; add one (asked after login) or ask to change it."""
    user = sessions.current_user()
    assert user is not None
    add_form = EmailForm(next=request.args.get("next", ""))
    change_form = ChangeEmailForm()
    status = 200
    form = add_form if user.email is None else change_form
    if form.validate_on_submit():
        try:
            if user.email is None:
                emails.set_address(user, add_form.email.data)
            else:
                emails.request_change(user, change_form.password.data, change_form.email.data)
        except ValidationFailed as exc:
            _apply(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(_("Check your mailbox: we sent a link to confirm the address."))
            return redirect(safe_next(add_form.next.data, url_for("account_email.email")))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/email.html", user=user, add_form=add_form,
                           change_form=change_form, resend_form=ConfirmForm(),
                           skip_to=safe_next(add_form.next.data, "")), status


@bp.post("/account/email/resend")
@login_required
@limiter.limit(_email_limit)
def resend() -> ResponseReturnValue:
    """Mail a new verification link for the current address."""
    user = sessions.current_user()
    assert user is not None
    if ConfirmForm().validate_on_submit():
        emails.send_verification(user)
        db.session.commit()
        flash(_("Check your mailbox: we sent a link to confirm the address."))
    return redirect(url_for("account_email.email"))


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def confirm(token: str) -> ResponseReturnValue:
    """Confirm an address from a mailed link (GET shows the button, POST spends the link)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("accounts/email_confirm.html", form=form), status
    try:
        user = emails.confirm(token)
    except InvalidLink as exc:
        db.session.rollback()
        return render_template("accounts/email_confirm.html", form=form,
                               error=_(exc.description)), exc.status
    db.session.commit()
    return render_template("accounts/email_confirm.html", form=form, done=user.email)
