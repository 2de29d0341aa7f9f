"""The consent page shows the app's icon only when one was uploaded (no broken image request)."""

from __future__ import annotations

import io

from PIL import Image

from gateway.apps.services import create_app
from gateway.developers.services import set_icon
from gateway.extensions import db


def consent_html(client, auth, app) -> str:
    auth.login("alice", "alice-password")
    return client.get("/oauth2.0/authorize", query_string={
        "response_type": "code", "client_id": app.appid,
        "redirect_uri": "https://s.example/cb", "state": "s"}).get_data(as_text=True)


def test_consent_shows_initial_without_icon_and_icon_with_one(client, auth, factory):
    devon = factory.user("devon")
    factory.user("alice", "alice-password")
    site, _ = create_app(devon, name="kite", redirect_uris=["https://s.example/cb"], live=True)
    db.session.commit()
    html = consent_html(client, auth, site)
    assert '<span class="app-icon app-initial" aria-hidden="true">K</span>' in html
    assert "/developer/icons/" not in html
    png = io.BytesIO()
    Image.new("RGB", (80, 80), (10, 120, 200)).save(png, "PNG")
    set_icon(site, devon, png.getvalue())
    db.session.commit()
    html = client.get("/oauth2.0/authorize", query_string={
        "response_type": "code", "client_id": site.appid,
        "redirect_uri": "https://s.example/cb", "state": "s"}).get_data(as_text=True)
    assert f"/developer/icons/{site.appid}/64" in html
