"""Send queued mail through SMTP (Flask-Mailman), with leases and retries like the webhooks."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from gateway import leases
from gateway.extensions import db
from gateway.mail.models import MailMessage
from gateway.outbox.worker import backoff_seconds
from gateway.timeutil import utcnow

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def enabled() -> bool:
    """Mail leaves the machine only when ZC_SMTP_URL is set (else it stays in /dev/mail)."""
    return bool(current_app.config.get("ZC_SMTP_URL"))


def claim(limit: int = 20, owner: str = WORKER_ID) -> list[int]:
    """Lease up to `limit` due messages to this worker and commit the lease."""
    return leases.claim_due(MailMessage, limit, owner)


def _build(message: MailMessage) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject=message.subject, body=message.text_body,
                                  from_email=current_app.config["ZC_MAIL_FROM"],
                                  to=[message.to_address],
                                  headers={**(message.headers or {}),
                                           "X-ZoneConnect-Mail": message.kind})
    mail.attach_alternative(message.html_body, "text/html")
    return mail


def send(message_id: int, owner: str = WORKER_ID) -> bool:
    """Send one leased message; on failure schedule a retry (or give up after the maximum)."""
    message = db.session.get(MailMessage, message_id)
    if message is None or message.lease_owner != owner or message.status != "pending":
        return False
    db.session.commit()  # hold no transaction open over the SMTP conversation
    error = ""
    try:
        _build(message).send()
    except Exception as exc:  # refused, timed out, TLS failure: all retried later
        error = f"{type(exc).__name__}: {exc}"[:255]
    message.attempts += 1
    message.lease_until = None
    message.last_error = error
    if not error:
        message.status, message.sent_at = "sent", utcnow()
    elif message.attempts >= int(current_app.config["ZC_MAIL_MAX_ATTEMPTS"]):
        message.status = "dead"
        log.warning("mail %s given up after %s attempts: %s", message.id, message.attempts,
                    error)
    else:
        message.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(message.attempts))
    db.session.commit()
    return not error


def run_once(limit: int = 20) -> int:
    """Send the mail that is due; returns how many messages were attempted."""
    if not enabled():
        return 0
    ids = claim(limit)
    for message_id in ids:
        try:
            send(message_id)
        except Exception:  # one bad row must not stop the others
            db.session.rollback()
            log.exception("mail %s failed", message_id)
    return len(ids)
