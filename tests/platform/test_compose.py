"""compose.yaml, the Dockerfile and the Procfile agree with each other and with the settings:
the compose file validates against the Compose specification's schema (and `docker compose
config` where the compose plugin is installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.settings_doc import PROCESS_VARIABLES, settings

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = (ROOT / "scripts" / "entrypoint.sh").read_text()
ARMS = set(re.findall(r"^  (\w+)\)$", ENTRYPOINT, flags=re.M))
KNOWN = ({s.env for s in settings() if s.env} | {name for name, *_ in PROCESS_VARIABLES}
         | {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"})


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_file_follows_the_compose_specification() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec",
                             str(ROOT / "compose.yaml")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_config_accepts_it(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True,
                                        timeout=30).returncode != 0:
        pytest.skip("no `docker compose` plugin here (Debian does not package it): the schema "
                    "check above validates compose.yaml")
    result = subprocess.run([docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"],
                            env={**os.environ, "ZC_SECRET_KEY": "x" * 32}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_services_start_in_order_with_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "stripe-fake"}
    for name in ("postgres", "redis", "web", "worker", "stripe-fake"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully")
        assert services[name]["read_only"] is True and "data:/data" in services[name]["volumes"]
    assert services["migrate"]["restart"] == "no"
    assert services["stripe-fake"]["profiles"] == ["payments"]
    assert set(compose["volumes"]) == {"postgres", "redis", "data"}


def test_commands_are_the_entrypoints(compose: dict[str, Any]) -> None:
    assert ARMS == {"web", "worker", "migrate"}
    for name in ("migrate", "web", "worker"):
        assert compose["services"][name]["command"][0] in ARMS
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines())
    assert set(procfile) == {"release", "web", "worker"}
    for kind, command in procfile.items():
        assert command.split()[-1] in ARMS and "scripts/entrypoint.sh" in command, kind
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/entrypoint.sh"]' in dockerfile and 'CMD ["web"]' in dockerfile
    assert "COPY gunicorn.conf.py scripts/entrypoint.sh ./" in dockerfile
    assert "-r /tmp/requirements.lock" in dockerfile  # the image installs the pins


def test_every_variable_handed_to_the_app_is_a_setting(compose: dict[str, Any]) -> None:
    environment = compose["x-app"]["environment"]
    assert set(environment) <= KNOWN
    dockerfile = (ROOT / "Dockerfile").read_text()
    env_block = re.search(r"^ENV (.*?)\n(?!\s)", dockerfile, flags=re.M | re.S)
    assert env_block is not None
    names = set(re.findall(r"([A-Z][A-Z0-9_]+)=", env_block.group(1)))
    assert names <= KNOWN and {"ZC_INSTANCE_PATH", "PROMETHEUS_MULTIPROC_DIR"} <= names
