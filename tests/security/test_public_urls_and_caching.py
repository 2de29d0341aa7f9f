"""Public URLs come from configuration, not the Host header; what carries a credential or a
personal datum is never cached, and discovery and JWKS are cacheable for a short while."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.developer_portal.helpers import developer, post_form
from tests.developer_portal.test_manage_api import _bearer, _create_key
from tests.money_helpers import make_shop

EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_PUBLIC_URL": "https://zc.example"}


def test_discovery_ignores_a_forged_host(client: FlaskClient) -> None:
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        response = client.get(path, headers=EVIL)
        body = response.get_json()
        assert body["issuer"] == "https://zc.example"
        urls = [v for k, v in body.items() if k.endswith(("_endpoint", "_uri"))]
        assert urls and all(u.startswith("https://zc.example/") for u in urls)
        assert "evil" not in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "public, max-age=300"
    jwks = client.get("/.well-known/jwks.json", headers=EVIL)
    assert jwks.headers["Cache-Control"] == "public, max-age=300"


def test_confirm_urls_and_device_uris_ignore_a_forged_host(client: FlaskClient,
                                                          factory) -> None:
    shop = make_shop(factory)
    order = client.post("/api/v1/payments/orders", json=shop.order_body(),
                        headers={**shop.headers, **EVIL})
    assert order.get_json()["confirm_url"].startswith("https://zc.example/pay/orders/")
    assert order.headers["Cache-Control"] == "no-store"  # an order names a user's purchase
    from gateway.apps.services import create_app

    native, _ = create_app(factory.user("dev2"), name="TV App", live=True, app_type="native",
                           redirect_uris=["http://127.0.0.1/cb"])
    from gateway.extensions import db

    db.session.commit()
    started = client.post("/oauth2/device_authorization", headers=EVIL, base_url="https://evil.example",
                          data={"client_id": native.appid, "scope": "get_user_info"})
    assert started.status_code == 200, started.get_data(as_text=True)
    assert started.get_json()["verification_uri"] == "https://zc.example/device"
    assert started.headers["Cache-Control"] == "no-store"


def test_management_api_answers_with_an_appkey_are_not_stored(client: FlaskClient, auth,
                                                              factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Keyed")
    token = _create_key(client, "ci", "write")
    for method, path in (("post", f"/api/v1/manage/apps/{appid}/rotate-appkey"),
                         ("get", f"/api/v1/manage/apps/{appid}"), ("get", "/api/v1/manage/apps")):
        response = getattr(client, method)(path, headers=_bearer(token))
        assert response.status_code < 400, (path, response.status_code)
        assert response.headers["Cache-Control"] == "no-store", path


def test_pages_and_personal_json_are_not_stored(client: FlaskClient, auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    for path in ("/account/profile", "/wallet", "/login", "/account/apps"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    post_form(client, "/account/profile", "/logout", {})
