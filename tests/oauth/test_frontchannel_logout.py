"""OIDC Front-Channel Logout 1.0 through real requests: the page that ends the browser's
ZoneConnect session frames the front-channel logout URI of each app this session signed in to
(with iss and sid when the app asks for them), and its CSP allows exactly those origins."""

from __future__ import annotations

import html
import re
from contextlib import closing
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt

from gateway.apps.services import create_app
from gateway.extensions import db
from tests.oauth.test_backchannel_logout import _keyset, _logged_in, _sign_in
from tests.oauth.test_oidc_flow import BASE, CSRF

FRONT = "https://site.example/frontchannel?from=zc"
OTHER_FRONT = "https://other.example:8443/fc"
LOGGED_OUT = "https://site.example/logged-out"
IFRAME = re.compile(r'<iframe[^>]* src="([^"]+)"')


@pytest.fixture
def discovery(app: Any) -> dict[str, Any]:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE) as anonymous:
        return anonymous.get("/.well-known/openid-configuration").json()


@pytest.fixture
def fc_world(world: Any) -> Any:
    world.web.frontchannel_logout_uri = FRONT
    world.web.frontchannel_logout_session_required = True
    world.web.post_logout_redirect_uris = [LOGGED_OUT]
    db.session.commit()
    return world


def _frames(page: httpx.Response) -> list[str]:
    return [html.unescape(src) for src in IFRAME.findall(page.text)]


def _frame_src(page: httpx.Response) -> list[str]:
    policy = page.headers["Content-Security-Policy"]
    found = [d.split()[1:] for d in policy.split("; ") if d.startswith("frame-src")]
    return found[0] if found else []


def test_discovery_advertises_front_channel_logout(discovery):
    assert discovery["frontchannel_logout_supported"] is True
    assert discovery["frontchannel_logout_session_supported"] is True


def test_logout_button_frames_the_apps_of_this_session(app, fc_world, discovery):
    world = fc_world
    other, other_key = create_app(world.developer, name="Other Site",
                                  redirect_uris=["https://site.example/callback"], live=True)
    other.frontchannel_logout_uri = OTHER_FRONT  # no sid asked for
    quiet, quiet_key = create_app(world.developer, name="Quiet Site",
                                  redirect_uris=["https://site.example/callback"], live=True)
    db.session.commit()
    browser, elsewhere = _logged_in(app), _logged_in(app)
    with closing(browser), closing(elsewhere):
        token = _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        _sign_in(app, browser, other.appid, other_key, discovery)
        _sign_in(app, browser, quiet.appid, quiet_key, discovery)
        sid = jwt.decode(token["id_token"], _keyset(app, discovery)).claims["sid"]
        page = browser.post("/logout", data={"csrf_token": CSRF.search(
            browser.get("/").text)[1]})
        assert page.status_code == 200 and page.text.count("<h1") == 1
        frames = _frames(page)
        assert len(frames) == 2 and OTHER_FRONT in frames
        [ours] = [f for f in frames if f.startswith("https://site.example/")]
        parts = urlsplit(ours)
        assert parts.path == "/frontchannel"
        assert parse_qs(parts.query) == {"from": ["zc"], "iss": [BASE], "sid": [sid]}
        assert sorted(_frame_src(page)) == ["https://other.example:8443", "https://site.example"]
        assert 'http-equiv="refresh"' in page.text and 'href="/"' in page.text
        assert "/login" in browser.get("/account/profile").headers["Location"]
        # A session that signed in to nothing frames nothing, and other pages frame nothing.
        plain = elsewhere.post("/logout", data={"csrf_token": CSRF.search(
            elsewhere.get("/").text)[1]})
        assert plain.status_code == 302
        assert "frame-src" not in elsewhere.get("/login").headers["Content-Security-Policy"]


def test_rp_initiated_logout_frames_then_returns_to_the_app(app, fc_world, discovery):
    world = fc_world
    browser = _logged_in(app)
    with closing(browser):
        token = _sign_in(app, browser, world.web.appid, world.web_key, discovery)
        page = browser.get(discovery["end_session_endpoint"], params={
            "id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s1"})
        assert page.status_code == 200
        [frame] = _frames(page)
        assert frame.startswith(FRONT + "&iss=")
        assert _frame_src(page) == ["https://site.example"]
        continue_url = LOGGED_OUT + "?state=s1"
        assert f'href="{continue_url}"' in page.text
        assert f'content="2;url={continue_url}"' in page.text
    # A session that signed in to no front-channel app is sent back at once, as before.
    again = _logged_in(app)
    with closing(again):
        world.web.frontchannel_logout_uri = ""
        db.session.commit()
        token = _sign_in(app, again, world.web.appid, world.web_key, discovery)
        plain = again.get(discovery["end_session_endpoint"], params={
            "id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGGED_OUT})
        assert plain.status_code == 302 and plain.headers["Location"] == LOGGED_OUT


def test_front_channel_uri_is_validated_in_the_portal(app, fc_world):
    from gateway.developers import services as developer_services
    from gateway.errors import ValidationFailed

    for bad in ("http://site.example/fc", "https://site.example/fc#frag", "javascript:alert(1)"):
        with pytest.raises(ValidationFailed):
            developer_services.update_app(fc_world.web, fc_world.developer,
                                          {"frontchannel_logout_uri": bad})
        db.session.rollback()
