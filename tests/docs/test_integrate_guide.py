"""docs/integrate.md followed top to bottom against a live platform on loopback: its shell blocks
run by bash as printed, its files saved and run (the Flask site with `python3 app.py`), a person's
browser steps done by a form-following browser, the QQ libraries' snippets driven through a
complete login by the libraries' own code."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from gateway.developers import keys
from gateway.developers import services as developers
from gateway.extensions import db
from gateway.outbox.worker import run_once
from tests.docs.guide import Block, blocks, exported_names
from tests.sdk_integration.live import FormBrowser, LiveServer, serve

pytestmark = pytest.mark.slow
PASSWORD = "devon-password"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The guide's site runs on loopback; the platform calls its deauthorization URL there.
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}


@pytest.fixture
def platform(app: Flask) -> Iterator[LiveServer]:
    with serve(app) as live:
        yield live


class Reader:
    """Someone following the guide: a work folder, a shell environment carried from block to
    block (`export -p`), a browser, and whatever runs in the background."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work = work
        self.env_file = work / ".guide-env"
        self.base_env = env
        self.env_file.write_text("")
        self.browser = FormBrowser(httpx.Client(timeout=15.0))
        self.servers: list[subprocess.Popen[bytes]] = []

    def exports(self, values: dict[str, str]) -> None:
        with self.env_file.open("a") as handle:
            for name, value in values.items():
                handle.write(f"export {name}={shlex.quote(value)}\n")

    def variable(self, name: str) -> str:
        return self.bash(f'printf %s "${name}"', keep=False)

    def bash(self, body: str, keep: bool = True) -> str:
        script = (f"set -euo pipefail\nsource {shlex.quote(str(self.env_file))}\n{body}\n"
                  + (f"export -p > {shlex.quote(str(self.env_file))}\n" if keep else ""))
        done = subprocess.run(["bash", "-c", script], cwd=self.work, env=self.base_env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"block failed:\n{body}\n---\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, body: str, url: str) -> None:
        log = (self.work / "server.log").open("wb")
        self.servers.append(subprocess.Popen(
            ["bash", "-c", f"source {shlex.quote(str(self.env_file))}\nexec {body}"],
            cwd=self.work, env=self.base_env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=2.0)
                return
            except httpx.TransportError:
                assert self.servers[-1].poll() is None, (self.work / "server.log").read_text()
                assert time.monotonic() < deadline, "the guide's server did not start"
                time.sleep(0.2)

    def close(self) -> None:
        for server in self.servers:
            server.terminate()
            server.wait(timeout=10)
        self.browser.close()


@pytest.fixture
def reader(app: Flask, platform: LiveServer, factory: Any, tmp_path: Path) -> Iterator[Reader]:
    devon = factory.user("devon", password=PASSWORD, nickname="Devon")
    developers.open_profile(devon, name="Devon", contact_email="devon@example.com")
    _, api_key = keys.create_key(devon, name="guide", scope="write")
    db.session.commit()
    env = {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "SECRET_KEY": "guide-test"}
    person = Reader(tmp_path, env)
    person.given = {"ZC": platform.url, "ZC_API_KEY": api_key,  # type: ignore[attr-defined]
                    "SITE": f"http://127.0.0.1:{free_port()}"}
    yield person
    person.close()


def _sdk_login(reader: Reader, platform: str) -> None:
    site = reader.variable("SITE")
    home = reader.browser.get(site + "/")
    assert "Log in with ZoneConnect" in home.text
    callback = reader.browser.authorize(site + "/zoneconnect/login", "devon", PASSWORD,
                                        site + "/zoneconnect/callback")
    landed = reader.browser.get(site + "/zoneconnect/callback?" + str(httpx.QueryParams(callback)))
    assert landed.status_code == 302
    assert "Hello Devon!" in reader.browser.get(site + "/").text


def _code(reader: Reader, platform: str) -> dict[str, str]:
    url = (reader.work / "authorize-url.txt").read_text().strip()
    assert url.startswith(platform + "/oauth2/authorize?")
    callback = reader.browser.authorize(url, "devon", PASSWORD, reader.variable("SITE")
                                        + "/callback")
    assert callback["state"] == "xyz"
    return {"CODE": callback["code"]}


def _revoke(reader: Reader, platform: str) -> None:
    apps_page = reader.browser.get(platform + "/account/apps")
    appid = reader.variable("ZONECONNECT_APP_ID")
    answer = reader.browser.submit(apps_page, match=lambda f: appid in f.action)
    if answer.is_redirect:  # no confirmation step would be a finding of its own
        raise AssertionError("revoking did not ask for confirmation")
    assert "My Site" in answer.text
    done = reader.browser.submit(answer, button=("confirm", "yes"),
                                 match=lambda f: ("confirm", "yes") in f.buttons)
    assert done.status_code in (302, 303)
    assert run_once() >= 1  # `gateway worker` delivers the signed user.deauthorized
    db.session.commit()
    assert "Log in with ZoneConnect" in reader.browser.get(reader.variable("SITE") + "/").text


PERSON: dict[str, Callable[[Reader, str], Any]] = {
    "sdk-login": _sdk_login, "revoke": _revoke}
SETUP: dict[str, Callable[[Reader, str], dict[str, str]]] = {"code": _code}


def test_the_guide_runs_top_to_bottom(reader: Reader, platform: LiveServer) -> None:
    kinds, outputs = [], {}
    for block in blocks():
        kinds.append(block.kind)
        if block.kind == "setup":
            name = block.attrs["setup"]
            given = (reader.given if name == "where"  # type: ignore[attr-defined]
                     else SETUP[name](reader, platform.url))
            assert set(exported_names(block)) == set(given), block.body
            reader.exports(given)
        elif block.kind == "file":
            (reader.work / block.attrs["file"]).write_text(block.body)
        elif block.kind == "run":
            outputs[block.body] = reader.bash(block.body)
        elif block.kind == "server":
            reader.start(block.body.strip(), reader.variable("SITE") + "/")
        elif block.kind == "person":
            PERSON[block.attrs["person"]](reader, platform.url)
    # Every kind of step was there to be run: a guide that lost its blocks fails here.
    assert {"setup", "file", "run", "server", "person"} <= set(kinds)
    # What the printed commands printed: the profile from the API, the verified event.
    me = next(out for body, out in outputs.items() if "/api/v1/me" in body)
    assert json.loads(me)["nickname"] == "Devon"
    assert outputs["python3 check_signature.py\n"].strip() == "order.paid ord_1"


def test_the_platform_serves_the_guide_with_its_own_address(client, app) -> None:
    page = client.get("/docs/integrate", base_url="http://platform.test:9000")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1") == 1
    assert "http://platform.test:9000" in html and "http://127.0.0.1:8000" not in html
    assert "<script" not in html.split("<article", 1)[1]  # markdown's raw HTML is escaped
    assert 'href="/docs/integrate"' in client.get("/docs/api").get_data(as_text=True)


def test_unknown_info_strings_are_not_silently_skipped() -> None:
    for block in blocks():
        assert block.lang in {"sh", "python", "js", "text"}, block.lang
        if block.lang == "text":
            assert block.kind == "person", block.body
        if block.kind == "norun":
            assert block.attrs["norun"], "say why a block is not run"


def _have_npm() -> bool:
    return shutil.which("npm") is not None and shutil.which("node") is not None


def file_block(name: str) -> Block:
    return next(b for b in blocks() if b.attrs.get("file") == name)


NODE_DRIVER = """
const { zoneConnectStrategy } = require("./qq_passport.js");
const strategy = zoneConnectStrategy((accessToken, refreshToken, profile, done) =>
  done(null, profile));
strategy.error = (err) => { console.error(String(err), err.oauthError || ""); process.exit(1); };
strategy.fail = (challenge) => { console.error(JSON.stringify(challenge)); process.exit(1); };
if (process.argv[2] === "url") {
  strategy.redirect = (url) => console.log(url);
  strategy.authenticate({ query: {} }, { state: "xyz", scope: "get_user_info" });
} else {
  strategy.success = (user) => console.log(JSON.stringify(user._json ? { id: user.id,
    nickname: user.nickname, ret: user._json.ret } : user));
  strategy.authenticate({ query: { code: process.env.CODE, state: "xyz" } }, {});
}
"""


@pytest.fixture
def registered(platform: LiveServer, factory: Any) -> dict[str, str]:
    """A draft app of devon's whose redirect URI the QQ libraries come back to."""
    from gateway.apps import services as apps

    devon = factory.user("devon", password=PASSWORD, nickname="德文")
    app, appkey = apps.create_app(devon, name="QQ Library Site",
                                  redirect_uris=["http://127.0.0.1:9/callback"])
    db.session.commit()
    return {"ZC": platform.url, "ZONECONNECT_APP_ID": app.appid or "",
            "ZONECONNECT_APP_KEY": appkey, "SITE": "http://127.0.0.1:9"}


def test_the_social_auth_snippet_logs_in(registered, tmp_path, monkeypatch) -> None:
    import importlib.util

    from tests.oauth.test_qq_client_library import DictStrategy

    monkeypatch.setenv("ZC", registered["ZC"])
    path = tmp_path / "qq_social_auth.py"
    path.write_text(file_block("qq_social_auth.py").body)
    spec = importlib.util.spec_from_file_location("qq_social_auth", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    strategy = DictStrategy({"SOCIAL_AUTH_ZONECONNECT_KEY": registered["ZONECONNECT_APP_ID"],
                             "SOCIAL_AUTH_ZONECONNECT_SECRET": registered["ZONECONNECT_APP_KEY"]})
    redirect_uri = registered["SITE"] + "/callback"
    backend = module.ZoneConnectOAuth2(strategy, redirect_uri=redirect_uri)
    person = FormBrowser(httpx.Client(timeout=15.0))
    try:
        strategy.data.update(person.authorize(backend.auth_url(), "devon", PASSWORD,
                                              redirect_uri))
    finally:
        person.close()
    result = backend.auth_complete()  # the library's own token, openid and profile requests
    assert result["ret"] == 0 and result["nickname"] == "德文" and len(result["openid"]) == 32


def test_the_passport_qq_snippet_logs_in(registered, tmp_path) -> None:
    if not _have_npm():
        pytest.skip("node and npm are needed to install passport-qq")
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "passport", "passport-qq"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install passport-qq: {installed.stderr[-300:]}")
    (tmp_path / "qq_passport.js").write_text(file_block("qq_passport.js").body)
    (tmp_path / "driver.js").write_text(NODE_DRIVER)
    env = {**os.environ, **registered}

    def node(*args: str, **extra: str) -> str:
        done = subprocess.run(["node", "driver.js", *args], cwd=tmp_path, env={**env, **extra},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    url = node("url")
    assert url.startswith(registered["ZC"] + "/oauth2.0/authorize?")
    person = FormBrowser(httpx.Client(timeout=15.0))
    try:
        callback = person.authorize(url, "devon", PASSWORD, registered["SITE"] + "/callback")
    finally:
        person.close()
    assert callback["state"] == "xyz"
    profile = json.loads(node("code", CODE=callback["code"]))
    assert profile["nickname"] == "德文" and profile["ret"] == 0 and len(profile["id"]) == 32
