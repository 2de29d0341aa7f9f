"""Shares over REST (/api/v1/shares) and legacy (/share/add_share): validation, isolation, usage."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from gateway.apps.services import create_app
from gateway.extensions import db
from gateway.shares.models import Share
from gateway.usage.models import ApiCallDaily, ShareDaily
from gateway.usage.recorder import flush
from tests.openapi.world import REDIRECT


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _share(client, token: str, **body: Any) -> Any:
    payload = {"title": "A page", "url": "https://news.example/a", **body}
    return client.post("/api/v1/shares", json=payload, headers=_bearer(token))


def test_create_list_delete(client, world) -> None:
    token = world.token().access_token
    created = _share(client, token, summary="Sum", comment="Nice", site="News",
                     images=["https://img.example/1.png"], fromurl="https://site.example/")
    assert created.status_code == 201
    body = created.get_json()
    assert body["id"].isdigit() and body["created_at"].endswith("Z")
    assert {k: body[k] for k in ("title", "url", "summary", "comment", "images", "site",
                                 "fromurl")} == {
        "title": "A page", "url": "https://news.example/a", "summary": "Sum",
        "comment": "Nice", "images": ["https://img.example/1.png"], "site": "News",
        "fromurl": "https://site.example/"}
    listed = client.get("/api/v1/shares", headers=_bearer(token)).get_json()
    assert listed == {"data": [body], "has_more": False}
    deleted = client.delete(f"/api/v1/shares/{body['id']}", headers=_bearer(token))
    assert deleted.status_code == 204 and deleted.data == b""
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Share)) == 0
    again = client.delete(f"/api/v1/shares/{body['id']}", headers=_bearer(token))
    assert again.status_code == 404 and again.get_json()["error"] == "not_found"


def test_site_defaults_to_the_url_host(client, world) -> None:
    token = world.token().access_token
    assert _share(client, token).get_json()["site"] == "news.example"


def test_cursor_pagination(client, world) -> None:
    token = world.token().access_token
    ids = [_share(client, token, title=f"t{i}").get_json()["id"] for i in range(5)]
    page1 = client.get("/api/v1/shares?limit=2", headers=_bearer(token)).get_json()
    assert [s["id"] for s in page1["data"]] == ids[::-1][:2] and page1["has_more"] is True
    page2 = client.get(f"/api/v1/shares?limit=2&before={page1['data'][-1]['id']}",
                       headers=_bearer(token)).get_json()
    assert [s["id"] for s in page2["data"]] == ids[::-1][2:4] and page2["has_more"] is True
    page3 = client.get(f"/api/v1/shares?limit=2&before={page2['data'][-1]['id']}",
                       headers=_bearer(token)).get_json()
    assert [s["id"] for s in page3["data"]] == ids[:1] and page3["has_more"] is False
    for bad in ("limit=0", "limit=101", "limit=x", "before=abc", "before=-1"):
        response = client.get(f"/api/v1/shares?{bad}", headers=_bearer(token))
        assert response.status_code == 422, bad
        assert response.get_json()["error"] == "validation_error"


def test_an_app_sees_and_deletes_only_its_own_shares_for_this_user(client, world, factory) -> None:
    other_app, _ = create_app(world.developer, name="Other", redirect_uris=[REDIRECT],
                              scopes=["add_share"], live=True)
    bob = factory.user("bob")
    db.session.commit()
    mine = world.token().access_token
    theirs = world.token(app=other_app).access_token
    bobs = world.token(user=bob).access_token
    share_id = _share(client, mine).get_json()["id"]
    for token in (theirs, bobs):
        assert client.get("/api/v1/shares", headers=_bearer(token)).get_json()["data"] == []
        gone = client.delete(f"/api/v1/shares/{share_id}", headers=_bearer(token))
        assert gone.status_code == 404
    assert client.delete("/api/v1/shares/abc", headers=_bearer(mine)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Share, int(share_id)) is not None


def test_validation_errors_are_422_and_store_nothing(client, world) -> None:
    token = world.token().access_token
    cases: list[tuple[Any, str]] = [
        ({"title": "", "url": "https://a.example/"}, "title"),
        ({"title": "x" * 129, "url": "https://a.example/"}, "title"),
        ({"url": "https://a.example/"}, "title"),
        ({"title": "t"}, "url"),
        ({"title": "t", "url": "javascript:alert(1)"}, "url"),
        ({"title": "t", "url": "ftp://a.example/"}, "url"),
        ({"title": "t", "url": "https:///nohost"}, "url"),
        ({"title": "t", "url": "https://a.example/ x"}, "url"),
        ({"title": "t", "url": "https://a.example/" + "a" * 2048}, "url"),
        ({"title": "t", "url": "https://a.example:99999/"}, "url"),
        ({"title": "t", "url": "https://a.example/", "images": ["https://i.example/"] * 10},
         "images"),
        ({"title": "t", "url": "https://a.example/", "images": ["data:image/png;base64,xx"]},
         "images"),
        ({"title": "t", "url": "https://a.example/", "images": "https://i.example/"}, "images"),
        ({"title": "t\x00", "url": "https://a.example/"}, "title"),
        ({"title": 5, "url": "https://a.example/"}, "title"),
        ({"title": "t", "url": "https://a.example/", "summary": "s" * 513}, "summary"),
        ({"title": "t", "url": "https://a.example/", "fromurl": "javascript:x"}, "fromurl"),
        ({"title": "t", "url": "https://a.example/", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/shares", json=body, headers=_bearer(token))
        assert response.status_code == 422, body
        assert field in response.get_json()["fields"], (body, response.get_json())
    for raw in (b"[1]", b"not json", b'"x"'):
        response = client.post("/api/v1/shares", data=raw, headers={
            **_bearer(token), "Content-Type": "application/json"})
        assert response.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Share)) == 0


def test_permission_denied_and_insufficient_scope(client, world, factory) -> None:
    no_perm, _ = create_app(world.developer, name="No share", redirect_uris=[REDIRECT],
                            live=True)
    db.session.commit()
    token = world.token(["get_user_info"], app=no_perm).access_token
    response = _share(client, token)
    assert response.status_code == 403
    assert (response.get_json()["error"], response.get_json()["ret"]) == ("permission_denied",
                                                                          100031)
    assert 'scope="add_share"' in response.headers["WWW-Authenticate"]
    declined = world.token(["get_user_info"]).access_token
    response = client.get("/api/v1/shares", headers=_bearer(declined))
    assert response.status_code == 403 and response.get_json()["ret"] == 100030


def test_legacy_add_share(client, world) -> None:
    issued = world.token()
    params = {"access_token": issued.access_token, "oauth_consumer_key": world.app.appid,
              "openid": issued.row.openid, "title": "标题", "url": "https://news.example/b",
              "images": "https://i.example/1.png|https://i.example/2.png", "format": "json",
              "comment": "hi"}
    response = client.post("/share/add_share", data=params)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = json.loads(response.data)
    assert list(body) == ["ret", "msg", "share_id"] and body["ret"] == 0
    db.session.expire_all()
    share = db.session.get(Share, int(body["share_id"]))
    assert share.title == "标题" and share.images == ["https://i.example/1.png",
                                                     "https://i.example/2.png"]
    assert (share.app_id, share.source, share.site) == (world.app.id, "api", "news.example")
    bad = client.post("/share/add_share", data={**params, "url": "javascript:alert(1)"})
    assert bad.status_code == 200
    assert bad.data == b'{"ret":100051,"msg":"param is wrong or lost: url"}'
    no_token = client.post("/share/add_share", data={**params, "access_token": ""})
    assert json.loads(no_token.data)["ret"] == 100007


def test_usage_is_recorded_for_calls_and_shares(client, world) -> None:
    token = world.token().access_token
    _share(client, token)
    _share(client, token, url="javascript:x")
    client.get("/api/v1/shares", headers=_bearer(token))
    flush()
    calls = {(r.api, r.ok_count, r.error_count) for r in db.session.scalars(
        select(ApiCallDaily).where(ApiCallDaily.app_id == world.app.id))}
    assert calls == {("add_share", 1, 1), ("list_shares", 1, 0)}
    shares = [(r.source, r.site, r.count) for r in db.session.scalars(select(ShareDaily))]
    assert shares == [("api", "news.example", 1)]
