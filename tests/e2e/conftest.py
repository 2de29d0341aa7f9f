"""Browser tests: the platform and the Demo Site on loopback ports, Debian's Chromium driven by
Playwright. Screenshots of the main pages go to tests/artifacts/screenshots/."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.apps.models import App
from gateway.demo import seed
from gateway.extensions import db
from tests.sdk_integration.live import serve

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("ZC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

sys.path.insert(0, str(ROOT / "examples" / "demo_site"))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium per module (`make chromium` installs it). Not per session:
    Playwright's sync API keeps an event loop running in this thread until it stops, and
    `asyncio.run` in any later test would refuse to start under it."""
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        message = f"{CHROMIUM} is missing: `make chromium` (root) or apt-get install chromium"
        if os.environ.get("CI"):  # CI installs it (`make chromium` as root): never skip there
            pytest.fail(message)
        pytest.skip(f"browser test skipped: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies) and one tab."""
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(tab: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path

    return take


class _Deferred:
    """A WSGI app filled in after the server is bound (the site must know its own port)."""

    target: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.target is not None
        return self.target(environ, start_response)


@dataclass
class Stack:
    """The running platform and Demo Site, and the Demo Site's registration."""

    platform: str
    site: str
    appid: str
    app_pk: int
    demo_app: Flask


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    # As `make run`: the Demo Site's order and deauthorization callbacks go to loopback.
    return {"ZC_DEMO_SITE_FILE": str(tmp_path / "demo_site.json"),
            "ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def stack(app: Flask, tmp_path: Path) -> Iterator[Stack]:
    """`make run` in miniature: demo data seeded, platform and Demo Site served."""
    import demo_site

    seed()
    db.session.commit()
    creds = json.loads((tmp_path / "demo_site.json").read_text())
    site_app = _Deferred()
    with serve(app) as platform, serve(site_app) as site:
        # The registered redirect URI and website name port 8001; this run's site is elsewhere.
        registered = db.session.scalar(select(App).where(App.appid == creds["appid"]))
        assert registered is not None
        registered.redirect_uris = [site.url + "/callback"]
        registered.website = site.url + "/"
        db.session.commit()
        site_app.target = demo_site.create_app({
            "ZONECONNECT_APP_ID": creds["appid"], "ZONECONNECT_APP_KEY": creds["appkey"],
            "ZONECONNECT_WEBHOOK_SECRET": creds["webhook_secret"],
            "ZONECONNECT_BASE_URL": platform.url, "DEMO_SITE_URL": site.url,
            "SECRET_KEY": secrets.token_hex(16)})
        yield Stack(platform=platform.url, site=site.url, appid=creds["appid"],
                    app_pk=registered.id, demo_app=site_app.target)


