"""The first hour of each kind of user, in Chromium, on non-default ports (`PORT`/`DEMO_PORT`
as `make run` takes them): an end user who signs up from an app, shares, pays and revokes; a
developer who registers an app and follows the quickstart; an operator who reviews it. Every
page visited is screenshotted at 375 px and 1280 px and checked for clipped or vertical text
(tests/e2e/layout.py) — screenshots in tests/artifacts/screenshots/first-hour/."""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from gateway.demo import seed
from gateway.extensions import db
from gateway.outbox.worker import run_once
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.layout import check_layout
from tests.e2e.test_demo_site import log_in_on_platform
from tests.sdk_integration.live import serve

pytestmark = pytest.mark.browser
SHOTS = SCREENSHOTS / "first-hour"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Ports:
    platform: str
    site: str
    appid: str


@pytest.fixture
def run(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ports]:
    """`PORT=<p> DEMO_PORT=<d> make run` in miniature: `gateway demo` registers the Demo Site
    for these ports by itself (no test fixes its URIs), then both are served there."""
    import json

    import demo_site

    port, demo_port = free_port(), free_port()
    monkeypatch.setenv("PORT", str(port))
    monkeypatch.setenv("DEMO_PORT", str(demo_port))
    seed()
    db.session.commit()
    creds = json.loads((tmp_path / "demo_site.json").read_text())
    assert creds["redirect_uris"] == [f"http://127.0.0.1:{demo_port}/callback"]
    site_app = demo_site.create_app({
        "ZONECONNECT_APP_ID": creds["appid"], "ZONECONNECT_APP_KEY": creds["appkey"],
        "ZONECONNECT_WEBHOOK_SECRET": creds["webhook_secret"],
        "ZONECONNECT_BASE_URL": f"http://127.0.0.1:{port}",
        "DEMO_SITE_URL": f"http://127.0.0.1:{demo_port}", "SECRET_KEY": secrets.token_hex(16)})
    with serve(app, port) as platform, serve(site_app, demo_port) as site:
        yield Ports(platform=platform.url, site=site.url, appid=creds["appid"])


class Layout:
    """Collects every page's layout problems; the test fails listing all of them at the end."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.problems: list[str] = []
        self.count = 0

    def check(self, tab: Any, name: str) -> None:
        self.count += 1
        size = tab.viewport_size
        self.problems += check_layout(tab, SHOTS, f"{self.user}-{self.count:02d}-{name}")
        tab.set_viewport_size(size)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def test_end_user_first_hour(page, run: Ports) -> None:
    layout = Layout("user")
    page.goto(run.site + "/")
    page.get_by_role("link", name="Log in with ZoneConnect").click()
    expect(page).to_have_url(re.compile(re.escape(run.platform) + "/login"))
    layout.check(page, "login")
    # Sign up from "log in to continue": next survives the link and a refused form.
    page.locator("#signup-link").click()
    expect(page.locator("#continue-to")).to_contain_text("Demo Site")
    fields = {"username": "newbie", "email": "newbie@example.com", "nickname": "Newbie",
              "password": "newbie-password", "confirm": "not-the-same"}
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.locator("form:has(input[name=confirm]) button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("The passwords do not match.")
    expect(page.locator("#continue-to")).to_contain_text("Demo Site")
    layout.check(page, "signup-refused")
    page.fill("input[name=password]", "newbie-password")
    page.fill("input[name=confirm]", "newbie-password")
    page.locator("form:has(input[name=confirm]) button[type=submit]").click()
    expect(page.locator("button[name=confirm][value=yes]")).to_be_visible()  # the consent page
    layout.check(page, "consent")
    page.locator("button[name=confirm][value=yes]").click()
    expect(page).to_have_url(run.site + "/")
    expect(page.locator("#nickname")).to_have_text("Newbie")

    # Share, then follow the message's link to the feed; "My space" is in the menu.
    title = f"Level {secrets.randbelow(10_000)} on Demo Site"
    page.fill("#share-form input[name=title]", title)
    page.locator("#share-form button[type=submit]").click()
    page.locator("#feed-link").click()
    expect(page).to_have_url(run.platform + "/space/newbie")
    expect(page.locator("body")).to_contain_text(title)
    expect(page.locator(".topbar nav a", has_text="My space")).to_have_attribute("href", "/space")
    layout.check(page, "space")

    # Buy with no coins: Pay is disabled, the exact top-up is offered and leads back.
    page.goto(run.site + "/")
    page.locator("#buy-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(run.platform) + "/pay/orders/ord_"))
    expect(page.locator("#pay-button")).to_be_disabled()
    layout.check(page, "pay-short")
    page.locator("#top-up-link").click()
    expect(page.locator("#coin-price")).to_contain_text("CN¥0.10")  # money as money
    expect(page.locator("input[name=coins]")).to_have_value("60")
    layout.check(page, "wallet")
    page.locator("form:has(input[name=coins]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(run.platform) + "/pay/orders/ord_"))
    expect(page.locator("#pay-button")).to_be_enabled()
    page.locator("#pay-button").click()
    expect(page).to_have_url(run.site + "/#shop")  # the order's return_url
    expect(page.locator("#order-status")).to_have_text("paid")

    # Revoke: asked first; the Demo Site (built on the SDK) signs the user out.
    page.goto(run.platform + "/account/apps")
    layout.check(page, "authorized-apps")
    page.locator("form[action$='/revoke'] button").first.click()
    expect(page.locator("h1")).to_contain_text("Revoke Demo Site?")
    layout.check(page, "revoke-confirm")
    page.locator("button[name=confirm][value=yes]").click()
    expect(page.locator(".flash")).to_contain_text("can no longer use your account")
    assert run_once() >= 1  # `gateway worker` delivers user.deauthorized (and order.paid)
    db.session.commit()
    page.goto(run.site + "/")
    expect(page.get_by_role("link", name="Log in with ZoneConnect")).to_be_visible()
    layout.assert_clean()


def test_developer_first_hour(page, run: Ports) -> None:
    layout = Layout("developer")
    page.goto(run.platform + "/login")
    log_in_on_platform(page, "devon", "devon-password")
    page.goto(run.platform + "/developer/")
    layout.check(page, "portal")
    page.goto(run.platform + "/developer/apps/new")
    layout.check(page, "register")
    page.fill("input[name=name]", "Star Game")
    page.fill("textarea[name=redirect_uris]", "http://127.0.0.1:5000/zoneconnect/callback")
    page.locator("form:has(textarea[name=redirect_uris]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/developer/apps/\d+/credentials$"))
    appkey = page.locator("#cred-appkey").inner_text()
    assert re.fullmatch(r"[0-9A-F]{32}", appkey)
    expect(page.locator("#cred-webhook-secret")).to_be_visible()  # the first webhook secret
    layout.check(page, "credentials")
    page.reload()  # shown once; and the refresh registered nothing
    expect(page.locator("#already-shown")).to_be_visible()
    assert appkey not in page.content()
    page.goto(run.platform + "/developer/")
    expect(page.locator("td a", has_text="Star Game")).to_have_count(1)
    page.locator("td a", has_text="Star Game").click()
    install = page.locator("#snippet-install").inner_text()
    assert "pip install zoneconnect" not in install and "./sdk[flask]" in install
    expect(page.locator("#snippet-sdk")).to_contain_text(f'base_url="{run.platform}"')
    expect(page.locator("#get-started")).to_contain_text("only you and its test users")
    expect(page.locator("body")).to_contain_text("keeps working for 24 hours")
    layout.check(page, "app")
    page.get_by_role("link", name="Integrate in ten minutes").click()
    expect(page.locator("h1")).to_have_text("Integrate in ten minutes")
    expect(page.locator("#guide")).to_contain_text(run.platform)
    layout.check(page, "guide")

    page.goto(run.platform + "/developer/keys")
    page.fill("input[name=name]", "deploy")
    page.locator("form:has(input[name=name]) button[type=submit]").click()
    token = page.locator("#api-key").inner_text()
    assert token.startswith("zcpat_")
    layout.check(page, "key-created")
    page.reload()
    assert token not in page.content()
    page.goto(run.platform + "/developer/keys")
    expect(page.locator("tbody tr")).to_have_count(1)
    layout.check(page, "keys")
    for path in (f"/developer/apps/{run.appid}/stats", f"/developer/apps/{run.appid}/deliveries",
                 "/developer/revenue"):
        page.goto(run.platform + path)
        layout.check(page, path.rsplit("/", 1)[-1])
    layout.assert_clean()


def test_operator_first_hour(chromium, page, run: Ports) -> None:
    from gateway.accounts.services import find_by_username
    from gateway.apps.services import create_app
    from gateway.developers.services import submit_for_review

    devon = find_by_username("devon")
    assert devon is not None
    pending, _ = create_app(devon, name="Moon Shop", redirect_uris=["https://moon.example/cb"])
    submit_for_review(pending, devon)
    db.session.commit()
    layout = Layout("operator")
    page.goto(run.platform + "/login")
    log_in_on_platform(page, "admin", "admin-password")
    page.goto(run.platform + "/admin/")
    expect(page.locator("#review-queue")).to_contain_text(
        "1 app and 0 permission requests wait for a decision.")
    layout.check(page, "console")
    page.goto(run.platform + "/admin/reviews")
    layout.check(page, "reviews")
    page.goto(run.platform + f"/admin/apps/{pending.appid}")
    layout.check(page, "app")
    page.locator(f"form[action$='/admin/apps/{pending.appid}/approve'] button").click()
    expect(page.locator(".flash")).to_have_text("Approved: Moon Shop is live.")
    page.goto(run.platform + "/admin/audit?action=app.approved")
    expect(page.locator("td a code", has_text=pending.appid).first).to_be_visible()
    layout.check(page, "audit")
    page.goto(run.platform + "/admin/apps")
    layout.check(page, "apps")
    missing = page.goto(run.platform + "/no/such/page")
    assert missing is not None and missing.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("If you entered the URL manually")
    layout.check(page, "not-found")
    layout.assert_clean()
