"""Memory under many token checks: a worker's RSS after 1,000 checks and after 1,000,000.

    .venv/bin/python -m bench.memory [--checks 1000000] [--tokens 200000] [--database-url URL]

Builds the production app on a scratch PostgreSQL database (`zc_bench_memory`, dropped and
recreated), seeds `--tokens` distinct access tokens through the bench's seeder, then checks
tokens drawn at random from them with `authenticate_access_token` (the token check every API call
makes: the store's access-check and client-facts caches, the NOTIFY feed) in this one process,
printing the resident set size (VmRSS) after 1,000, 10,000, 100,000 and every further 10x up to
`--checks`. With more distinct tokens than `ZC_TOKEN_CACHE_SIZE` (30,000 by default), the cache
fills to its bound and evicts, so a bound that does not hold shows as a rising RSS. Cached checks
are kept for an hour here (`ZC_TOKEN_CACHE_TTL=3600`; production keeps them 30 s, which only
makes them leave sooner): the worst case for memory.
"""

from __future__ import annotations

import argparse
import random
import secrets
import time
from pathlib import Path

from bench import database
from bench.scenarios import BenchContext
from bench.server import PRODUCTION_EXTRAS

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zc_bench_memory"


def rss_mib() -> float:
    """This process's resident set size, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv: list[str] | None = None) -> int:
    """Seed, check, report RSS at each power of ten."""
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--checks", type=int, default=1_000_000)
    parser.add_argument("--tokens", type=int, default=35_000)
    args = parser.parse_args(argv)
    from gateway import create_app
    from gateway.extensions import db
    from gateway.oauth.services import authenticate_access_token

    database.recreate(args.database_url)
    try:
        ctx = BenchContext(base_url="", database_url=args.database_url)
        print(f"bench.memory: seeding {args.tokens} tokens", flush=True)
        database.seed(ctx, users=50, tokens=args.tokens, sample=args.tokens)
        app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "ZC_ENV": "production",
                          "SECRET_KEY": secrets.token_hex(32), **PRODUCTION_EXTRAS,
                          "ZC_SMTP_URL": "smtp://127.0.0.1:25", "ZC_TOKEN_CACHE_TTL": 3600,
                          "ZC_PUBLIC_URL": "https://bench.invalid"})
        draw = random.Random(7).choice  # noqa: S311 - a load pattern, not a secret
        marks = {1_000 * 10 ** n for n in range(8)}
        print(f"{'checks':>10}{'RSS MiB':>10}{'s':>8}", flush=True)
        started, done = time.perf_counter(), 0
        while done < args.checks:
            with app.app_context():  # a request's worth of context, 1,000 checks at a time
                for _ in range(1_000):
                    authenticate_access_token(draw(ctx.tokens))
                db.session.remove()
            done += 1_000
            if done in marks or done == args.checks:
                print(f"{done:>10}{rss_mib():>10.1f}{time.perf_counter() - started:>8.0f}",
                      flush=True)
        with app.app_context():
            db.engine.dispose()
    finally:
        database.drop(args.database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
