"""Notification mail read off the loopback SMTP server: developers hear of review decisions
(with the reviewer's reason) and suspensions, users get receipts for top-ups and paid orders, in
their language; each carries a signed one-click unsubscribe link and List-Unsubscribe headers,
and turning a topic off (by the link or the profile page) stops it, never security mail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from gateway.apps.models import AppPermission
from gateway.apps.services import create_app as create_site
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from gateway.notifications.models import MailOptOut
from gateway.wallet.services import credit_topup
from tests.conftest import Auth, csrf_from
from tests.developer_portal.helpers import page, post_form
from tests.money_helpers import make_shop, pay_order

PUBLIC = "https://id.example.com"
DEVON, CAROL = "devon@example.test", "carol@example.test"  # the factory's addresses


@pytest.fixture
def app_config(smtp_server: Any) -> dict[str, Any]:
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": PUBLIC}


def _developer(factory: Any, name: str = "devon", **fields: Any) -> Any:
    from gateway.developers.models import DeveloperProfile

    user = factory.user(name, **fields)
    db.session.add(DeveloperProfile(user_id=user.id, name=f"{name} inc",
                                    contact_email=f"{name}@example.com"))
    db.session.commit()
    return user


def _in_review(developer: Any, name: str) -> Any:
    site, _ = create_site(developer, name=name, redirect_uris=["https://s.example/cb"],
                          scopes=["add_share"], live=False)
    site.status = "in_review"
    db.session.commit()
    return site


def _operator(app: Any, factory: Any) -> Any:
    factory.user("opal", is_admin=True)
    client = app.test_client()
    assert Auth(client).login("opal").status_code == 302
    return client


def _decide(operator: Any, appid: str, decision: str, reason: str | None = None) -> None:
    data = {} if reason is None else {"reason": reason}
    answer = post_form(operator, f"/admin/apps/{appid}", f"/admin/apps/{appid}/{decision}", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_review_decisions_reach_the_developer_with_the_reason(app, factory, smtp_server,
                                                              send_mail) -> None:
    devon = _developer(factory)
    rejected, approved = _in_review(devon, "Photo <Share>"), _in_review(devon, "Notes")
    rejected_appid = rejected.appid
    operator = _operator(app, factory)
    _decide(operator, rejected.appid, "reject", "Your privacy policy <link> is missing.")
    _decide(operator, approved.appid, "approve")
    assert smtp_server.received == []  # queued with the decision, sent by the worker
    send_mail()
    no, yes = smtp_server.to(DEVON)
    assert no.message["Subject"] == "Photo <Share> was not approved"
    assert "Your privacy policy <link> is missing." in no.text
    assert "Your privacy policy &lt;link&gt; is missing." in no.html  # escaped in HTML
    assert no.link("/developer/apps/").startswith(f"{PUBLIC}/developer/apps/{rejected_appid}")
    assert yes.message["Subject"] == "Notes is approved and live"
    assert "was approved: it is live now" in yes.text
    for received in (no, yes):
        assert received.message.get_content_type() == "multipart/alternative"
        unsubscribe = str(received.message["List-Unsubscribe"]).strip()
        assert unsubscribe.startswith(f"<{PUBLIC}/unsubscribe/") and unsubscribe.endswith(">")
        assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe[1:-1] in received.text and unsubscribe[1:-1] in received.html


def test_permission_decisions_and_suspensions_are_mailed(app, factory, smtp_server,
                                                          send_mail) -> None:
    devon = _developer(factory)
    site, _ = create_site(devon, name="Shares", redirect_uris=["https://s.example/cb"],
                          scopes=["add_share"], live=True)
    db.session.commit()
    permission = db.session.scalar(select(AppPermission).where(
        AppPermission.app_id == site.id, AppPermission.scope == "add_share"))
    permission.status = "requested"
    db.session.commit()
    operator = _operator(app, factory)
    answer = post_form(operator, f"/admin/apps/{site.appid}",
                       f"/admin/permissions/{permission.id}/refuse",
                       {"reason": "Say what you share."})
    assert answer.status_code == 302
    _decide(operator, site.appid, "suspend", "Spam in shares.")
    send_mail()
    refused, suspended = smtp_server.to(DEVON)
    assert refused.message["Subject"] == "add_share refused for Shares"
    assert "Say what you share." in refused.text
    assert suspended.message["Subject"] == "Shares is suspended"
    assert "Spam in shares." in suspended.text and "tokens were revoked" in suspended.text


def test_one_click_unsubscribe_stops_that_topic_only(app, client, factory, smtp_server,
                                                     send_mail) -> None:
    devon = _developer(factory)
    first, second = _in_review(devon, "One").appid, _in_review(devon, "Two").appid
    three = _in_review(devon, "Three")
    three.status = "live"
    db.session.commit()
    three_appid = three.appid
    operator = _operator(app, factory)
    _decide(operator, first, "reject", "No.")
    send_mail()
    [received] = smtp_server.to(DEVON)
    url = str(received.message["List-Unsubscribe"]).strip()[1:-1]
    path = url.removeprefix(PUBLIC)
    # Opening the link (or a scanner following it) changes nothing: the page has one button.
    shown = client.get(path)
    assert shown.status_code == 200 and "App reviews" in shown.get_data(as_text=True)
    assert db.session.scalar(select(MailOptOut)) is None
    forged = client.post(path[:-3] + "abc", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 400 and db.session.scalar(select(MailOptOut)) is None
    # The mail client's RFC 8058 POST: no session, no CSRF token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'id="unsubscribed"' in done.get_data(as_text=True)
    assert client.post(path, data={}).status_code == 200  # again: still off, nothing breaks
    _decide(operator, second, "reject", "Still no.")
    _decide(operator, three_appid, "suspend", "Abuse.")
    send_mail()
    subjects = [r.message["Subject"] for r in smtp_server.to(DEVON)]
    assert subjects == ["One was not approved", "Three is suspended"]  # reviews off, not others
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "notifications.changed")).all()
    assert [(e.details["topic"], e.details["via"]) for e in events] == [
        ("app_reviews", "unsubscribe_link")]


def test_receipts_for_top_ups_and_paid_orders(app, client, auth, factory, smtp_server,
                                              send_mail) -> None:
    shop = make_shop(factory, coins=0)
    from gateway.accounts.models import User

    buyer = db.session.get(User, shop.user_id)
    buyer_id, address = buyer.id, buyer.email
    auth.login(buyer.username)
    token = csrf_from(page(client, "/account/wallet"))
    assert client.post("/account/wallet/topup", data={"csrf_token": token, "coins": "25"}
                       ).status_code in {302, 303}
    order_id = pay_order(shop, 10)
    send_mail()
    topup, order = smtp_server.to(address)
    assert topup.message["Subject"] == "Receipt: 25 coins"
    assert "top-up of 25 coins" in topup.text and "Reference: sandbox_" in topup.text
    item = re.search(r"Item: (.+)", order.text).group(1).strip()
    assert order.message["Subject"] == f"Receipt: {item} in Sword Shop"
    assert f"Order: {order_id}" in order.text and "10 coins" in order.text
    assert order.link("/account/wallet") == f"{PUBLIC}/account/wallet"
    # A provider event replayed for the same top-up credits once and sends one receipt.
    credit_topup(buyer_id, 5, "cs_test_once")
    credit_topup(buyer_id, 5, "cs_test_once")
    db.session.commit()
    send_mail()
    assert [r.message["Subject"] for r in smtp_server.to(address)][2:] == [
        "Receipt: 5 coins"]


def test_the_profile_page_turns_topics_off_but_never_security_mail(
        app, client, auth, factory, smtp_server, send_mail) -> None:
    carol_id = factory.user("carol").id
    auth.login("carol")
    html = page(client, "/account/profile")
    assert 'id="topic-receipts"' in html and "checked" in html
    assert 'id="topic-payouts"' not in html  # developer topics only for developers
    token = csrf_from(html)
    refused = client.post("/account/notifications",
                          data={"csrf_token": token, "topic": ["receipts", "security"]})
    assert refused.status_code == 400 and db.session.scalar(select(MailOptOut)) is None
    assert client.post("/account/notifications", data={"topic": []}).status_code == 400
    saved = client.post("/account/notifications", data={"csrf_token": token})
    assert saved.status_code == 303
    assert 'id="topic-receipts"' in page(client, "/account/profile")
    assert 'value="receipts" checked' not in page(client, "/account/profile")
    credit_topup(carol_id, 7, "cs_test_quiet")
    db.session.commit()
    # Security mail still comes: a password reset asked for with everything turned off.
    forgot = Auth(app.test_client())
    answer = forgot.client.post("/password/forgot", data={
        "email": CAROL, "csrf_token": forgot.csrf("/password/forgot")})
    assert answer.status_code in {200, 302, 303}
    send_mail()
    kinds = [r.message["X-ZoneConnect-Mail"] for r in smtp_server.to(CAROL)]
    assert kinds == ["reset_password"]
    assert smtp_server.to(CAROL)[0].message["List-Unsubscribe"] is None


def test_written_in_the_readers_language_and_only_to_verified_addresses(
        app, factory, smtp_server, send_mail) -> None:
    zhang = factory.user("zhang", locale="zh_Hans")
    unverified = factory.user("unverified", email="u@example.test", email_verified_at=None)
    credit_topup(zhang.id, 30, "cs_test_zh")
    credit_topup(unverified.id, 30, "cs_test_unverified")
    db.session.commit()
    send_mail()
    [receipt] = smtp_server.received
    assert receipt.rcpt_tos == ["zhang@example.test"]
    assert receipt.message["Subject"] == "收据：30 个金币"
    assert 'lang="zh-Hans"' in receipt.html and "退订" in receipt.html
