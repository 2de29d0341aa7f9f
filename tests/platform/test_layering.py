"""The package map holds (docs/architecture.md): low-level modules import no domain, the
product imports no test or bench code, and the wheel packages only the product."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
LOW_LEVEL = {"gateway.database", "gateway.driver", "gateway.extensions", "gateway.notify_feed",
             "gateway.process_limits", "gateway.timeutil", "gateway.config", "gateway.startup",
             "gateway.security", "gateway.security.settings", "gateway.security.secrets",
             "gateway.outbound", "gateway.forms", "gateway.public_url", "gateway.i18n",
             "gateway.security.reveal", "gateway.leases"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_low_level_modules_import_no_domain() -> None:
    for name in sorted(LOW_LEVEL):
        path = ROOT / (name.replace(".", "/") + ".py")
        if not path.exists():  # a package
            path = ROOT / name.replace(".", "/") / "__init__.py"
        ours = {m for m in _imports(path) if m == "gateway" or m.startswith("gateway.")}
        assert ours <= LOW_LEVEL, f"{name} imports {sorted(ours - LOW_LEVEL)}"


def test_the_product_imports_no_test_or_bench_code() -> None:
    for package in ("gateway", "developer_portal"):
        for path in (ROOT / package).rglob("*.py"):
            bad = {m for m in _imports(path) if m.split(".")[0] in {"tests", "bench"}}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_wheel_holds_only_the_product() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(where=str(ROOT), include=include)
    assert packages and all(p.split(".")[0] in {"gateway", "developer_portal"} for p in packages)
    assert not [p for p in packages if "stripe_fake" in p or p.endswith(".bench")]


def test_every_command_lives_in_the_commands_package() -> None:
    outside = [str(path.relative_to(ROOT)) for path in (ROOT / "gateway").rglob("*.py")
               if "commands" not in path.relative_to(ROOT / "gateway").parts
               and "@click." in path.read_text(encoding="utf-8")]
    assert outside == [], "commands belong in gateway/commands/"
