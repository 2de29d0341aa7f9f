"""The quickstart on an app's page runs as printed: its app.py, copied off the page, served by
`flask --app app run`, logs the app's owner in against this platform (a draft app)."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.developers import services as developers
from gateway.extensions import db
from tests.developer_portal.helpers import page, register_app
from tests.sdk_integration.live import FormBrowser, serve

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def snippet(page_html: str, element_id: str) -> str:
    match = re.search(rf'<pre class="snippet" id="{element_id}">(.*?)</pre>', page_html, re.S)
    assert match, element_id
    return html.unescape(match.group(1))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_portal_quickstart_runs_as_printed(app, client, auth, factory, tmp_path) -> None:
    devon = factory.user("devon", nickname="Devon")
    developers.open_profile(devon, name="Devon", contact_email="devon@example.com")
    db.session.commit()
    auth.login("devon")
    site = f"http://127.0.0.1:{free_port()}"
    with serve(app) as platform:
        appid, appkey = register_app(client, "Quick Site",
                                     redirect_uris=f"{site}/zoneconnect/callback")
        app.config["ZC_BASE_URL"] = platform.url  # the platform's public address
        detail = page(client, f"/developer/apps/{appid}")
        install, app_py = snippet(detail, "snippet-install"), snippet(detail, "snippet-sdk")
        assert "pip install zoneconnect" not in install and "./sdk[flask]" in install
        assert f'base_url="{platform.url}"' in app_py and f'app_id="{appid}"' in app_py
        assert "not available yet" in detail or "only you and its test users" in detail
        (tmp_path / "app.py").write_text(app_py)
        env = {**os.environ, "ZONECONNECT_APP_KEY": appkey, "SITE_URL": site,
               "PATH": f"{BIN}:{os.environ['PATH']}"}
        port = site.rsplit(":", 1)[1]
        with (tmp_path / "flask.log").open("wb") as log:
            server = subprocess.Popen(["flask", "--app", "app", "run", "--port", port],
                                      cwd=tmp_path, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        person = FormBrowser(httpx.Client(timeout=15.0))
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    assert "Log in with ZoneConnect" in person.get(site + "/").text
                    break
                except httpx.TransportError:
                    assert server.poll() is None and time.monotonic() < deadline, \
                        (tmp_path / "flask.log").read_text()
                    time.sleep(0.2)
            callback = person.authorize(site + "/zoneconnect/login", "devon", "password123",
                                        site + "/zoneconnect/callback")
            person.get(site + "/zoneconnect/callback?" + str(httpx.QueryParams(callback)))
            assert "Hello Devon!" in person.get(site + "/").text
        finally:
            person.close()
            server.terminate()
            server.wait(timeout=10)
    assert page(client, f"/developer/apps/{appid}")  # still there, nothing else changed
