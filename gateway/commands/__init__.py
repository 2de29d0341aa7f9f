"""The `gateway` command: a FlaskGroup over create_app with the platform's own commands.

Every command of the platform lives in this package, one module per area (accounts and apps
here, oauth.py, money.py, friends.py, groups.py, authlog.py; each domain's init_app attaches its own
group); the developer portal registers its own `usage` group."""

from __future__ import annotations

import json
import os
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
    detail = exc.message()
    if fields := getattr(exc, "fields", None):
        detail += " " + "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in fields.items())
    raise click.ClickException(detail)


@click.group("users", help="Manage platform accounts.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--nickname", default="")
@click.option("--admin", is_flag=True, help="Give the account operator rights.")
@click.option("--email", default=None, help="The account's email address (stored as verified).")
@with_appcontext
def users_create(username: str, password: str, nickname: str, admin: bool,
                 email: str | None) -> None:
    """Create an account and print {"id": ...}."""
    from gateway.accounts import emails, services

    try:
        user = services.create_user(username, password, nickname=nickname, is_admin=admin)
        if email is not None:
            emails.set_verified(user, email)
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"id": user.id})


@users_group.command("end-sessions")
@click.option("--username", required=True)
@with_appcontext
def users_end_sessions(username: str) -> None:
    """End every session of an account (an operator's sign-out everywhere; the apps it logged
    into are sent back-channel logout tokens) and print {"ended": n}."""
    from gateway.accounts import sessions
    from gateway.accounts.services import find_by_username
    from gateway.audit import services as audit

    user = find_by_username(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    ended = sessions.end_all(user.id, "ended_by_operator")
    audit.record("session.ended_by_operator", subject_type="user", subject_id=user.id,
                 ended=ended)
    db.session.commit()
    echo_json({"ended": ended})


@click.group("apps", help="Manage third-party apps.")
def apps_group() -> None:
    pass


@apps_group.command("create")
@click.option("--developer", required=True, help="Username of the owning developer.")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--scope", "scopes", multiple=True, help="Extra scope to grant (repeatable).")
@click.option("--type", "app_type", default="web", show_default=True)
@click.option("--live", is_flag=True, help="Approve it at once (scopes granted).")
@click.option("--post-logout-redirect-uri", "post_logout_uris", multiple=True,
              help="Where RP-initiated logout may return to (repeatable, matched exactly).")
@click.option("--backchannel-logout-uri", default="",
              help="Where the platform POSTs logout tokens (OIDC Back-Channel Logout).")
@click.option("--frontchannel-logout-uri", default="",
              help="Framed by the logout page, with iss and sid (OIDC Front-Channel Logout).")
@click.option("--access-token-format", type=click.Choice(["opaque", "jwt"]), default="opaque",
              show_default=True, help="jwt: RFC 9068 access tokens signed by the platform.")
@click.option("--token-exchange", is_flag=True,
              help="Take part in RFC 8693 token exchange with the developer's other apps.")
@click.option("--require-par", is_flag=True,
              help="Accept authorization requests only through PAR (RFC 9126).")
@click.option("--require-dpop", is_flag=True,
              help="Issue the app only DPoP-bound tokens (RFC 9449).")
@with_appcontext
def apps_create(developer: str, name: str, redirect_uris: tuple[str, ...],
                scopes: tuple[str, ...], app_type: str, live: bool,
                post_logout_uris: tuple[str, ...], backchannel_logout_uri: str,
                frontchannel_logout_uri: str, access_token_format: str,
                token_exchange: bool, require_par: bool, require_dpop: bool) -> None:
    """Register an app and print {"appid": ..., "appkey": ...}."""
    from gateway.accounts.services import find_by_username
    from gateway.apps import services
    from gateway.developers import services as developer_services

    owner = find_by_username(developer)
    if owner is None:
        raise click.ClickException(f"No user named {developer!r}.")
    try:
        app, appkey = services.create_app(owner, name=name, redirect_uris=list(redirect_uris),
                                          scopes=list(scopes), app_type=app_type, live=live)
        developer_services.update_app(app, owner, {
            "post_logout_redirect_uris": list(post_logout_uris),
            "backchannel_logout_uri": backchannel_logout_uri,
            "frontchannel_logout_uri": frontchannel_logout_uri,
            "frontchannel_logout_session_required": bool(frontchannel_logout_uri),
            "access_token_format": access_token_format,
            "token_exchange_enabled": token_exchange,
            "require_par": require_par, "require_dpop": require_dpop})
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"appid": app.appid, "appkey": appkey})


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
    app.cli.add_command(apps_group)
    app.cli.add_command(demo_command)
    from gateway.commands.oauth import keys_group, tokens_group

    app.cli.add_command(keys_group)
    app.cli.add_command(tokens_group)
    from gateway.commands.money import register as register_money_commands

    register_money_commands(app)


def create_cli_app() -> Flask:
    from gateway import create_app
    from gateway.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        hint = " (for a local try-out: export ZC_ENV=development)" if "SECRET" in str(exc) else ""
        raise click.ClickException(f"{exc}{hint}") from None


class GatewayGroup(FlaskGroup):
    """The Flask CLI, where an unreachable service is one line naming its setting."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """`gateway --help` with bad settings: the one line, then the commands it can still list."""
        from flask.cli import ScriptInfo

        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except click.ClickException as exc:
            click.secho(f"Error: {exc.format_message()}", err=True, fg="red")
            return sorted(self.commands)
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        import redis
        from sqlalchemy.exc import OperationalError

        from gateway import MIGRATIONS_DIR
        from gateway.startup import first_line

        if ctx.protected_args[:1] == ["db"] and not os.path.isdir(MIGRATIONS_DIR):
            raise click.ClickException(f"ZC_MIGRATIONS_DIR: no migrations at {MIGRATIONS_DIR} "
                                       "(point it at the repository's migrations folder)")
        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            raise click.ClickException(f"DATABASE_URL: the database refused or did not answer "
                                       f"({first_line(exc)})") from None
        except redis.ConnectionError as exc:
            raise click.ClickException(f"REDIS_URL: cannot reach Redis ({first_line(exc)})") \
                from None


# .env is read by gateway.startup (development only), not by Flask's loader.
@click.group(cls=GatewayGroup, create_app=create_cli_app, add_default_commands=True,
             load_dotenv=False)
def main() -> None:
    """ZoneConnect platform management."""


if __name__ == "__main__":
    main()
