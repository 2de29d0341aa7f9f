"""Download my data: asked for on the page, built by the worker, mailed, downloaded as a ZIP."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

from PIL import Image
from sqlalchemy import func, select

from gateway.extensions import db
from gateway.privacy.models import DataExport
from gateway.storage import ObjectMissing, get_storage
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.privacy.conftest import run


def _ask(client) -> object:
    token = csrf_from(client.get("/account/privacy").get_data(as_text=True))
    return client.post("/account/privacy/export", data={"csrf_token": token})


def _exports() -> list[DataExport]:
    db.session.expire_all()
    return list(db.session.scalars(select(DataExport).order_by(DataExport.id)))


def test_export_is_built_by_the_worker_mailed_and_holds_the_account(
        client, auth, person, smtp_server, send_mail) -> None:
    send_mail()  # the fixture's own mail (the order's receipt)
    before = len(smtp_server.received)
    assert auth.login(person.username).status_code == 302
    response = _ask(client)
    assert response.status_code == 302
    assert [e.status for e in _exports()] == ["pending"]  # nothing built on the request's path
    assert send_mail() == 0 and len(smtp_server.received) == before

    assert run("exports")["items"] == 1
    assert send_mail() == 1
    received = smtp_server.received[-1]
    assert received.rcpt_tos == [person.email]
    link = received.link("/account/privacy/export/")
    assert link.startswith("https://id.example.com/account/privacy/export/")
    assert link in received.html and "7 days" in received.text

    download = client.get(urlsplit(link).path)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    raw = download.get_data()
    archive = zipfile.ZipFile(io.BytesIO(raw))
    names = set(archive.namelist())
    assert {"README.txt", "profile.json", "apps.json", "security.json", "shares.json",
            "social.json", "albums.json", "wallet.json", "orders.json", "avatar.jpg"} <= names

    def read(name: str) -> dict:
        return json.loads(archive.read(name))

    profile = read("profile.json")
    assert profile["username"] == person.username and profile["email"] == person.email
    assert profile["nickname"] == "Wanderer" and profile["city"] == "Hangzhou"
    apps = read("apps.json")["authorizations"]
    assert [(a["appid"], a["openid"]) for a in apps] == [(person.appid,
                                                         person.shop.openid)]
    assert set(apps[0]["scopes"]) == {"get_user_info", "pay"}
    sessions = read("security.json")["sessions"]
    assert len(sessions) == 1 and sessions[0]["ended_at"] is None
    assert read("shares.json")["shares"][0]["comment"] == "see this"
    social = read("social.json")
    assert social["friends"] == ["pal"]
    assert [(g["name"], g["role"]) for g in social["groups"]] == [("Hikers", "member")]
    wallet = read("wallet.json")["accounts"]
    coins = next(a for a in wallet if a["kind"] == "coins")
    assert coins["balance"] == 70
    assert sorted(e["amount"] for e in coins["entries"]) == [-30, 100]
    orders = read("orders.json")["orders"]
    assert [(o["id"], o["amount"], o["status"], o["livemode"]) for o in orders] == [
        (person.order_id, 30, "paid", True)]
    albums = read("albums.json")["albums"]
    assert albums[0]["name"] == "Trips"
    photo_file = albums[0]["photos"][0]["file"]
    assert Image.open(io.BytesIO(archive.read(photo_file))).format == "JPEG"
    assert Image.open(io.BytesIO(archive.read("avatar.jpg"))).format == "JPEG"
    assert "developer.json" not in names  # not a developer

    # No secret of any kind: password hash, token digests, the access token itself.
    everything = b"".join(archive.read(n) for n in names if n.endswith(".json"))
    from gateway.accounts.models import User

    stored_hash = db.session.get(User, person.user_id).password_hash
    assert b"$argon2" not in everything and b"password_hash" not in everything
    assert b"digest" not in everything and person.access_token.encode() not in everything
    assert stored_hash.encode() not in everything


def test_a_developer_gets_their_apps_without_keys_or_secrets(client, auth, person,
                                                              send_mail) -> None:
    from gateway.accounts.models import User
    from gateway.apps.models import App

    developer = db.session.get(User, person.shop.developer_id)
    app = db.session.scalar(select(App).where(App.appid == person.appid))
    app.webhook_secret = "whsec-should-never-leave"
    db.session.commit()
    auth.login(developer.username)
    _ask(client)
    run("exports")
    export = _exports()[0]
    archive = zipfile.ZipFile(io.BytesIO(get_storage().read(export.storage_key)))
    data = json.loads(archive.read("developer.json"))
    assert [a["appid"] for a in data["apps"]] == [app.appid]
    assert "pay" in data["apps"][0]["scopes"]
    blob = archive.read("developer.json")
    assert b"whsec-should-never-leave" not in blob and b"appkey" not in blob
    assert person.shop.appkey.encode() not in blob


def test_one_export_at_a_time_and_a_few_a_day(client, auth, person) -> None:
    auth.login(person.username)
    assert _ask(client).status_code == 302
    refused = _ask(client)
    assert refused.status_code == 409
    assert "already being prepared" in refused.get_data(as_text=True)
    assert len(_exports()) == 1
    run("exports")
    assert _ask(client).status_code == 302
    run("exports")
    assert _ask(client).status_code == 302
    run("exports")
    too_many = _ask(client)
    assert too_many.status_code == 429 and "try again tomorrow" in too_many.get_data(as_text=True)
    assert [e.status for e in _exports()] == ["ready"] * 3


def test_the_link_is_for_its_account_only_and_expires(client, auth, person, factory) -> None:
    other = factory.user("mallory")
    auth.login(person.username)
    _ask(client)
    run("exports")
    export = _exports()[0]
    from gateway.privacy.exports import link_token

    path = f"/account/privacy/export/{link_token(export)}"
    auth.logout()
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")
    auth.login(other.username)
    stolen = client.get(path)
    assert stolen.status_code == 404 and stolen.mimetype == "text/html"
    assert b"PK" not in stolen.get_data()[:4]
    auth.logout()

    auth.login(person.username)
    assert client.get(path).status_code == 200
    assert client.get(path[:-3] + "abc").status_code == 404  # tampered signature
    export = _exports()[0]
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 404


def test_asking_needs_csrf_and_a_login(client, auth, person) -> None:
    assert client.post("/account/privacy/export").status_code in (302, 400)
    auth.login(person.username)
    assert client.post("/account/privacy/export", data={}).status_code == 400
    assert _exports() == []


def test_expired_exports_are_removed_by_the_purge_job(client, auth, person) -> None:
    auth.login(person.username)
    _ask(client)
    run("exports")
    export = _exports()[0]
    key = export.storage_key
    assert get_storage().size(key) == export.size_bytes > 0
    assert run("export_purge")["items"] == 0  # still valid
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert run("export_purge")["items"] == 1
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0
    try:
        get_storage().size(key)
    except ObjectMissing:
        pass
    else:
        raise AssertionError("the expired ZIP is still stored")


def test_two_racing_requests_still_make_one_export(client, auth, person, monkeypatch) -> None:
    from gateway.privacy import exports

    auth.login(person.username)
    assert _ask(client).status_code == 302
    # The second request's check ran before the first committed: the database refuses it.
    monkeypatch.setattr(exports, "in_progress", lambda user_id: None)
    refused = _ask(client)
    assert refused.status_code == 409
    assert [e.status for e in _exports()] == ["pending"]
