"""Outbound mail: one service (Flask-Mailman over SMTP), queued in the database, sent by the worker.

`ZC_SMTP_URL` selects the server; without it (development) mail stays in the outbox, shown at
`/dev/mail`, a page registered only when ZC_ENV is "development".
"""

from __future__ import annotations

from flask import Flask
from flask_mailman import Mail

from gateway.mail.smtp_url import mail_settings

mail = Mail()


def init_app(app: Flask) -> None:
    """Configure Flask-Mailman from ZC_SMTP_URL and register the development outbox page."""
    url = app.config.get("ZC_SMTP_URL")
    if url:
        app.config.update(mail_settings(url, production=app.config["ZC_ENV"] == "production"))
    else:
        app.config["MAIL_BACKEND"] = "dummy"
    app.config["MAIL_TIMEOUT"] = app.config["ZC_SMTP_TIMEOUT"]
    app.config["MAIL_DEFAULT_SENDER"] = app.config["ZC_MAIL_FROM"]
    mail.init_app(app)
    if app.config["ZC_ENV"] == "development":
        from gateway.mail.views import bp

        app.register_blueprint(bp)
