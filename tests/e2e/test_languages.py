"""Both languages in Chromium, with axe-core on every page: login -> consent -> payment
confirmation for alice, the portal's app and statistics pages for devon. Screenshots of each go
to tests/artifacts/screenshots/ (`*-zh-CN-*.png`, `*-en-US-*.png`); Chinese ones need the CJK
fonts `make chromium` installs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from gateway.extensions import db
from gateway.wallet.services import grant
from tests.e2e.conftest import ROOT, Stack
from tests.e2e.test_demo_site import log_in_on_platform

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# What each page says in each language (and the <html lang> that goes with it).
WORDS = {
    "zh-CN": {"lang": "zh-Hans", "login": "登录 ZoneConnect",
              "consent": "想要使用你的 ZoneConnect 账号", "pay": "确认付款",
              "price": "60 金币 (¥6.00)",
              "stats": "的统计", "apps": "凭据"},
    "en-US": {"lang": "en", "login": "Log in to ZoneConnect",
              "consent": "wants to use your ZoneConnect account", "pay": "Confirm your payment",
              "price": "60 coins (CN¥6.00)", "stats": "Statistics of", "apps": "Credentials"},
}


def axe_check(page: Any, name: str) -> None:
    """Run axe-core (npm package, `make axe`) on the page: no serious or critical violation."""
    if not AXE.exists():
        missing(f"{AXE} is missing: run `make axe` (npm ci, from package.json)")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
             .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" "))}))""",
        AXE_TAGS)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in bad)


def reflows(page: Any, name: str) -> None:
    """WCAG 1.4.10: at 320 CSS px (what 400 % zoom of a 1280 px window leaves) nothing scrolls
    sideways but tables and code, which scroll in their own boxes."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 720})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} is {width}px wide at a 320px viewport"
    page.set_viewport_size({"width": 640, "height": 720})  # 200 % of 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    page.set_viewport_size(size)


def check(page: Any, shot: Callable[[Any, str], Path], locale: str, step: str) -> None:
    """The page speaks the language, passes axe, reflows, and is photographed."""
    expect(page.locator("html")).to_have_attribute("lang", WORDS[locale]["lang"])
    expect(page.locator("h1")).to_have_count(1)
    axe_check(page, f"{step} ({locale})")
    reflows(page, f"{step} ({locale})")
    shot(page, f"{locale}-{step}")


@pytest.fixture(scope="module", autouse=True)
def cjk_fonts() -> None:
    """Chinese screenshots must show glyphs, not boxes: a CJK font must be installed."""
    fc_list = shutil.which("fc-list")
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True,
                           check=False).stdout if fc_list else ""
    if not found.strip():
        missing("no CJK font: run `make chromium` as root (apt-get install fonts-noto-cjk)")


def missing(message: str) -> None:
    """Like a missing Chromium: CI installs everything (never skips), a laptop may skip."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(f"browser test skipped: {message}")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_login_consent_payment_and_portal_in_each_language(chromium: Any, stack: Stack,
                                                           shot: Any, locale: str) -> None:
    words = WORDS[locale]
    alice_id = db.session.execute(db.text("select id from users where username = 'alice'")
                                  ).scalar_one()
    grant(alice_id, 100)
    db.session.commit()
    context = chromium.new_context(locale=locale, bypass_csp=True,
                                   viewport={"width": 1100, "height": 800})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(stack.site + "/")
        page.get_by_role("link", name="Log in with ZoneConnect").click()
        expect(page.locator("h1")).to_have_text(words["login"])
        check(page, shot, locale, "login")
        log_in_on_platform(page, "alice", "alice-password")

        expect(page.locator("h1")).to_contain_text(words["consent"])
        check(page, shot, locale, "consent")
        page.locator("button[name=confirm][value=yes]").click()
        expect(page).to_have_url(stack.site + "/")

        page.locator("#buy-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(re.escape(stack.platform) + "/pay/orders/ord_"))
        expect(page.locator("h1")).to_have_text(words["pay"])
        expect(page.locator("#order-price")).to_contain_text(words["price"])
        check(page, shot, locale, "pay-confirm")
        page.locator("button[name=confirm][value=yes]").click()
        expect(page.locator("#order-status")).to_have_text("paid")

        portal = context.new_page()
        context.clear_cookies()  # devon now, in the same language
        portal.goto(stack.platform + "/login")
        log_in_on_platform(portal, "devon", "devon-password")
        expect(portal).not_to_have_url(re.compile("/login"))
        portal.goto(f"{stack.platform}/developer/apps/{stack.appid}")
        expect(portal.locator("main")).to_contain_text(words["apps"])
        check(portal, shot, locale, "portal-app")
        portal.goto(f"{stack.platform}/developer/apps/{stack.appid}/stats")
        expect(portal.locator("h1")).to_contain_text(words["stats"])
        portal.wait_for_load_state("networkidle")
        check(portal, shot, locale, "portal-stats")
    finally:
        context.close()
