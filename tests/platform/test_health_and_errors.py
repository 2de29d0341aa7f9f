"""Probes, error rendering and the headers every response carries."""

from __future__ import annotations

import pytest


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_database(client):
    body = client.get("/readyz").get_json()
    assert body["checks"]["database"] == "ok" and body["status"] == "ok"


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_readyz_reports_unreachable_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == "unavailable"


def test_unknown_page_is_a_clear_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "not_found" in response.get_data(as_text=True)


def test_api_paths_answer_json_errors_with_request_id(client):
    response = client.get("/api/v1/nothing-here", headers={"X-Request-ID": "abcdef123456"})
    body = response.get_json()
    assert response.status_code == 404
    assert body["error"] == "not_found" and body["request_id"] == "abcdef123456"
    assert response.headers["X-Request-ID"] == "abcdef123456"


def test_bogus_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"


def test_security_headers_on_pages(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_unexpected_errors_leak_nothing(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret database password in here")

    response = client.get("/boom-for-test", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert response.get_json()["error"] == "server_error"


def test_non_utf8_form_input_is_a_4xx(client):
    response = client.post("/login", data=b"username=\xff\xfe&password=\xc3\x28",
                           content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.delete("/api/v1/openapi.json")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["error"] == "method_not_allowed"
