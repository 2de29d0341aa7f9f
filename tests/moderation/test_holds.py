"""Operators deactivate, ban and reinstate accounts through the console: a ban takes effect on a
live token at once (API 401 right after, cache on; on PostgreSQL also in another instance), the
login page tells the account holder only after the right password, a banned developer's live
apps are suspended and come back with the account, and every decision is in the audit log."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from gateway import create_app
from gateway.accounts.models import User
from gateway.apps.services import create_app as create_site
from gateway.audit.models import AuditEvent
from gateway.developers import review
from gateway.extensions import db
from gateway.moderation.models import AccountSuspension
from tests.conftest import BASE_CONFIG, POSTGRES_URL, Auth
from tests.developer_portal.helpers import page, post_form
from tests.openapi.test_token_cache import current_cache


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The token cache on (SQLite too): only an eviction can explain a 401 right after the ban.
    return {"ZC_TOKEN_CACHE_TTL": 30, "ZC_APP_CACHE_TTL": 3600,
            "ZC_BASE_URL": "https://zc.example"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _warm(client: Any, token: str) -> None:
    cache = current_cache()
    assert cache is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
        if cache.hits > 0:
            return
        time.sleep(0.02)
    raise AssertionError("the token check was never cached")


def _operator(app: Any, factory: Any, name: str = "opal") -> Any:
    factory.user(name, is_admin=True)
    client = app.test_client()
    assert Auth(client).login(name).status_code == 302
    return client


def _decide(operator: Any, user_id: int, decision: str, reason: str | None = "spam") -> Any:
    data = {} if reason is None else {"reason": reason}
    return post_form(operator, f"/admin/accounts/{user_id}",
                     f"/admin/accounts/{user_id}/{decision}", data)


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_ban_stops_a_live_token_at_once(app, client, world, factory) -> None:
    issued = world.token(["get_user_info"])
    _warm(client, issued.access_token)
    operator = _operator(app, factory)
    done = _decide(operator, world.user.id, "ban", "Sells stolen accounts.")
    assert done.status_code == 302
    after = client.get("/api/v1/me", headers=_bearer(issued.access_token))
    assert after.status_code == 401
    refresh = client.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": issued.refresh_token},
                          auth=(world.app.appid, world.appkey))
    assert refresh.status_code == 400 and refresh.get_json()["error"] == "invalid_grant"
    [event] = _events("account.banned")
    assert event.subject_id == str(world.user.id)
    assert event.details["reason"] == "Sells stolen accounts."
    assert event.details["tokens_revoked"] == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="another instance learns of the ban by NOTIFY")
def test_a_ban_reaches_another_instance_at_once(app, client, world, factory) -> None:
    issued = world.token(["get_user_info"])
    other = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config[
        "SQLALCHEMY_DATABASE_URI"], "ZC_TOKEN_CACHE_TTL": 30, "ZC_APP_CACHE_TTL": 3600,
        "ZC_BASE_URL": "https://zc.example"})
    other_client = other.test_client()
    try:
        with other.app_context():
            _warm(other_client, issued.access_token)
        operator = _operator(app, factory)
        assert _decide(operator, world.user.id, "ban").status_code == 302
        started = time.monotonic()
        while other_client.get("/api/v1/me", headers=_bearer(
                issued.access_token)).status_code != 401:
            assert time.monotonic() - started < 2.0, "the other instance still serves the token"
            time.sleep(0.01)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_login_page_says_banned_only_after_the_right_password(app, client, factory) -> None:
    alice = factory.user("alice")
    signed_in = app.test_client()
    Auth(signed_in).login("alice")
    assert signed_in.get("/account/profile").status_code == 200
    operator = _operator(app, factory)
    assert _decide(operator, alice.id, "ban").status_code == 302
    # Her open session is over.
    assert signed_in.get("/account/profile").status_code == 302
    auth = Auth(client)
    wrong = auth.login("alice", "not-her-password")
    nobody = auth.login("nobody-here", "not-her-password")
    assert wrong.status_code == nobody.status_code == 401
    for answer in (wrong, nobody):
        html = answer.get_data(as_text=True)
        assert "Wrong username or password." in html and "banned" not in html
    right = auth.login("alice")
    html = right.get_data(as_text=True)
    assert right.status_code == 403 and "<h1>Account banned</h1>" in html
    assert "account_banned" in html and "spam" not in html  # the operator's note stays inside
    assert client.get("/account/profile").status_code == 302  # and no session was started
    assert [e.details["hold"] for e in _events("login.refused")] == ["banned"]


def test_deactivate_then_reinstate(app, client, factory) -> None:
    bob = factory.user("bob")
    operator = _operator(app, factory)
    assert _decide(operator, bob.id, "deactivate", "Asked by phone, ticket 42.").status_code == 302
    answer = Auth(client).login("bob")
    assert answer.status_code == 403
    assert "<h1>Account deactivated</h1>" in answer.get_data(as_text=True)
    html = page(operator, f"/admin/accounts/{bob.id}")
    assert 'id="account-status">deactivated' in html and "ticket 42" in html
    assert _decide(operator, bob.id, "reinstate", None).status_code == 302
    assert Auth(client).login("bob").status_code == 302
    assert [e.details["kind"] for e in _events("account.reinstated")] == ["deactivated"]
    hold = db.session.scalar(select(AccountSuspension))
    assert hold.lifted_at is not None and hold.reason == "Asked by phone, ticket 42."


def test_a_ban_suspends_live_apps_and_reinstating_brings_back_only_those(app, factory) -> None:
    devon = factory.user("devon")
    opal = factory.user("opal-self", is_admin=True)
    apps = {}
    for name in ("Alpha", "Beta", "Gamma"):
        apps[name], _ = create_site(devon, name=name, redirect_uris=["https://a.example/cb"],
                                    live=True)
    db.session.commit()
    review.suspend_app(apps["Gamma"], opal, "Earlier abuse.")  # suspended before the ban
    db.session.commit()
    operator = _operator(app, factory)
    assert _decide(operator, devon.id, "ban", "Phishing pages.").status_code == 302
    db.session.expire_all()
    assert {n: a.status for n, a in apps.items()} == {
        "Alpha": "suspended", "Beta": "suspended", "Gamma": "suspended"}
    [event] = _events("account.banned")
    assert sorted(event.details["apps_suspended"]) == sorted(
        [apps["Alpha"].appid, apps["Beta"].appid])
    # While the developer is banned no app of theirs goes live from the app pages.
    refused = post_form(operator, f"/admin/apps/{apps['Alpha'].appid}",
                        f"/admin/apps/{apps['Alpha'].appid}/reinstate", {})
    assert refused.status_code == 409 and "reinstate the account first" in refused.get_data(
        as_text=True)
    db.session.expire_all()
    assert apps["Alpha"].status == "suspended"
    # During the ban an operator decides on Beta himself: it is his decision that holds.
    devon.is_active = True  # (the service rule above, lifted for this step only)
    db.session.commit()
    review.reinstate_app(apps["Beta"], opal)
    db.session.commit()
    review.suspend_app(apps["Beta"], opal, "Its own abuse.")
    devon.is_active = False
    db.session.commit()
    assert _decide(operator, devon.id, "reinstate", None).status_code == 302
    db.session.expire_all()
    assert {n: a.status for n, a in apps.items()} == {
        "Alpha": "live", "Beta": "suspended", "Gamma": "suspended"}
    [back] = _events("account.reinstated")
    assert back.details["apps_reinstated"] == [apps["Alpha"].appid]


def test_bad_decisions_change_nothing(app, client, auth, factory) -> None:
    carol = factory.user("carol")
    auth.login("carol")
    assert client.get("/admin/accounts").status_code == 403
    assert client.post(f"/admin/accounts/{carol.id}/ban", data={"reason": "x"}
                       ).status_code in {400, 403}
    operator = _operator(app, factory)
    assert _decide(operator, carol.id, "ban", "").status_code == 400
    assert _decide(operator, carol.id, "ban", "x" * 2001).status_code == 400
    assert _decide(operator, carol.id, "explode").status_code == 404
    assert _decide(operator, carol.id, "reinstate", None).status_code == 409
    assert operator.get("/admin/accounts/999999").status_code == 404
    no_csrf = operator.post(f"/admin/accounts/{carol.id}/ban", data={"reason": "x"})
    assert no_csrf.status_code == 400
    opal = db.session.scalar(select(User).where(User.username == "opal"))
    assert _decide(operator, opal.id, "ban").status_code == 409  # not oneself
    assert db.session.scalar(select(AccountSuspension.id)) is None
    assert _events("account.banned") == []
    assert client.get("/account/profile").status_code == 200  # carol is untouched
    assert _decide(operator, carol.id, "deactivate").status_code == 302
    assert _decide(operator, carol.id, "ban").status_code == 409  # one hold at a time


def test_operators_act_only_with_their_second_factor(app, factory) -> None:
    dave = factory.user("dave")
    operator = _operator(app, factory)
    app.config["ZC_OPERATOR_MFA"] = True  # the production rule (tests/mfa covers the factor)
    answer = post_form(operator, "/", f"/admin/accounts/{dave.id}/ban", {"reason": "x"})
    assert answer.status_code == 302 and "/account/security" in answer.headers["Location"]
    assert operator.get("/admin/accounts?q=dave").status_code == 302
    assert db.session.scalar(select(AccountSuspension.id)) is None


def test_search_by_username_or_email_and_resolve_an_openid(app, world, factory) -> None:
    world.user.email = "alice.w@mail.example"
    factory.user("alicia")
    db.session.commit()
    issued = world.token(["get_user_info"])
    operator = _operator(app, factory)
    html = page(operator, "/admin/accounts?q=ALIC")
    assert f'href="/admin/accounts/{world.user.id}"' in html and ">alicia<" in html
    by_mail = page(operator, "/admin/accounts?q=w@mail.example")
    assert ">alice<" in by_mail and "alicia" not in by_mail
    assert "No account matches" in page(operator, "/admin/accounts?q=100%25_")
    # The openid an app reported: found, and the look-up audited with the reason.
    unreasoned = post_form(operator, "/admin/accounts", "/admin/accounts/openid",
                           {"openid": issued.openid, "reason": ""})
    assert unreasoned.status_code == 400 and _events("account.openid_resolved") == []
    found = post_form(operator, "/admin/accounts", "/admin/accounts/openid",
                      {"openid": issued.openid.lower(), "reason": "Report 7 from Demo Site"})
    assert found.headers["Location"].endswith(f"/admin/accounts/{world.user.id}")
    assert "for the app Demo Site" in page(operator, found.headers["Location"])
    unknown = post_form(operator, "/admin/accounts", "/admin/accounts/openid",
                        {"openid": "0" * 32, "reason": "Report 8"})
    assert unknown.status_code == 404 and "No account has that openid." in unknown.get_data(
        as_text=True)
    bad = post_form(operator, "/admin/accounts", "/admin/accounts/openid",
                    {"openid": "' OR 1=1 --", "reason": "x"})
    assert bad.status_code == 400
    events = _events("account.openid_resolved")
    assert [(e.details["reason"], e.details["found"], e.subject_id) for e in events] == [
        ("Report 7 from Demo Site", True, str(world.user.id)), ("Report 8", False, None)]
    assert events[0].details["appid"] == world.app.appid
