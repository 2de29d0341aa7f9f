"""Start-up: the instance folder, `.env` in development, database URLs as hosts hand them out,
and bad settings reported as one line naming the setting (gateway/startup.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import create_app
from gateway.config import ConfigError
from gateway.startup import environment, normalize_database_url, preflight_or_exit
from tests.conftest import BASE_CONFIG

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u:p%40ss@db.example:5432/zc", "postgresql+psycopg://u:p%40ss@db.example:5432/zc"),
    ("postgresql://u@db/zc?sslmode=require", "postgresql+psycopg://u@db/zc?sslmode=require"),
    ("postgresql+psycopg://u@db/zc", "postgresql+psycopg://u@db/zc"),
    ("sqlite:////var/lib/zc/zc.db", "sqlite:////var/lib/zc/zc.db"),
])
def test_database_urls_get_the_installed_driver(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize(("given", "message"), [
    ("not a url", "DATABASE_URL is not a database URL"),
    ("postgresql://db:port/zc", "DATABASE_URL is not a database URL"),
    ("mysql://u@db/zc", "DATABASE_URL: 'mysql' is not supported"),
    ("postgresql+pg8000://u@db/zc", "DATABASE_URL: the driver 'pg8000' is not installed"),
])
def test_bad_database_urls_name_the_setting(given: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        normalize_database_url(given)
    assert "\n" not in str(caught.value)


def test_instance_path_comes_from_the_setting(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    app = create_app({**BASE_CONFIG, "SECRET_KEY": None, "ZC_ENV": "development",
                      "TESTING": False, "ZC_INSTANCE_PATH": str(folder)})
    assert app.instance_path == str(folder)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder}/zoneconnect.db"
    assert (folder / "secret_key").exists()  # the development secret lives there, not in the code


def test_unwritable_instance_path_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="ZC_INSTANCE_PATH: cannot write to"):
        create_app({**BASE_CONFIG, "ZC_INSTANCE_PATH": str(blocker / "instance")})


def test_dotenv_is_read_in_development_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZC_ENV", raising=False)
    monkeypatch.setenv("ZC_APP_CACHE_TTL", "9")
    (tmp_path / ".env").write_text("ZC_ENV=development\nZC_APP_CACHE_TTL=7\nZC_CURRENCY=USD\n")
    found = environment()
    assert found["ZC_CURRENCY"] == "USD" and found["ZC_APP_CACHE_TTL"] == "9"  # real env wins
    monkeypatch.setenv("ZC_ENV", "production")
    assert "ZC_CURRENCY" not in environment()
    assert "ZC_CURRENCY" not in environment({"TESTING": True})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ZC_", "STRIPE_")) and k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ZC_ENV="production", ZC_SECRET_KEY="startup-test-0123456789abcdefghijk",
               ZC_INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/zc.db",
               ZC_SMTP_URL=f"smtps://127.0.0.1:{_closed_port()}",
               ZC_PUBLIC_URL="https://id.example.com", REDIS_URL="redis://127.0.0.1:6379/5",
               STRIPE_API_KEY="sk_test_startup", STRIPE_WEBHOOK_SECRET="whsec_startup")
    env.update(extra)
    return env


@pytest.mark.parametrize(("setting", "value"), [
    ("DATABASE_URL", "postgres://nobody@127.0.0.1:{port}/zc"),
    ("DATABASE_URL", "postgres://db.example:port/zc"),
    ("ZC_SECRET_KEY", ""),
    ("ZC_INSTANCE_PATH", "/proc/zoneconnect"),
    ("ZC_SMTP_URL", ""),
    ("ZC_PUBLIC_URL", "http://id.example.com"),
])
def test_cli_reports_a_bad_setting_in_one_line(tmp_path: Path, setting: str, value: str) -> None:
    env = _clean_env(tmp_path, **{setting: value.format(port=_closed_port())})
    result = subprocess.run([sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and setting in lines[0], result.stderr


@pytest.mark.parametrize(("setting", "value"), [
    ("DATABASE_URL", "postgresql://nobody@127.0.0.1:{port}/zc"),
    ("REDIS_URL", "redis://127.0.0.1:{port}/0"),
    ("ZC_SMTP_URL", "smtp://127.0.0.1:{port}"),
])
def test_preflight_names_an_unreachable_service(tmp_path: Path, monkeypatch, capsys,
                                                setting: str, value: str) -> None:
    for name, found in _clean_env(tmp_path, **{setting: value.format(port=_closed_port())}).items():
        monkeypatch.setenv(name, found)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        preflight_or_exit()
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and setting in err and "refused" in err


def test_gunicorn_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    env = _clean_env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0",
                     PORT=str(_closed_port()))
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "-c",
                             str(ROOT / "gunicorn.conf.py"), "gateway:create_app()"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "zoneconnect: configuration error: REDIS_URL: cannot reach Redis" in result.stderr
    assert "Booting worker" not in result.stderr
