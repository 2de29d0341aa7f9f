"""The fake's browser pages: Connect onboarding, hosted Checkout, the Express dashboard."""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from tests.fakes.stripe_fake import accounts, checkout
from tests.fakes.stripe_fake.api import state
from tests.fakes.stripe_fake.errors import FakeStripeError
from tests.fakes.stripe_fake.state import Obj

bp = Blueprint("stripe_fake_pages", __name__, url_prefix="/_fake")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} (fake Stripe)</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto}}
button{{font-size:1.1rem;padding:.5rem 1.5rem}}</style></head>
<body><p><small>Test mode: a local fake of Stripe</small></p><h1>{title}</h1>{body}</body></html>
"""


def page(title: str, body: str, status: int = 200) -> Response:
    """A minimal HTML page (`body` must already be escaped)."""
    return Response(_PAGE.format(title=escape(title), body=body), status=status,
                    mimetype="text/html")


def _not_found(exc: FakeStripeError) -> Response:
    return page("Not found", f"<p>{escape(exc.message)}</p>", status=exc.status)


@bp.get("/onboarding/<account_id>")
def onboarding(account_id: str) -> BaseResponse:
    """Connect onboarding: one button that completes it."""
    fake = state()
    with fake.lock:
        account = fake.find(account_id, "account")
        link = fake.account_links.get(request.args.get("link", ""))
    if account is None:
        return page("Not found", f"<p>No such account: {escape(account_id)}</p>", 404)
    if link is not None and link["expires_at"] < fake.now():
        return redirect(link["refresh_url"], code=303)
    leave = f'<p><a href="{escape(link["refresh_url"])}">Leave</a></p>' if link else ""
    body = (f"<p>Account <code>{escape(account_id)}</code> ({escape(account['type'])})</p>"
            f'<form method="post"><input type="hidden" name="link" '
            f'value="{escape(request.args.get("link", ""))}">'
            f'<button type="submit" id="complete">Complete onboarding</button></form>{leave}')
    return page("Set up payouts", body)


@bp.post("/onboarding/<account_id>")
def finish_onboarding(account_id: str) -> BaseResponse:
    """Complete onboarding and go back to the link's `return_url`."""
    fake = state()
    try:
        with fake.transaction():
            accounts.complete_onboarding(fake, account_id)
            link = fake.account_links.pop(request.form.get("link", ""), None)
    except FakeStripeError as exc:
        return _not_found(exc)
    if link is not None:
        return redirect(link["return_url"], code=303)
    return page("Onboarding complete", "<p>Payouts are enabled. You can close this page.</p>")


def _amount(session: Obj) -> str:
    return f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"


@bp.get("/checkout/<session_id>")
def checkout_page(session_id: str) -> Response:
    """Hosted Checkout: the line items and a Pay button."""
    fake = state()
    with fake.lock:
        session = fake.find(session_id, "checkout.session")
    if session is None:
        return page("Not found", "<p>This Checkout Session does not exist.</p>", 404)
    if session["status"] != "open":
        return page("Checkout", f"<p>This session is {escape(session['status'])}.</p>")
    items = "".join(f"<li>{escape(i['description'])} &times; {i['quantity']}</li>"
                    for i in session["_line_items"])
    cancel = session["cancel_url"]
    cancel_link = f'<p><a href="{escape(cancel)}">Cancel</a></p>' if cancel else ""
    pay_url = url_for("stripe_fake_pages.checkout_pay", session_id=session_id)
    body = (f"<ul>{items}</ul><p>Total: <strong>{escape(_amount(session))}</strong></p>"
            f'<form method="post" action="{escape(pay_url)}">'
            f'<button type="submit" id="pay">Pay</button></form>{cancel_link}')
    return page("Checkout", body)


@bp.post("/checkout/<session_id>/pay")
def checkout_pay(session_id: str) -> BaseResponse:
    """Pay the session and go to its `success_url`."""
    fake = state()
    try:
        with fake.transaction():
            session = checkout.complete_session(fake, session_id)
    except FakeStripeError as exc:
        return _not_found(exc)
    return redirect(checkout.success_redirect(session), code=303)


@bp.get("/dashboard/<account_id>")
def dashboard(account_id: str) -> Response:
    """A stand-in for the Express dashboard a login link opens."""
    fake = state()
    with fake.lock:
        account = fake.find(account_id, "account")
    if account is None:
        return page("Not found", f"<p>No such account: {escape(account_id)}</p>", 404)
    status = "enabled" if account["payouts_enabled"] else "not enabled yet"
    return page("Express dashboard",
                f"<p>Account <code>{escape(account_id)}</code>: payouts {status}.</p>")
