"""A gunicorn of the platform on a free loopback port, for the length of a bench run."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
# What production refuses to start without (gateway/security/settings.py), for a load test on
# loopback: no payment is made, and without Redis each worker counts its own limits, knowingly.
PRODUCTION_EXTRAS = {"ZC_PAYMENT_PROVIDER": "stripe", "STRIPE_API_KEY": "sk_test_bench",
                     "STRIPE_WEBHOOK_SECRET": "whsec_bench", "ZC_ALLOW_PROCESS_LIMITS": "1"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`with Server(...) as base_url:` runs gunicorn and always stops it."""

    RUNTIMES = ("sync", "gthread", "granian")

    def __init__(self, database_url: str, workers: int, log_path: Path,
                 redis_url: str | None = None, port: int | None = None,
                 runtime: str = "gthread") -> None:
        self.database_url, self.workers, self.log_path = database_url, workers, log_path
        self.runtime = runtime
        self.redis_url, self.port = redis_url, port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._metrics_dir: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> str:
        self._metrics_dir = tempfile.TemporaryDirectory(prefix="zc-bench-metrics-")
        env = {**os.environ, "DATABASE_URL": self.database_url, "ZC_ENV": "production",
               "ZC_SECRET_KEY": secrets.token_hex(32), "WEB_CONCURRENCY": str(self.workers),
               "PROMETHEUS_MULTIPROC_DIR": self._metrics_dir.name,
               # The token endpoints' per-client and per-address limits (120 and 300 a minute)
               # would refuse a load test at once; they are still counted, so still measured.
               "ZC_TOKEN_LIMIT_CLIENT": "100000000 per minute",
               "ZC_TOKEN_LIMIT_ADDRESS": "100000000 per minute",
               # Production requires mail settings; no worker runs, so nothing is sent, and no
               # SMTP server listens: the preflight's connection checks are skipped.
               "ZC_SMTP_URL": "smtp://127.0.0.1:25", "ZC_PUBLIC_URL": "https://bench.invalid",
               "ZC_SKIP_PREFLIGHT": "1", **PRODUCTION_EXTRAS}
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        self.proc = subprocess.Popen(  # noqa: S603
            self.command(env), cwd=ROOT, env=env, stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:  # __exit__ does not run when __enter__ fails: never leak gunicorn
            self.stop()
            raise
        return self.base_url

    def command(self, env: dict[str, str]) -> list[str]:
        """The server's command line: gunicorn sync or gthread workers, or granian (WSGI)."""
        if self.runtime == "granian":
            granian = Path(sys.executable).with_name("granian")
            return [str(granian), "--interface", "wsgi", "--factory", "--host", "127.0.0.1",
                    "--port", str(self.port), "--workers", str(self.workers),
                    "--blocking-threads", "1", "--log-level", "warning",
                    "gateway:create_app"]
        env["GUNICORN_THREADS"] = "4" if self.runtime == "gthread" else "1"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        return [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "gateway:create_app()"]

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited, see {self.log_path}")
            if self._ready():
                return
            time.sleep(0.25)
        self.stop()
        raise SystemExit(f"bench: gunicorn not ready after 120 s, see {self.log_path}")

    def _ready(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/readyz")
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop gunicorn (TERM, then KILL after 20 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._metrics_dir is not None:
            self._metrics_dir.cleanup()
            self._metrics_dir = None

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
