"""/account/apps: listing, last use, revocation cutting tokens off, the deauthorize callback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from gateway.audit.models import AuditEvent
from gateway.authorizations.models import Authorization
from gateway.authorizations.services import touch_last_used
from gateway.extensions import db
from gateway.oauth.models import OAuthToken
from gateway.outbox import worker
from gateway.outbox.models import OutboxMessage
from gateway.outbox.signing import verify
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.money_helpers import add_endpoint


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The receivers listen on loopback, which the guarded client allows only when told to
    # (as `make run` does for the Demo Site).
    return {"ZC_OUTBOUND_ALLOW_LOOPBACK": True}


class Receiver:
    """A werkzeug server on loopback that records callbacks and answers the statuses queued."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.statuses: list[int] = []

        @Request.application
        def handle(request: Request) -> Response:
            self.received.append((request.get_data(),
                                  request.headers.get("ZoneConnect-Signature", "")))
            return Response("", status=self.statuses.pop(0) if self.statuses else 200)

        self.server = make_server("127.0.0.1", 0, handle, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/deauthorize"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _revoke(client, auth, appid: str) -> Any:
    html = client.get("/account/apps").get_data(as_text=True)
    return client.post(f"/account/apps/{appid}/revoke", data={"csrf_token": csrf_from(html),
                                                               "confirm": "yes"})


def test_page_lists_apps_with_scopes_in_plain_words(client, auth, world) -> None:
    world.token(["get_user_info", "add_share"])
    assert client.get("/account/apps").status_code == 302  # login first
    auth.login("alice")
    html = client.get("/account/apps").get_data(as_text=True)
    assert 'href="/account/apps">Authorized apps</a>' in html
    assert "Demo Site" in html and "Share links to your feed" in html
    assert "See your nickname, gender, region and avatar" in html
    assert "not yet" in html


def test_last_used_is_written_at_most_once_an_hour(client, world) -> None:
    token = world.token(["get_user_info"]).access_token
    for _ in range(3):
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    db.session.expire_all()
    grant = db.session.scalar(select(Authorization))
    first = grant.last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    grant.last_used_at = first - timedelta(days=1)
    db.session.commit()
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    db.session.expire_all()
    assert db.session.scalar(select(Authorization)).last_used_at == first - timedelta(days=1)
    assert touch_last_used(world.user.id, world.app.id) is False


def test_revoke_cuts_a_live_token_off_at_once(client, auth, world) -> None:
    issued = world.token(["get_user_info"])
    headers = {"Authorization": f"Bearer {issued.access_token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    auth.login("alice")
    response = _revoke(client, auth, world.app.appid)
    assert response.status_code == 302 and response.headers["Location"] == "/account/apps"
    after = client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401 and after.get_json()["ret"] == 100015
    db.session.expire_all()
    assert db.session.get(OAuthToken, issued.row.id).revoked_at is not None
    grant = db.session.scalar(select(Authorization))
    assert grant.revoked_at is not None and grant.scopes == []
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "consent.revoked" in actions
    page = client.get("/account/apps").get_data(as_text=True)
    assert "Demo Site can no longer use your account." in page
    assert "You have not authorized any app." in page


def test_revoke_needs_csrf_and_an_existing_grant(client, auth, world) -> None:
    issued = world.token(["get_user_info"])
    auth.login("alice")
    assert client.post(f"/account/apps/{world.app.appid}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(OAuthToken, issued.row.id).revoked_at is None
    for appid in ("999999999", "abc"):
        response = _revoke(client, auth, appid)
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_deauthorize_callback_is_signed_delivered_and_retried(client, auth, world,
                                                             receiver: Receiver) -> None:
    world.app.deauthorize_url = receiver.url
    db.session.commit()
    openid = world.token(["get_user_info"]).row.openid
    auth.login("alice")
    _revoke(client, auth, world.app.appid)
    receiver.statuses = [500]
    assert worker.run_once() == 1
    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "pending" and message.attempts == 1
    assert message.url == receiver.url and message.event_type == "user.deauthorized"
    message.next_attempt_at = utcnow()  # skip the backoff wait
    db.session.commit()
    assert worker.run_once() == 1
    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "delivered" and message.attempts == 2
    assert len(receiver.received) == 2
    body, signature = receiver.received[1]
    assert verify(body, signature, world.app.webhook_secret)
    event = json.loads(body)
    assert event["type"] == "user.deauthorized"
    assert event["data"] == {"openid": openid, "appid": world.app.appid}


def test_callback_goes_to_the_webhook_endpoints_and_carries_the_unionid(client, auth,
                                                                         world) -> None:
    add_endpoint(world.app, "https://site.example/hooks")
    world.app.unionid_enabled = True
    db.session.commit()
    world.token(["get_user_info"])
    auth.login("alice")
    _revoke(client, auth, world.app.appid)
    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.url == "https://site.example/hooks"
    data = json.loads(message.body)["data"]
    assert set(data) == {"openid", "appid", "unionid"} and data["unionid"].startswith("UID_")


def test_revoking_asks_first_and_keep_it_changes_nothing(client, auth, world) -> None:
    world.token(["get_user_info", "add_share"])
    auth.login("alice")
    html = client.get("/account/apps").get_data(as_text=True)
    asked = client.post(f"/account/apps/{world.app.appid}/revoke",
                        data={"csrf_token": csrf_from(html)})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in page
    assert 'name="confirm" value="no"' in page and world.app.name in page
    kept = client.post(f"/account/apps/{world.app.appid}/revoke",
                       data={"csrf_token": csrf_from(page), "confirm": "no"})
    assert kept.status_code == 302
    assert world.app.name in client.get("/account/apps").get_data(as_text=True)
    assert _revoke(client, auth, world.app.appid).status_code == 302
    after = client.get("/account/apps").get_data(as_text=True)
    assert "can no longer use your account" in after and "<td>Demo Site</td>" not in after
