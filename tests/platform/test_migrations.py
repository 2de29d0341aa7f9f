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
