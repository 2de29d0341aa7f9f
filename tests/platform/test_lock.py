"""The lock files pin what pyproject.toml asks for (scripts/lock.py, `make lock`)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
assert spec and spec.loader
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==\S+")


def _pinned(name: str) -> set[str]:
    lines = (ROOT / name).read_text().splitlines()
    return {m.group(1).lower().replace("_", "-") for line in lines if (m := PIN.match(line))}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~;\s]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements}


def test_lock_files_match_pyproject() -> None:
    """A dependency added to pyproject.toml without `make lock` is caught here (and re-locked
    by `make install`)."""
    assert lock.stale() == [], "run `make lock` and commit requirements*.lock"


def test_every_dependency_is_pinned() -> None:
    assert _names(lock.requirements(dev=False)) <= _pinned("requirements.lock")
    assert _names(lock.requirements(dev=True)) <= _pinned("requirements-dev.lock")


def test_a_changed_dependency_list_is_stale(monkeypatch) -> None:
    real = lock.requirements
    monkeypatch.setattr(lock, "requirements", lambda dev: [*real(dev), "left-pad>=1"])
    assert lock.stale() == ["requirements.lock", "requirements-dev.lock"]
    assert lock.main(["lock.py", "check"]) == 1


def test_dev_lock_agrees_with_the_image_lock() -> None:
    runtime = dict(line.split("==", 1) for line in (ROOT / "requirements.lock").read_text()
                   .splitlines() if PIN.match(line))
    for line in (ROOT / "requirements-dev.lock").read_text().splitlines():
        if PIN.match(line):
            name, version = line.split("==", 1)
            if name in runtime and ";" not in version:
                assert runtime[name].split(" ;")[0] == version, name
