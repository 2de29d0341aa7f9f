"""Email on accounts, driven through the pages, read from the real SMTP server."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from gateway.accounts.models import AccountToken, User
from gateway.extensions import db
from gateway.timeutil import utcnow
from tests.conftest import csrf_from


@pytest.fixture
def app_config(smtp_server):
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": "https://id.example.com"}


def _signup(client, username="newbie", email="newbie@example.org", **headers):
    token = csrf_from(client.get("/signup").get_data(as_text=True))
    return client.post("/signup", headers=headers, data={
        "username": username, "email": email, "password": "long-enough",
        "confirm": "long-enough", "csrf_token": token})


def _open(client, link):
    """Open a mailed link as a person does: the page, then its confirm button."""
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def _user(username):
    db.session.expire_all()
    return db.session.query(User).filter_by(username=username).one()


def test_signup_requires_an_email(client):
    token = csrf_from(client.get("/signup").get_data(as_text=True))
    response = client.post("/signup", data={"username": "noemail", "password": "long-enough",
                                            "confirm": "long-enough", "csrf_token": token})
    assert response.status_code == 400
    assert 'name="email"' in response.get_data(as_text=True)
    response = _signup(client, email="not an address")
    assert response.status_code == 422
    assert "Enter a valid email address." in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_signup_mails_a_link_that_verifies_once(client, smtp_server, send_mail):
    assert _signup(client, email="NewBie@Example.org").status_code == 302
    assert _user("newbie").email == "newbie@example.org"
    assert not _user("newbie").email_verified
    send_mail()
    [received] = smtp_server.to("newbie@example.org")
    assert received.message["Subject"] == "Confirm your email address"
    link = received.link("/account/email/confirm/")
    assert link.startswith("https://id.example.com/account/email/confirm/")
    assert link in received.html
    client.get("/").close()
    page = client.get(urlsplit(link).path)  # a mail scanner's GET spends nothing
    assert not _user("newbie").email_verified
    assert "Confirm this address" in page.get_data(as_text=True)
    done = _open(client, link)
    assert done.status_code == 200 and "is confirmed" in done.get_data(as_text=True)
    assert _user("newbie").email_verified
    again = _open(client, link)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_verification_links_expire_and_are_bound_to_the_address(client, smtp_server,
                                                                 send_mail):
    _signup(client)
    send_mail()
    first = smtp_server.to("newbie@example.org")[0].link("/confirm/")
    row = db.session.query(AccountToken).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _open(client, first).status_code == 400
    # A new link retires every older one.
    row.expires_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    client.post("/account/email/resend",
                data={"csrf_token": csrf_from(client.get("/account/email").get_data(as_text=True))})
    send_mail()
    assert _open(client, first).status_code == 400
    second = smtp_server.to("newbie@example.org")[-1].link("/confirm/")
    assert second != first
    user = _user("newbie")
    user.email = "elsewhere@example.org"  # the address changed since the link was sent
    db.session.commit()
    assert _open(client, second).status_code == 400
    assert not _user("newbie").email_verified
    assert _open(client, "https://id.example.com/account/email/confirm/forged").status_code == 400


def test_signup_with_a_used_address_says_nothing_and_tells_its_owner(client, factory,
                                                                     smtp_server, send_mail):
    factory.user("owner", email="taken@example.org")
    first = _signup(client, username="fresh1", email="free@example.org")
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    second = _signup(client, username="fresh2", email="Taken@example.org")
    assert (first.status_code, first.location) == (second.status_code, second.location)
    assert _user("fresh2").email is None
    send_mail()
    [notice] = smtp_server.to("taken@example.org")
    assert notice.message["Subject"] == "Someone tried to use your email address"
    assert "owner" in notice.text


def test_accounts_without_an_address_are_asked_after_login(client, auth, factory, smtp_server,
                                                          send_mail):
    factory.user("olduser", email=None)
    response = auth.login("olduser", next="/account/apps")
    assert response.status_code == 302
    assert response.location == "/account/email?next=/account/apps"
    page = client.get(response.location).get_data(as_text=True)
    assert 'href="/account/apps"' in page  # "not now" keeps the person's way
    answer = client.post("/account/email", data={
        "email": "old@example.org", "next": "/account/apps", "csrf_token": csrf_from(page)})
    assert answer.status_code == 302 and answer.location == "/account/apps"
    send_mail()
    link = smtp_server.to("old@example.org")[0].link("/confirm/")
    assert _open(client, link).status_code == 200
    assert _user("olduser").email_verified
    auth.logout()
    assert auth.login("olduser").location == "/"


def test_change_of_address_is_confirmed_at_the_new_one_and_told_to_the_old(
        client, auth, factory, smtp_server, send_mail):
    factory.user("mover", email="before@example.org")
    auth.login("mover")
    page = client.get("/account/email").get_data(as_text=True)
    wrong = client.post("/account/email", data={"email": "after@example.org",
                                                "password": "wrong-password",
                                                "csrf_token": csrf_from(page)})
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    ok = client.post("/account/email", data={"email": "after@example.org",
                                             "password": "password123",
                                             "csrf_token": csrf_from(page)})
    assert ok.status_code == 302
    assert _user("mover").email == "before@example.org"  # not until the link is opened
    send_mail()
    link = smtp_server.to("after@example.org")[0].link("/confirm/")
    assert smtp_server.to("before@example.org") == []
    assert _open(client, link).status_code == 200
    assert (_user("mover").email, _user("mover").email_verified) == ("after@example.org", True)
    send_mail()
    [notice] = smtp_server.to("before@example.org")
    assert "a***@example.org" in notice.text and "after@example.org" not in notice.text
    assert _open(client, link).status_code == 400


def test_change_to_a_used_address_changes_nothing(client, auth, factory, smtp_server,
                                                  send_mail):
    factory.user("other", email="busy@example.org")
    factory.user("mover", email="mine@example.org")
    auth.login("mover")
    page = client.get("/account/email").get_data(as_text=True)
    answer = client.post("/account/email", data={"email": "busy@example.org",
                                                 "password": "password123",
                                                 "csrf_token": csrf_from(page)})
    assert answer.status_code == 302  # the same answer as for a free address
    send_mail()
    assert smtp_server.to("busy@example.org")[0].message["Subject"] == (
        "Someone tried to use your email address")
    assert _user("mover").email == "mine@example.org"


def test_email_pages_need_login_and_csrf(client, auth, factory):
    assert client.get("/account/email").status_code == 302
    factory.user("usr1")
    auth.login("usr1")
    answer = client.post("/account/email", data={"email": "x@example.org",
                                                  "password": "password123"})
    assert answer.status_code == 400
    assert _user("usr1").email == "usr1@example.test"


def test_mail_to_one_address_is_rate_limited(client, auth, factory, smtp_server, send_mail):
    factory.user("spammy", email="spammy@example.org", email_verified_at=None)
    auth.login("spammy")
    for _ in range(8):
        client.post("/account/email/resend", data={
            "csrf_token": csrf_from(client.get("/account/email").get_data(as_text=True))})
    send_mail()
    assert 1 <= len(smtp_server.to("spammy@example.org")) <= 5


def test_cli_creates_accounts_with_a_verified_address(runner):
    result = runner.invoke(args=["users", "create", "--username", "cli", "--password",
                                 "cli-password", "--email", "CLI@example.org"])
    assert result.exit_code == 0, result.output
    user = db.session.get(User, json.loads(result.output)["id"])
    assert (user.email, user.email_verified) == ("cli@example.org", True)
    clash = runner.invoke(args=["users", "create", "--username", "cli2", "--password",
                                "cli-password", "--email", "cli@example.org"])
    assert clash.exit_code == 1 and "Another account uses that email address." in clash.output


def test_demo_accounts_have_addresses(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    for name in ("alice", "devon", "admin"):
        user = _user(name)
        assert user.email == f"{name}@example.com" and user.email_verified
