"""The mail service: queued with the change, sent after commit by the worker over real SMTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway import create_app
from gateway.config import ConfigError
from gateway.extensions import db
from gateway.mail import services as mail
from gateway.mail import worker
from gateway.mail.models import MailMessage
from gateway.mail.smtp_url import mail_settings
from gateway.timeutil import utcnow
from tests.conftest import BASE_CONFIG
from tests.smtp_server import SMTPServer, free_port, self_signed


@pytest.fixture
def app_config(smtp_server):
    return {"ZC_SMTP_URL": smtp_server.url(), "ZC_PUBLIC_URL": "https://id.example.com"}


def _queue(app, factory, **kw):
    user = factory.user(locale="en")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        message = mail.queue("email_in_use", kw.get("to", "a@example.org"), "Subject line",
                             user=user, login_url=mail.public_url("accounts.login"))
        db.session.commit()
        return message.id


def test_mail_waits_for_commit_and_the_worker(app, factory, smtp_server, send_mail):
    user = factory.user()
    with app.test_request_context("/"):
        mail.queue("email_in_use", "gone@example.org", "x", user=user, login_url="https://x")
        db.session.rollback()  # the change that caused it did not happen: neither does the mail
    _queue(app, factory, to="kept@example.org")
    assert smtp_server.received == []  # nothing is sent on the request's path
    assert send_mail() == 1
    assert [r.rcpt_tos for r in smtp_server.received] == [["kept@example.org"]]
    assert send_mail() == 0  # sent once only


def test_every_mail_has_text_and_html_parts_and_configured_links(app, factory, smtp_server,
                                                                  send_mail):
    _queue(app, factory)
    send_mail()
    received = smtp_server.received[0]
    assert received.message.get_content_type() == "multipart/alternative"
    assert received.message["Subject"] == "Subject line"
    assert received.message["From"] == app.config["ZC_MAIL_FROM"]
    # Links come from ZC_PUBLIC_URL even when the request named another host.
    assert received.link() == "https://id.example.com/login"
    assert "evil.example" not in received.data.decode()
    assert '<a href="https://id.example.com/login">' in received.html
    assert 'lang="en"' in received.html


def test_mail_is_written_in_the_readers_language(app, factory, smtp_server, send_mail):
    user = factory.user(locale="zh_Hans")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        mail.queue("email_in_use", "zh@example.org", "x", user=user, login_url="https://x")
        db.session.commit()
    send_mail()
    assert 'lang="zh-Hans"' in smtp_server.received[0].html
    assert db.session.scalar(select(MailMessage.locale)) == "zh_Hans"


def test_failed_sends_are_retried_then_given_up(app, factory, smtp_server, send_mail):
    message_id = _queue(app, factory)
    smtp_server.stop()
    assert send_mail() == 1
    row = db.session.get(MailMessage, message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    assert row.next_attempt_at > utcnow()
    assert send_mail() == 0  # not due yet
    smtp_server.start()
    db.session.get(MailMessage, message_id).next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_mail() == 1
    row = db.session.get(MailMessage, message_id)
    assert row.status == "sent" and row.attempts == 2
    assert len(smtp_server.received) == 1


def test_a_message_is_dead_after_the_last_attempt(app, factory, smtp_server, send_mail):
    app.config["ZC_MAIL_MAX_ATTEMPTS"] = 2
    message_id = _queue(app, factory)
    smtp_server.stop()
    for _ in range(2):
        row = db.session.get(MailMessage, message_id)
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        send_mail()
    assert db.session.get(MailMessage, message_id).status == "dead"
    smtp_server.start()


def test_two_workers_never_send_the_same_mail_twice(app, factory, smtp_server):
    _queue(app, factory)
    first = worker.claim(owner="one")
    second = worker.claim(owner="two")
    assert len(first) == 1 and second == []
    assert worker.send(first[0], owner="two") is False  # not its lease
    assert worker.send(first[0], owner="one") is True
    assert len(smtp_server.received) == 1


# aiosmtpd warns about AUTH without STARTTLS even when the socket is TLS from the start (smtps).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode, scheme, query", [
    ("tls", "smtps", ""), ("starttls", "smtp", "?starttls=true"),
    ("starttls", "smtp+starttls", "")])
def test_tls_and_credentials_from_the_url(tmp_path, monkeypatch, database_url, mode, scheme,
                                          query):
    cert = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # this test's CA is the one trusted
    server = SMTPServer(mode, cert=cert, login=("mailer", "p@ss:word")).start()
    try:
        url = server.url(scheme, query).replace("p@ss:word", "p%40ss%3Aword")
        application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                                  "ZC_SMTP_URL": url})
        with application.app_context():
            with application.test_request_context("/"):
                mail.queue("email_in_use", "tls@example.org", "over TLS", user=None,
                           login_url="https://x", locale="en")
                db.session.commit()
            assert worker.run_once() == 1
            row = db.session.scalar(select(MailMessage))
            assert (row.status, row.last_error) == ("sent", ""), row.last_error
            db.session.remove()
            db.engine.dispose()
        assert server.handler.logins == ["mailer"]
        assert server.to("tls@example.org")[0].message["Subject"] == "over TLS"
    finally:
        server.stop()


def test_starttls_refuses_a_certificate_it_cannot_verify(tmp_path, database_url):
    # A man in the middle answering STARTTLS with his own certificate gets no mail.
    server = SMTPServer("starttls", cert=self_signed(tmp_path)).start()
    try:
        application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                                  "ZC_SMTP_URL": server.url("smtp+starttls")})
        with application.app_context():
            with application.test_request_context("/"):
                mail.queue("email_in_use", "x@example.org", "x", user=None,
                           login_url="https://x", locale="en")
                db.session.commit()
            worker.run_once()
            row = db.session.scalar(select(MailMessage))
            assert row.status == "pending" and "CERTIFICATE_VERIFY_FAILED" in row.last_error
            db.session.remove()
            db.engine.dispose()
        assert server.received == []
    finally:
        server.stop()


def test_smtp_url_forms():
    assert mail_settings("smtp://mx.example:2525", production=True) | {} == {
        "MAIL_BACKEND": "gateway.mail.backend.EmailBackend", "MAIL_SERVER": "mx.example",
        "MAIL_PORT": 2525, "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_USE_SSL": False,
        "MAIL_USE_TLS": False}
    assert mail_settings("smtps://u:p@mx.example", production=True)["MAIL_PORT"] == 465
    assert mail_settings("smtp+starttls://mx.example", production=True)["MAIL_PORT"] == 587
    for bad in ("http://mx.example", "smtp://", "smtp://mx.example:99999", "mx.example"):
        with pytest.raises(ConfigError):
            mail_settings(bad, production=False)
    with pytest.raises(ConfigError, match="without TLS"):
        mail_settings("smtp://u:p@mx.example", production=True)


@pytest.mark.parametrize("settings, message", [
    ({"ZC_PUBLIC_URL": "https://id.example"}, "ZC_SMTP_URL must be set"),
    ({"ZC_SMTP_URL": "smtps://mx.example"}, "https:// URL"),
    ({"ZC_SMTP_URL": "smtps://mx.example", "ZC_PUBLIC_URL": "http://id.example"}, "https://"),
    ({"ZC_SMTP_URL": "smtp://u:p@mx.example", "ZC_PUBLIC_URL": "https://id.example"},
     "without TLS"),
    ({"ZC_SMTP_URL": "smtps://mx.example", "ZC_PUBLIC_URL": "https://id.example",
      "ZC_OPERATOR_MFA": False}, "ZC_OPERATOR_MFA"),
])
def test_production_refuses_unsafe_mail_settings(tmp_path, settings, message):
    from tests.security.test_production_refusals import PRODUCTION

    # Everything else production asks for is there (gateway/security/settings.py).
    others = {k: v for k, v in PRODUCTION.items() if k not in {"ZC_SMTP_URL", "ZC_PUBLIC_URL"}}
    config = {**others, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db", **settings}
    with pytest.raises(ConfigError, match=message):
        create_app(config)


def _app(env, database_url, **extra):
    config = {**BASE_CONFIG, "TESTING": False, "ZC_ENV": env,
              "SQLALCHEMY_DATABASE_URI": database_url, **extra}
    return create_app(config)


def test_development_outbox_page_shows_both_parts(database_url):
    application = _app("development", database_url)
    with application.app_context():
        with application.test_request_context("/"):
            message = mail.queue("email_in_use", "dev@example.org", "Dev <mail>", user=None,
                                 login_url="http://127.0.0.1:8000/login", locale="en")
            db.session.commit()
            message_id = message.id
        client = application.test_client()
        listing = client.get("/dev/mail").get_data(as_text=True)
        assert "dev@example.org" in listing and "Dev &lt;mail&gt;" in listing
        page = client.get(f"/dev/mail/{message_id}").get_data(as_text=True)
        assert "http://127.0.0.1:8000/login" in page
        assert 'sandbox="allow-top-navigation-by-user-activation"' in page
        assert client.get("/dev/mail/999999").status_code == 404
        assert worker.run_once() == 0  # no SMTP configured: mail stays in the outbox
        db.session.remove()
        db.engine.dispose()


def test_outbox_page_is_not_registered_outside_development(database_url):
    port = free_port()
    from tests.security.test_production_refusals import PRODUCTION

    production = _app("production", database_url, **{
        **PRODUCTION, "REDIS_URL": None, "ZC_ALLOW_PROCESS_LIMITS": True,
        "ZC_SMTP_URL": f"smtps://127.0.0.1:{port}", "ZC_PUBLIC_URL": "https://id.example.com",
        "ZC_OPERATOR_MFA": True})
    assert "dev_mail.outbox" not in production.view_functions
    assert production.test_client().get("/dev/mail").status_code == 404
    assert "dev_mail.outbox" not in _app("test", database_url).view_functions
