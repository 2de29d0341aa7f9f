"""A person in Chromium: log in on the Demo Site with ZoneConnect, share, pay; a developer reads
the Demo Site's statistics in the portal."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from gateway.extensions import db
from gateway.ledger.services import coin_balance
from gateway.outbox.worker import run_once
from gateway.timeutil import utcnow
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.browser


def log_in_on_platform(page, username: str, password: str, shot=None) -> None:
    """Fill the platform's login form (the page is already on it)."""
    expect(page.locator("input[name=username]")).to_be_visible()
    if shot:
        shot(page, "login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()


def log_in_on_demo_site(page, stack: Stack, shot=None) -> None:
    """Alice clicks "Log in with ZoneConnect", logs in on the platform and allows the app."""
    page.goto(stack.site + "/")
    if shot:
        shot(page, "demo-home")
    page.get_by_role("link", name="Log in with ZoneConnect").click()
    expect(page).to_have_url(re.compile(re.escape(stack.platform) + "/login"))
    log_in_on_platform(page, "alice", "alice-password", shot)
    expect(page.locator("button[name=confirm][value=yes]")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Demo Site")
    if shot:
        shot(page, "consent")
    page.locator("button[name=confirm][value=yes]").click()
    expect(page).to_have_url(stack.site + "/")


def test_login_consent_nickname_and_share_in_feed(page, stack, shot):
    log_in_on_demo_site(page, stack, shot)
    expect(page.locator("#nickname")).to_have_text("Alice")
    avatar = page.locator("img.avatar")
    expect(avatar).to_have_attribute("src", re.compile("^" + re.escape(stack.platform)))
    # Served by the platform and allowed by the Demo Site's CSP (img-src): it really loaded.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=avatar.element_handle())
    shot(page, "demo-logged-in")

    title = f"Level {secrets.randbelow(10_000)} reached on Demo Site"
    page.fill("#share-form input[name=title]", title)
    page.locator("#share-form button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Shared")
    expect(page.locator("#last-share")).to_contain_text(title)

    page.goto(stack.platform + "/space/alice")
    expect(page.locator("body")).to_contain_text(title)
    shot(page, "feed")


def test_developer_sees_a_rendered_stats_chart(chromium, page, stack, shot):
    alice = chromium.new_context()
    try:
        log_in_on_demo_site(alice.new_page(), stack)  # one new authorization for the chart
    finally:
        alice.close()
    page.goto(stack.platform + "/login")
    log_in_on_platform(page, "devon", "devon-password")
    expect(page).not_to_have_url(re.compile("/login"))
    response = page.goto(f"{stack.platform}/developer/apps/{stack.appid}/stats")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_contain_text("Demo Site")
    charts = page.locator("img.chart, svg")
    expect(charts.first).to_be_visible()
    page.wait_for_load_state("networkidle")
    # Charts are <img> of SVG documents (each must have loaded and decoded) or inline <svg>.
    widths = page.eval_on_selector_all(
        "img.chart", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    if widths:
        assert all(w > 0 for w in widths), widths
    else:
        assert page.locator("main svg, section svg").count() > 0
    today = utcnow().date().isoformat()
    latest = page.locator("#series-authorizations tbody tr").first
    expect(latest).to_contain_text(today)
    expect(latest.locator("td").nth(1)).to_have_text("1")
    shot(page, "portal-stats")


def test_top_up_buy_and_the_developer_sees_the_sale(chromium, page, stack, shot):
    """Issue 6's browser path: alice tops up (sandbox), buys on the Demo Site, devon sees it."""
    alice_id = db.session.execute(db.text("select id from users where username = 'alice'")
                                  ).scalar_one()
    log_in_on_demo_site(page, stack)
    before = coin_balance(alice_id)  # the demo seed may have given her coins already

    page.goto(stack.platform + "/account/wallet")
    page.fill("input[name=coins]", "100")
    page.locator("form:has(input[name=coins]) button[type=submit]").click()
    expect(page.locator("#coin-balance")).to_have_text(str(before + 100))
    shot(page, "wallet-topped-up")
    balance = before + 100

    page.goto(stack.site + "/")
    page.locator("#buy-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(stack.platform) + "/pay/orders/ord_"))
    expect(page.locator("#order-item")).to_have_text("Wooden sword")
    expect(page.locator("#order-balance")).to_have_text(f"{balance} coins")
    shot(page, "pay-confirm")
    page.locator("button[name=confirm][value=yes]").click()

    expect(page).to_have_url(stack.site + "/#shop")  # the order's return_url: the shop
    expect(page.locator("#order-status")).to_have_text("paid")
    assert run_once() >= 1  # `gateway worker` delivers the signed order.paid callback
    db.session.commit()
    page.reload()
    expect(page.locator("#order-delivered")).to_contain_text("order.paid")
    shot(page, "demo-paid")

    page.goto(stack.platform + "/account/wallet")
    expect(page.locator("body")).to_contain_text(f"You have {balance - 60} coins")
    shot(page, "wallet")

    devon = chromium.new_context()
    try:
        portal = devon.new_page()
        portal.goto(stack.platform + "/login")
        log_in_on_platform(portal, "devon", "devon-password")
        portal.goto(stack.platform + "/developer/revenue")
        # 60 coins x 10 minor units: the month's sale waits, unsettled, on devon's revenue page
        # (money as Babel writes it in English; Chinese pages say ¥6.00).
        expect(portal.locator("#balance-unsettled")).to_have_text("CN¥6.00")
        shot(portal, "revenue")
    finally:
        devon.close()
