"""0179: each app's single webhook URL becomes its first endpoint (every event, the app's secret
and overlap), the deliveries queued for it belong to it, and the downgrade gives the URL back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from gateway.extensions import db
from tests.platform.test_migrations import alembic_config


def test_the_single_webhook_url_becomes_the_first_endpoint_and_back(app, factory) -> None:
    developer_id = factory.user("devon").id
    db.session.commit()
    config = alembic_config(app)
    command.downgrade(config, "0163")
    db.session.execute(text(
        "INSERT INTO apps (appid, developer_id, name, description, category, website, "
        "app_type, status, redirect_uris, appkey_digest, unionid_enabled, webhook_url, "
        "deauthorize_url, webhook_secret, review_note, created_at, updated_at) VALUES "
        "(:appid, :dev, :name, '', 'other', '', 'web', 'live', '[]', 'x', false, :url, '', "
        ":secret, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        [{"appid": "101000001", "dev": developer_id, "name": "Hooked",
          "url": "https://hooks.example/zc", "secret": "s" * 48},
         {"appid": "101000002", "dev": developer_id, "name": "Quiet", "url": "",
          "secret": "q" * 48}])
    app_id = db.session.execute(text("SELECT id FROM apps WHERE appid = '101000001'")).scalar()
    db.session.execute(text(
        "INSERT INTO outbox_messages (event_id, app_id, event_type, url, body, status, attempts,"
        " next_attempt_at, created_at) VALUES (:e, :a, 'order.paid', :u, '{}', 'pending', 0,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        [{"e": "evt_1", "a": app_id, "u": "https://hooks.example/zc"},
         {"e": "evt_2", "a": app_id, "u": "https://shop.example/notify"}])
    db.session.commit()
    command.upgrade(config, "heads")

    rows = db.session.execute(text(
        "SELECT app_id, url, secret, enabled, event_types FROM webhook_endpoints")).all()
    assert [(r[0], r[1], r[2], bool(r[3])) for r in rows] == [
        (app_id, "https://hooks.example/zc", "s" * 48, True)]
    assert rows[0][4] in ("[]", [])
    endpoint_id = db.session.execute(text("SELECT id FROM webhook_endpoints")).scalar()
    owners = dict(db.session.execute(text(
        "SELECT event_id, endpoint_id FROM outbox_messages")).all())
    assert owners == {"evt_1": endpoint_id, "evt_2": None}
    assert db.session.execute(text("SELECT count(*) FROM webhook_events")).scalar() == 2
    db.session.commit()

    command.downgrade(config, "0163")
    urls = dict(db.session.execute(text("SELECT appid, webhook_url FROM apps")).all())
    assert urls == {"101000001": "https://hooks.example/zc", "101000002": ""}
    db.session.commit()
    command.upgrade(config, "heads")
