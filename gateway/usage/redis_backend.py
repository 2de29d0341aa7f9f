"""Usage counters in Redis, shared by every process; `flush` moves them into the tables."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

CALLS, USERS, SHARES = "calls", "users", "shares"
SEP = "\x1f"  # unit separator: cannot appear in an API name or site we store


def add_call(client: Any, prefix: str, key: tuple[int, date, str, bool],
             user: tuple[int, date, int] | None) -> None:
    """HINCRBY the call counter (and SADD the active user) in one round trip."""
    app_id, day, api, ok = key
    pipe = client.pipeline(transaction=False)
    pipe.hincrby(prefix + CALLS, SEP.join((str(app_id), day.isoformat(), api, "1" if ok else "0")))
    if user is not None:
        pipe.sadd(prefix + USERS, SEP.join((str(user[0]), user[1].isoformat(), str(user[2]))))
    pipe.execute()


def add_share(client: Any, prefix: str, key: tuple[int, date, str, str]) -> None:
    """HINCRBY the share counter."""
    app_id, day, source, site = key
    client.hincrby(prefix + SHARES, SEP.join((str(app_id), day.isoformat(), source, site)))


def _claim(client: Any, prefix: str, name: str) -> str | None:
    """Atomically move a live key aside so new counts go to a fresh one while we write."""
    claimed = f"{prefix}flushing:{name}:{secrets.token_hex(8)}"
    try:
        client.rename(prefix + name, claimed)
    except Exception as exc:  # redis raises ResponseError "no such key" when nothing is counted
        if "no such key" in str(exc).lower():
            return None
        raise
    return claimed


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def flush(client: Any, prefix: str, write: Callable[..., int]) -> int:
    """Move every counter from Redis into the tables; keys are deleted only after the write."""
    claimed = {name: _claim(client, prefix, name) for name in (CALLS, USERS, SHARES)}
    calls: Counter[tuple[int, date, str, bool]] = Counter()
    users: set[tuple[int, date, int]] = set()
    shares: Counter[tuple[int, date, str, str]] = Counter()
    if claimed[CALLS]:
        for field, count in client.hgetall(claimed[CALLS]).items():
            app_id, day, api, ok = _text(field).split(SEP)
            calls[(int(app_id), date.fromisoformat(day), api, ok == "1")] += int(count)
    if claimed[USERS]:
        for member in client.smembers(claimed[USERS]):
            app_id, day, user_id = _text(member).split(SEP)
            users.add((int(app_id), date.fromisoformat(day), int(user_id)))
    if claimed[SHARES]:
        for field, count in client.hgetall(claimed[SHARES]).items():
            app_id, day, source, site = _text(field).split(SEP)
            shares[(int(app_id), date.fromisoformat(day), source, site)] += int(count)
    written = write(calls, users, shares) if (calls or users or shares) else 0
    keys = [k for k in claimed.values() if k]
    if keys:
        client.delete(*keys)
    return written
