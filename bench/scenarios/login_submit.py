"""POST /login with the right password: the password check (argon2id at the server's
ZC_ARGON2_* settings), the session record and the audit row, answered with a 302.

Each seeded user gets its own session cookie and CSRF token from a real `GET /login` first;
the requests cycle through them. Right passwords are not counted by the login limits (only
failures are), so the figure is what the hashing lets the server do, not the limiter.
"""

from __future__ import annotations

import re
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench.scenarios import BenchContext, Request, Scenario

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
USERS = 10


def _form(ctx: BenchContext, username: str, password: str) -> Request:
    with urllib.request.urlopen(ctx.base_url + "/login", timeout=10) as answer:  # noqa: S310
        html = answer.read().decode()
        cookies = SimpleCookie()
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    found = CSRF.search(html)
    assert found, "no CSRF token on /login"
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    body = urlencode({"username": username, "password": password, "csrf_token": found[1]})
    return Request("/login", method="POST", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})


def _setup(ctx: BenchContext) -> None:
    ctx.extra["login_forms"] = [_form(ctx, u, p) for u, p in ctx.users[:USERS]]


def _requests(ctx: BenchContext) -> list[Request]:
    return list(ctx.extra["login_forms"])


SCENARIO = Scenario(name="login_submit", requests=_requests, setup=_setup,
                    expect=frozenset({302}))
