"""Serve a fake Stripe on loopback from a background thread, for tests and demos."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.fakes.stripe_fake.app import create_fake_stripe_app, get_state
from tests.fakes.stripe_fake.errors import FakeStripeError
from tests.fakes.stripe_fake.faults import Fault, FaultMode
from tests.fakes.stripe_fake.state import FakeStripeState


class _QuietHandler(WSGIRequestHandler):
    # Set here so werkzeug does not set it on its shared handler class.
    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Tests do not need an access log."""


class FakeStripeServer:
    """A fake Stripe on `127.0.0.1:<free port>`; `with FakeStripeServer() as s: s.url`."""

    def __init__(self, app: Flask | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 quiet: bool = True, **app_options: Any) -> None:
        if app is not None and app_options:
            raise ValueError("pass either an app or options to build one, not both")
        self.app = app or create_fake_stripe_app(**app_options)
        self.state: FakeStripeState = get_state(self.app)
        self.host, self.port = host, port
        self._handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The API base, e.g. `http://127.0.0.1:54321` (for `base_addresses={"api": ...}`)."""
        if self._server is None:
            raise RuntimeError("the fake Stripe server is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def webhook_secret(self) -> str | None:
        """The secret webhook deliveries are signed with."""
        return self.state.webhooks.secret

    def start(self) -> FakeStripeServer:
        """Bind the port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self.state.faults.stopping.clear()
        server = make_server(self.host, self.port, self.app, threaded=True,
                             request_handler=self._handler)
        self._server, self.port = server, server.server_port
        self._thread = threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.01}, name=f"stripe-fake-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wait for in-flight requests and webhook deliveries, free the port."""
        if self._server is None:
            return
        self.state.faults.stopping.set()  # wake requests stalled by a `delay` fault
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None
        self.state.webhooks.close()

    def __enter__(self) -> FakeStripeServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def fail_next(self, path: str, *, mode: FaultMode = "drop_after", times: int = 1,
                  method: str | None = None, delay: float = 1.0, status: int = 500) -> Fault:
        """Arm a fault for the next `times` requests to `path` (see `Fault` for the modes)."""
        return self.state.faults.add(path, mode=mode, times=times, method=method, delay=delay,
                                     status=status)

    def control(self, endpoint: str, /, **data: Any) -> dict[str, Any]:
        """POST to the `/_fake/<endpoint>` test control in-process; raise on errors."""
        with self.app.test_client() as client:
            response = client.post(f"/_fake/{endpoint.lstrip('/')}", json=data)
        body: dict[str, Any] = response.get_json()
        if response.status_code >= 400:
            error = body.get("error", {})
            raise FakeStripeError(error.get("message", "control failed"),
                                  status=response.status_code,
                                  type=error.get("type", "invalid_request_error"),
                                  code=error.get("code"), param=error.get("param"))
        return body

    def flush_events(self, timeout: float = 10.0) -> bool:
        """Wait until queued webhook deliveries were attempted."""
        return self.state.flush_events(timeout)
