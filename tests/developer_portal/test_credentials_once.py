"""Credential pages are post/redirect/get: the secret is shown once after the redirect, a refresh
shows it no more and repeats nothing (no second app, key or secret); duplicate names refused."""

from __future__ import annotations

from sqlalchemy import func, select

from gateway.apps.models import App
from gateway.developers.models import PersonalApiKey
from gateway.extensions import db
from gateway.security import reveal
from tests.developer_portal.helpers import APPKEY, developer, page, post_form, register_app


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_refreshing_the_registered_page_registers_nothing(client, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    appid, appkey = register_app(client, "Photo Share")
    again = page(client, f"/developer/apps/{appid}/credentials")  # the browser's refresh
    assert appkey not in again and 'id="already-shown"' in again
    assert _count(App) == 1
    stored = db.session.scalar(select(App).where(App.appid == appid))
    assert stored is not None and stored.webhook_secret not in again


def test_first_webhook_secret_is_on_the_registered_page(client, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    response = post_form(client, "/developer/apps/new", "/developer/apps/new", {
        "name": "Hooks", "category": "social", "app_type": "web",
        "redirect_uris": "https://hooks.example.com/cb"})
    assert response.status_code == 303
    shown = client.get(response.headers["Location"])
    html = shown.get_data(as_text=True)
    stored = db.session.scalar(select(App).where(App.name == "Hooks"))
    assert stored is not None and stored.webhook_secret in html
    assert APPKEY.search(html) and shown.headers["Cache-Control"] == "no-store"
    # The session cookie carried it between the two requests, encrypted, never in clear.
    assert stored.webhook_secret not in (shown.headers.get("Set-Cookie") or "")


def test_duplicate_app_names_are_refused(client, auth, factory) -> None:
    developer(client, auth, factory, "devon", "Photo Share")
    response = post_form(client, "/developer/apps/new", "/developer/apps/new", {
        "name": "Photo Share", "category": "social", "app_type": "web",
        "redirect_uris": "https://photos.example.com/callback"})
    assert response.status_code == 400
    assert "already have an app called" in response.get_data(as_text=True)
    assert _count(App) == 1
    # Another developer may use the name.
    auth.logout()
    developer(client, auth, factory, "erin", "Photo Share")
    assert _count(App) == 2


def test_rotations_are_shown_once(client, auth, factory) -> None:
    _, appid, appkey = developer(client, auth, factory, "devon", "Photo Share")
    rotated = post_form(client, f"/developer/apps/{appid}",
                        f"/developer/apps/{appid}/rotate-appkey", {})
    assert rotated.status_code == 303
    first = page(client, rotated.headers["Location"])
    match = APPKEY.search(first)
    assert match and match.group(1) != appkey
    assert match.group(1) not in page(client, rotated.headers["Location"])
    before = db.session.scalar(select(App.webhook_secret).where(App.appid == appid))
    rotated = post_form(client, f"/developer/apps/{appid}",
                        f"/developer/apps/{appid}/rotate-webhook-secret", {})
    assert rotated.status_code == 303
    secret = db.session.scalar(select(App.webhook_secret).where(App.appid == appid))
    assert secret != before and secret in page(client, rotated.headers["Location"])
    again = page(client, rotated.headers["Location"])
    assert secret not in again and 'id="already-shown"' in again


def test_api_key_page_shows_the_key_once(client, auth, factory) -> None:
    developer(client, auth, factory, "devon")
    response = post_form(client, "/developer/keys", "/developer/keys",
                         {"name": "deploy", "scope": "read"})
    assert response.status_code == 303
    assert "zcpat_" in page(client, response.headers["Location"])
    assert "zcpat_" not in page(client, response.headers["Location"])
    assert _count(PersonalApiKey) == 1


def test_another_developer_cannot_read_a_stashed_secret(client, auth, factory, app) -> None:
    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    auth.logout()
    developer(client, auth, factory, "erin")
    assert client.get(f"/developer/apps/{appid}/credentials").status_code == 404


def test_a_tampered_or_stale_stash_shows_nothing(app) -> None:
    with app.test_request_context():
        reveal.stash("appkey", "101", {"appkey": "K"})
        from flask import session

        session[reveal.SESSION_KEY]["token"] = "x" + session[reveal.SESSION_KEY]["token"][1:]
        assert reveal.take("appkey", "101") is None
        reveal.stash("appkey", "101", {"appkey": "K"})
        assert reveal.take("appkey", "102") is None  # another app's page takes nothing
        assert reveal.take("appkey", "101") == {"appkey": "K"}
        assert reveal.take("appkey", "101") is None


def test_rotated_webhook_secret_page_shows_the_standard_form_and_the_overlap(
        client, auth, factory) -> None:
    from gateway.outbox.signing import standard_secret
    from gateway.timeutil import isoformat

    _, appid, _ = developer(client, auth, factory, "devon", "Photo Share")
    before = db.session.scalar(select(App.webhook_secret).where(App.appid == appid))
    rotated = post_form(client, f"/developer/apps/{appid}",
                        f"/developer/apps/{appid}/rotate-webhook-secret", {})
    html = page(client, rotated.headers["Location"])
    db.session.expire_all()
    row = db.session.scalar(select(App).where(App.appid == appid))
    assert row.previous_webhook_secret == before
    shown = standard_secret(row.webhook_secret)
    assert f'<code id="webhook-secret-standard">{shown}</code>' in html
    assert isoformat(row.previous_webhook_secret_expires_at) in html
