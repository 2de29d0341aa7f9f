"""Authorization and token events of one app, kept ZC_AUTHLOG_RETENTION_DAYS (30) days.

No foreign key to apps: rows are written off the request path in bulk and outlive nothing they
describe (an app's id is never reused). Nothing secret is ever stored: no code, token, appkey
or password; the user agent is cut to 255 characters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.extensions import db

KINDS = ("authorize", "token")
OUTCOMES = ("success", "failure")


class AuthEvent(db.Model):
    """One authorization or token request's outcome for one app."""

    __tablename__ = "auth_events"
    __table_args__ = (Index("ix_auth_events_app_id_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    app_id: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # authorize | token
    outcome: Mapped[str] = mapped_column(String(8))  # success | failure
    # The machine reason: an OAuth error code (invalid_grant, access_denied, rate_limited...)
    # or, on success, what was issued (code, token).
    reason: Mapped[str] = mapped_column(String(64))
    ret: Mapped[int | None] = mapped_column(Integer)  # the QQ code, when there is one
    description: Mapped[str] = mapped_column(String(255), default="")
    grant_type: Mapped[str] = mapped_column(String(32), default="")
    openid: Mapped[str | None] = mapped_column(String(32))
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
