"""PostgreSQL advisory locks, so several workers can run the same schedule."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from gateway.extensions import db


def lock_key(name: str) -> int:
    """A stable 64-bit key per job name (the same on every machine)."""
    return 0x5A43_0000_0000 | zlib.crc32(f"zc-job:{name}".encode())


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Yield True while this process holds the job's lock, False when another worker has it.

    The lock lives on its own connection: jobs commit (and so release the session's connection)
    many times. A worker that dies loses its connection, and with it the lock. SQLite (one
    development process) has no such lock: it yields True.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    with engine.connect() as conn:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        conn.commit()  # hold no transaction open beside the lock
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
