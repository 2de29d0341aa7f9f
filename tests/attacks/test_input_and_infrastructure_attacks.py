"""Malformed bodies of every shape, upload bombs, and what an attacker tries next: cache
poisoning through X-Forwarded-*, appkey timing, session cookies shared by the Demo Site and the
platform on one host, throttles on every typed secret."""

from __future__ import annotations

import hmac
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from gateway.apps import services as apps
from tests.attacks.conftest import INTERNALS
from tests.conftest import csrf_from
from tests.money_helpers import make_shop

MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("/login", {"data": {"username": (io.BytesIO(b"a"), "a")},
                "content_type": "multipart/form-data"}),
    ("/signup", {"data": {"password": (io.BytesIO(b"a"), "a")},
                 "content_type": "multipart/form-data"}),
    ("/login", {"data": b"\xff\xfe\x00", "content_type": "application/x-www-form-urlencoded"}),
    ("/login", {"data": "[" * 100000, "content_type": "application/json"}),
    ("/login", {"data": '{"username": {"a": 1}}', "content_type": "application/json"}),
    ("/oauth2/token", {"data": {"grant_type": "authorization_code\x00", "code": "x" * 5000}}),
    ("/oauth2/token", {"data": {"grant_type": ["a", "b"]}}),
    ("/oauth2.0/token", {"data": "{" * 50000, "content_type": "text/plain"}),
    ("/oauth2/introspect", {"data": {"token": "\x00" + "t" * 10000}}),
]


def test_malformed_bodies_get_a_clear_4xx_never_a_500(client: FlaskClient) -> None:
    for path, kwargs in MALFORMED:
        response = client.post(path, **kwargs)
        assert response.status_code < 500, (path, kwargs)
        assert not INTERNALS.search(response.get_data(as_text=True)), path


def test_hostile_json_to_the_orders_api_and_its_digest(client: FlaskClient, factory) -> None:
    shop = make_shop(factory)
    for body in ("[" * 100000, '{"a":' * 1000 + "1" + "}" * 1000,
                 '{"openid": "' + "x" * 2_000_000 + '"}'):
        for extra in ({}, {"Idempotency-Key": "k"}):
            response = client.post("/api/v1/payments/orders", data=body,
                                   headers={**shop.headers, **extra,
                                            "Content-Type": "application/json"})
            assert 400 <= response.status_code < 500, (body[:20], extra)


def test_bad_basic_credentials_and_non_utf8_queries_are_4xx(client: FlaskClient) -> None:
    assert client.post("/oauth2/token", headers={"Authorization": "Basic //79"},
                       data={"grant_type": "client_credentials"}).status_code == 401
    assert client.get("/login?next=%ff%fe").status_code == 200


def _avatar(client: FlaskClient, data: bytes) -> Any:
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    return client.post("/account/avatar", data={"csrf_token": token,
                                                "avatar": (io.BytesIO(data), "a.png")},
                       content_type="multipart/form-data")


def test_upload_bombs_are_refused_from_their_header(client: FlaskClient, auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    for size in ((5000, 5000), (100_000, 100), (30_000, 30_000)):
        out = io.BytesIO()
        Image.new("1", (min(size[0], 6000), min(size[1], 6000))).save(out, "PNG")
        data = bytearray(out.getvalue())
        data[16:24] = size[0].to_bytes(4, "big") + size[1].to_bytes(4, "big")  # IHDR w, h
        response = _avatar(client, bytes(data))
        assert response.status_code == 400, size
        assert not INTERNALS.search(response.get_data(as_text=True)), size


def test_not_an_image_is_refused(client: FlaskClient, auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    assert _avatar(client, b"<svg onload=alert(1)>").status_code == 400


@pytest.mark.parametrize("trusted", [0, 1])
def test_cache_poisoning_through_forwarded_headers_changes_no_public_url(
        app: Flask, database_url: str, trusted: int) -> None:
    from gateway import create_app
    from tests.conftest import BASE_CONFIG

    poisoned = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                           "ZC_PUBLIC_URL": "https://zc.example", "ZC_TRUSTED_PROXIES": trusted})
    client = poisoned.test_client()
    response = client.get("/.well-known/openid-configuration", headers={
        "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http",
        "X-Forwarded-For": "1.2.3.4", "Host": "evil.example"})
    assert "evil" not in response.get_data(as_text=True)
    assert response.get_json()["issuer"] == "https://zc.example"


def test_appkey_comparison_is_on_equal_length_digests_in_constant_time(monkeypatch,
                                                                        factory) -> None:
    """Timing: the presented appkey is hashed first and compared with hmac.compare_digest, so
    the time taken says nothing about how many leading characters were right."""
    shop = make_shop(factory)
    seen: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        seen.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    stored = shop.app.appkey_digest
    assert apps.appkey_matches(shop.appkey, stored, None, None)
    assert not apps.appkey_matches(shop.appkey[:-1] + "0", stored, None, None)
    assert not apps.appkey_matches("A", stored, None, None)
    assert seen and all(a == b == 64 for a, b in seen)


def test_demo_site_and_platform_cookies_on_one_host_do_not_collide(app: Flask) -> None:
    """Both run on 127.0.0.1 under `make run` (ports do not separate cookies): the names differ,
    and the platform's is HttpOnly and SameSite, so the Demo Site's pages cannot read or ride it.
    In production they live on different hosts."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "demo_site"))
    try:
        import demo_site
    finally:
        sys.path.pop(0)
    site = demo_site.create_app({"ZONECONNECT_APP_ID": "101000001",
                                 "ZONECONNECT_APP_KEY": "0" * 32})
    assert site.config["SESSION_COOKIE_NAME"] != app.config["SESSION_COOKIE_NAME"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
