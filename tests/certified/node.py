"""openid-client 6 (npm, certified by the OpenID Foundation) as a Python object for tests.

`OpenIdClient` runs tests/certified/openid_client.mjs in one node process and sends it one JSON
request per call; the script calls the library exactly as an app would. Nothing here reaches the
internet: node_modules is installed from package-lock.json by `make axe` (part of `make test`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("openid_client.mjs")
LIBRARY = ROOT / "node_modules" / "openid-client" / "package.json"


class CertifiedClientError(Exception):
    """The library refused something (a server error response, or a check of its own)."""

    def __init__(self, details: dict[str, Any]) -> None:
        super().__init__(f"{details.get('name')}: {details.get('message')} "
                         f"({details.get('error')}: {details.get('error_description')})")
        self.details = details
        self.error: str | None = details.get("error")
        self.code: str | None = details.get("code")
        self.status: int | None = details.get("status")


def require_node() -> str:
    """The node binary, once openid-client is installed; otherwise skip (fail in CI)."""
    node = shutil.which("node")
    if node and LIBRARY.exists():
        return node
    message = ("openid-client is not installed: run `make axe` (npm ci from package-lock.json)"
               if node else "node is missing: install Node.js (apt-get install nodejs npm)")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class OpenIdClient:
    """One openid-client app: `call(op, **args)` runs an op of openid_client.mjs."""

    def __init__(self, node: str) -> None:
        self.process = subprocess.Popen(
            [node, str(SCRIPT)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8")

    def call(self, op: str, **args: Any) -> Any:
        """Run `op` and return its result; raise CertifiedClientError when the library refused."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"openid-client's driver exited ({self.process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise CertifiedClientError(answer["error"])
        return answer["ok"]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
