"""The schema comes only from migrations, and they match the models."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from flask_migrate import Config

from gateway import MIGRATIONS_DIR


def alembic_config(app) -> Config:
    config = Config(f"{MIGRATIONS_DIR}/alembic.ini")
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return app.extensions["migrate"].migrate.call_configure_callbacks(config)


def test_models_and_migrations_do_not_drift(app):
    command.check(alembic_config(app))


def test_migrations_have_a_single_head(app):
    assert len(ScriptDirectory.from_config(alembic_config(app)).get_heads()) == 1


def test_unique_app_names_migration_keeps_existing_twins(app, factory):
    """0120: twins registered before the index keep their rows; the younger ones get their
    appid appended to the name."""
    from sqlalchemy import text

    from gateway.extensions import db

    devon_id = factory.user("devon").id  # read now: later columns vanish with the downgrade
    db.session.commit()
    config = alembic_config(app)
    command.downgrade(config, "0080")
    for number in (1, 2, 3):
        db.session.execute(text(
            "INSERT INTO apps (appid, developer_id, name, description, category, website, "
            "app_type, status, redirect_uris, appkey_digest, unionid_enabled, webhook_url, "
            "deauthorize_url, webhook_secret, review_note, created_at, updated_at) VALUES "
            "(:appid, :dev, 'Twin', '', 'other', '', 'web', 'draft', '[]', 'x', false, '', '', "
            "'', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"appid": str(101000000 + number), "dev": devon_id})
    db.session.commit()
    command.upgrade(config, "heads")
    names = db.session.execute(text("SELECT name FROM apps ORDER BY id")).scalars().all()
    assert names == ["Twin", "Twin (101000002)", "Twin (101000003)"]
