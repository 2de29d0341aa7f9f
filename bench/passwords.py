"""Password checks and the login form, measured side by side at several argon2 parameters.

    .venv/bin/python -m bench.passwords [--checks 20] [--logins 20]

For each argon2id parameter set (the configured default first): milliseconds of wall and CPU per
verification, and the checks one core can do per second; then, in process with the configured
parameters, `GET /login` and a full form login (`GET /login`, `POST /login` with the right
password, the session record written) through the real app on a throwaway SQLite file. The
figures choose ZC_ARGON2_* and the login limits (ZC_LOGIN_LIMIT_*, ZC_PASSWORD_CHECK_LIMIT):
every refused or accepted password costs one verification of CPU on the server.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher

# (time_cost, memory_cost KiB, parallelism): the default, then the OWASP minimum and a middle one.
PARAMETERS = ((3, 65536, 4), (2, 19456, 1), (2, 47104, 1), (1, 65536, 4))
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def time_hasher(params: tuple[int, int, int], checks: int) -> tuple[float, float]:
    """Median wall and CPU ms of one verification with these parameters."""
    hasher = PasswordHasher(time_cost=params[0], memory_cost=params[1], parallelism=params[2])
    stored = hasher.hash("correct horse battery staple")
    walls, cpus = [], []
    for _ in range(checks):
        wall, cpu = time.perf_counter(), time.process_time()
        hasher.verify(stored, "correct horse battery staple")
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def time_login(logins: int) -> tuple[float, float]:
    """Median ms of GET /login and of a whole form login, with the configured argon2 cost."""
    from flask_migrate import upgrade

    from gateway import MIGRATIONS_DIR, create_app
    from gateway.accounts import services
    from gateway.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="zc-bench-login-"))
    url = f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ZC_ENV": "development",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "ZC_LOG_FORMAT": "json",
                      "LOG_LEVEL": "WARNING", "ZC_DEFAULT_LOCALE": "en"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)  # the schema as the migrations make it
        services.create_user("benchuser", "bench-password-1")
        db.session.commit()
    pages, forms = [], []
    for _ in range(logins):
        client = app.test_client()
        started = time.perf_counter()
        page = client.get("/login")
        pages.append((time.perf_counter() - started) * 1000)
        token = CSRF.search(page.get_data(as_text=True))[1]
        started = time.perf_counter()
        answer = client.post("/login", data={"username": "benchuser",
                                             "password": "bench-password-1", "csrf_token": token})
        forms.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 302, answer.status_code
    with app.app_context():
        db.engine.dispose()
    return statistics.median(pages), statistics.median(forms)


def main(argv: list[str] | None = None) -> int:
    """Print the argon2 table, then the login page and form login."""
    parser = argparse.ArgumentParser(prog="python -m bench.passwords", description=__doc__)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"{'argon2id t, m KiB, p':<24}{'wall ms':>9}{'cpu ms':>9}{'checks/s/core':>15}")
    for params in PARAMETERS:
        wall, cpu = time_hasher(params, args.checks)
        label = f"{params[0]}, {params[1]}, {params[2]}"
        print(f"{label:<24}{wall:>9.1f}{cpu:>9.1f}{1000 / max(cpu, 0.001):>15.1f}", flush=True)
    page, login = time_login(args.logins)
    print(f"GET /login (in process)          {page:8.1f} ms")
    print(f"form login GET+POST, right pw    {login:8.1f} ms (POST alone, default argon2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
