"""Commands of the money domains: ledger check, coins grant, revenue settle, worker, payouts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from gateway.commands import echo_json, fail
from gateway.errors import ZoneConnectError
from gateway.extensions import db


@click.group("ledger", help="Inspect the double-entry ledger.")
def ledger_group() -> None:
    pass


@ledger_group.command("check")
@with_appcontext
def ledger_check() -> None:
    """Verify every ledger invariant; exit 1 describing each broken one."""
    from gateway.ledger.check import run_checks

    problems = run_checks()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("ledger ok")


@click.group("coins", help="Manage users' coins.")
def coins_group() -> None:
    pass


@coins_group.command("grant")
@click.option("--username", required=True)
@click.option("--amount", type=int, required=True, help="Coins to credit.")
@with_appcontext
def coins_grant(username: str, amount: int) -> None:
    """Credit promotional coins to a user (posted against the platform's fees account)."""
    from gateway.accounts.services import find_by_username
    from gateway.ledger.services import coin_balance
    from gateway.wallet.services import grant

    user = find_by_username(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    try:
        txn = grant(user.id, amount)
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"transaction_id": txn.id, "balance": coin_balance(user.id)})


@click.group("revenue", help="Share revenue with developers.")
def revenue_group() -> None:
    pass


@revenue_group.command("settle")
@click.option("--month", required=True, help="YYYY-MM, a month that has ended.")
@with_appcontext
def revenue_settle(month: str) -> None:
    """Settle a month per app (idempotent) and release settlements whose hold has ended."""
    from gateway.revenue.settlement import release_due, settle_month

    try:
        settled = settle_month(month)
        released = release_due()
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"settled": [{"app_id": s.app_id, "gross": s.gross,
                            "developer": s.developer_share, "platform": s.platform_share}
                           for s in settled], "released": len(released)})


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due and run every job once, then exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Drain the outbox (signed callbacks to apps, mail) and run the scheduled jobs."""
    from gateway.mail import worker as mail_worker
    from gateway.outbox.worker import run_once
    from gateway.scheduler.runner import Scheduler, run_forever
    from gateway.startup import preflight_or_exit

    if once:
        attempted = run_once()
        mailed = mail_worker.run_once()
        echo_json({"attempted": attempted, "mailed": mailed, "jobs": Scheduler().tick()})
        return
    preflight_or_exit()
    run_forever()


@click.group("payouts", help="Pay developers through Stripe Connect.")
def payouts_group() -> None:
    pass


@payouts_group.command("run")
@with_appcontext
def payouts_run() -> None:
    """Pay each developer's available balance above ZC_PAYOUT_MINIMUM (resumes pending ones)."""
    from gateway.revenue.payouts import PayoutsRunning, run_payouts

    try:
        started = run_payouts()
    except PayoutsRunning:
        click.echo("Another `payouts run` is in progress; nothing done by this one.")
        return
    except ZoneConnectError as exc:
        fail(exc)
    db.session.commit()
    echo_json({"payouts": [{"id": p.id, "developer_id": p.developer_id, "amount": p.amount,
                            "status": p.status} for p in started]})


def register(app: Flask) -> None:
    """Attach the money commands to the app's CLI."""
    for command in (ledger_group, coins_group, revenue_group, payouts_group, worker_command):
        app.cli.add_command(command)
