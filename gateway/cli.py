"""The `gateway` command: a FlaskGroup over create_app with the platform's own commands."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from gateway.errors import ZoneConnectError
from gateway.extensions import db


def echo_json(payload: dict[str, Any]) -> None:
    """Print one JSON object, the output contract of every creating command."""
    click.echo(json.dumps(payload, ensure_ascii=False))


def fail(exc: ZoneConnectError) -> None:
    """Turn a domain error into a clean CLI failure (exit code 1)."""
    db.session.rollback()
    detail = exc.description
    if fields := getattr(exc, "fields", None):
        detail += " " + "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    raise click.ClickException(detail)


@click.group("users", help="Manage platform accounts.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--nickname", default="")
@click.option("--admin", is_flag=True, help="Give the account operator rights.")
@with_appcontext
def users_create(username: str, password: str, nickname: str, admin: bool) -> None:
    """Create an account and print {"id": ...}."""
    from gateway.accounts import services

    try:
        user = services.create_user(username, password, nickname=nickname, is_admin=admin)
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"id": user.id})


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed the demo accounts and apps (safe to run again)."""
    from gateway.demo import seed

    summary = seed()
    db.session.commit()
    echo_json(summary)


def register_commands(app: Flask) -> None:
    """Attach the platform's commands to the app's CLI."""
    app.cli.add_command(users_group)
    app.cli.add_command(demo_command)


def create_cli_app() -> Flask:
    from gateway import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=create_cli_app, add_default_commands=True,
             load_dotenv=False)
def main() -> None:
    """ZoneConnect platform management."""
