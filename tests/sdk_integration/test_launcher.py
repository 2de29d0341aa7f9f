"""`make run`'s launcher (scripts/run_demo.py): platform, Demo Site and worker start together
with the credentials `gateway demo` wrote, and Ctrl-C stops every one of them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, deadline: float) -> httpx.Response:
    while True:
        try:
            return httpx.get(url, timeout=2.0)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_launcher_serves_both_and_ctrl_c_stops_all(tmp_path):
    env = {**os.environ, "ZC_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/zc.db",
           "ZC_DEMO_SITE_FILE": str(tmp_path / "demo_site.json"), "WEB_CONCURRENCY": "1",
           "ZC_SECRET_KEY": "launcher-test", "PORT": str(free_port()),
           "DEMO_PORT": str(free_port())}
    env.pop("TEST_DATABASE_URL", None)
    gateway = str(BIN / "gateway")
    subprocess.run([gateway, "db", "upgrade", "heads"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    subprocess.run([gateway, "demo"], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=120)
    appid = json.loads((tmp_path / "demo_site.json").read_text())["appid"]
    platform = f"http://127.0.0.1:{env['PORT']}"
    site = f"http://127.0.0.1:{env['DEMO_PORT']}"
    log = tmp_path / "run_demo.log"
    with log.open("wb") as sink:  # a file, not a pipe: nobody reads while the servers log
        launcher = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_demo.py")],
                                    env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # its own group, like a terminal's
    try:
        deadline = time.monotonic() + 60
        assert wait_for(platform + "/healthz", deadline).status_code == 200
        home = wait_for(site + "/", deadline)
        assert home.status_code == 200 and "Log in with ZoneConnect" in home.text
        login = httpx.get(site + "/login?next=/", timeout=10.0)
        assert login.status_code == 302
        target = urlsplit(login.headers["location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == platform + "/oauth2/authorize"
        assert parse_qs(target.query)["client_id"] == [appid]
        # The Demo Site's URIs were registered for these ports: the platform accepts the request
        # and asks the visitor to log in (a wrong redirect URI would answer 100010 here).
        authorize = httpx.get(login.headers["location"], timeout=10.0)
        assert authorize.status_code == 302, authorize.text[:500]
        assert urlsplit(authorize.headers["location"]).path == "/login"
        os.killpg(launcher.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground group
        assert launcher.wait(timeout=40) == 0
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
    output = log.read_text(errors="replace")
    for port in (env["PORT"], env["DEMO_PORT"]):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", int(port))) != 0, output[-2000:]
    with pytest.raises(ProcessLookupError):
        os.killpg(launcher.pid, 0)  # nothing of the group (the worker included) is left


def test_a_second_ctrl_c_stops_everything_at_once(tmp_path):
    """The first Ctrl-C asks for a quick shutdown; a second one does not wait for it: every
    program and worker is gone within a few seconds, and gunicorn logs no killed worker (its
    "Perhaps out of memory?" came from a graceful stop timing out, not from memory)."""
    env = {**os.environ, "ZC_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/zc.db",
           "ZC_DEMO_SITE_FILE": str(tmp_path / "demo_site.json"), "WEB_CONCURRENCY": "2",
           "ZC_SECRET_KEY": "launcher-test", "PORT": str(free_port()),
           "DEMO_PORT": str(free_port())}
    env.pop("TEST_DATABASE_URL", None)
    gateway = str(BIN / "gateway")
    for args in (["db", "upgrade", "heads"], ["demo"]):
        subprocess.run([gateway, *args], env=env, cwd=ROOT, check=True, capture_output=True,
                       timeout=120)
    log = tmp_path / "run_demo.log"
    with log.open("wb") as sink:
        launcher = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_demo.py")],
                                    env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        wait_for(f"http://127.0.0.1:{env['PORT']}/healthz", deadline)
        wait_for(f"http://127.0.0.1:{env['DEMO_PORT']}/", deadline)
        pids = [int(p) for p in re.findall(r"(?:platform|demo-site|worker) (\d+)",
                                           log.read_text().split("pids", 1)[1].split(")")[0])]
        assert len(pids) == 3
        os.killpg(launcher.pid, signal.SIGINT)
        time.sleep(0.3)
        started = time.monotonic()
        os.killpg(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=20) == 0
        assert time.monotonic() - started < 5
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
    output = log.read_text(errors="replace")
    assert "out of memory" not in output and "was sent SIGKILL" not in output, output[-2000:]
    for pid in pids:  # each program's group, workers included, is empty
        assert _group_gone(pid), f"process group {pid} still has live members"


def _group_gone(pgid: int, wait: float = 10.0) -> bool:
    """Whether no live process is left in the group (killed workers are reparented to init,
    which may take a moment to reap them under load: zombies do not count)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        live = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                live.append(stat.parent.name)
        if not live:
            return True
        time.sleep(0.2)
    return False
