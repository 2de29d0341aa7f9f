"""`gateway authlog flush` and `gateway authlog purge` (the worker runs both on its schedule)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from gateway.extensions import db


@click.group("authlog", help="The per-app auth event log.")
def authlog_group() -> None:
    pass


@authlog_group.command("flush")
@with_appcontext
def authlog_flush() -> None:
    """Write this process's buffered auth events to the table."""
    from gateway.authlog import recorder
    from gateway.commands import echo_json

    echo_json({"rows": recorder.flush()})


@authlog_group.command("purge")
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 100000))
@with_appcontext
def authlog_purge(batch_size: int) -> None:
    """Delete auth events older than ZC_AUTHLOG_RETENTION_DAYS."""
    from gateway.authlog import services
    from gateway.commands import echo_json

    deleted = services.purge(batch_size)
    db.session.commit()
    echo_json({"deleted": deleted})
