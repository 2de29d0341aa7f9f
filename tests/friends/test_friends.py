"""Friends: requests through the pages, blocks, the visibility rule, the CLI."""

from __future__ import annotations

import json

from gateway.extensions import db
from gateway.friends import services
from gateway.friends.models import Block, FriendRequest, Friendship
from tests.conftest import csrf_from


def _post(client, path: str, **data: str):
    token = csrf_from(client.get("/friends").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_request_accept_remove_through_the_pages(client, auth, factory) -> None:
    alice, bob = factory.user("alice"), factory.user("bob", nickname="Bobby")
    auth.login("alice")
    assert _post(client, "/friends/request", username="bob").status_code == 302
    assert db.session.get(FriendRequest, (alice.id, bob.id)) is not None
    auth.logout()
    auth.login("bob")
    page = client.get("/friends").get_data(as_text=True)
    assert "Requests to you" in page and "/friends/alice/accept" in page
    _post(client, "/friends/alice/accept")
    db.session.expire_all()
    assert services.are_friends(alice.id, bob.id) and services.are_friends(bob.id, alice.id)
    assert db.session.get(FriendRequest, (alice.id, bob.id)) is None
    assert "/friends/alice/remove" in client.get("/friends").get_data(as_text=True)
    _post(client, "/friends/alice/remove")
    db.session.expire_all()
    assert not services.are_friends(alice.id, bob.id)
    assert not services.are_friends(bob.id, alice.id)


def test_decline_and_crossing_requests(client, auth, factory) -> None:
    alice, bob = factory.user("alice"), factory.user("bob")
    assert services.send_request(alice.id, bob.id) == "sent"
    assert services.send_request(alice.id, bob.id) == "sent"  # repeated: still one row
    services.decline(bob.id, alice.id)
    assert db.session.get(FriendRequest, (alice.id, bob.id)) is None
    services.send_request(alice.id, bob.id)
    assert services.send_request(bob.id, alice.id) == "accepted"  # both asked: friends
    assert services.are_friends(alice.id, bob.id)


def test_blocked_users_cannot_ask_and_blocking_ends_friendship(client, auth, factory) -> None:
    alice, mallory = factory.user("alice"), factory.user("mallory")
    services.make_friends(alice.id, mallory.id)
    db.session.commit()
    auth.login("alice")
    _post(client, "/friends/mallory/block")
    db.session.expire_all()
    assert db.session.get(Block, (alice.id, mallory.id)) is not None
    assert not services.are_friends(alice.id, mallory.id)
    auth.logout()
    auth.login("mallory")
    answer = _post(client, "/friends/request", username="alice")
    assert answer.status_code == 302
    page = client.get("/friends").get_data(as_text=True)
    assert "You cannot do this with that user." in page
    assert db.session.get(FriendRequest, (mallory.id, alice.id)) is None


def test_bad_input_changes_nothing(client, auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    for name in ("alice", "nobody", "", "x" * 500, "\x00"):
        assert _post(client, "/friends/request", username=name).status_code == 302
    assert _post(client, "/friends/nobody/accept").status_code == 302
    assert _post(client, "/friends/alice/explode").status_code == 302
    assert db.session.query(FriendRequest).count() == 0
    assert db.session.query(Friendship).count() == 0
    # Without the CSRF token nothing happens.
    assert client.post("/friends/request", data={"username": "alice"}).status_code == 400


def test_visibility_rule(factory) -> None:
    owner, friend, stranger, blocked = (factory.user(n) for n in ("own", "fri", "str", "blo"))
    services.make_friends(owner.id, friend.id)
    services.make_friends(owner.id, blocked.id)
    services.block(owner.id, blocked.id)
    db.session.commit()
    table = {"public": (True, True, True, False), "friends": (False, True, False, False),
             "private": (False, False, False, False)}
    for privacy, (anon, fr, st, bl) in table.items():
        assert services.can_see(None, owner.id, privacy) is anon
        assert services.can_see(friend.id, owner.id, privacy) is fr
        assert services.can_see(stranger.id, owner.id, privacy) is st
        assert services.can_see(blocked.id, owner.id, privacy) is bl
        assert services.can_see(owner.id, owner.id, privacy) is True


def test_space_offers_add_friend_and_blocked_user_sees_nothing(client, auth, factory) -> None:
    factory.user("alice")
    bob = factory.user("bob")
    auth.login("bob")
    page = client.get("/space/alice").get_data(as_text=True)
    assert "Add friend" in page
    token = csrf_from(page)
    client.post("/friends/request", data={"csrf_token": token, "username": "alice",
                                          "back": "space"})
    assert "Friend request sent." in client.get("/space/alice").get_data(as_text=True)
    assert bob.id


def test_cli_friends_add(runner, factory) -> None:
    alice, bob = factory.user("alice"), factory.user("bob")
    result = runner.invoke(args=["friends", "add", "--user", "alice", "--friend", "bob"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"user": "alice", "friend": "bob", "friends": True}
    assert services.are_friends(alice.id, bob.id)
    again = runner.invoke(args=["friends", "add", "--user", "alice", "--friend", "bob"])
    assert again.exit_code == 0
    assert runner.invoke(args=["friends", "add", "--user", "alice", "--friend", "x"]).exit_code == 1
    assert runner.invoke(args=["friends", "add", "--user", "alice",
                               "--friend", "alice"]).exit_code == 1
