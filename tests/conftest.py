"""Fixtures shared by every test: a migrated database per test, app, client, runner, factories.

The schema is built once per run by `alembic upgrade heads` (the migrations are under test too).
SQLite: each test gets a copy of the migrated template file. PostgreSQL (TEST_DATABASE_URL): the
schema is rebuilt once per run, and every table is emptied after each test.
"""

from __future__ import annotations

import atexit
import contextvars
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from gateway import MIGRATIONS_DIR, create_app
from gateway.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

_STORAGE = tempfile.mkdtemp(prefix="zc-test-storage-")
atexit.register(shutil.rmtree, _STORAGE, ignore_errors=True)

FAST_HASHING = {"ZC_ARGON2_TIME_COST": 1, "ZC_ARGON2_MEMORY_COST": 8, "ZC_ARGON2_PARALLELISM": 1}

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "SERVER_NAME": None,
    "RATELIMIT_STORAGE_URI": "process://",
    "REDIS_URL": None,
    # Tests read pages in English unless they ask for another language (Accept-Language, cookie).
    "ZC_DEFAULT_LOCALE": "en",
    # Files and photos of a test run go to a temporary folder, never the checkout's instance/.
    "ZC_STORAGE_URL": "file://" + _STORAGE,
    # Operators' second factor is tested in tests/mfa; other console tests log in with a password.
    "ZC_OPERATOR_MFA": False,
    **FAST_HASHING,
}


def migrate_to_head(url: str) -> None:
    """Build the schema at `url` with the project's migrations."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The migrated database every test starts from (a file for SQLite, the URL for PostgreSQL)."""
    if POSTGRES_URL:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        migrate_to_head(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if POSTGRES_URL:
        yield POSTGRES_URL
        _empty_all_tables(POSTGRES_URL)
        return
    path = tmp_path / "test.db"
    shutil.copyfile(database_template, path)
    yield f"sqlite:///{path}"


def _empty_all_tables(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")
    engine.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test configuration overrides; a test module may override this fixture."""
    return {}


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, `g` and database session,
    as in production, even while the test itself holds an app context open."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """The platform app on a fresh database, with an app context held for the test's own queries
    (requests made through `client` run in their own contexts)."""
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                              **app_config})
    application.test_client_class = IsolatedClient
    with application.app_context():  # (each app has its own token store and caches)
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


_counter = itertools.count(1)


class Factory:
    """Makes rows the way the services do, committed, for tests to stand on."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(self, username: str | None = None, password: str = "password123",
             **fields: Any) -> Any:
        from gateway.accounts import services
        from gateway.timeutil import utcnow

        user = services.create_user(username or f"user{next(_counter)}", password)
        if "email" not in fields:  # every account has a verified address unless a test says not
            fields = {"email": f"{user.username.lower()}@example.test",
                      "email_verified_at": utcnow(), **fields}
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()
        return user


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory(app)


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                          r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Auth:
    """Logs the test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, username: str, password: str = "password123", next: str = "") -> Any:
        token = self.csrf("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token, "next": next})

    def logout(self) -> Any:
        return self.client.post("/logout", data={"csrf_token": self.csrf("/")})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server on loopback (plain); mail reaches it when the worker runs."""
    from tests.smtp_server import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def send_mail(app: Flask) -> Any:
    """Run the mail worker once, as `gateway worker` does after the request committed."""
    from gateway.mail import worker

    def run() -> int:
        sent = worker.run_once()
        db.session.remove()
        return sent

    return run
