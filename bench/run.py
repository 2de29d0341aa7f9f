"""The harness: recreate zc_bench, seed, start gunicorn, drive each scenario, report, stop."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench import database, loadgen, token_table
from bench.peers import bare_peer
from bench.scenarios import DEFAULT_SCENARIOS, FLOOR, BenchContext, Request, Scenario, load
from bench.server import Server

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see bench/README.md)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS),
                        help="comma-separated modules of bench/scenarios (the floor always runs)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (1-300)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="seconds of unmeasured load before each reusable scenario (0: none)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--users", type=int, default=20, help="users to seed")
    parser.add_argument("--tokens", type=int, default=10000,
                        help="tokens to bulk-insert through the OAuth seeder (e.g. 10000, 1000000)")
    parser.add_argument("--token-table", default=token_table.DEFAULT_SIZES,
                        help='token counts for the get_user_info latency table ("" to skip)')
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 database.DEFAULT_URL))
    parser.add_argument("--redis-url", default=None, help="e.g. redis://127.0.0.1:6379/15")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--keep-db", action="store_true", help="leave zc_bench after the run")
    parser.add_argument("--peers", action="store_true",
                        help="measure client_credentials and introspection on the platform, the"
                             " minimal Authlib server and node-oidc-provider (bench/peers)")
    parser.add_argument("--runtimes", default="gthread",
                        help="comma-separated servers to run the scenarios on, one after the"
                             " other: gthread (gunicorn.conf.py's default, 4 threads), sync"
                             " (gunicorn, 1 thread), granian")
    parser.add_argument("--bare", action="store_true",
                        help="also drive every scenario, right after ours, against a bare Flask"
                             " view under the same gunicorn workers and threads (the stack's"
                             " ceiling); the table gains a `vs bare` column")
    parser.add_argument("--repeats", type=int, default=1,
                        help="--peers: rounds over every server (the table shows medians)")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 300 or not 1 <= args.workers <= 32:
        parser.error("--duration must be 1..300 s and --workers 1..32")
    if not 1 <= args.connections <= 1000 or not 1 <= args.threads <= args.connections:
        parser.error("--connections must be 1..1000 and --threads 1..connections")
    return args


def machine() -> dict[str, Any]:
    """Where the figures came from."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True,  # noqa: S607
                            check=False).stdout.splitlines()
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "free_h": memory[:2],
            "python": platform.python_version(), "platform": platform.platform()}


def _scenarios(names: str) -> list[Scenario]:
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if FLOOR not in wanted:
        wanted.insert(0, FLOOR)
    return [load(name) for name in wanted]


def _drive(scenario: Scenario, ctx: BenchContext, args: argparse.Namespace,
           wrk: str | None) -> loadgen.Figures:
    requests = scenario.requests(ctx)
    if args.warmup > 0 and not scenario.lua_file:  # one-use credentials cannot be warmed with
        _load(requests, scenario, ctx, args, wrk, args.warmup)
    return _load(requests, scenario, ctx, args, wrk, args.duration)


def _load(requests: list[Request], scenario: Scenario, ctx: BenchContext,
          args: argparse.Namespace, wrk: str | None, duration: int) -> loadgen.Figures:
    if wrk:
        return loadgen.run_wrk(wrk, ctx.base_url, requests, duration=duration,
                               connections=args.connections, threads=args.threads,
                               lua_file=scenario.lua_file)
    return loadgen.run_python(ctx.base_url, requests, duration=duration,
                              connections=args.connections, expect=scenario.expect)


def report(rows: list[dict[str, Any]]) -> str:
    """The results as a text table."""
    bare = any("bare_rps" in row for row in rows)
    lines = [f"{'runtime':<9}{'scenario':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
             f"{'errors':>8}{'vs floor':>10}" + (f"{'bare req/s':>12}{'vs bare':>9}" if bare
                                                 else "")]
    for row in rows:
        extra = ""
        if bare:
            extra = (f"{row['bare_rps']:>12.1f}{row['ratio_to_bare']:>9.2f}"
                     if "ratio_to_bare" in row else f"{'':>21}")
        lines.append(f"{row['runtime']:<9}{row['scenario']:<22}{row['rps']:>10.1f}"
                     f"{row['p50_ms']:>10.2f}"
                     f"{row['p99_ms']:>10.2f}{row['errors']:>8}{row['ratio_to_floor']:>10.2f}"
                     + extra)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the bench; print the table and write bench/results/<time>.json."""
    args = parse_args(argv)
    if args.peers:
        from bench.peers.run import run_peers

        return run_peers(args)
    scenarios = _scenarios(args.scenarios)
    wrk = None if args.loadgen == "python" else loadgen.ensure_wrk()
    if args.loadgen == "wrk" and not wrk:
        raise SystemExit("bench: wrk is not installed and could not be installed")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    print(f"bench: load generator {'wrk' if wrk else 'python'}; recreating the database",
          flush=True)
    database.recreate(args.database_url)
    try:
        ctx = BenchContext(base_url="", database_url=args.database_url)
        # One-use credentials (refresh, code exchange) are seeded per duration and wrk thread.
        ctx.extra.update(duration=args.duration, wrk_threads=args.threads)
        database.seed(ctx, users=args.users, tokens=args.tokens)
        for scenario in scenarios:
            if scenario.needs_tokens and not ctx.tokens:
                raise SystemExit(f"bench: scenario {scenario.name} needs --tokens N")
        rows: list[dict[str, Any]] = []
        table: list[dict[str, Any]] = []
        for runtime in [r.strip() for r in args.runtimes.split(",") if r.strip()]:
            if runtime not in Server.RUNTIMES:
                raise SystemExit(f"bench: unknown runtime {runtime!r}")
            server = Server(args.database_url, args.workers,
                            RESULTS / f"server-{stamp}-{runtime}.log",
                            redis_url=args.redis_url, runtime=runtime)
            with server as base_url, ExitStack() as peers:
                bare = peers.enter_context(bare_peer(
                    args.workers, 1 if runtime == "sync" else 4)) if args.bare else None
                ctx.base_url = base_url
                for scenario in scenarios:
                    if scenario.setup:
                        scenario.setup(ctx)
                    print(f"bench: {runtime} {scenario.name} for {args.duration} s", flush=True)
                    rows.append({"scenario": scenario.name, "runtime": runtime,
                                 **asdict(_drive(scenario, ctx, args, wrk))})
                    if bare is not None and not scenario.lua_file:
                        print(f"bench: {runtime} bare Flask view, {scenario.name}'s requests,"
                              f" for {args.duration} s", flush=True)
                        rows[-1]["bare_rps"] = _drive(
                            scenario, replace(ctx, base_url=bare), args, wrk).rps
                ctx.base_url = base_url
                if not table:
                    table = token_table.run(ctx, token_table.sizes(args.token_table),
                                            args.tokens,
                                            lambda scenario: _drive(scenario, ctx, args, wrk))
    finally:
        if not args.keep_db:
            database.drop(args.database_url)
    floors = {row["runtime"]: row["rps"] or 1.0 for row in rows if row["scenario"] == FLOOR}
    for row in rows:
        row["ratio_to_floor"] = round(row["rps"] / floors[row["runtime"]], 3)
        if row.get("bare_rps"):
            row["ratio_to_bare"] = round(row["rps"] / row["bare_rps"], 3)
    config = {k: v for k, v in vars(args).items() if k != "database_url"}
    result = {"started_at": stamp, "machine": machine(), "config": config, "results": rows,
              "token_table": table}
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(json.dumps(result, indent=2))
    print(report(rows))
    if table:
        print(token_table.report(table))
    print(f"bench: results in {out}")
    return 1 if any(row["errors"] for row in rows + table) else 0


if __name__ == "__main__":
    sys.exit(main())
