"""Flask-Mailman's SMTP backend with certificate checks on STARTTLS too.

Flask-Mailman (like Django, which it ports) upgrades with STARTTLS using smtplib's default context,
which does not verify the server's certificate: anyone on the path could read the mail. Here both
smtps:// and STARTTLS use the system's verifying context.
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Any

from flask_mailman.backends.smtp import EmailBackend as MailmanSMTPBackend
from flask_mailman.utils import DNS_NAME


class EmailBackend(MailmanSMTPBackend):
    """SMTP with verified TLS (smtps:// or STARTTLS) and credentials only over it when set so."""

    connection: smtplib.SMTP | None  # the parent class leaves it unannotated

    def open(self) -> bool | None:
        """Connect, upgrade with a verifying context, and log in."""
        if self.connection:
            return False
        context = ssl.create_default_context()
        params: dict[str, Any] = {"local_hostname": DNS_NAME.get_fqdn()}
        if self.timeout is not None:
            params["timeout"] = self.timeout
        if self.use_ssl:
            params["context"] = context
        connection_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        self.connection = connection_class(self.host, self.port, **params)
        try:
            if self.use_tls and not self.use_ssl:
                self.connection.starttls(context=context)
            if self.username and self.password:
                self.connection.login(self.username, self.password)
        except BaseException:
            self.connection.close()
            self.connection = None
            raise
        return True
