"""JSON log lines: request id on every line, one access line per request, no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from gateway.observability import logs
from gateway.observability.scrub import scrub_headers, scrub_text, scrub_url


@pytest.fixture
def log_stream(app) -> Iterator[io.StringIO]:
    """What the platform's handler writes during the test."""
    stream = io.StringIO()
    handler = logs.handler()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_access_line_is_json_with_request_id_status_and_duration(client, log_stream):
    response = client.get("/healthz", headers={"X-Request-ID": "req-abcdef12"})
    assert response.headers["X-Request-ID"] == "req-abcdef12"
    access = [line for line in _lines(log_stream) if line["logger"] == "gateway.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-abcdef12"
    assert line["method"] == "GET" and line["path"] == "/healthz"
    assert line["status"] == 200 and line["endpoint"] == "health.healthz"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and "time" in line


def test_every_line_of_a_request_carries_its_id(app, client, log_stream):
    @app.get("/_test/log")
    def _log_something():
        logging.getLogger("gateway.test").warning("inside the view")
        return "ok"

    response = client.get("/_test/log")
    request_id = response.headers["X-Request-ID"]
    lines = _lines(log_stream)
    assert {line["logger"] for line in lines} == {"gateway.test", "gateway.access"}
    assert all(line["request_id"] == request_id for line in lines)


def test_tokens_in_query_and_message_are_scrubbed(app, client, log_stream):
    @app.get("/_test/echo")
    def _echo():
        logging.getLogger("gateway.test").info("called with %s", "access_token=SECRETA1")
        return "ok"

    client.get("/_test/echo?access_token=SECRETA1&refresh_token=SECRETR2&code=SECRETC3"
               "&client_secret=SECRETS4&password=SECRETP5&state=keepme",
               headers={"Authorization": "Bearer SECRETB6"})
    text = log_stream.getvalue()
    for secret in ("SECRETA1", "SECRETR2", "SECRETC3", "SECRETS4", "SECRETP5", "SECRETB6"):
        assert secret not in text
    access = [line for line in _lines(log_stream) if line["logger"] == "gateway.access"][0]
    assert "state=keepme" in access["query"] and "access_token=%5BREDACTED%5D" in access[
        "query"].replace("[REDACTED]", "%5BREDACTED%5D")


def test_login_form_password_never_logged(auth, factory, log_stream):
    factory.user("alice", "alice-password")
    auth.login("alice", "wrong-secret-pw")
    assert "wrong-secret-pw" not in log_stream.getvalue()
    assert "alice-password" not in log_stream.getvalue()


def test_scrub_helpers():
    assert scrub_url("https://x.test/cb?code=abc&state=s#access_token=t1&x=1") == (
        "https://x.test/cb?code=[REDACTED]&state=s#access_token=[REDACTED]&x=1")
    assert scrub_url("https://user:pw@h.test/p") == "https://[REDACTED]@h.test/p"
    assert scrub_headers({"Authorization": "Bearer t", "Accept": "x"}) == {
        "Authorization": "[REDACTED]", "Accept": "x"}
    assert "t0ken" not in scrub_text('{"refresh_token": "t0ken", "authorization": "Basic t0ken"}')
    assert scrub_text("client_secret=abc&grant_type=x") == (
        "client_secret=[REDACTED]&grant_type=x")


@pytest.mark.parametrize("app_config", [{"ZC_LOG_FORMAT": "text"}])
def test_text_format_for_humans(client, log_stream):
    client.get("/healthz", headers={"X-Request-ID": "req-texttext"})
    assert "[req-texttext] gateway.access: GET /healthz 200" in log_stream.getvalue()


def test_tracebacks_scrubbed_and_bad_format_args_harmless(app, client, log_stream):
    @app.get("/_test/boom")
    def _boom():
        logging.getLogger("gateway.test").info("two args %s %s", "only-one")
        raise RuntimeError("fetch failed: https://x.test/cb?access_token=SECRETT7")

    assert client.get("/_test/boom").status_code == 500
    text = log_stream.getvalue()
    assert "SECRETT7" not in text and "RuntimeError" in text and "only-one" in text
    assert all(line["request_id"] for line in _lines(log_stream))
