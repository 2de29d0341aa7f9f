"""The second table: get_user_info latency with 10 thousand and with 1 million tokens stored.

After the scenarios, the harness tops the token table up to each size (through the same seeder
hook as `--tokens`) and drives get_user_info again; p50/p99 must stay flat, since a token is
found by a unique index on its digest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.scenarios import BenchContext, Scenario, load

DEFAULT_SIZES = "10000,1000000"


def sizes(text: str) -> list[int]:
    """Table sizes from "10000,1000000" ("" or "0": no table)."""
    return sorted({int(part) for part in text.split(",") if part.strip() and int(part) > 0})


def _top_up(ctx: BenchContext, stored: int, wanted: int) -> None:
    """Add tokens through the seeder until `wanted` are stored; sample the new ones too."""
    from bench.seeding import bench_app
    from bench.tokens import seeder

    with bench_app(ctx):
        fresh = seeder()(app_id=ctx.app_row_id, appid=ctx.appid, user_ids=ctx.user_ids,
                         count=wanted - stored, sample=len(ctx.tokens) or 1000)
    ctx.tokens = fresh + ctx.tokens[:len(fresh)]
    ctx.extra.pop("openids", None)


def run(ctx: BenchContext, table_sizes: list[int], stored: int,
        drive: Callable[[Scenario], Any]) -> list[dict[str, Any]]:
    """Drive get_user_info at each size (seeding more as needed), with a sample of tokens the
    cache knows and with fresh tokens only (every request a database read); a row for each."""
    scenarios = [("cached", load("get_user_info")), ("cold", load("get_user_info_cold"))]
    rows = []
    for size in table_sizes:
        if size > stored:
            print(f"bench: storing {size} tokens for the latency table", flush=True)
            _top_up(ctx, stored, size)
            stored = size
        for mode, scenario in scenarios:
            if scenario.setup:
                scenario.setup(ctx)
            total = stored + int(ctx.extra.get("tokens_added", 0))
            print(f"bench: get_user_info ({mode}) with {total} tokens stored", flush=True)
            figures = drive(scenario)
            rows.append({"tokens_stored": total, "mode": mode, "rps": figures.rps,
                         "p50_ms": figures.p50_ms, "p99_ms": figures.p99_ms,
                         "errors": figures.errors})
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    """The table as text."""
    lines = [f"{'get_user_info with':<22}{'mode':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
             f"{'errors':>8}"]
    for row in rows:
        lines.append(f"{str(row['tokens_stored']) + ' tokens':<22}{row['mode']:>8}"
                     f"{row['rps']:>10.1f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}"
                     f"{row['errors']:>8}")
    return "\n".join(lines)
