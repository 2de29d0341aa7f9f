"""The development outbox: every queued mail, readable in the browser (`make run` only)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from gateway.extensions import db
from gateway.mail import services
from gateway.mail.models import MailMessage

bp = Blueprint("dev_mail", __name__)


@bp.get("/dev/mail")
def outbox() -> ResponseReturnValue:
    """List the newest mail the platform wrote."""
    return render_template("mail/outbox.html", messages=services.recent())


@bp.get("/dev/mail/<int:message_id>")
def message(message_id: int) -> ResponseReturnValue:
    """Show one mail: its text part and its HTML part (in a sandboxed frame)."""
    found = db.session.get(MailMessage, message_id)
    if found is None:
        abort(404)
    return render_template("mail/outbox_message.html", message=found)
