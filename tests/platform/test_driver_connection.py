"""gateway.driver: hot statements sent to psycopg directly, on the app's own pool.

A pooled connection lent in autocommit mode must come back in the mode sessions rely on, and
one that failed must not go back into the pool at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, literal, select, text, true

from gateway import driver
from gateway.accounts.models import User
from gateway.extensions import db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="psycopg statements need PostgreSQL")


@pytest.fixture
def world_user(factory) -> int:
    user = factory.user("probe")
    db.session.commit()
    return int(user.id)


def test_statements_commit_on_their_own_and_the_connection_returns_transactional(app):
    assert driver.supported()
    db.engine.dispose()  # one pooled connection from here on: the one lent below
    with driver.connection() as conn:
        assert conn.autocommit
        conn.execute("CREATE TABLE zc_driver_probe (n int)")
        conn.execute("INSERT INTO zc_driver_probe VALUES (1)")
    try:
        # Committed without a COMMIT: another connection sees it.
        with db.engine.connect() as other:
            assert other.execute(text("SELECT count(*) FROM zc_driver_probe")).scalar() == 1
        # The same pooled connection, back in a session, is transactional again.
        db.session.execute(text("INSERT INTO zc_driver_probe VALUES (2)"))
        assert db.session.connection().connection.driver_connection.autocommit is False
        db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM zc_driver_probe")).scalar() == 1
    finally:
        db.session.rollback()
        with driver.connection() as conn:
            conn.execute("DROP TABLE zc_driver_probe")


def test_an_error_in_a_statement_leaves_the_pool_usable(app):
    import psycopg

    with pytest.raises(psycopg.errors.UndefinedTable), driver.connection() as conn:
        conn.execute("SELECT * FROM no_such_table")
    with driver.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert db.session.scalar(select(db.func.count()).select_from(User)) is not None


def test_a_broken_connection_is_invalidated_not_returned(app):
    import psycopg

    db.engine.dispose()
    with pytest.raises(psycopg.OperationalError), driver.connection() as conn:
        broken = conn
        with db.engine.connect() as killer:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"),
                           {"pid": conn.info.backend_pid})
            killer.commit()
        conn.execute("SELECT 1")
    with driver.connection() as conn:
        assert conn is not broken and conn.execute("SELECT 1").fetchone() == (1,)


def test_core_statements_run_prepared_with_their_own_constants(app, world_user):
    """A Core statement's literals travel as parameters SQLAlchemy fills in; fetch_one does too,
    so a statement compiled once answers like SQLAlchemy would."""
    statement = (select(User.username, literal("constant"))
                 .where(User.id == bindparam("user_id"), User.is_active == true()))
    with driver.connection() as conn:
        assert driver.fetch_one(conn, statement, {"user_id": world_user}) == ("probe",
                                                                              "constant")
        assert driver.fetch_one(conn, statement, {"user_id": -1}) is None
    assert db.session.execute(statement, {"user_id": world_user}).one() == ("probe", "constant")


def test_one_connection_lends_one_pooled_connection_for_the_block(app):
    db.engine.dispose()
    with driver.one_connection():
        assert db.engine.pool.checkedout() == 0  # nothing checked out until first used
        with driver.connection() as first:
            pid = first.execute("SELECT pg_backend_pid()").fetchone()
        with driver.connection() as second:
            assert second is first and second.execute("SELECT pg_backend_pid()").fetchone() == pid
        assert db.engine.pool.checkedout() == 1
    assert db.engine.pool.checkedout() == 0
    assert first.autocommit is False  # back in the pool as sessions expect it
