"""Words for the machine values pages show (statuses, categories, kinds), in the reader's language.

The values themselves (`in_review`, `paid`...) stay as they are in the database and the APIs;
pages show `label(value)`. A value without an entry is shown as is.
"""

from __future__ import annotations

from flask import Flask

from gateway.i18n import N_, _

LABELS: dict[str, str] = {
    # apps
    "draft": N_("draft"), "in_review": N_("in review"), "live": N_("live"),
    "rejected": N_("rejected"), "suspended": N_("suspended"),
    # operators' holds on accounts
    "deactivated": N_("deactivated"), "banned": N_("banned"),
    # permissions
    "requested": N_("requested"), "granted": N_("granted"), "refused": N_("refused"),
    # orders, payouts, deliveries
    "pending": N_("pending"), "paid": N_("paid"), "failed": N_("failed"),
    "refunded": N_("refunded"), "canceled": N_("canceled"), "delivered": N_("delivered"),
    "dead": N_("given up"), "settled": N_("settled"), "in_transit": N_("in transit"),
    "held": N_("held (endpoint disabled)"),
    # balances of a developer
    "unsettled": N_("unsettled"), "available": N_("available"), "receivable": N_("receivable"),
    # app categories and types
    "game": N_("game"), "social": N_("social"), "tools": N_("tools"),
    "shopping": N_("shopping"), "news": N_("news"), "education": N_("education"),
    "other": N_("other"), "web": N_("web site"), "mobile": N_("mobile app"),
    "native": N_("desktop app"),
    # profile choices
    "male": N_("male"), "female": N_("female"), "public": N_("everyone"),
    "friends": N_("friends only"),
    # API key access
    "read": N_("read only"), "write": N_("read and write"),
}


def label(value: str | None) -> str:
    """The reader's words for a machine value."""
    if not value:
        return ""
    text = LABELS.get(value)
    return _(text) if text else value


def init_app(app: Flask) -> None:
    """Make `label()` available in every template."""
    app.jinja_env.globals["label"] = label
