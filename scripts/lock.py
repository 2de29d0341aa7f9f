"""The pinned installs: requirements.lock (the image) and requirements-dev.lock (make install, CI).

    python scripts/lock.py refresh   re-resolve both from pyproject.toml and sdk/pyproject.toml
                                     (pins already in the lock files are kept where still valid)
    python scripts/lock.py upgrade   re-resolve everything to the newest allowed versions
    python scripts/lock.py check     exit 1 when a lock file no longer matches the pyproject files
    python scripts/lock.py ensure    check, and refresh (saying so loudly) when they disagree

Each lock file starts with a digest of the dependency lists it was made from, so a change to
either pyproject.toml that was merged without `make lock` is seen at the next `make install`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"  # the image's Python and the lowest one pyproject.toml allows
DIGEST_PREFIX = "# inputs-sha256: "


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())["project"]


def requirements(dev: bool) -> list[str]:
    """The requirement strings a lock file is resolved from."""
    server = _project(ROOT / "pyproject.toml")
    found = list(server["dependencies"])
    if dev:
        sdk = _project(ROOT / "sdk" / "pyproject.toml")
        found += server["optional-dependencies"]["dev"]
        found += sdk["dependencies"]
        for extra in ("flask", "dev"):
            found += sdk.get("optional-dependencies", {}).get(extra, [])
    return sorted(set(found))


def digest(dev: bool) -> str:
    """A digest of the inputs, stored at the top of the lock file."""
    payload = json.dumps({"python": PYTHON_VERSION, "requirements": requirements(dev)})
    return hashlib.sha256(payload.encode()).hexdigest()


LOCKS = {"requirements.lock": False, "requirements-dev.lock": True}


def stored_digest(name: str) -> str | None:
    """The digest line of a lock file, None when missing."""
    path = ROOT / name
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        if line.startswith(DIGEST_PREFIX):
            return line[len(DIGEST_PREFIX):].strip()
    return None


def stale() -> list[str]:
    """Lock files whose inputs changed since they were made."""
    return [name for name, dev in LOCKS.items() if stored_digest(name) != digest(dev)]


def _uv() -> str:
    local = Path(sys.executable).with_name("uv")
    return str(local) if local.exists() else "uv"


def compile_lock(name: str, dev: bool, upgrade: bool = False) -> None:
    """Resolve one lock file with uv (universal: every platform, Python 3.11 and later)."""
    target = ROOT / name
    with tempfile.NamedTemporaryFile("w", suffix=".in", dir=ROOT, delete=False) as handle:
        handle.write("\n".join(requirements(dev)) + "\n")
        if dev:  # the dev lock never pins a runtime package differently from the image's
            handle.write("-c requirements.lock\n")
    body = tempfile.NamedTemporaryFile("w", suffix=".lock", dir=ROOT, delete=False)
    body.close()
    try:
        if target.exists():  # uv keeps the pins of its output file where they still fit
            Path(body.name).write_text(target.read_text())
        command = [_uv(), "pip", "compile", handle.name, "-o", body.name, "--universal",
                   "--python-version", PYTHON_VERSION, "--no-header", "--no-annotate", "--quiet"]
        if upgrade:
            command.append("--upgrade")
        subprocess.run(command, check=True, cwd=ROOT, env={**os.environ, "UV_NO_CONFIG": "1"})
        header = ("# Pinned by `make lock` (scripts/lock.py) from pyproject.toml"
                  + (" and sdk/pyproject.toml" if dev else "") + ". Do not edit by hand.\n"
                  + f"{DIGEST_PREFIX}{digest(dev)}\n")
        target.write_text(header + Path(body.name).read_text())
    finally:
        os.unlink(handle.name)
        os.unlink(body.name)


def refresh(upgrade: bool = False) -> None:
    """Re-resolve both lock files (runtime first: the dev lock is constrained by it)."""
    for name, dev in LOCKS.items():
        compile_lock(name, dev, upgrade)


def main(argv: list[str]) -> int:
    action = argv[1] if len(argv) > 1 else "check"
    if action in {"refresh", "upgrade"}:
        refresh(upgrade=action == "upgrade")
        return 0
    outdated = stale()
    if not outdated:
        return 0
    names = ", ".join(outdated)
    if action == "check":
        print(f"error: {names} out of date with pyproject.toml: run `make lock` and commit it.",
              file=sys.stderr)
        return 1
    banner = "=" * 78
    print(f"{banner}\n{names} did not match pyproject.toml (a dependency was added or changed"
          f" without `make lock`).\nRe-locking now; commit the result.\n{banner}",
          file=sys.stderr)
    try:
        refresh()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"error: re-locking failed ({exc}); run `make lock` by hand.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
