"""The privacy pages: download my data (request, download) and delete my account (schedule,
cancel)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions, throttle
from gateway.accounts.errors import WrongPassword
from gateway.accounts.views import login_required
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _, when
from gateway.mfa.flow import step_up_required
from gateway.privacy import deletion, exports
from gateway.privacy.errors import ExportInProgress, TooManyExports
from gateway.privacy.forms import DeleteAccountForm
from gateway.storage import ObjectMissing, get_storage

bp = Blueprint("privacy", __name__)


@bp.get("/account/privacy")
@login_required
def privacy() -> ResponseReturnValue:
    """Your data: ask for an export, see the recent ones, and the way to delete the account."""
    user = sessions.current_user()
    assert user is not None
    return render_template("privacy/privacy.html", form=Form(), user=user,
                           exports=exports.recent(user.id),
                           link=exports.link_token)


@bp.post("/account/privacy/export")
@login_required
def request_export() -> ResponseReturnValue:
    """Queue an export of the account's data; the worker prepares it and mails the link."""
    user = sessions.current_user()
    assert user is not None
    if not Form().validate_on_submit():
        abort(400)
    try:
        exports.request_export(user)
    except (ExportInProgress, TooManyExports) as exc:
        flash(exc.message())
        return render_template("privacy/privacy.html", form=Form(), user=user,
                               exports=exports.recent(user.id), link=exports.link_token,
                               error=exc), exc.status
    db.session.commit()
    flash(_("We are preparing your data. We will mail you a download link when it is ready."))
    return redirect(url_for("privacy.privacy"))


@bp.get("/account/privacy/export/<token>")
@login_required
def download(token: str) -> ResponseReturnValue:
    """Download an export: only its own account, logged in, before the link expires."""
    user = sessions.current_user()
    assert user is not None
    export = exports.for_download(token, user)
    store = get_storage()
    name = exports.file_name(export)
    url = store.signed_url(export.storage_key, expires=300, filename=name,
                           content_type="application/zip")
    if url is not None:
        return redirect(url)
    try:
        chunks = store.open(export.storage_key)
    except ObjectMissing:
        abort(404)
    response = Response(chunks, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Length"] = str(export.size_bytes)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@throttle.secret_check("password-check", "ZC_PASSWORD_CHECK_LIMIT", methods=["POST"])
@login_required
@step_up_required
def delete_account() -> ResponseReturnValue:
    """Say what deletion does to this account (coins, earnings, apps, groups), then schedule it
    with the password (and a fresh second factor, for accounts that have one)."""
    user = sessions.current_user()
    assert user is not None
    form = DeleteAccountForm()
    status = 200
    if user.deletion_due_at is None and form.validate_on_submit():
        try:
            deletion.schedule(user, form.password.data)
        except WrongPassword as exc:
            form.password.errors = list(exc.fields["password"])
            throttle.failed()
            db.session.commit()  # keep the audit row of the failed check
            status = 400
        else:
            db.session.commit()
            flash(_("Your account will be deleted on %(when)s. Log in or cancel before then to "
                    "keep it.", when=when(user.deletion_due_at)))
            return redirect(url_for("privacy.privacy"))
    elif request.method == "POST":
        status = 400
    return render_template("privacy/delete.html", form=form, user=user,
                           situation=deletion.situation(user),
                           grace_days=deletion.grace().days), status


@bp.post("/account/delete/cancel")
@login_required
def cancel_deletion() -> ResponseReturnValue:
    """Keep the account: cancel the scheduled deletion (the banner's button)."""
    user = sessions.current_user()
    assert user is not None
    if not Form().validate_on_submit():
        abort(400)
    deletion.cancel(user, "button")
    db.session.commit()
    flash(_("Your account will not be deleted."))
    return redirect(url_for("privacy.privacy"))
