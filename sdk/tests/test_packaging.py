"""The distribution as published: `python -m build` makes an sdist and a wheel that install in a
fresh virtual environment and work there (a smoke test run by the installed copy, not this tree)."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import zoneconnect

SDK = Path(__file__).resolve().parents[1]

# Run by the fresh venv's interpreter with -I: it sees only what pip installed there.
SMOKE = r'''
import importlib.metadata, json, sys
import httpx
import zoneconnect
from zoneconnect import AuthenticationError, ReauthorizationRequired, Token, webhooks

assert sys.prefix in zoneconnect.__file__, zoneconnect.__file__
assert zoneconnect.__version__ == importlib.metadata.version("zoneconnect")
from importlib.resources import files
assert files("zoneconnect").joinpath("py.typed").is_file()

BASE = "https://zc.test"
def answer(request):
    if request.url.path == "/.well-known/openid-configuration":
        return httpx.Response(200, json={"issuer": BASE,
            "authorization_endpoint": BASE + "/oauth2/authorize",
            "token_endpoint": BASE + "/oauth2/token"})
    if request.url.path == "/api/v1/me":
        return httpx.Response(401, json={"error": "invalid_token", "ret": 100013},
                              headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if request.url.path == "/oauth2/token":
        return httpx.Response(400, json={"error": "invalid_grant", "ret": 100036})
    return httpx.Response(404)

client = zoneconnect.Client(app_id="101000001", app_key="k" * 32, base_url=BASE,
                            http_client=httpx.Client(transport=httpx.MockTransport(answer)))
try:
    client.get_user_info(Token(access_token="A" * 32, refresh_token="R" * 32))
except AuthenticationError as exc:
    assert isinstance(exc, ReauthorizationRequired) and exc.error == "invalid_grant"
else:
    raise AssertionError("no error")

body = json.dumps({"id": "evt_1", "type": "order.paid", "created": 1700000000,
                   "data": {"object": {}}}).encode()
header = webhooks.construct_signature(body, "whsec", timestamp=1700000000)
event = webhooks.verify(body, {"ZoneConnect-Signature": header}, "whsec", now=1700000000)
assert event.type == "order.paid"
print("smoke ok", zoneconnect.__version__)
'''


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """sdist and wheel built from a copy of the SDK (the wheel from the sdist, as `build` does)."""
    root = tmp_path_factory.mktemp("build")
    source = root / "sdk"
    shutil.copytree(SDK, source, ignore=shutil.ignore_patterns(
        ".venv", "*.egg-info", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        "build", "dist"))
    out = root / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_names_carry_the_one_version(dists: dict[str, Path]) -> None:
    version = zoneconnect.__version__
    assert dists["wheel"].name == f"zoneconnect-{version}-py3-none-any.whl"
    assert dists["sdist"].name == f"zoneconnect-{version}.tar.gz"


def test_wheel_metadata_is_ready_to_publish(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = wheel.namelist()
        info = f"zoneconnect-{zoneconnect.__version__}.dist-info"
        meta = email.message_from_bytes(wheel.read(f"{info}/METADATA"))
    assert "zoneconnect/py.typed" in names
    assert f"{info}/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith("tests/")]
    assert meta["Version"] == zoneconnect.__version__
    assert meta["License-Expression"] == "MIT"
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Documentation", "Changelog", "Source"}
    assert meta["Requires-Python"] == ">=3.11"
    assert "ReauthorizationRequired" in meta.get_payload()  # the README is the long description


def test_sdist_carries_license_changelog_and_tests(dists: dict[str, Path]) -> None:
    top = f"zoneconnect-{zoneconnect.__version__}"
    with tarfile.open(dists["sdist"]) as sdist:
        names = set(sdist.getnames())
    for name in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml",
                 "src/zoneconnect/py.typed", "tests/test_packaging.py"):
        assert f"{top}/{name}" in names, name


def test_changelog_names_the_current_version() -> None:
    assert f"## [{zoneconnect.__version__}]" in (SDK / "CHANGELOG.md").read_text()


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_installs_in_a_fresh_venv_and_passes_the_smoke_test(
        dists: dict[str, Path], tmp_path: Path, kind: str) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(dists[kind])],
                   check=True, capture_output=True, timeout=600, env=env)
    done = subprocess.run([str(python), "-I", "-c", SMOKE], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"smoke ok {zoneconnect.__version__}"
