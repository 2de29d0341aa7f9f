"""Delete my account: told first, confirmed with the password (and a fresh second factor), a grace
period that logging in cancels, then the worker's erasure: apps told with signed callbacks,
tokens dead, personal data and uploads gone, ledger intact, and never twice."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from gateway.accounts.models import AvatarImage, User, UserSession
from gateway.albums.models import Album, Photo
from gateway.apps.models import App
from gateway.audit.models import AuditEvent
from gateway.authorizations.models import Authorization
from gateway.extensions import db
from gateway.friends.models import Friendship
from gateway.groups import services as groups
from gateway.groups.models import Group, Membership
from gateway.ledger.models import LedgerLeg, LedgerTransaction
from gateway.mfa import sealing
from gateway.mfa.models import TotpFactor
from gateway.outbox import worker as outbox
from gateway.outbox.models import WebhookEvent
from gateway.outbox.signing import verify
from gateway.payments.models import Order
from gateway.shares.models import Share
from gateway.storage import ObjectMissing, get_storage
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.privacy.conftest import run


def _delete(client, password: str = "password123", with_csrf: bool = True):
    page = client.get("/account/delete")
    data = {"password": password, "confirm": "yes"}
    if with_csrf:
        data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post("/account/delete", data=data)


def _user(user_id: int) -> User:
    db.session.expire_all()
    found = db.session.get(User, user_id)
    assert found is not None
    return found


def _count(model, *where) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _stored(key: str) -> bool:
    try:
        get_storage().size(key)
    except ObjectMissing:
        return False
    return True


def test_the_page_says_what_happens_to_coins_earnings_and_apps(client, auth, person) -> None:
    auth.login(person.username)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You have 70 coins. They are forfeited" in page
    assert "earnings not paid out" not in page  # not a developer
    auth.logout()
    developer = db.session.get(User, person.shop.developer_id)
    auth.login(developer.username)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "of earnings not paid out yet" in page
    assert "no payout account connected" in page
    assert "Your apps are deleted: Sword Shop" in page


def test_deletion_waits_for_the_grace_period_then_erases_and_tells_the_apps(
        client, auth, person, receiver, smtp_server, send_mail, runner) -> None:
    app = db.session.scalar(select(App).where(App.appid == person.appid))
    app.deauthorize_url = receiver.url
    secret = app.webhook_secret
    solo = groups.create_group(person.user_id, {"name": "Solo"})
    club = groups.create_group(person.user_id, {"name": "Club"})
    groups.add_member(club, person.friend.id)
    db.session.commit()
    solo_id, club_id, friend_id = solo.id, club.id, person.friend.id
    photo_key = f"albums/{person.album.key}/{person.photo.key}/large"
    assert _stored(photo_key)
    legs_before = _count(LedgerLeg)
    txns_before = _count(LedgerTransaction)

    auth.login(person.username)
    # The app's token came from this browser session (as a real login would bind it), and the
    # app takes back-channel logouts.
    from gateway.accounts import sessions
    from gateway.oauth.models import OAuthToken

    record = db.session.scalars(select(UserSession).where(
        UserSession.user_id == person.user_id)).one()
    for token in db.session.scalars(select(OAuthToken).where(
            OAuthToken.user_id == person.user_id)):
        token.sid = sessions.public_sid(record)
    app = db.session.scalar(select(App).where(App.appid == person.appid))
    app.backchannel_logout_uri = receiver.url + "/logout"
    db.session.commit()
    response = _delete(client)
    assert response.status_code == 302
    due = _user(person.user_id).deletion_due_at
    assert due is not None and abs(due - (utcnow() + timedelta(days=14))) < timedelta(minutes=1)
    page = client.get("/account/privacy").get_data(as_text=True)
    assert 'id="deletion-banner"' in page and "Keep my account" in page
    send_mail()
    scheduled = [r for r in smtp_server.received if r.rcpt_tos == [person.email]]
    assert "will be deleted on" in scheduled[-1].text
    assert scheduled[-1].link("/login") == "https://id.example.com/login"

    # Nothing happens during the grace period.
    assert run("erasure")["items"] == 0
    assert run("erasure", due - timedelta(seconds=1))["items"] == 0
    assert _user(person.user_id).erased_at is None

    assert run("erasure", due + timedelta(seconds=1))["items"] == 1
    user = _user(person.user_id)
    assert user.username.startswith("deleted-") and user.username != person.username
    assert user.email is None and user.nickname == "" and user.city == ""
    assert not user.is_active and not user.has_avatar and user.erased_at is not None
    assert not user.password_hash.startswith("$argon2")
    uid = person.user_id
    assert _count(UserSession, UserSession.user_id == uid) == 0
    assert _count(AvatarImage, AvatarImage.user_id == uid) == 0
    assert _count(Album, Album.owner_id == uid, Album.group_id.is_(None)) == 0
    assert _count(Photo, Photo.uploader_id == uid) == 0 and not _stored(photo_key)
    assert _count(Share, Share.user_id == uid) == 0
    assert _count(Friendship) == 0
    assert _count(Membership, Membership.user_id == uid) == 0
    assert db.session.get(Group, solo_id) is None  # nobody else in it: closed
    assert db.session.get(Group, club_id).owner_id == friend_id  # handed over
    assert _count(Authorization, Authorization.user_id == uid,
                  Authorization.revoked_at.is_(None)) == 0
    # The live token is refused at once; the old login no longer works.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {person.access_token}"})
    assert me.status_code == 401
    assert auth.login(person.username).status_code == 401
    # Money history stays, tied to the anonymized row; the ledger still balances.
    assert _count(LedgerLeg) == legs_before and _count(LedgerTransaction) == txns_before
    assert db.session.get(Order, person.order_id).user_id == uid
    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output

    # The app is told, signed, at its deauthorization URL.
    outbox.run_once()
    assert len(receiver.received) == 2
    # The session's end sent the app a back-channel logout token, form-encoded.
    assert [b for b, _ in receiver.received if b.startswith(b"logout_token=")]
    body, signature = next(r for r in receiver.received if r[0].startswith(b"{"))
    assert verify(body, signature, secret)
    event = json.loads(body)
    assert event["type"] == "user.deauthorized"
    assert event["data"] == {"openid": person.shop.openid, "appid": person.appid}

    # Running the job again does nothing twice.
    assert run("erasure", due + timedelta(days=1))["items"] == 0
    assert _count(WebhookEvent, WebhookEvent.event_type == "user.deauthorized") == 1
    assert _count(AuditEvent, AuditEvent.action == "account.erased") == 1


def test_logging_in_during_the_grace_period_cancels_it_with_a_mail(
        client, auth, person, smtp_server, send_mail) -> None:
    auth.login(person.username)
    _delete(client)
    auth.logout()
    due = _user(person.user_id).deletion_due_at
    assert due is not None
    response = auth.login(person.username)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "your account will not be deleted" in page
    assert 'id="deletion-banner"' not in page
    assert _user(person.user_id).deletion_due_at is None
    send_mail()
    assert "will not be deleted" in smtp_server.received[-1].text
    assert run("erasure", due + timedelta(days=1))["items"] == 0
    assert _user(person.user_id).erased_at is None


def test_the_banner_button_cancels_it_too(client, auth, person) -> None:
    auth.login(person.username)
    _delete(client)
    page = client.get("/account/privacy").get_data(as_text=True)
    token = csrf_from(page)
    assert client.post("/account/delete/cancel", data={"csrf_token": token}).status_code == 302
    assert _user(person.user_id).deletion_due_at is None
    again = client.post("/account/delete/cancel", data={"csrf_token": token})
    assert again.status_code == 409  # nothing to cancel: a clear answer, nothing changed


def test_a_developers_apps_are_deleted_and_their_users_told(client, auth, person,
                                                            receiver, runner) -> None:
    app = db.session.scalar(select(App).where(App.appid == person.appid))
    app.deauthorize_url = receiver.url
    db.session.commit()
    developer_id = person.shop.developer_id
    auth.login(_user(developer_id).username)
    assert _delete(client).status_code == 302
    due = _user(developer_id).deletion_due_at
    assert run("erasure", due + timedelta(seconds=1))["items"] == 1
    app = db.session.scalar(select(App).where(App.appid == person.appid))
    assert app.status == "deleted"
    assert _count(Authorization, Authorization.app_id == app.id,
                  Authorization.revoked_at.is_(None)) == 0
    outbox.run_once()
    assert [json.loads(body)["data"]["openid"] for body, _ in receiver.received] == [
        person.shop.openid]
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


def test_a_crash_during_erasure_leaves_the_account_whole_and_the_next_run_finishes(
        client, auth, person, monkeypatch) -> None:
    from gateway.privacy import erasure

    auth.login(person.username)
    _delete(client)
    due = _user(person.user_id).deletion_due_at

    def broken(user, now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "_anonymize", broken)
    assert run("erasure", due + timedelta(seconds=1))["items"] == 0
    user = _user(person.user_id)
    assert user.erased_at is None and user.username == person.username
    assert _count(WebhookEvent, WebhookEvent.event_type == "user.deauthorized") == 0
    assert _count(Share, Share.user_id == person.user_id) == 1
    monkeypatch.undo()
    assert run("erasure", due + timedelta(seconds=1))["items"] == 1
    assert _count(WebhookEvent, WebhookEvent.event_type == "user.deauthorized") == 1


def test_deleting_needs_csrf_the_password_and_a_fresh_second_factor(client, auth,
                                                                    person) -> None:
    auth.login(person.username)
    assert _delete(client, with_csrf=False).status_code == 400
    wrong = _delete(client, password="not-my-password")
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    assert _user(person.user_id).deletion_due_at is None
    assert _count(AuditEvent, AuditEvent.action == "password.check_failed") == 1

    # An account with a second factor, checked longer ago than the step-up window: asked again.
    db.session.add(TotpFactor(user_id=person.user_id,
                              sealed_secret=sealing.seal("JBSWY3DPEHPK3PXP", str(person.user_id)),
                              confirmed_at=utcnow()))
    db.session.commit()
    page = client.get("/account/delete")
    assert page.status_code == 302 and "/login/verify" in page.location
    token = csrf_from(client.get("/account/privacy").get_data(as_text=True))
    posted = client.post("/account/delete", data={"csrf_token": token,
                                                   "password": "password123"})
    assert posted.status_code == 302 and "/login/verify" in posted.location
    assert _user(person.user_id).deletion_due_at is None
