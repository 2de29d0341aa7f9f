"""`python -m tests.fakes.stripe_fake` serves the fake for `make run`."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.fakes.stripe_fake.__main__ import parse_args

ROOT = Path(__file__).resolve().parents[2]


def test_parse_args_defaults() -> None:
    """Port 12111 on loopback, background delivery."""
    args = parse_args([])

    assert (args.host, args.port, args.delivery) == ("127.0.0.1", 12111, "background")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_module_serves_the_api() -> None:
    """The module runs a server that answers the API and says where it is."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.stripe_fake", "--port", str(port),
         "--webhook-url", "http://127.0.0.1:9/hook", "--webhook-secret", "whsec_cli"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        response = requests.get(f"http://127.0.0.1:{port}/v1/balance", auth=("sk_test_c", ""))
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    assert f"http://127.0.0.1:{port}" in banner
    assert response.status_code == 200 and response.json()["object"] == "balance"
