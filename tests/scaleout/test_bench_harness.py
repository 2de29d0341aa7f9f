"""The bench harness: wrk parsing, generated Lua, loopback-only targets, and one short real run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from bench import loadgen, run
from bench.scenarios import BenchContext, Request, load
from bench.tokens import SeederMissing, bulk_insert, seeder

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/healthz
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    2.01ms  40.00ms   87.50%
    Req/Sec     1.53k   210.00     2.00k    76.99%
  Latency Distribution
     50%  812.00us
     75%    5.50ms
     90%    7.00ms
     99%    1.20s
  30442 requests in 10.00s, 5.40MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3044.20
Transfer/sec:    552.50KB
"""


def test_parse_wrk():
    figures = loadgen.parse_wrk(WRK_OUTPUT)
    assert figures.requests == 30442 and figures.seconds == 10.0
    assert figures.rps == 3044.20
    assert figures.p50_ms == pytest.approx(0.812) and figures.p99_ms == 1200.0
    assert figures.errors == 7


def test_lua_script_carries_method_headers_and_body():
    script = loadgen.lua_script([
        Request("/oauth2/introspect", "POST", {"Authorization": 'Basic a"b'}, "token=x\n"),
        Request("/api/v1/me", headers={"Authorization": "Bearer t"}),
    ])
    assert ('requests[1] = wrk.format("POST", "/oauth2/introspect", '
            '{["Authorization"] = "Basic a\\"b"}, "token=x\\10")') in script
    assert 'requests[2] = wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer t"}, nil)' \
        in script
    assert "i = i % #requests + 1" in script
    if shutil.which("luajit") or shutil.which("lua"):  # the script is valid Lua
        lua = shutil.which("luajit") or shutil.which("lua")
        check = subprocess.run([lua, "-e", "wrk = {format = function() return 'x' end}\n"
                                + script + "\nassert(request() == 'x')"], capture_output=True)
        assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("url", ["http://10.0.0.1:80", "http://localhost:8000",
                                 "https://127.0.0.1:443", "http://127.0.0.1", "http://8.8.8.8:80"])
def test_only_loopback_targets(url):
    with pytest.raises(ValueError):
        loadgen.check_loopback(url)
    with pytest.raises(ValueError):
        loadgen.run_python(url, [Request("/")], duration=1, connections=1,
                           expect=frozenset({200}))


def test_scenarios_load():
    ctx = BenchContext(base_url="http://127.0.0.1:1", database_url="")
    assert load("floor").requests(ctx) == [Request("/healthz")]
    assert load("login_page").requests(ctx)[0].path == "/login"
    assert load("login_submit").expect == frozenset({302})  # a right password redirects
    with pytest.raises(ValueError):
        load("../etc")


def test_option_bounds():
    with pytest.raises(SystemExit):
        run.parse_args(["--duration", "0"])
    with pytest.raises(SystemExit):
        run.parse_args(["--connections", "2", "--threads", "3"])
    assert run.parse_args([]).duration == 10 and run.parse_args([]).workers == 2


def test_missing_seeder_is_explained(monkeypatch):
    monkeypatch.setenv("ZC_BENCH_TOKEN_SEEDER", "gateway.no_such_module:seed_tokens")
    with pytest.raises(SeederMissing, match="seed_tokens"):
        seeder()


def test_bulk_insert_multirow(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("v", sa.String(10)))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        assert bulk_insert(conn, table, ["id", "v"], ((n, f"v{n}") for n in range(12001))) == 12001
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 12001
    engine.dispose()


@pytest.mark.slow
def test_short_real_run(tmp_path, monkeypatch):
    import psycopg

    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except psycopg.Error:
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432 (the bench needs it)")
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    code = run.main(["--duration", "1", "--workers", "1", "--users", "1", "--connections", "4",
                     "--threads", "1", "--loadgen", "python", "--scenarios", "floor,login_page",
                     "--token-table", "",
                     "--database-url",
                     f"postgresql+psycopg://postgres@127.0.0.1:5432/zc_bench_test_{os.getpid()}"])
    assert code == 0
    result = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    rows = {row["scenario"]: row for row in result["results"]}
    assert set(rows) == {"floor", "login_page"}
    assert rows["floor"]["ratio_to_floor"] == 1.0 and rows["floor"]["requests"] > 0
    assert rows["login_page"]["rps"] > 0 and result["machine"]["nproc"]


@pytest.mark.slow
def test_server_stopped_when_startup_fails(tmp_path, monkeypatch):
    from bench.server import Server

    def broken_probe(self):
        raise RuntimeError("probe failed")

    monkeypatch.setattr(Server, "_ready", broken_probe)
    server = Server(f"sqlite:///{tmp_path / 'x.db'}", 1, tmp_path / "server.log")
    with pytest.raises(RuntimeError, match="probe failed"), server:
        pass
    assert server.proc is not None and server.proc.poll() is not None  # gunicorn is gone
