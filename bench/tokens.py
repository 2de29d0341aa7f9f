"""Seeding N tokens for `--tokens`: a hook the OAuth provider's models satisfy.

The harness calls the function named by ZC_BENCH_TOKEN_SEEDER (default
`bench.token_seeder:seed_tokens`) inside an app context bound to the bench database:

    seed_tokens(*, app_id: int, appid: str, user_ids: list[int], count: int, sample: int)
        -> list[str]

It stores `count` access tokens (digests only, as the platform does) spread over `user_ids` for
the app, using `bulk_insert` below (COPY on PostgreSQL, multi-row INSERT elsewhere), and returns
`sample` of their plaintext values for the scenarios to send.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

DEFAULT_SEEDER = "bench.token_seeder:seed_tokens"
BATCH = 5000


class SeederMissing(RuntimeError):
    """No token seeder can be imported yet."""


def seeder() -> Callable[..., list[str]]:
    """The token seeding function, or SeederMissing saying what to provide."""
    target = os.environ.get("ZC_BENCH_TOKEN_SEEDER", DEFAULT_SEEDER)
    module_name, _, attr = target.partition(":")
    try:
        function: Callable[..., list[str]] = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SeederMissing(
            f"--tokens needs {target} (seed_tokens(*, app_id, appid, user_ids, count, sample)"
            " -> sample plaintext tokens), which the OAuth provider provides; see bench/tokens.py"
        ) from exc
    return function


def bulk_insert(connection: sa.Connection, table: sa.Table, columns: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, batched multi-row INSERT otherwise."""
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        count = 0
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    count, batch = 0, []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= BATCH:
            connection.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count
