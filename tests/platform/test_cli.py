"""The `gateway` command's output contract."""

from __future__ import annotations

import json

from gateway.accounts.models import User
from gateway.extensions import db


def test_users_create_prints_id(runner):
    result = runner.invoke(args=["users", "create", "--username", "carol", "--password",
                                 "carol-password", "--nickname", "Carol", "--admin"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    user = db.session.get(User, payload["id"])
    assert user.username == "carol" and user.is_admin and user.nickname == "Carol"


def test_users_create_refuses_duplicates_cleanly(runner, factory):
    factory.user("carol")
    result = runner.invoke(args=["users", "create", "--username", "carol", "--password",
                                 "carol-password"])
    assert result.exit_code == 1 and "taken" in result.output


def test_demo_is_idempotent(runner, auth):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert db.session.query(User).count() == 3
    assert auth.login("alice", "alice-password").status_code == 302
    assert db.session.query(User).filter_by(username="admin").one().is_admin


def test_production_without_secret_key_is_a_one_line_error(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZC_")}
    env.update(ZC_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    result = subprocess.run([sys.executable, "-m", "gateway.cli", "users", "--help"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1
    assert "ZC_SECRET_KEY must be set in production" in result.stderr
    assert "Traceback" not in result.stderr
