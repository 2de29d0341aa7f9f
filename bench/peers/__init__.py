"""`python -m bench --peers`: the platform against two peers, side by side in one run.

Peers, each started here on loopback and stopped at the end:
- `authlib`: the minimal Flask + Authlib + Flask-SQLAlchemy server of Authlib's guide
  (bench/peers/authlib_app.py) under gunicorn with the same workers and threads, on its own
  PostgreSQL database (`<bench database>_peer`);
- `oidc-provider`: node-oidc-provider 9 with its in-memory adapter, one process
  (bench/peers/node, installed from npm by the bench on first use).

Each server is measured on the same two operations, client_credentials and introspection, one
after another, and the table prints our ratio to each peer.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.scenarios import BenchContext, Scenario, load
from bench.server import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OPERATIONS = ("client_credentials", "introspect")


def _peer_url(url: str) -> str:
    parsed = sa.make_url(url)
    return parsed.set(database=f"{parsed.database}_peer").render_as_string(hide_password=False)


def _create_database(url: str) -> None:
    parsed = sa.make_url(url)
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    engine.dispose()


def _drop_database(url: str) -> None:
    parsed = sa.make_url(url)
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    engine.dispose()


def _wait(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {what} exited during start-up")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # it answers (404 or 405 on a probe is fine)
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"bench: {what} not ready after 60 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def authlib_peer(database_url: str, workers: int, tokens: int,
                 threads: int = 4) -> Iterator[BenchContext]:
    """The minimal Authlib server on its own database, seeded with a client and tokens, under
    the same gunicorn workers and threads as the platform (gunicorn.conf.py's default)."""
    url = _peer_url(database_url)
    _create_database(url)
    env = {**os.environ, "PEER_DATABASE_URL": url}
    seeded = json.loads(subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.peers.authlib_app", "seed", str(tokens)], cwd=ROOT,
        env=env, check=True, capture_output=True, text=True, timeout=300).stdout)
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "-c", str(HERE / "gunicorn_peer.py"), "--workers", str(workers),
         "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "bench.peers.authlib_app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/", proc, "the Authlib peer")
        yield BenchContext(base_url=f"http://127.0.0.1:{port}", database_url=url,
                           appid=seeded["client_id"], appkey=seeded["client_secret"],
                           tokens=seeded["tokens"],
                           extra={"token_path": "/oauth/token",
                                  "introspect_path": "/oauth/introspect"})
    finally:
        _stop(proc)
        _drop_database(url)


@contextmanager
def bare_peer(workers: int, threads: int) -> Iterator[str]:
    """A bare Flask view (bench/peers/bare_app.py) under the same gunicorn workers and threads:
    its base URL."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "-c", str(HERE / "gunicorn_peer.py"), "--workers", str(workers),
         "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "bench.peers.bare_app:create_app()"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/", proc, "the bare Flask view")
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def _npm_install() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise SystemExit("bench: --peers needs node and npm for node-oidc-provider")
    if not (HERE / "node" / "node_modules" / "oidc-provider").is_dir():
        print("bench: installing oidc-provider from npm", flush=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"],  # noqa: S603
                       cwd=HERE / "node", check=True, timeout=600)
    return Path(node)


def _issue(base_url: str, client_id: str, secret: str, count: int) -> list[str]:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    values = []
    for _ in range(count):
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{base_url}/token", data=b"grant_type=client_credentials", method="POST",
            headers={"Authorization": f"Basic {basic}",
                     "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            values.append(json.loads(answer.read())["access_token"])
    return values


@contextmanager
def oidc_provider_peer(tokens: int) -> Iterator[BenchContext]:
    """node-oidc-provider with its in-memory adapter, one process, one client."""
    node = _npm_install()
    port, client_id, secret = free_port(), "bench-client", "bench-secret-" + os.urandom(8).hex()
    proc = subprocess.Popen(  # noqa: S603
        [str(node), "server.mjs", str(port), client_id, secret], cwd=HERE / "node",
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/.well-known/openid-configuration", proc, "node-oidc-provider")
        yield BenchContext(base_url=base, database_url="", appid=client_id, appkey=secret,
                           tokens=_issue(base, client_id, secret, min(tokens, 500)),
                           extra={"token_path": "/token",
                                  "introspect_path": "/token/introspection"})
    finally:
        _stop(proc)


def measure(ctx: BenchContext, drive: Callable[[Scenario, BenchContext], Any]) -> dict[str, Any]:
    """Each operation on one server: {operation: figures}."""
    return {name: drive(load(name), ctx) for name in OPERATIONS}


def report(table: dict[str, dict[str, Any]]) -> str:
    """Req/s per server and operation, and our ratio to each peer."""
    ours = table["zoneconnect"]
    lines = [f"{'server':<16}" + "".join(f"{name + ' req/s':>26}" for name in OPERATIONS)
             + "".join(f"{'ours/peer ' + name[:6]:>20}" for name in OPERATIONS)]
    for server, figures in table.items():
        rates = [figures[name].rps for name in OPERATIONS]
        ratios = ["" if server == "zoneconnect"
                  else f"{ours[n].rps / max(figures[n].rps, 1e-9):.2f}" for n in OPERATIONS]
        errors = sum(figures[name].errors for name in OPERATIONS)
        lines.append(f"{server:<16}" + "".join(f"{rate:>26.1f}" for rate in rates)
                     + "".join(f"{ratio:>20}" for ratio in ratios)
                     + (f"   ({errors} errors)" if errors else ""))
    return "\n".join(lines)
