"""Every setting is in .env.example and docs/configuration.md (`make settings-docs` makes both)."""

from __future__ import annotations

import re
from pathlib import Path

from dotenv import dotenv_values

from gateway import config
from gateway.settings_doc import PROCESS_VARIABLES, env_example, markdown, settings

ROOT = Path(__file__).resolve().parents[2]
HINT = "missing: run `make settings-docs` and commit .env.example and docs/configuration.md"


def _example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_every_environment_setting_is_in_env_example() -> None:
    wanted = {s.env for s in settings() if s.env} | {name for name, *_ in PROCESS_VARIABLES}
    assert wanted - _example_names() == set(), HINT


def test_every_setting_is_in_the_configuration_table() -> None:
    table = (ROOT / "docs" / "configuration.md").read_text()
    missing = [key for key in config.DEFAULTS if f"| `{key}` |" not in table]
    assert missing == [], HINT


def test_settings_follow_defaults_and_their_comments() -> None:
    found = {s.key: s for s in settings()}
    assert list(found) == list(config.DEFAULTS)
    assert found["SQLALCHEMY_DATABASE_URI"].env == "DATABASE_URL"
    assert found["SECRET_KEY"].env == "ZC_SECRET_KEY"
    assert found["MAX_CONTENT_LENGTH"].env is None  # not read from the environment
    assert "advisory" not in found["ZC_PAYOUT_DAY"].group and "ZC_PAYOUT_DAY" in (
        found["ZC_PAYOUT_DAY"].group)
    assert "| `ZC_PAYOUT_DAY` | `ZC_PAYOUT_DAY` | `5` |" in markdown()


def test_env_example_uncommented_is_the_defaults(tmp_path: Path) -> None:
    """Uncommenting every line of the example changes nothing: each value reads back as the
    default through the platform's own environment parsing."""
    lines = [line[2:] for line in env_example().splitlines() if re.match(r"# [A-Z]\w*=", line)]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    values = {k: v for k, v in dotenv_values(tmp_path / ".env").items() if v}
    parsed = config.from_environment(values, config.DEFAULTS)
    for key, value in parsed.items():
        if key in config.DEFAULTS and not isinstance(config.DEFAULTS[key], dict):
            assert value == config.DEFAULTS[key], key
