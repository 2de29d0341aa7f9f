"""The privacy pages: download my data (request, download) and delete my account."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from gateway.accounts import sessions
from gateway.accounts.views import login_required
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _
from gateway.privacy import exports
from gateway.privacy.errors import ExportInProgress, TooManyExports
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
