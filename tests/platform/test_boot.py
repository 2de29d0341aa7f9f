"""The image boots: what the Dockerfile does, without Docker (these machines pull no images).

The wheel is built and installed from requirements.lock into a fresh venv owned by another
user; then, as an unprivileged user who cannot write to that install, scripts/entrypoint.sh
runs `migrate`, `gateway --help`, `worker --once` and `web` (gunicorn), which answers /healthz.
Needs root (to switch users with setpriv); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWNER, RUNNER = 65533, 65534  # the install's owner; the user the processes run as (nobody)
UV = Path(sys.executable).with_name("uv")

pytestmark = pytest.mark.slow


def _interpreter() -> str:
    """A Python of this version that the unprivileged user can run (a pyenv build under /root
    cannot be: the image's interpreter is a system one too)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/local/bin/{version}", f"/usr/bin/{version}"):
        if os.path.exists(candidate) and subprocess.run(
                ["setpriv", f"--reuid={RUNNER}", f"--regid={RUNNER}", "--clear-groups",
                 candidate, "-c", "pass"], capture_output=True, timeout=30).returncode == 0:
            return candidate
    return ""


def _needs() -> str | None:
    if os.geteuid() != 0:
        return "needs root to install as one user and run as another (setpriv); CI runs it"
    if not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    if not UV.exists():
        return "uv is missing from the venv: run `make install`"
    if not _interpreter():
        return f"no system python{sys.version_info.major}.{sys.version_info.minor} that an " \
               "unprivileged user can run"
    return None


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    """/…/venv (owned by OWNER, read-only to RUNNER), /…/app (entrypoint, gunicorn.conf.py,
    migrations; root's), /…/data (RUNNER's volume)."""
    if reason := _needs():
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="zc-boot-", dir="/tmp"))
    base.chmod(0o755)
    try:
        wheels = base / "wheels"
        subprocess.run([str(UV), "build", "--wheel", "--quiet", "--out-dir", str(wheels),
                        str(ROOT)], check=True, timeout=300)
        python = base / "venv" / "bin" / "python"
        subprocess.run([str(UV), "venv", "--quiet", "--python", _interpreter(),
                        str(base / "venv")], check=True, timeout=120)
        install = [str(UV), "pip", "install", "--quiet", "--python", str(python),
                   "--compile-bytecode"]  # as pip does in the image: a read-only install
        subprocess.run([*install, "-r", str(ROOT / "requirements.lock")], check=True, timeout=600)
        subprocess.run([*install, "--no-deps", *map(str, wheels.glob("*.whl"))], check=True,
                       timeout=300)
        subprocess.run(["chown", "-R", f"{OWNER}:{OWNER}", str(base / "venv")], check=True)
        subprocess.run(["chmod", "-R", "go-w", str(base / "venv")], check=True)
        app = base / "app"
        shutil.copytree(ROOT / "migrations", app / "migrations",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("gunicorn.conf.py", "scripts/entrypoint.sh"):
            shutil.copy2(ROOT / name, app / Path(name).name)
        subprocess.run(["chmod", "-R", "a+rX", str(app)], check=True)
        (base / "data").mkdir()
        os.chown(base / "data", RUNNER, RUNNER)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


# What production refuses to start without (gateway/security/settings.py).
PRODUCTION_SETTINGS = {"REDIS_URL": "redis://127.0.0.1:6379/5", "STRIPE_API_KEY": "sk_test_boot",
                       "STRIPE_WEBHOOK_SECRET": "whsec_boot"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def smtp_relay() -> Iterator[None]:
    """Production requires ZC_SMTP_URL (and gunicorn's preflight connects to it): a real SMTP
    server on loopback stands in for the operator's relay."""
    from tests.smtp_server import SMTPServer

    server = SMTPServer().start()
    MAIL_SETTINGS.update(ZC_SMTP_URL=server.url(), ZC_PUBLIC_URL="https://id.example.com")
    yield
    server.stop()


MAIL_SETTINGS: dict[str, str] = {}


def _env(site: Path, **extra: str) -> dict[str, str]:
    """The image's environment (Dockerfile ENV) plus the mail settings an operator gives."""
    return {**MAIL_SETTINGS,
            "PATH": f"{site}/venv/bin:/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "ZC_ENV": "production",
            "ZC_SECRET_KEY": "boot-test-" + "k" * 32, "ZC_INSTANCE_PATH": f"{site}/data",
            "ZC_MIGRATIONS_DIR": f"{site}/app/migrations", "HOST": "127.0.0.1",
            "PROMETHEUS_MULTIPROC_DIR": f"{site}/data/metrics", "WEB_CONCURRENCY": "2",
            **PRODUCTION_SETTINGS, **extra}


def _as_runner(site: Path, *args: str) -> list[str]:
    return ["setpriv", f"--reuid={RUNNER}", f"--regid={RUNNER}", "--clear-groups",
            "sh", f"{site}/app/entrypoint.sh", *args]


def _run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_runner(site, *args), env=_env(site), cwd=site / "app",
                          capture_output=True, text=True, timeout=300)


def test_the_install_is_read_only_to_the_runner(site: Path) -> None:
    probe = subprocess.run(["setpriv", f"--reuid={RUNNER}", f"--regid={RUNNER}",
                            "--clear-groups", "touch", f"{site}/venv/probe"],
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr


def test_migrate_help_and_worker_as_an_unprivileged_user(site: Path) -> None:
    migrated = _run(site, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert (site / "data" / "zoneconnect.db").exists()
    helped = _run(site, "gateway", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "worker" in helped.stdout and "db" in helped.stdout
    worked = _run(site, "worker", "--once")
    assert worked.returncode == 0, worked.stderr
    assert '"jobs"' in worked.stdout
    assert not list((site / "venv").rglob("gateway-instance"))  # nothing inside the install
    assert not [p for p in (site / "venv").rglob("*") if p.stat().st_uid == RUNNER]


def test_gunicorn_answers_healthz(site: Path) -> None:
    assert _run(site, "migrate").returncode == 0
    port = _free_port()
    server = subprocess.Popen(_as_runner(site, "web"), env=_env(site, PORT=str(port)),
                              cwd=site / "app", stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 90, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    answer = (r.status, r.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert answer is not None, "gunicorn did not answer /healthz"
        assert answer[0] == 200 and b'"ok"' in answer[1]
        assert list((site / "data" / "metrics").glob("*.db"))  # workers share their metrics
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert "Traceback" not in output, output
