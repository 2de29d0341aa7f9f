"""Every page and JSON endpoint sends the security headers, including routes added later."""

from __future__ import annotations

import pytest
from flask import Flask

# Pages with arguments, or only reachable in a state the walk does not produce.
KNOWN_PATHS = ["/avatars/nokey/100", "/no/such/page", "/static/style.css"]


def _get_routes_without_arguments(app: Flask) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or set()) and not rule.arguments and rule.endpoint != "static":
            paths.append(rule.rule)
    return sorted(set(paths))


def _check(response, path: str) -> None:
    headers = response.headers
    assert response.status_code < 500, f"{path} answered {response.status_code}"
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy"), path
    assert headers.get("X-Request-ID"), path
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
    if response.mimetype == "text/html":
        assert headers.get("X-Frame-Options") == "DENY", path
        assert headers.get("Cache-Control") == "no-store", path


def test_walk_finds_the_known_pages(app):
    paths = _get_routes_without_arguments(app)
    assert {"/", "/login", "/healthz", "/metrics"} <= set(paths)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_every_get_route_sends_security_headers(app, client, auth, factory, logged_in):
    if logged_in:
        factory.user("alice", "alice-password")
        assert auth.login("alice", "alice-password").status_code == 302
    paths = _get_routes_without_arguments(app) + KNOWN_PATHS
    for path in paths:
        _check(client.get(path), path)


def test_error_pages_and_json_errors_send_headers(client):
    for path, method in [("/login", "DELETE"), ("/healthz", "POST")]:
        _check(client.open(path, method=method), path)
    response = client.post("/login", data={})  # CSRF failure
    _check(response, "/login POST")
