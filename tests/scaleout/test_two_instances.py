"""Two gunicorn instances on one PostgreSQL database and one Redis behave as one platform.

A session started on instance A works on instance B (signed cookies, no process state), the
failed-login throttle counted on A applies on B (flask-limiter's Redis storage), /metrics
adds up every worker of an instance (Prometheus multiprocess mode), and a token revoked on B is
refused by every worker of A although A's workers had its check cached (PostgreSQL NOTIFY).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import csrf_from

pytestmark = pytest.mark.slow

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Per process, so two runs on one machine (SQLite and PostgreSQL suites side by side) never clash.
DB_NAME = f"zc_scaleout_{os.getpid()}"
DB_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TOKEN: dict[str, str] = {}  # carol's access token for the Scale Site app, made with the DB


def _services_or_skip() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.Error:
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432 (needed for two instances)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer at 127.0.0.1:6379 (needed for shared rate limits)")


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def shared_database() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, with one user; dropped afterwards."""
    _services_or_skip()
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    _flush_redis()
    env = {**os.environ, "DATABASE_URL": DB_URL, "ZC_ENV": "test", "ZC_SECRET_KEY": "x" * 32}
    subprocess.run([str(GUNICORN.with_name("gateway")), "db", "upgrade", "heads"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    from gateway import create_app
    from gateway.accounts import services
    from gateway.apps.services import create_app as create_client_app
    from gateway.authorizations.services import record_consent
    from gateway.extensions import db
    from gateway.oauth import tokens
    from tests.conftest import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": DB_URL})
    with app.app_context():
        services.create_user("alice", "alice-password")
        services.create_user("bob", "bob-password")
        developer = services.create_user("devon", "devon-password")
        carol = services.create_user("carol", "carol-password")
        client_app, appkey = create_client_app(developer, name="Scale Site",
                                               redirect_uris=["https://scale.example/cb"],
                                               live=True)
        record_consent(carol.id, client_app.id, ["get_user_info"])
        issued = tokens.issue_tokens(client_app, carol.id, ["get_user_info"],
                                     grant_type="authorization_code")
        db.session.commit()
        TOKEN.update(access_token=issued.access_token, appid=client_app.appid, appkey=appkey)
        db.session.remove()  # reading appid after the commit checked a connection out again
        db.engine.dispose()
    try:
        yield DB_URL
    finally:
        _flush_redis()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(port: int, metrics_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL,
           "ZC_ENV": "development", "ZC_SECRET_KEY": "scale-out-shared-secret-key-0123456789",
           "ZC_LOGIN_LIMIT_ACCOUNT": "3 per 5 minutes", "ZC_ARGON2_TIME_COST": "1",
           "ZC_ARGON2_MEMORY_COST": "8", "ZC_ARGON2_PARALLELISM": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "WEB_CONCURRENCY": "2"}
    env.pop("RATELIMIT_STORAGE_URI", None)
    return subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "gateway:create_app()"], cwd=ROOT, env=env, stdout=log.open("wb"),
        stderr=subprocess.STDOUT)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a loaded CI machine boots slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn at {base} not ready: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def instances(shared_database: str, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[str, str]]:
    """Instances A and B, two workers each, on different loopback ports."""
    procs, bases = [], []
    try:
        for name in ("a", "b"):
            root = tmp_path_factory.mktemp(f"instance-{name}")
            (root / "metrics").mkdir()
            port = _free_port()
            log = root / "gunicorn.log"
            procs.append(_start(port, root / "metrics", log))
            bases.append(f"http://127.0.0.1:{port}")
            _wait_ready(bases[-1], procs[-1], log)
        yield bases[0], bases[1]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def _carry_session(source: httpx.Client, target: httpx.Client) -> None:
    """Send source's session cookie to target's instance, as a load balancer's client would."""
    value = source.cookies["zc_session"]
    target.cookies.clear()
    target.cookies.set("zc_session", value, domain="127.0.0.1")


def test_readyz_sees_postgres_and_redis(instances):
    for base in instances:
        body = httpx.get(base + "/readyz", timeout=5).json()
        assert body["checks"] == {"database": "ok", "redis": "ok"}


def test_session_from_a_works_on_b(instances):
    base_a, base_b = instances
    with httpx.Client(base_url=base_a, timeout=10) as a, \
            httpx.Client(base_url=base_b, timeout=10) as b:
        assert b.get("/account/profile").status_code == 302  # anonymous on B
        logged_in = _login(a, "alice", "alice-password")
        assert logged_in.status_code == 302
        _carry_session(a, b)
        profile = b.get("/account/profile")
        assert profile.status_code == 200
        assert "alice" in profile.text
        # B's form token (from the shared session) is accepted by A: logout on A via B's page.
        token = csrf_from(b.get("/").text)
        _carry_session(b, a)
        assert a.post("/logout", data={"csrf_token": token}).status_code == 302


def test_failed_login_throttle_counted_on_a_applies_on_b(instances):
    base_a, base_b = instances
    with httpx.Client(base_url=base_a, timeout=10) as a, \
            httpx.Client(base_url=base_b, timeout=10) as b:
        for _ in range(3):
            assert _login(a, "bob", "wrong-password").status_code == 401
        refused = _login(b, "bob", "bob-password")
        assert refused.status_code == 429
        assert "尝试次数过多" in refused.text  # the servers speak the platform default, Chinese


def test_metrics_add_up_across_workers(instances):
    base_a, _ = instances
    for _ in range(20):  # two workers: the requests land on both
        httpx.get(base_a + "/healthz", timeout=5)
    body = httpx.get(base_a + "/metrics", timeout=5).text
    match = re.search(r'zc_http_requests_total\{endpoint="/healthz",method="GET",'
                      r'status="200"\} ([0-9.e+]+)', body)
    assert match and float(match.group(1)) >= 20
    assert re.search(r'zc_logins_total\{result="success"\} [1-9]', body)


def test_a_token_revoked_on_b_is_refused_by_every_worker_of_a(instances):
    base_a, base_b = instances
    bearer = {"Authorization": f"Bearer {TOKEN['access_token']}"}
    with httpx.Client(base_url=base_a, timeout=10) as a, \
            httpx.Client(base_url=base_b, timeout=10) as b:
        # Many calls: both of A's workers read the token once and then serve it from memory.
        for _ in range(30):
            assert a.get("/api/v1/me", headers=bearer).status_code == 200
        revoked = b.post("/oauth2/revoke", data={"token": TOKEN["access_token"]},
                         auth=(TOKEN["appid"], TOKEN["appkey"]))
        assert revoked.status_code == 200
        started = time.monotonic()
        stale = 0
        while a.get("/api/v1/me", headers=bearer).status_code == 200:
            stale += 1
            assert time.monotonic() - started < 2.0, "A kept serving a revoked token"
        # From then on, every worker of A refuses it.
        statuses = {a.get("/api/v1/me", headers=bearer).status_code for _ in range(20)}
        assert statuses == {401}, statuses
        assert stale == 0, f"{stale} stale answers after the revocation returned"
