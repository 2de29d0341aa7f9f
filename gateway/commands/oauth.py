"""`gateway keys rotate` and `gateway tokens purge`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from gateway.extensions import db


@click.group("keys", help="Manage the id_token signing keys.")
def keys_group() -> None:
    pass


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Add new signing keys; the old ones stay in the JWKS until their id_tokens expired."""
    from gateway.commands import echo_json
    from gateway.oauth import keys

    kids = keys.rotate()
    db.session.commit()
    echo_json({"kids": kids})


@click.group("tokens", help="Manage OAuth codes and tokens.")
def tokens_group() -> None:
    pass


@tokens_group.command("purge")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100000))
@with_appcontext
def tokens_purge(batch_size: int) -> None:
    """Delete expired codes and dead tokens in batches."""
    from gateway.commands import echo_json
    from gateway.oauth import tokens

    deleted = tokens.purge(batch_size)
    db.session.commit()
    echo_json({"deleted": deleted})
