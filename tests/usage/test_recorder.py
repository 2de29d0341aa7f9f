"""The usage recorder: no database write per call; batched upserts add up, even concurrently."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gateway.extensions import db
from gateway.timeutil import utcnow
from gateway.usage import recorder, store
from gateway.usage.models import ActiveUserDaily, ApiCallDaily, ShareDaily


def _calls() -> dict[tuple[int, str], tuple[int, int]]:
    db.session.expire_all()
    return {(r.app_id, r.api): (r.ok_count, r.error_count)
            for r in db.session.scalars(select(ApiCallDaily))}


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_calls_are_buffered_until_flushed_then_added_up(app) -> None:
    recorder.record_call(1, "get_user_info", 10, True)
    recorder.record_call(1, "get_user_info", 10, False)
    recorder.record_call(1, "add_share", 11, True)
    recorder.record_call(2, "get_user_info", None, True)
    assert _calls() == {} and _count(ActiveUserDaily) == 0  # nothing written on the hot path
    assert recorder.flush() == 5
    assert _calls() == {(1, "get_user_info"): (1, 1), (1, "add_share"): (1, 0),
                        (2, "get_user_info"): (1, 0)}
    recorder.record_call(1, "get_user_info", 10, True)
    recorder.record_call(1, "get_user_info", 12, True)
    recorder.flush()
    assert _calls()[(1, "get_user_info")] == (3, 1)
    users = set(db.session.execute(select(ActiveUserDaily.app_id, ActiveUserDaily.user_id)))
    assert users == {(1, 10), (1, 11), (1, 12)}
    assert recorder.flush() == 0


def test_shares_are_counted_by_app_site_and_source(app) -> None:
    recorder.record_share(3, "blog.example", "api")
    recorder.record_share(3, "blog.example", "api")
    recorder.record_share(None, None, "button")
    with pytest.raises(ValueError):
        recorder.record_share(3, "x", "email")
    recorder.flush()
    rows = {(r.app_id, r.site, r.source): r.count for r in db.session.scalars(select(ShareDaily))}
    assert rows == {(3, "blog.example", "api"): 2, (0, "", "button"): 1}


def test_concurrent_recording_loses_no_count(app) -> None:
    flask_app = app

    def work() -> None:
        with flask_app.app_context():
            for i in range(200):
                recorder.record_call(5, "get_user_info", i % 7, i % 10 != 0)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.flush()
    assert _calls() == {(5, "get_user_info"): (1440, 160)}
    assert _count(ActiveUserDaily) == 7


def test_concurrent_flushes_add_to_the_same_rows(app) -> None:
    """Several processes flushing the same keys at once: every count lands (ON CONFLICT)."""
    flask_app = app
    today = utcnow().date()
    errors: list[BaseException] = []

    def flush_batch() -> None:
        try:
            with flask_app.app_context():
                for _ in range(5):
                    store.write({(9, today, "x", True): 2, (9, today, "x", False): 1},
                                {(9, today, 1), (9, today, 2)}, {(9, today, "api", ""): 1})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=flush_batch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors and db.engine.dialect.name == "sqlite":
        pytest.skip(f"SQLite serialises writers: {errors[0]}")
    assert not errors
    assert _calls() == {(9, "x"): (40, 20)}
    assert db.session.scalar(select(ShareDaily.count)) == 20
    assert _count(ActiveUserDaily) == 2


def test_a_failed_flush_keeps_the_counts(app, monkeypatch) -> None:
    recorder.record_call(1, "a", None, True)

    def broken(*args: object) -> int:
        raise RuntimeError("database down")

    monkeypatch.setattr(store, "write", broken)
    with pytest.raises(RuntimeError):
        recorder.flush()
    monkeypatch.undo()
    recorder.flush()
    assert _calls() == {(1, "a"): (1, 0)}


def test_the_cli_flushes(app, runner) -> None:
    recorder.record_call(4, "a", 1, True)
    result = runner.invoke(args=["usage", "flush"])
    assert result.exit_code == 0 and '"rows": 2' in result.output
    assert _calls() == {(4, "a"): (1, 0)}


def test_day_boundaries_use_utc_days(app) -> None:
    yesterday = utcnow().date() - timedelta(days=1)
    store.write({(1, yesterday, "a", True): 4}, set(), {})
    assert db.session.scalar(select(ApiCallDaily.day)) == yesterday
    assert isinstance(yesterday, date)


def test_a_timer_thread_and_an_exit_hook_flush_outside_tests(app, monkeypatch) -> None:
    import atexit
    import time

    exit_hooks: list = []
    monkeypatch.setattr(atexit, "register", exit_hooks.append)
    memory = app.extensions["zc_usage"]
    memory.background, memory.flush_seconds = True, 0.5
    recorder.record_call(6, "a", None, True)
    deadline = time.monotonic() + 5
    while not _calls() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _calls() == {(6, "a"): (1, 0)}  # no request, no explicit flush: the thread did it
    memory.flush_seconds = 3600  # the thread sleeps now; the exit hook does the last flush
    time.sleep(0.6)
    recorder.record_call(6, "a", None, True)
    assert len(exit_hooks) == 1
    exit_hooks[0]()
    assert _calls() == {(6, "a"): (2, 0)}
