"""Counts reach the tables every N events, or after a request once the time threshold passed."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.extensions import db
from gateway.usage import recorder
from gateway.usage.models import ApiCallDaily


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"ZC_USAGE_FLUSH_EVERY": 3, "ZC_USAGE_FLUSH_SECONDS": 0}


def test_teardown_flushes_when_the_time_threshold_passed(app: Flask, client) -> None:
    with app.test_request_context("/"):
        recorder.record_call(1, "get_user_info", 2, True)
    db.session.expire_all()
    assert db.session.scalar(select(ApiCallDaily.ok_count)) == 1  # flushed at teardown
    recorder.record_call(1, "get_user_info", 2, True)
    client.get("/healthz")
    db.session.expire_all()
    assert db.session.scalar(select(ApiCallDaily.ok_count)) == 2


def _ok_counts() -> dict[tuple[int, str], tuple[int, int]]:
    db.session.expire_all()
    return {(r.app_id, r.api): (r.ok_count, r.error_count)
            for r in db.session.scalars(select(ApiCallDaily))}


def test_the_buffer_flushes_itself_every_n_events(app) -> None:
    recorder.record_call(1, "a", None, True)
    recorder.record_call(1, "a", None, True)
    assert _ok_counts() == {}
    recorder.record_call(1, "a", None, True)
    assert _ok_counts() == {(1, "a"): (3, 0)}
