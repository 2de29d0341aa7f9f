"""An operator's hold on an account, and the apps a ban took offline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.extensions import db
from gateway.timeutil import utcnow

KINDS = ("deactivated", "banned")


class AccountSuspension(db.Model):
    """An account deactivated or banned by an operator, with the reason. At most one holds per
    account (lifted_at is None); lifted ones stay as the account's history."""

    __tablename__ = "account_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    apps: Mapped[list[SuspendedApp]] = relationship(cascade="all, delete-orphan",
                                                    lazy="selectin")


class SuspendedApp(db.Model):
    """An app a ban suspended, and when: reinstating the account brings it back only if it is
    still suspended from that moment (an operator's later decision on the app wins)."""

    __tablename__ = "account_suspension_apps"

    suspension_id: Mapped[int] = mapped_column(
        ForeignKey("account_suspensions.id", ondelete="CASCADE"), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"),
                                        primary_key=True)
    suspended_at: Mapped[datetime]
