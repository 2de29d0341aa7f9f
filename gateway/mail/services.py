"""Write mail to the outbox (rendered now, in the reader's language) and build public links.

Mail is a row written in the transaction that causes it: it is sent only if that transaction
commits, by the worker (gateway/mail/worker.py), never on the request's path.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from sqlalchemy import select

from gateway.extensions import db
from gateway.mail.models import MailMessage
from gateway.timeutil import utcnow


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link for mail: ZC_PUBLIC_URL plus the route's path, never the Host header.

    Only development and tests, which have no ZC_PUBLIC_URL, fall back to the request's host
    (production refuses to start without an https ZC_PUBLIC_URL).
    """
    base = current_app.config.get("ZC_PUBLIC_URL")
    if not base:
        base = request.host_url if has_request_context() else "http://127.0.0.1:8000/"
    path = current_app.url_map.bind("zoneconnect.invalid").build(endpoint, values)
    return base.rstrip("/") + path


def mail_locale(user: Any | None) -> str:
    """The language to write to this person in: theirs, else this request's, else the default."""
    chosen = getattr(user, "locale", None)
    if chosen:
        return str(chosen)
    if has_request_context():
        from gateway.i18n import select_locale

        return select_locale()
    return str(current_app.config["ZC_DEFAULT_LOCALE"])


def queue(kind: str, to: str, subject: Any, *, user: Any | None = None,
          locale: str | None = None, headers: dict[str, str] | None = None,
          **context: Any) -> MailMessage:
    """Render the templates mail/<kind>.txt and .html in the reader's language and queue them.

    `subject` is a lazy string (`_l(...)`), so it is translated in that language too; `headers`
    are sent with the mail (List-Unsubscribe: gateway/notifications).
    """
    language = locale or mail_locale(user)
    with force_locale(language):
        values = {"user": user, "subject": str(subject), **context}
        text = render_template(f"mail/{kind}.txt", **values)
        html = render_template(f"mail/{kind}.html", **values)
        message = MailMessage(user_id=getattr(user, "id", None), kind=kind, to_address=to,
                              subject=str(subject)[:255], text_body=text, html_body=html,
                              locale=language, headers=dict(headers or {}),
                              next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    return message


def recent(limit: int = 50) -> list[MailMessage]:
    """The newest mail first (the development outbox page)."""
    return list(db.session.scalars(select(MailMessage).order_by(MailMessage.id.desc())
                                   .limit(limit)))
