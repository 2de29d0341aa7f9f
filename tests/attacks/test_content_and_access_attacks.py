"""Stored XSS in every field shown anywhere; cross-developer and cross-app access; consent-page
phishing through app names that pass for the platform."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import csrf_from
from tests.developer_portal.helpers import developer, post_form, register_app
from tests.developer_portal.test_manage_api import _bearer, _create_key
from tests.money_helpers import make_shop

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def _assert_inert(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html, where


def test_stored_xss_in_profile_and_app_fields_is_escaped_everywhere(client: FlaskClient, auth,
                                                                    factory) -> None:
    factory.user("alice", is_admin=True)
    auth.login("alice")
    response = post_form(client, "/account/profile", "/account/profile", {
        "nickname": XSS[:32], "province": XSS, "city": XSS, "gender": "",
        "feed_visibility": "public"})
    assert response.status_code in {302, 400}
    from tests.developer_portal.helpers import open_profile

    open_profile(client, name=XSS[:64], email="x@example.com")
    appid, _ = register_app(client, "Shop " + XSS[:40], description=XSS,
                            website="https://shop.example/?q=" + XSS[:20])
    for path in ("/account/profile", "/space/alice", "/developer/", f"/developer/apps/{appid}",
                 f"/developer/apps/{appid}/edit", "/admin/apps", f"/admin/apps/{appid}",
                 "/admin/audit", "/account/apps"):
        page = client.get(path)
        assert page.status_code in {200, 302, 403, 404}, path
        _assert_inert(page.get_data(as_text=True), path)


def test_xss_in_an_order_item_name_is_escaped_on_the_payment_page(client: FlaskClient, auth,
                                                                  factory) -> None:
    shop = make_shop(factory, coins=100)
    order = client.post("/api/v1/payments/orders", json=shop.order_body(item_name=XSS[:128]),
                        headers=shop.headers).get_json()
    auth.login(shop.username)
    _assert_inert(client.get(f"/pay/orders/{order['order_id']}/confirm").get_data(as_text=True),
                  "pay page")


def test_a_javascript_website_is_never_a_link(client: FlaskClient, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    token = csrf_from(client.get("/developer/apps/new").get_data(as_text=True))
    response = client.post("/developer/apps/new", data={
        "name": "Linky", "category": "social", "app_type": "web", "csrf_token": token,
        "redirect_uris": "https://a.example/cb", "website": "javascript:alert(1)"})
    assert response.status_code == 400


def test_another_developers_app_pages_and_api_do_not_exist_for_you(client: FlaskClient, auth,
                                                                   factory) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Devon's App")
    auth.logout()
    developer(client, auth, factory, "mallory")
    token = _create_key(client, "m", "write")
    for path in (f"/developer/apps/{appid}", f"/developer/apps/{appid}/edit",
                 f"/developer/apps/{appid}/deliveries", f"/developer/apps/{appid}/stats",
                 f"/developer/apps/{appid}/credentials", f"/developer/apps/{appid}/auth-events"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/api/v1/manage/apps/{appid}", headers=_bearer(token)).status_code == 404
    patched = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(token),
                           json={"deauthorize_url": "https://mallory.example/hook"})
    assert patched.status_code == 404
    rotated = client.post(f"/api/v1/manage/apps/{appid}/rotate-appkey", headers=_bearer(token))
    assert rotated.status_code == 404


def test_one_apps_credentials_cannot_touch_another_apps_orders_or_users(client: FlaskClient,
                                                                        factory) -> None:
    shop, other = make_shop(factory, coins=100), make_shop(factory)
    order = client.post("/api/v1/payments/orders", json=shop.order_body(),
                        headers=shop.headers).get_json()
    assert client.get(f"/api/v1/payments/orders/{order['order_id']}",
                      headers=other.headers).status_code == 404
    assert client.post(f"/api/v1/payments/orders/{order['order_id']}/refund",
                       headers=other.headers).status_code == 404
    # shop's openid means nothing to the other app (openids are per app)
    foreign = client.post("/api/v1/payments/orders", json=other.order_body() | {
        "openid": shop.openid}, headers=other.headers)
    assert foreign.status_code in {403, 404}


def test_consent_phishing_app_names_imitating_the_platform_are_refused(
        client: FlaskClient, auth, factory) -> None:
    """Found by this suite: any name was accepted, so a consent page could read "ZoneConnect
    安全中心 wants to access your account"."""
    _, appid, _ = developer(client, auth, factory, "devon", "Honest App")
    api = _create_key(client, "k", "write")
    for name in ("ZoneConnect", "ZoneConnect 安全中心", "Zone Connect Login", "Z0neC0nnect",
                 "ＺｏｎｅＣｏｎｎｅｃｔ", "zone-connect official", "Zоnecоnnect"):
        token = csrf_from(client.get("/developer/apps/new").get_data(as_text=True))
        created = client.post("/developer/apps/new", data={
            "name": name, "category": "social", "app_type": "web", "csrf_token": token,
            "redirect_uris": "https://a.example/cb"})
        assert created.status_code == 400, name
        assert "imitate the platform" in created.get_data(as_text=True), name
        renamed = client.patch(f"/api/v1/manage/apps/{appid}", headers=_bearer(api),
                               json={"name": name})
        assert renamed.status_code == 422, name
