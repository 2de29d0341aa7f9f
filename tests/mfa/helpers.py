"""Enrol an authenticator app through the real pages and read codes as the phone would."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp

from tests.conftest import csrf_from

SECRET = re.compile(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>')


def enrol(client: Any) -> tuple[pyotp.TOTP, list[str]]:
    """Set up an authenticator app for the logged-in client; returns it and the codes shown."""
    page = client.get("/account/security/totp")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    totp = pyotp.TOTP(SECRET.search(html).group(1))
    done = client.post("/account/security/totp", data={"code": totp.now(),
                                                       "csrf_token": csrf_from(html)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>",
                       done.get_data(as_text=True))
    return totp, codes


def next_code(totp: pyotp.TOTP) -> str:
    """A code of a time step not used yet (codes are accepted once per step)."""
    return totp.at(int(time.time()) + totp.interval)


def second_step(client: Any, code: str) -> Any:
    page = client.get("/login/verify")
    return client.post("/login/verify", data={"code": code,
                                              "csrf_token": csrf_from(page.get_data(as_text=True))})
