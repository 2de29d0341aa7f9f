"""Authenticator apps and recovery codes, through the real pages; lock mail from real SMTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.accounts.models import UserSession
from gateway.extensions import db
from gateway.mfa.models import RecoveryCode, TotpFactor
from gateway.timeutil import utcnow
from tests.conftest import csrf_from
from tests.mfa.helpers import enrol, next_code, second_step


@pytest.fixture
def app_config(smtp_server):
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": "https://id.example.com"}


@pytest.fixture
def enrolled(client, auth, factory):
    user = factory.user("guarded", email="guarded@example.org")
    auth.login("guarded")
    totp, codes = enrol(client)
    auth.logout()
    user_id = user.id
    # As if the phone's next code had come up: enrolment spent this time step's code.
    db.session.get(TotpFactor, user_id).last_step = 0
    db.session.commit()
    return user_id, totp, codes


def test_enrolment_shows_ten_recovery_codes_once_stored_as_digests(client, auth, factory):
    user_id = factory.user("setter").id
    auth.login("setter")
    assert "Set up an authenticator app" in client.get("/account/security").get_data(as_text=True)
    _, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    rows = db.session.query(RecoveryCode).filter_by(user_id=user_id).all()
    assert len(rows) == 10
    stored = {r.code_digest for r in rows}
    assert not any(code.replace("-", "") in stored or code in stored for code in codes)
    factor = db.session.get(TotpFactor, user_id)
    assert factor.confirmed_at is not None and "JBSW" not in factor.sealed_secret
    page = client.get("/account/security").get_data(as_text=True)
    assert "10 unused codes left." in page
    assert codes[0] not in page  # shown once only


def test_a_wrong_first_code_does_not_turn_it_on(client, auth, factory):
    user_id = factory.user("setter").id
    auth.login("setter")
    html = client.get("/account/security/totp").get_data(as_text=True)
    answer = client.post("/account/security/totp", data={"code": "000000",
                                                         "csrf_token": csrf_from(html)})
    assert answer.status_code == 400
    assert db.session.get(TotpFactor, user_id).confirmed_at is None


def test_login_needs_the_code_after_the_password(client, auth, enrolled):
    _, totp, _ = enrolled
    answer = auth.login("guarded", next="/account/apps")
    assert answer.status_code == 302 and answer.location == "/login/verify"
    assert client.get("/account/profile").status_code == 302  # not logged in yet
    wrong = second_step(client, "123456")
    assert wrong.status_code == 400 and "That code is not right." in wrong.get_data(as_text=True)
    right = second_step(client, totp.now())
    assert right.status_code == 302 and right.location == "/account/apps"
    assert client.get("/account/profile").status_code == 200
    record = db.session.query(UserSession).filter(UserSession.ended_at.is_(None)).one()
    assert record.amr.split() == ["pwd", "otp", "mfa"] and record.second_factor_at is not None


def test_a_code_works_once(client, auth, enrolled):
    _, totp, _ = enrolled
    code = next_code(totp)
    auth.login("guarded")
    assert second_step(client, code).status_code == 302
    auth.logout()
    auth.login("guarded")
    assert second_step(client, code).status_code == 400  # replayed


def test_a_recovery_code_works_once(client, auth, enrolled):
    _, _, codes = enrolled
    auth.login("guarded")
    assert second_step(client, codes[3].upper()).status_code == 302
    auth.logout()
    auth.login("guarded")
    assert second_step(client, codes[3]).status_code == 400


def test_the_pending_login_expires_and_needs_the_password(client, auth, enrolled):
    _, totp, _ = enrolled
    token = csrf_from(client.get("/login").get_data(as_text=True))
    alone = client.post("/login/verify", data={"code": totp.now(), "csrf_token": token})
    assert alone.status_code == 400  # no password given: nobody to check a code for
    assert client.get("/account/profile").status_code == 302
    auth.login("guarded")
    with client.session_transaction() as session:
        session["mfa_pending"] = {**session["mfa_pending"],
                                  "at": session["mfa_pending"]["at"] - 301}
    late = client.post("/login/verify", data={"code": totp.now(), "csrf_token": token})
    assert late.status_code == 400 and "log in again" in late.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 302


def test_five_wrong_codes_lock_the_factor_and_mail_the_owner(client, auth, enrolled,
                                                             smtp_server, send_mail):
    user_id, totp, codes = enrolled
    auth.login("guarded")
    for _ in range(5):
        assert second_step(client, "000000").status_code == 400
    locked = second_step(client, totp.now())
    assert locked.status_code == 429 and "locked for 15" in locked.get_data(as_text=True)
    assert second_step(client, codes[0]).status_code == 429  # recovery codes wait too
    send_mail()
    [mail] = smtp_server.to("guarded@example.org")
    assert mail.message["Subject"] == "Your ZoneConnect second factor is locked"
    assert "15 minutes" in mail.text and "15 minutes" in mail.html
    factor = db.session.get(TotpFactor, user_id)
    factor.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert second_step(client, totp.now()).status_code == 302


def test_step_up_after_ten_minutes(client, auth, enrolled):
    _, totp, _ = enrolled
    auth.login("guarded")
    second_step(client, totp.now())
    assert client.get("/account/password").status_code == 200  # checked a moment ago
    record = db.session.query(UserSession).filter(UserSession.ended_at.is_(None)).one()
    record.second_factor_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    for path in ("/account/password", "/account/email", "/account/security/totp"):
        asked = client.get(path)
        assert asked.status_code == 302 and asked.location == f"/login/verify?next={path}"
    token = csrf_from(client.get("/login").get_data(as_text=True))
    posted = client.post("/account/password", data={
        "current_password": "password123", "new_password": "changed-pass-1",
        "confirm": "changed-pass-1", "csrf_token": token})
    assert posted.location == "/login/verify?next=/account/password"
    back = client.post("/login/verify?next=/account/password", data={
        "code": next_code(totp),
        "csrf_token": csrf_from(client.get("/login/verify").get_data(as_text=True))})
    assert back.status_code == 302 and back.location == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_reset_password_still_asks_for_the_second_factor(client, auth, enrolled, smtp_server,
                                                         send_mail):
    _, totp, _ = enrolled
    page = client.get("/password/forgot").get_data(as_text=True)
    client.post("/password/forgot", data={"email": "guarded@example.org",
                                          "csrf_token": csrf_from(page)})
    send_mail()
    link = smtp_server.to("guarded@example.org")[-1].link("/password/reset/")
    path = link.split("https://id.example.com", 1)[1]
    form = client.get(path).get_data(as_text=True)
    client.post(path, data={"password": "new-password-1", "confirm": "new-password-1",
                            "csrf_token": csrf_from(form)})
    answer = auth.login("guarded", "new-password-1")
    assert answer.location == "/login/verify"
    assert client.get("/account/profile").status_code == 302


def test_removing_the_app_needs_a_fresh_check_and_drops_the_codes(client, auth, enrolled):
    user_id, totp, _ = enrolled
    auth.login("guarded")
    second_step(client, totp.now())
    page = client.get("/account/security").get_data(as_text=True)
    client.post("/account/security/totp/remove", data={"csrf_token": csrf_from(page)})
    assert db.session.get(TotpFactor, user_id) is None
    assert db.session.query(RecoveryCode).filter_by(user_id=user_id).count() == 0
    auth.logout()
    assert auth.login("guarded").location == "/"  # one step again


def test_operators_need_a_second_factor_to_act(app, client, auth, factory):
    app.config["ZC_OPERATOR_MFA"] = True
    factory.user("operator", is_admin=True)
    auth.login("operator")
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer.location == "/account/security"
    totp, _ = enrol(client)
    assert client.get("/admin/").status_code == 200  # enrolling checked the factor
    auth.logout()
    auth.login("operator")
    assert client.get("/admin/").status_code == 302  # the second step is not done yet
    second_step(client, next_code(totp))
    assert client.get("/admin/").status_code == 200


def test_production_refuses_operators_without_a_second_factor(tmp_path):
    from gateway.config import ConfigError, build
    from tests.security.test_production_refusals import PRODUCTION

    with pytest.raises(ConfigError, match="ZC_OPERATOR_MFA"):
        build(str(tmp_path), {**PRODUCTION, "ZC_OPERATOR_MFA": False}, environ={})


def test_developers_are_asked_before_payouts(client, auth, factory):
    factory.user("devon")
    auth.login("devon")
    page = client.get("/developer/revenue/payouts")
    if page.status_code != 200:
        pytest.skip("payout page needs a developer profile in this build")
    from gateway.mfa.flow import ASKED

    client.post("/developer/revenue/payouts",
                data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    with client.session_transaction() as session:
        assert session.get(ASKED) is True
