"""examples/demo_site over HTTP: its webhook receiver with real platform signatures, its forms'
CSRF check, and the SDK blueprint's answer when the user refuses consent."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from sqlalchemy import select

from gateway.apps.models import App
from gateway.extensions import db
from gateway.outbox.signing import sign
from tests.sdk_integration.conftest import ALICE_PASSWORD
from tests.sdk_integration.live import LiveServer, serve

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "demo_site"))
import demo_site  # noqa: E402

SECRET = "whsec-test-0123456789"


def site_app(**overrides: Any) -> Flask:
    config = {"ZONECONNECT_APP_ID": "101000001", "ZONECONNECT_APP_KEY": "K" * 32,
              "ZONECONNECT_WEBHOOK_SECRET": SECRET, "SECRET_KEY": "demo-test", "TESTING": True,
              **overrides}
    return demo_site.create_app(config)


def paid_event(order_id: str = "ord_1", event_id: str = "evt_1") -> bytes:
    order = {"order_id": order_id, "status": "paid", "amount": 60, "item_id": "sword-1",
             "item_name": "Wooden sword", "openid": "A" * 32, "confirm_url": None,
             "notify_url": None, "created_at": "2026-11-22T10:00:00Z",
             "paid_at": "2026-11-22T10:01:00Z", "refunded_at": None}
    return json.dumps({"id": event_id, "type": "order.paid", "created": int(time.time()),
                       "data": order}, separators=(",", ":")).encode()


def test_webhook_accepts_the_platforms_signature_once_per_event():
    site = site_app()
    client = site.test_client()
    body = paid_event()
    headers = {"ZoneConnect-Signature": sign(body, SECRET), "Content-Type": "application/json"}
    assert client.post("/webhooks/zoneconnect", data=body, headers=headers).status_code == 204
    assert client.post("/webhooks/zoneconnect", data=body, headers=headers).status_code == 204
    delivered = site.extensions["demo_deliveries"].get("ord_1")
    assert delivered == {"event": "order.paid", "status": "paid", "item_name": "Wooden sword",
                         "openid": "A" * 32}


@pytest.mark.parametrize("header", ["", "t=1,v1=00", "garbage", None])
def test_webhook_refuses_bad_or_stale_signatures(header):
    site = site_app()
    body = paid_event()
    if header is None:  # signed correctly, but ten minutes ago
        header = sign(body, SECRET, timestamp=int(time.time()) - 600)
    response = site.test_client().post("/webhooks/zoneconnect", data=body,
                                       headers={"ZoneConnect-Signature": header})
    assert response.status_code == 400
    assert site.extensions["demo_deliveries"].get("ord_1") is None


def test_webhook_refuses_a_body_signed_with_another_secret():
    body = paid_event()
    response = site_app().test_client().post(
        "/webhooks/zoneconnect", data=body,
        headers={"ZoneConnect-Signature": sign(body, "someone-else")})
    assert response.status_code == 400


def test_webhook_without_a_configured_secret_is_unavailable():
    body = paid_event()
    response = site_app(ZONECONNECT_WEBHOOK_SECRET="").test_client().post(
        "/webhooks/zoneconnect", data=body, headers={"ZoneConnect-Signature": sign(body, "")})
    assert response.status_code == 503


def test_forms_need_the_sites_csrf_token():
    client = site_app().test_client()
    assert client.post("/share", data={"title": "x"}).status_code == 400
    assert client.post("/buy", data={"csrf_token": "forged"}).status_code == 400


def test_home_page_offers_the_login_button():
    page = site_app().test_client().get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'href="/login?next=/"' in html
    assert "Log in with ZoneConnect" in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


_SITES: dict[str, Flask] = {}  # the Flask app behind each live Demo Site, by URL


def live_site_app(live: LiveServer) -> Flask:
    return _SITES[live.url]


@pytest.fixture
def live_site(app: Flask, platform) -> Iterator[LiveServer]:
    """The Demo Site served on loopback, registered on the platform as the test app's site."""
    holder: dict[str, Flask] = {}
    with serve(lambda environ, start: holder["app"](environ, start)) as live:
        registered = db.session.get(App, platform.app_pk)
        assert registered is not None
        registered.redirect_uris = [live.url + "/callback"]
        registered.post_logout_redirect_uris = [live.url + "/"]
        registered.backchannel_logout_uri = live.url + "/backchannel-logout"
        db.session.commit()
        holder["app"] = site_app(ZONECONNECT_APP_ID=platform.appid,
                                 ZONECONNECT_APP_KEY=platform.appkey,
                                 ZONECONNECT_BASE_URL=platform.url, DEMO_SITE_URL=live.url)
        _SITES[live.url] = holder["app"]
        yield live
        _SITES.pop(live.url, None)


def test_refusing_consent_shows_the_sites_cancel_page(live_site, browser):
    start = browser.get(live_site.url + "/login?next=/")
    assert start.status_code == 302
    callback = browser.authorize(start.headers["location"], "alice", ALICE_PASSWORD,
                                 live_site.url + "/callback", approve=False)
    assert callback["error"] == "access_denied"
    page = browser.get(live_site.url + "/callback?error=access_denied&state="
                       + callback["state"])
    assert page.status_code == 400 and "Login cancelled" in page.text
    assert "Log in with ZoneConnect" in browser.get(live_site.url + "/").text


def test_login_through_the_site_shows_the_nickname(live_site, browser):
    start = browser.get(live_site.url + "/login?next=/")
    callback = browser.authorize(start.headers["location"], "alice", ALICE_PASSWORD,
                                 live_site.url + "/callback")
    done = browser.http.get(live_site.url + "/callback", params=callback)
    assert done.status_code == 302 and done.headers["location"] == "/"
    home = browser.get(live_site.url + "/")
    assert '<span id="nickname">Alice</span>' in home.text


def test_platform_down_is_a_502_page_not_a_crash():
    client = site_app(ZONECONNECT_BASE_URL="http://127.0.0.1:9").test_client()
    page = client.get("/login?next=/")
    assert page.status_code == 502 and b"could not be reached" in page.data


def site_login(browser, live_site: LiveServer, username: str, password: str) -> str:
    """Log in on the Demo Site through the platform; the site's home page afterwards."""
    start = browser.get(live_site.url + "/login?next=/")
    callback = browser.authorize(start.headers["location"], username, password,
                                 live_site.url + "/callback")
    assert browser.http.get(live_site.url + "/callback", params=callback).status_code == 302
    return browser.get(live_site.url + "/").text


def test_next_user_in_the_same_browser_does_not_see_the_last_order(live_site, browser, factory,
                                                                   platform):
    factory.user("bob", password="bob-password", nickname="Bob")
    home = browser.get(live_site.url + "/")
    home_text = site_login(browser, live_site, "alice", ALICE_PASSWORD)
    page = browser.get(live_site.url + "/")
    bought = browser.submit(page, match=lambda f: f.action == "/buy")
    assert bought.status_code == 302 and "/pay/orders/ord_" in bought.headers["location"]
    order_id = bought.headers["location"].split("/pay/orders/")[1].split("/")[0]
    assert order_id in browser.get(live_site.url + "/").text
    browser.submit(browser.get(live_site.url + "/"), match=lambda f: f.action == "/logout")
    platform_home = browser.get(platform.url + "/")
    browser.submit(platform_home, match=lambda f: f.action.endswith("/logout"))
    bobs = site_login(browser, live_site, "bob", "bob-password")
    assert '<span id="nickname">Bob</span>' in bobs and order_id not in bobs
    assert home.status_code == 200 and "Alice" in home_text


def test_community_page_shows_authorized_members_and_albums(live_site, browser, platform,
                                                            factory):
    """The Demo Site lists a group that installed it, only members who use it, and albums."""
    import io

    from PIL import Image

    from gateway.albums import services as albums
    from gateway.apps.models import App
    from gateway.groupapps import services as group_apps
    from gateway.groups import services as groups

    quiet = factory.user("quietone", nickname="Never Authorized")
    club = groups.create_group(platform.alice_id, {"name": "Demo Club"})
    groups.add_member(club, quiet.id)
    group_apps.install(club, platform.alice_id, db.session.get(App, platform.app_pk))
    album = albums.create_album(platform.alice_id, {"name": "Shenzhen"})
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(picture, "PNG")
    picture.seek(0)
    albums.add_photo(album, platform.alice_id, picture)
    db.session.commit()
    start = browser.get(live_site.url + "/login?next=/community")
    callback = browser.authorize(start.headers["location"], "alice", ALICE_PASSWORD,
                                 live_site.url + "/callback")
    browser.http.get(live_site.url + "/callback", params=callback)
    page = browser.get(live_site.url + "/community").text
    assert "Demo Club" in page and "Alice" in page
    assert "Never Authorized" not in page
    assert "Shenzhen" in page and "1 photos" in page


def _signed_out_of_the_site(browser, live_site: LiveServer) -> bool:
    return "Log in with ZoneConnect" in browser.get(live_site.url + "/").text


def test_logging_out_of_the_demo_site_logs_out_of_zoneconnect(live_site, browser, platform):
    """The site's logout goes through the end-session endpoint with the login's id_token: the
    ZoneConnect session ends without a confirmation page, the browser comes back to the site,
    and the site's back-channel receiver accepts the logout token that follows."""
    from gateway.outbox import worker
    from gateway.outbox.models import OutboxMessage

    site_login(browser, live_site, "alice", ALICE_PASSWORD)
    out = browser.submit(browser.get(live_site.url + "/"), match=lambda f: f.action == "/logout")
    assert out.status_code == 302
    end_session = out.headers["location"]
    assert end_session.startswith(platform.url + "/oauth2/logout?")
    assert "id_token_hint=" in end_session
    back = browser.get(end_session)
    assert back.status_code == 302 and back.headers["location"] == live_site.url + "/"
    assert _signed_out_of_the_site(browser, live_site)
    assert "/login" in browser.get(platform.url + "/account/profile").headers["location"]
    assert worker.run_once() == 1
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "delivered" and message.url == live_site.url + "/backchannel-logout"
    assert [a.status_code for a in message.deliveries] == [200]


def test_logging_out_of_zoneconnect_signs_the_demo_site_out(live_site, browser, platform):
    """Logging out on the platform itself: the logout token reaches the Demo Site, which
    signs the user out on their next visit; a replay of that token is refused."""
    from gateway.outbox import worker

    received: list[Any] = []
    site = live_site_app(live_site)
    original = site.view_functions["zoneconnect.backchannel_logout"]

    def spy() -> Any:
        from flask import request

        received.append(request.form["logout_token"])
        return original()

    site.view_functions["zoneconnect.backchannel_logout"] = spy
    home = site_login(browser, live_site, "alice", ALICE_PASSWORD)
    assert '<span id="nickname">Alice</span>' in home
    browser.submit(browser.get(platform.url + "/"), match=lambda f: f.action.endswith("/logout"))
    assert '<span id="nickname">Alice</span>' in browser.get(live_site.url + "/").text
    assert worker.run_once() == 1
    assert _signed_out_of_the_site(browser, live_site)
    replay = httpx.post(live_site.url + "/backchannel-logout",
                        data={"logout_token": received[0]})
    assert replay.status_code == 400 and "jti" in replay.json()["error_description"]
