"""The Flask quickstart of sdk/README.md, as printed there, against the real platform."""

from __future__ import annotations

import re
import types
from pathlib import Path

from gateway.apps import services as apps
from gateway.extensions import db
from tests.sdk_integration.conftest import ALICE_PASSWORD

README = Path(__file__).resolve().parents[2] / "sdk" / "README.md"
QUICKSTART_CALLBACK = "http://127.0.0.1:5000/zoneconnect/callback"


def quickstart_source() -> str:
    match = re.search(r"save this as `app.py`:\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert match, "the quickstart block is gone from sdk/README.md"
    return match.group(1)


def test_readme_quickstart_logs_alice_in(platform, browser, factory, monkeypatch):
    owner = factory.user("quickstart-dev")
    registered, appkey = apps.create_app(owner, name="Quickstart", live=True,
                                         redirect_uris=[QUICKSTART_CALLBACK])
    db.session.commit()
    monkeypatch.setenv("ZONECONNECT_APP_ID", registered.appid)
    monkeypatch.setenv("ZONECONNECT_APP_KEY", appkey)
    monkeypatch.setenv("ZONECONNECT_BASE_URL", platform.url)
    module = types.ModuleType("quickstart_app")
    exec(compile(quickstart_source(), "sdk/README.md#quickstart", "exec"), module.__dict__)  # noqa: S102
    site = module.app.test_client()  # the site's own cookies; nothing listens on port 5000

    assert "Log in with ZoneConnect" in site.get("/").get_data(as_text=True)
    start = site.get("/zoneconnect/login")
    assert start.status_code == 302
    callback = browser.authorize(start.headers["Location"], "alice", ALICE_PASSWORD,
                                 QUICKSTART_CALLBACK)
    done = site.get("/zoneconnect/callback", query_string=callback)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert site.get("/").get_data(as_text=True).startswith("Hello Alice!")
    site.get("/zoneconnect/logout")
    assert "Log in with ZoneConnect" in site.get("/").get_data(as_text=True)
