"""Forgotten passwords through the real pages, the link read from the SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from gateway.accounts.models import AccountToken, User
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.timeutil import utcnow
from tests.conftest import csrf_from


@pytest.fixture
def app_config(smtp_server):
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": "https://id.example.com"}


def _forgot(client, email):
    page = client.get("/password/forgot").get_data(as_text=True)
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_from(page)})


def _reset(client, link, password="brand-new-pass", confirm=None):
    path = urlsplit(link).path
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_from(page.get_data(as_text=True))})


def _link(smtp_server, send_mail, address):
    send_mail()
    return smtp_server.to(address)[-1].link("/password/reset/")


def test_reset_by_mail_sets_the_password_once(app, client, auth, factory, smtp_server,
                                              send_mail):
    factory.user("forgetful", email="forgetful@example.org")
    answer = _forgot(client, "Forgetful@Example.org")
    assert answer.status_code == 200 and "Check your mailbox" in answer.get_data(as_text=True)
    send_mail()
    [received] = smtp_server.to("forgetful@example.org")
    assert received.message["Subject"] == "Reset your ZoneConnect password"
    link = received.link("/password/reset/")
    assert link.startswith("https://id.example.com/password/reset/") and link in received.html
    assert "30 minutes" in received.text
    done = _reset(client, link)
    assert done.status_code == 302 and done.location == "/login"
    assert auth.login("forgetful", "password123").status_code == 401
    assert auth.login("forgetful", "brand-new-pass").status_code == 302
    again = _reset(client, link, "another-pass-1")
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    send_mail()
    assert smtp_server.to("forgetful@example.org")[-1].message["Subject"] == (
        "Your ZoneConnect password was changed")
    assert db.session.query(AuditEvent).filter_by(action="password.reset").count() == 1


SIGNED_TOKEN = re.compile(r'(value|content)="[\w-]+\.[\w-]+\.[\w-]+"')


def _without_csrf(response) -> str:
    return SIGNED_TOKEN.sub(r'\1="csrf"', response.get_data(as_text=True))


def test_the_answer_never_says_whether_an_account_exists(client, factory, smtp_server,
                                                         send_mail):
    factory.user("someone", email="someone@example.org")
    known = _forgot(client, "someone@example.org")
    unknown = _forgot(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    # Same page byte for byte, but for the CSRF tokens: they carry a timestamp, so two renders
    # a second apart differ there whatever the account.
    assert _without_csrf(known) == _without_csrf(unknown)
    send_mail()
    assert smtp_server.to("nobody@example.org") == []
    assert len(smtp_server.to("someone@example.org")) == 1


def test_reset_ends_every_session(client, app, auth, factory, smtp_server, send_mail):
    factory.user("victim", email="victim@example.org")
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login("victim")
    assert other.get("/account/profile").status_code == 200
    _forgot(client, "victim@example.org")
    assert _reset(client, _link(smtp_server, send_mail, "victim@example.org")).status_code == 302
    assert other.get("/account/profile").status_code == 302  # signed out


def test_links_expire_after_30_minutes(client, factory, smtp_server, send_mail):
    factory.user("slow", email="slow@example.org")
    _forgot(client, "slow@example.org")
    link = _link(smtp_server, send_mail, "slow@example.org")
    row = db.session.query(AccountToken).filter_by(purpose="reset_password").one()
    assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _reset(client, link).status_code == 400


def test_a_new_password_kills_older_links(client, auth, factory, smtp_server, send_mail):
    factory.user("changer", email="changer@example.org")
    _forgot(client, "changer@example.org")
    link = _link(smtp_server, send_mail, "changer@example.org")
    auth.login("changer")
    page = client.get("/account/password").get_data(as_text=True)
    client.post("/account/password", data={
        "current_password": "password123", "new_password": "changed-by-me",
        "confirm": "changed-by-me", "csrf_token": csrf_from(page)})
    auth.logout()
    assert _reset(client, link).status_code == 400
    assert auth.login("changer", "changed-by-me").status_code == 302


def test_bad_input_changes_nothing(client, factory, smtp_server, send_mail):
    factory.user("careful", email="careful@example.org")
    bad = _forgot(client, "not-an-address")
    assert bad.status_code == 400 and "Enter a valid email address." in bad.get_data(as_text=True)
    _forgot(client, "careful@example.org")
    link = _link(smtp_server, send_mail, "careful@example.org")
    short = _reset(client, link, "short")
    assert short.status_code == 400
    mismatch = _reset(client, link, "long-enough-1", "long-enough-2")
    assert mismatch.status_code == 400
    assert _reset(client, link.replace("/reset/", "/reset/x")).status_code == 400
    no_csrf = client.post(urlsplit(link).path, data={"password": "long-enough-1",
                                                     "confirm": "long-enough-1"})
    assert no_csrf.status_code == 400
    assert _reset(client, link).status_code == 302  # still valid after the refusals


def test_requests_are_limited_per_account_and_per_caller(app, client, factory, smtp_server,
                                                         send_mail):
    factory.user("target", email="target@example.org")
    for _ in range(6):
        assert _forgot(client, "target@example.org").status_code == 200
    send_mail()
    assert len(smtp_server.to("target@example.org")) == 3  # ZC_RESET_LIMIT_ACCOUNT
    for _ in range(5):
        last = _forgot(client, "other@example.org")
    assert last.status_code == 429  # ZC_RESET_LIMIT_ADDRESS: 10 per 15 minutes per caller


def test_inactive_accounts_get_no_link(client, factory, smtp_server, send_mail):
    factory.user("banned", email="banned@example.org", is_active=False)
    assert _forgot(client, "banned@example.org").status_code == 200
    send_mail()
    assert smtp_server.to("banned@example.org") == []


def test_login_page_links_to_recovery(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
    assert db.session.query(User).count() == 0
