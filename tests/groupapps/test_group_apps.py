"""Installed apps see groups by pseudonym, only members who authorized them, and lose access at
once on uninstall or removal; posts are labelled and counted per group per day."""

from __future__ import annotations

import json
import threading

import jsonschema

from gateway.extensions import db
from gateway.groupapps import services
from gateway.groupapps.models import Installation
from gateway.groups import services as groups
from gateway.groups.models import Post
from gateway.identity.services import openid_for
from gateway.outbox.catalogue import envelope
from gateway.outbox.models import WebhookEvent
from tests.groupapps.conftest import bearer


def _install_through_pages(auth, pages, club) -> str:
    auth.login("olga")
    gid = club.group.id
    consent = pages.text(f"/groups/{gid}/apps/install?appid={club.world.app.appid}")
    assert "Install Club App in Demo Club?" in consent
    assert "Post messages in your groups that have this app" in consent
    assert 'name="confirm" value="yes"' in consent
    pages.post(f"/groups/{gid}/apps/install", {"appid": club.world.app.appid, "confirm": "yes"},
               page=f"/groups/{gid}/apps")
    auth.logout()
    return db.session.query(Installation).one().group_openid


def test_install_list_members_post_uninstall(client, auth, pages, club) -> None:
    group_openid = _install_through_pages(auth, pages, club)
    assert group_openid != str(club.group.id) and len(group_openid) == 32
    owner_token, fan_token = club.token(club.owner), club.token(club.fan)
    listed = client.get("/api/v1/groups", headers=bearer(fan_token)).get_json()
    assert listed == {"data": [{"group_openid": group_openid, "name": "Demo Club",
                                "description": "d", "category": "", "member_count": 3,
                                "my_role": "member"}]}
    info = client.get(f"/api/v1/groups/{group_openid}", headers=bearer(owner_token)).get_json()
    assert info["my_role"] == "owner" and info["daily_post_quota"] == 20
    assert str(club.group.id) not in json.dumps(info).replace(group_openid, "")
    members = client.get(f"/api/v1/groups/{group_openid}/members",
                         headers=bearer(owner_token)).get_json()
    app = club.world.app
    expected = sorted([openid_for(club.owner.id, app), openid_for(club.fan.id, app)])
    assert [m["openid"] for m in members["data"]] == expected  # quinn never authorized
    assert all(m["is_lost"] == 0 for m in members["data"]) and members["next"] is None
    assert openid_for(club.quiet.id, app) not in json.dumps(members)
    sent = client.post(f"/api/v1/groups/{group_openid}/messages", json={"content": "Hello"},
                       headers=bearer(fan_token))
    assert sent.status_code == 201 and sent.get_json()["posts_left_today"] == 19
    post = db.session.query(Post).one()
    assert post.app_id == app.id and post.author_id == club.fan.id
    auth.login("quinn")
    assert "via Club App" in pages.text(f"/groups/{club.group.id}")
    auth.logout()
    # Uninstall: the next call (same cached token) finds no group.
    auth.login("olga")
    pages.post(f"/groups/{club.group.id}/apps/{app.appid}/uninstall",
               page=f"/groups/{club.group.id}/apps")
    for path in ("", "/members"):
        gone = client.get(f"/api/v1/groups/{group_openid}{path}", headers=bearer(owner_token))
        assert gone.status_code == 404 and gone.get_json()["error"] == "group_not_found"
    assert client.get("/api/v1/groups", headers=bearer(owner_token)).get_json()["data"] == []
    # Reinstalled, the app gets the same pseudonym back.
    services.install(club.group, club.owner.id, app)
    db.session.commit()
    assert db.session.query(Installation).one().group_openid == group_openid
    # Each install and uninstall was announced to the app as it happened, by its pseudonym.
    events = db.session.query(WebhookEvent).order_by(WebhookEvent.id).all()
    assert [e.event_type for e in events] == [
        "group.app_installed", "group.app_uninstalled", "group.app_installed"]
    for event in events:
        body = json.loads(event.body)
        jsonschema.validate(body, envelope(event.event_type))
        assert body["data"]["group_openid"] == group_openid and event.app_id == app.id
        stamp = "uninstalled_at" if event.event_type.endswith("uninstalled") else "installed_at"
        assert set(body["data"]) == {"appid", "group_openid", stamp}  # no group id


def test_pseudonyms_differ_per_app_and_cannot_be_crossed(client, club) -> None:
    first = services.install(club.group, club.owner.id, club.world.app).group_openid
    second = services.install(club.group, club.owner.id, club.other_app).group_openid
    db.session.commit()
    assert first != second
    other_token = club.token(club.owner, app=club.other_app)
    assert client.get(f"/api/v1/groups/{first}", headers=bearer(other_token)).status_code == 404
    assert client.get(f"/api/v1/groups/{second}",
                      headers=bearer(other_token)).status_code == 200


def test_removed_member_and_withdrawn_authorization_lose_access_at_once(client, club) -> None:
    from gateway.authorizations.services import deauthorize

    group_openid = services.install(club.group, club.owner.id, club.world.app).group_openid
    db.session.commit()
    fan_token = club.token(club.fan)
    owner_token = club.token(club.owner)
    assert client.get(f"/api/v1/groups/{group_openid}", headers=bearer(fan_token)).status_code \
        == 200  # now cached
    groups.remove_member(club.group, club.owner.id, club.fan.id)
    db.session.commit()
    assert client.get(f"/api/v1/groups/{group_openid}",
                      headers=bearer(fan_token)).status_code == 404
    assert client.post(f"/api/v1/groups/{group_openid}/messages", json={"content": "x"},
                       headers=bearer(fan_token)).status_code == 404
    # The owner withdraws the app's access: gone from the member list and their token dies.
    deauthorize(club.owner.id, club.world.app)
    db.session.commit()
    assert client.get(f"/api/v1/groups/{group_openid}",
                      headers=bearer(owner_token)).status_code == 401


def test_scopes_and_permissions(client, club, factory) -> None:
    group_openid = services.install(club.group, club.owner.id, club.world.app).group_openid
    db.session.commit()
    weak = club.world.token(["get_user_info", "get_group_list"], user=club.owner)
    refused = client.get(f"/api/v1/groups/{group_openid}/members", headers=bearer(weak))
    assert refused.status_code == 403 and refused.get_json()["error"] == "insufficient_scope"
    from gateway.apps.services import create_app

    plain, _ = create_app(club.world.developer, name="Plain",
                          redirect_uris=["https://p.example/cb"], live=True)
    db.session.commit()
    token = club.world.token(["get_user_info"], user=club.owner, app=plain)
    answer = client.get("/api/v1/groups", headers=bearer(token))
    assert answer.status_code == 403 and answer.get_json()["error"] == "permission_denied"


def test_bad_input(client, club) -> None:
    group_openid = services.install(club.group, club.owner.id, club.world.app).group_openid
    db.session.commit()
    token = bearer(club.token(club.owner))
    for body in (None, {"content": ""}, {"content": "x" * 5001}, {"content": 5},
                 {"content": "a\x00b"}):
        answer = client.post(f"/api/v1/groups/{group_openid}/messages", json=body,
                             headers=token)
        assert answer.status_code == 422, body
    for query in ("limit=0", "limit=501", "limit=x", "after=zz"):
        assert client.get(f"/api/v1/groups/{group_openid}/members?{query}",
                          headers=token).status_code == 422
    for bad in ("x" * 40, "%00", "..", "1"):
        assert client.get(f"/api/v1/groups/{bad}", headers=token).status_code == 404
    assert db.session.query(Post).count() == 0


def test_members_paginate_by_openid(client, club, factory) -> None:
    group_openid = services.install(club.group, club.owner.id, club.world.app).group_openid
    for i in range(5):
        user = factory.user(f"member{i}")
        groups.add_member(club.group, user.id)
        club.token(user)
    db.session.commit()
    token = bearer(club.token(club.owner))
    seen: list[str] = []
    after = ""
    while True:
        page = client.get(f"/api/v1/groups/{group_openid}/members?limit=2&after={after}",
                          headers=token).get_json()
        seen += [m["openid"] for m in page["data"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert len(seen) == 6 and seen == sorted(seen)


def test_large_groups_need_review(client, club, app, runner) -> None:
    group_openid = services.install(club.group, club.owner.id, club.world.app).group_openid
    db.session.commit()
    app.config["ZC_GROUP_MEMBERS_REVIEW_THRESHOLD"] = 2
    token = bearer(club.token(club.owner))
    refused = client.get(f"/api/v1/groups/{group_openid}/members", headers=token)
    assert refused.status_code == 403 and refused.get_json()["error"] == "review_required"
    result = runner.invoke(args=["groups", "app-settings", "--app", club.world.app.appid,
                                 "--large-groups"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/api/v1/groups/{group_openid}/members", headers=token).status_code == 200


def test_daily_quota_holds_under_parallel_posts(client, club, app) -> None:
    group_openid = services.install(club.group, club.owner.id, club.world.app).group_openid
    db.session.commit()
    token = bearer(club.token(club.fan))
    codes: list[int] = []
    lock = threading.Lock()

    def post() -> None:
        answer = client.post(f"/api/v1/groups/{group_openid}/messages",
                             json={"content": "hi"}, headers=token)
        with lock:
            codes.append(answer.status_code)

    for _ in range(18):  # 18 posts one by one, then 20 in parallel: 2 fit
        post()
    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(201) == 20 and codes.count(429) == 18
    db.session.expire_all()
    assert db.session.query(Post).filter_by(app_id=club.world.app.id).count() == 20
    last = client.post(f"/api/v1/groups/{group_openid}/messages", json={"content": "x"},
                       headers=token)
    assert last.status_code == 429 and last.get_json()["error"] == "quota_exceeded"
    assert last.get_json()["limit"] == 20


def test_cli_install(runner, club) -> None:
    result = runner.invoke(args=["groups", "install", "--group", str(club.group.id),
                                 "--app", club.world.app.appid])
    assert result.exit_code == 0, result.output
    group_openid = json.loads(result.output)["group_openid"]
    assert db.session.query(Installation).one().group_openid == group_openid
    again = runner.invoke(args=["groups", "install", "--group", str(club.group.id),
                                "--app", club.world.app.appid])
    assert json.loads(again.output)["group_openid"] == group_openid
    assert runner.invoke(args=["groups", "install", "--group", "999",
                               "--app", club.world.app.appid]).exit_code == 1


def test_only_admins_install(client, auth, pages, club) -> None:
    auth.login("fanny")
    gid = club.group.id
    assert client.get(f"/groups/{gid}/apps/install?appid={club.world.app.appid}").status_code \
        == 403
    pages.post(f"/groups/{gid}/apps/install", {"appid": club.world.app.appid, "confirm": "yes"},
               page=f"/groups/{gid}/apps")
    assert db.session.query(Installation).count() == 0
