"""The peers mode's run: every server up on loopback, then rounds over them, medians reported."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import ExitStack
from dataclasses import asdict, replace
from typing import Any

from bench import database, loadgen
from bench.peers import OPERATIONS, authlib_peer, oidc_provider_peer, report
from bench.run import RESULTS, _drive, machine
from bench.scenarios import BenchContext, Scenario
from bench.server import Server


def run_peers(args: argparse.Namespace) -> int:
    """Seed, start the platform and both peers, measure OPERATIONS in rounds, print the table."""
    wrk = None if args.loadgen == "python" else loadgen.ensure_wrk()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    tokens = max(args.tokens, 100)
    database.recreate(args.database_url)
    try:
        ours = BenchContext(base_url="", database_url=args.database_url)
        database.seed(ours, users=2, tokens=tokens)
        with ExitStack() as stack:
            ours.base_url = stack.enter_context(Server(
                args.database_url, args.workers, RESULTS / f"server-{stamp}.log",
                redis_url=args.redis_url))
            servers = {"zoneconnect": ours,
                       "authlib": stack.enter_context(
                           authlib_peer(args.database_url, args.workers, tokens)),
                       "oidc-provider": stack.enter_context(oidc_provider_peer(tokens))}
            rounds: dict[str, dict[str, list[Any]]] = {
                name: {op: [] for op in OPERATIONS} for name in servers}
            for n in range(args.repeats):
                for name, ctx in servers.items():
                    for op in OPERATIONS:
                        print(f"bench: round {n + 1}, {name} {op} for {args.duration} s",
                              flush=True)
                        rounds[name][op].append(_measure(op, ctx, args, wrk))
    finally:
        if not args.keep_db:
            database.drop(args.database_url)
    table = {name: {op: _median(figures) for op, figures in ops.items()}
             for name, ops in rounds.items()}
    out = RESULTS / f"peers-{stamp}.json"
    out.write_text(json.dumps({
        "started_at": stamp, "machine": machine(),
        "config": {k: v for k, v in vars(args).items() if k != "database_url"},
        "rounds": {name: {op: [asdict(f) for f in figs] for op, figs in ops.items()}
                   for name, ops in rounds.items()}}, indent=2))
    print(report(table))
    for name, ops in rounds.items():
        print(f"  {name}: " + "; ".join(
            f"{op} " + ", ".join(f"{f.rps:.0f}" for f in figs) for op, figs in ops.items()))
    print(f"bench: results in {out}")
    return 1 if any(f.errors for ops in rounds.values() for figs in ops.values()
                    for f in figs) else 0


def _measure(op: str, ctx: BenchContext, args: argparse.Namespace, wrk: str | None) -> Any:
    from bench.scenarios import load

    scenario: Scenario = load(op)
    if op == "client_credentials":  # every server answers it with 200
        scenario = replace(scenario, expect=frozenset({200}))
    return _drive(scenario, ctx, args, wrk)


def _median(figures: list[Any]) -> Any:
    ordered = sorted(figures, key=lambda f: f.rps)
    middle = ordered[len(ordered) // 2]
    return replace(middle, rps=statistics.median(f.rps for f in figures))
