"""Production refuses unsafe settings at start-up, one clear line naming the setting each;
development stays zero-configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.config import ConfigError, build

# A production configuration that starts: every refusal below changes one thing of it.
PRODUCTION: dict[str, Any] = {
    "ZC_ENV": "production", "SECRET_KEY": "3f9a1c0e5b7d2468ace13579bdf02468",
    "ZC_PUBLIC_URL": "https://zc.example", "REDIS_URL": "redis://127.0.0.1:6379/5",
    "STRIPE_API_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "ZC_SMTP_URL": "smtps://smtp.example:465",
}


def test_a_safe_production_configuration_starts(tmp_path: Path) -> None:
    config = build(str(tmp_path), PRODUCTION, environ={})
    assert config["ZC_PAYMENT_PROVIDER"] == "stripe"  # no longer the free sandbox
    assert config["ZC_ISSUER"] == config["ZC_PUBLIC_URL"] == "https://zc.example"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(("change", "environ", "setting"), [
    ({"ZC_PAYMENT_PROVIDER": "sandbox"}, {}, "ZC_PAYMENT_PROVIDER"),
    ({"STRIPE_API_KEY": None}, {}, "STRIPE_API_KEY"),
    ({"STRIPE_WEBHOOK_SECRET": None}, {}, "STRIPE_WEBHOOK_SECRET"),
    ({"REDIS_URL": None}, {}, "REDIS_URL"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, {}, "RATELIMIT_STORAGE_URI"),
    ({"ZC_PUBLIC_URL": None}, {}, "ZC_PUBLIC_URL"),
    ({"ZC_PUBLIC_URL": "http://zc.example"}, {}, "ZC_PUBLIC_URL"),
    ({"ZC_ISSUER": "http://zc.example"}, {}, "ZC_ISSUER"),
    ({"SECRET_KEY": "dev"}, {}, "ZC_SECRET_KEY"),
    ({"SECRET_KEY": "change-me"}, {}, "ZC_SECRET_KEY"),
    ({"SECRET_KEY": "s" * 40}, {}, "ZC_SECRET_KEY"),
    ({"DEBUG": True}, {}, "DEBUG"),
    ({}, {"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
    ({"ZC_OUTBOUND_ALLOW_LOOPBACK": True}, {}, "ZC_OUTBOUND_ALLOW_LOOPBACK"),
    ({"SESSION_COOKIE_SECURE": False}, {}, "SESSION_COOKIE_SECURE"),
])
def test_each_unsafe_setting_is_refused_in_one_line(tmp_path: Path, change: dict[str, Any],
                                                    environ: dict[str, str],
                                                    setting: str) -> None:
    with pytest.raises(ConfigError) as refused:
        build(str(tmp_path), {**PRODUCTION, **change}, environ=environ)
    line = str(refused.value)
    assert setting in line and "\n" not in line


def test_the_development_secret_file_is_refused_in_production(tmp_path: Path) -> None:
    development = build(str(tmp_path), {"ZC_ENV": "development"}, environ={})
    with pytest.raises(ConfigError, match="ZC_SECRET_KEY is the development key"):
        build(str(tmp_path), {**PRODUCTION, "SECRET_KEY": development["SECRET_KEY"]}, environ={})


def test_the_old_base_url_setting_still_works(tmp_path: Path) -> None:
    config = build(str(tmp_path), {**PRODUCTION, "ZC_PUBLIC_URL": None},
                   environ={"ZC_BASE_URL": "https://old.example"})
    assert config["ZC_PUBLIC_URL"] == config["ZC_ISSUER"] == "https://old.example"


def test_development_needs_no_configuration(tmp_path: Path) -> None:
    config = build(str(tmp_path), {"ZC_ENV": "development"}, environ={})
    assert config["ZC_PAYMENT_PROVIDER"] == "sandbox" and config["ZC_PUBLIC_URL"] is None
    assert config["RATELIMIT_STORAGE_URI"] == "process://"


def test_the_cli_prints_the_refusal_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ZC_", "STRIPE_")) and k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ZC_ENV="production", ZC_SECRET_KEY=PRODUCTION["SECRET_KEY"],
               ZC_INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/zc.db",
               ZC_PUBLIC_URL="https://zc.example", REDIS_URL="redis://127.0.0.1:6379/5",
               STRIPE_API_KEY="sk_live_x", STRIPE_WEBHOOK_SECRET="whsec_x",
               ZC_PAYMENT_PROVIDER="sandbox")
    result = subprocess.run([sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "ZC_PAYMENT_PROVIDER=sandbox credits coins for free" in result.stderr


def test_in_process_limits_only_when_the_operator_says_so(tmp_path: Path) -> None:
    config = build(str(tmp_path), {**PRODUCTION, "REDIS_URL": None,
                                   "ZC_ALLOW_PROCESS_LIMITS": True}, environ={})
    assert config["RATELIMIT_STORAGE_URI"] == "process://"
