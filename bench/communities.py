"""Communities figures: a 100 MB group file through the app (throughput and the worker's peak
RSS, to show the file is streamed) and GET /api/v1/groups/{id}/members for a 10,000-member
group, each beside /healthz measured in the same run on the same server.

    .venv/bin/python -m bench.communities [--members 10000] [--megabytes 100] [--duration 8]

It recreates the PostgreSQL database `zc_comm_bench` (BENCH_COMM_DATABASE_URL for another),
serves the platform with one gunicorn worker (development mode: the session cookie must travel
over plain HTTP on loopback), and only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.database import drop, recreate
from bench.loadgen import run_python
from bench.scenarios import Request
from bench.server import ROOT, Server, free_port

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zc_comm_bench"
PASSWORD = "bench-password-1"


def seed(url: str, members: int) -> dict[str, Any]:
    """alice (owner), `members` - 1 members who all authorized the app, the app installed."""
    os.environ.update({"DATABASE_URL": url, "ZC_ENV": "development"})
    from sqlalchemy import insert

    from gateway import create_app
    from gateway.accounts import services as accounts
    from gateway.accounts.models import User
    from gateway.apps.services import create_app as register_app
    from gateway.authorizations.models import Authorization
    from gateway.extensions import db
    from gateway.groupapps import services as group_apps
    from gateway.groups import services as groups
    from gateway.groups.models import Membership
    from gateway.identity.models import OpenID
    from gateway.oauth import tokens
    from gateway.security.secrets import new_hex32

    scopes = ["get_user_info", "get_group_members"]
    app = create_app({"SECRET_KEY": "bench", "ZC_ARGON2_TIME_COST": 1,
                      "ZC_ARGON2_MEMORY_COST": 8, "ZC_ARGON2_PARALLELISM": 1})
    with app.app_context():
        alice = accounts.create_user("alice", PASSWORD)
        site, _ = register_app(alice, name="Bench Site", live=True, scopes=scopes,
                               redirect_uris=["http://127.0.0.1:9/cb"])
        club = groups.create_group(alice.id, {"name": "Big Club"})
        group_apps.set_settings(site.id, None, daily_posts=None, large_groups_approved=True)
        db.session.flush()
        rows = [{"username": f"m{i:05d}", "password_hash": "x", "avatar_key": secrets.token_hex(16)}
                for i in range(members - 1)]
        ids = [r[0] for r in db.session.execute(insert(User).returning(User.id), rows)]
        db.session.execute(insert(Membership), [{"group_id": club.id, "user_id": i}
                                                for i in ids])
        db.session.execute(insert(Authorization), [{"user_id": i, "app_id": site.id,
                                                    "scopes": scopes} for i in ids])
        db.session.execute(insert(OpenID), [{"user_id": i, "app_id": site.id,
                                             "openid": new_hex32()} for i in ids])
        installed = group_apps.install(club, alice.id, site)
        from gateway.authorizations.services import record_consent

        record_consent(alice.id, site.id, scopes)
        token = tokens.issue_tokens(site, alice.id, scopes, grant_type="authorization_code")
        db.session.commit()
        return {"group_id": club.id, "group_openid": installed.group_openid,
                "token": token.access_token}


def analyze(url: str) -> None:
    """Planner statistics after the bulk seed, as autovacuum would gather in production."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most memory the process ever had resident."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def csrf(client: httpx.Client, path: str) -> str:
    html = client.get(path).text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, path
    return match.group(1)


def file_round_trip(base: str, group_id: int, path: Path, master: int) -> dict[str, float]:
    """Log in, upload the file to the group, download it; time both, read the worker's RSS."""
    size = path.stat().st_size
    with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as client:
        client.post("/login", data={"username": "alice", "password": PASSWORD,
                                     "csrf_token": csrf(client, "/login")})
        token = csrf(client, f"/groups/{group_id}/files")
        [worker] = worker_pids(master)
        before = peak_rss_mb(worker)
        with path.open("rb") as handle:
            started = time.perf_counter()
            answer = client.post(f"/groups/{group_id}/files", data={"csrf_token": token},
                                 files={"file": ("big.bin", handle, "application/octet-stream")})
            upload_s = time.perf_counter() - started
        assert answer.status_code == 302, answer.text[:300]
        after_upload = peak_rss_mb(worker)
        key = re.search(rf"/groups/{group_id}/files/([0-9a-f]{{32}})",
                        client.get(f"/groups/{group_id}/files").text)
        assert key, "uploaded file not listed"
        received = 0
        started = time.perf_counter()
        with client.stream("GET", f"/groups/{group_id}/files/{key.group(1)}") as download:
            for chunk in download.iter_bytes():
                received += len(chunk)
        download_s = time.perf_counter() - started
        assert received == size
        return {"upload_MBps": size / 2**20 / upload_s, "download_MBps": size / 2**20 / download_s,
                "rss_before_MB": before, "rss_after_upload_MB": after_upload,
                "rss_after_download_MB": peak_rss_mb(worker)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_COMM_DATABASE_URL", DEFAULT_URL)
    recreate(url)
    facts = seed(url, args.members)
    analyze(url)
    storage = tempfile.TemporaryDirectory(prefix="zc-bench-files-")
    big = Path(storage.name) / "big.bin"
    with big.open("wb") as out:
        for _ in range(args.megabytes):
            out.write(os.urandom(2**20))
    os.environ.update({"ZC_STORAGE_URL": f"file://{storage.name}/store"})
    log = Path(tempfile.gettempdir()) / "zc-bench-communities.log"
    server = DevServer(url, 1, log, port=free_port())
    with server as base:
        assert server.proc is not None
        files = file_round_trip(base, facts["group_id"], big, server.proc.pid)
        members = Request(f"/api/v1/groups/{facts['group_openid']}/members?limit=100",
                          headers={"Authorization": f"Bearer {facts['token']}"})
        health = run_python(base, [Request("/healthz")], duration=args.duration,
                            connections=args.connections, expect=frozenset({200}))
        listed = run_python(base, [members], duration=args.duration,
                            connections=args.connections, expect=frozenset({200}))
    storage.cleanup()
    drop(url)
    print(f"100 MB-class file ({args.megabytes} MiB) through the app, 1 gunicorn worker:")
    print(f"  upload {files['upload_MBps']:.1f} MiB/s, download {files['download_MBps']:.1f} "
          f"MiB/s; worker peak RSS {files['rss_before_MB']:.1f} MiB before, "
          f"{files['rss_after_upload_MB']:.1f} after upload, "
          f"{files['rss_after_download_MB']:.1f} after download")
    print(f"/healthz: {health.rps:.0f} req/s (p50 {health.p50_ms:.1f} ms, errors {health.errors})")
    print(f"members of a {args.members}-member group (100 a page): {listed.rps:.0f} req/s "
          f"(p50 {listed.p50_ms:.1f} ms, errors {listed.errors}); "
          f"ratio to /healthz {listed.rps / health.rps:.2f}")


class DevServer(Server):
    """The bench's gunicorn in development mode (plain-HTTP session cookies on loopback)."""

    def __enter__(self) -> str:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = {**os.environ, "DATABASE_URL": self.database_url, "ZC_ENV": "development",
               "ZC_SECRET_KEY": secrets.token_hex(32), "ZC_SKIP_PREFLIGHT": "1"}
        env.pop("REDIS_URL", None)
        self.proc = subprocess.Popen(  # noqa: S603
            [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "gateway:create_app()"],
            cwd=ROOT, env=env, stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.base_url


if __name__ == "__main__":
    sys.exit(main())
