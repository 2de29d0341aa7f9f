"""The bench database: a PostgreSQL database recreated, migrated and seeded for every run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from bench.scenarios import BenchContext

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zc_bench"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _admin_url(url: str) -> tuple[sa.URL, str]:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.host not in LOCAL_HOSTS:
        raise SystemExit(f"bench: needs a PostgreSQL database on this machine, not {url}")
    name = parsed.database or ""
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bench: unusable database name {name!r}")
    return parsed.set(database="postgres"), name


def recreate(url: str) -> None:
    """Drop and create the bench database, then build its schema with the migrations."""
    admin, name = _admin_url(url)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        raise SystemExit(f"bench: PostgreSQL does not answer at {admin.host}: {exc}") from exc
    finally:
        engine.dispose()
    gateway = Path(sys.executable).with_name("gateway")
    env = {**os.environ, "DATABASE_URL": url, "ZC_ENV": "development",
           "ZC_SECRET_KEY": "bench-migrations-only"}
    subprocess.run([str(gateway), "db", "upgrade", "heads"], cwd=ROOT, env=env,  # noqa: S603
                   check=True, capture_output=True, timeout=300)


def drop(url: str) -> None:
    """Drop the bench database."""
    admin, name = _admin_url(url)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def seed(ctx: BenchContext, users: int, tokens: int, sample: int = 1000) -> None:
    """Users (real argon2 hashes), one live app, and `tokens` tokens through the seeder hook."""
    from gateway import create_app
    from gateway.accounts import services as accounts
    from gateway.apps import services as apps
    from gateway.extensions import db

    flask_app = create_app({"SQLALCHEMY_DATABASE_URI": ctx.database_url, "ZC_ENV": "development",
                            "SECRET_KEY": "bench-seeding-only", "ZC_LOG_FORMAT": "text"})
    with flask_app.app_context():
        for n in range(users):
            username, password = f"bench{n:05d}", f"bench-password-{n:05d}"
            user = accounts.create_user(username, password)
            ctx.users.append((username, password))
            ctx.user_ids.append(user.id)
        app_row, appkey = apps.create_app(db.session.get(type(user), ctx.user_ids[0]),
                                          name="Bench app", live=True,
                                          redirect_uris=["https://bench.example/callback"])
        ctx.appid, ctx.appkey, ctx.app_row_id = app_row.appid, appkey, app_row.id
        db.session.commit()
        if tokens:
            from bench.tokens import seeder

            ctx.tokens = seeder()(app_id=ctx.app_row_id, appid=ctx.appid,
                                  user_ids=ctx.user_ids, count=tokens, sample=sample)
            db.session.commit()
        db.engine.dispose()
