"""`gateway demo` leaves the Demo Site's credentials in a file `make run` can start it with."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.apps import services as apps
from gateway.apps.errors import InvalidAppKey
from gateway.apps.models import App
from gateway.extensions import db


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"ZC_DEMO_SITE_FILE": str(tmp_path / "demo_site.json")}


def run_demo(runner) -> dict[str, Any]:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return json.loads(result.output)["demo_site"]


def demo_app() -> App:
    found = db.session.scalar(select(App).where(App.name == "Demo Site"))
    assert found is not None
    return found


def test_first_run_writes_the_credentials_that_work(runner, tmp_path):
    printed = run_demo(runner)
    path = tmp_path / "demo_site.json"
    stored = json.loads(path.read_text())
    assert stored["appid"] == printed["appid"] and stored["appkey"] == printed["appkey"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    registered = demo_app()
    apps.verify_appkey(registered, stored["appkey"])
    assert stored["webhook_secret"] == registered.webhook_secret
    assert stored["redirect_uris"] == ["http://127.0.0.1:8001/callback"]


def test_second_run_keeps_the_key(runner, tmp_path):
    run_demo(runner)
    before = (tmp_path / "demo_site.json").read_text()
    again = run_demo(runner)
    assert "appkey" not in again and "credentials_file" not in again
    assert (tmp_path / "demo_site.json").read_text() == before


@pytest.mark.parametrize("damage", ["delete", "stale"])
def test_missing_or_stale_file_rotates_the_key_without_overlap(runner, tmp_path, damage):
    path = tmp_path / "demo_site.json"
    first = run_demo(runner)
    if damage == "delete":
        path.unlink()
    else:
        path.write_text(json.dumps({**json.loads(path.read_text()), "appkey": "0" * 32}))
    again = run_demo(runner)
    assert again == {"appid": first["appid"], "credentials_file": str(path)}
    stored = json.loads(path.read_text())
    registered = demo_app()
    apps.verify_appkey(registered, stored["appkey"])
    with pytest.raises(InvalidAppKey):
        apps.verify_appkey(registered, first["appkey"])  # no overlap: nobody else holds it


def test_other_ports_reregister_the_demo_site(runner, tmp_path, monkeypatch):
    """`PORT=9000 DEMO_PORT=9001 make run`: the registered URIs follow the ports, the key stays."""
    first = run_demo(runner)
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("DEMO_PORT", "9001")
    again = run_demo(runner)
    assert again["appid"] == first["appid"] and "appkey" not in again
    registered = demo_app()
    assert registered.redirect_uris == ["http://127.0.0.1:9001/callback"]
    assert registered.website == "http://127.0.0.1:9001/"
    assert registered.deauthorize_url == "http://127.0.0.1:9001/deauthorized"
    assert registered.post_logout_redirect_uris == ["http://127.0.0.1:9001/"]
    assert registered.backchannel_logout_uri == "http://127.0.0.1:9001/backchannel-logout"
    stored = json.loads((tmp_path / "demo_site.json").read_text())
    assert stored["redirect_uris"] == ["http://127.0.0.1:9001/callback"]
    apps.verify_appkey(registered, stored["appkey"])  # the running site's key still works
    assert stored["appkey"] == first["appkey"]
    assert "reregistered" not in run_demo(runner)  # same ports again: nothing to change


def test_demo_addresses_follow_make_run_settings():
    from gateway.demo import demo_addresses

    assert demo_addresses({}) == {"platform": "http://127.0.0.1:8000",
                                  "site": "http://127.0.0.1:8001"}
    assert demo_addresses({"HOST": "0.0.0.0", "PORT": "9000", "DEMO_PORT": "9100"}) == {
        "platform": "http://127.0.0.1:9000", "site": "http://127.0.0.1:9100"}
