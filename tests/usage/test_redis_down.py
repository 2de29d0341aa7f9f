"""A Redis outage never fails the call being counted; the flush job reports it."""

from __future__ import annotations

import pytest
import redis

from gateway.usage import recorder


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens on port 1


def test_recording_survives_a_redis_outage(app, caplog) -> None:
    recorder.record_call(1, "get_user_info", 2, True)
    recorder.record_share(1, "x.example", "api")
    assert "usage recording failed" in caplog.text
    with pytest.raises(redis.ConnectionError):
        recorder.flush()
    app.extensions["zc_usage_redis"].close()
