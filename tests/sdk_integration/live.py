"""A real platform on a loopback port, and a minimal form-following "browser" over httpx.

Shared by the SDK integration tests and the browser tests: `LiveServer` serves any WSGI app with
werkzeug in a thread; `FormBrowser` logs in and consents by reading the forms the pages render.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No access line per request: pytest output stays readable."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LiveServer:
    """A WSGI app served on 127.0.0.1 (a free port) by a thread."""

    def __init__(self, wsgi_app: Callable[..., Any], port: int = 0) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, wsgi_app, threaded=True,
                                                  request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def serve(wsgi_app: Callable[..., Any], port: int = 0) -> Iterator[LiveServer]:
    """Serve `wsgi_app` for the duration of the block (on `port`, or a free one)."""
    live = LiveServer(wsgi_app, port).start()
    try:
        yield live
    finally:
        live.stop()


def isolated(wsgi_app: Callable[..., Any]) -> Callable[..., list[bytes]]:
    """`wsgi_app` with each request in a fresh context, as under a real server: called from a
    test that holds an app context, Flask would otherwise reuse it (and its `g`)."""

    def call(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        def run() -> list[bytes]:
            result = wsgi_app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

        return contextvars.Context().run(run)

    return call


@dataclass
class Form:
    """One <form> of a page: where it posts and its fields with their default values."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms or "name" not in a:
            return
        form = self.forms[-1]
        form.names.add(a["name"])
        kind = a.get("type", "text" if tag == "input" else "submit").lower()
        if tag == "button" or kind == "submit":
            form.buttons.append((a["name"], a.get("value", "")))
        elif kind in {"checkbox", "radio"}:
            if "checked" in a:
                form.fields.append((a["name"], a.get("value", "on")))
        elif tag in {"input", "textarea", "select"}:
            form.fields.append((a["name"], a.get("value", "")))


def _as_form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form pairs (names may repeat) in the shape httpx sends as x-www-form-urlencoded."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def forms_of(html: str) -> list[Form]:
    """Every form of a page, in order."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class FormBrowser:
    """Follows redirects and submits forms the way a person's browser would (cookies kept)."""

    def __init__(self, http: httpx.Client | None = None) -> None:
        self.http = http or httpx.Client(timeout=10.0)

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url)

    def submit(self, page: httpx.Response, values: Mapping[str, str] | None = None,
               button: tuple[str, str] | None = None,
               match: Callable[[Form], bool] | None = None) -> httpx.Response:
        """Submit the first form of `page` that `match` accepts, with `values` changed."""
        candidates = [f for f in forms_of(page.text) if match is None or match(f)]
        assert candidates, f"no matching form on {page.url}:\n{page.text[:2000]}"
        form = candidates[0]
        data = [(k, v) for k, v in form.fields if k not in (values or {})]
        data += list((values or {}).items())
        if button is not None:
            data.append(button)
        target = urljoin(str(page.url), form.action or str(page.url))
        if form.method == "post":
            return self.http.post(target, data=_as_form(data))
        return self.http.get(target, params=_as_form(data))

    def log_in(self, login_page: httpx.Response, username: str,
               password: str) -> httpx.Response:
        """Fill and submit the platform's login form."""
        return self.submit(login_page, {"username": username, "password": password},
                           match=lambda f: "password" in f.names)

    def authorize(self, url: str, username: str, password: str, redirect_uri: str,
                  approve: bool = True, uncheck: Sequence[str] = ()) -> dict[str, str]:
        """Go from an authorize URL to the app's callback: log in, consent; the callback query."""
        response = self.get(url)
        for _ in range(12):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(redirect_uri):
                    query = parse_qs(urlsplit(location).query)
                    return {k: v[0] for k, v in query.items()}
                response = self.get(location)
            elif any("password" in f.names for f in forms_of(response.text)):
                response = self.log_in(response, username, password)
                assert response.status_code in (302, 303), response.text[:2000]
            elif any(("confirm", "yes") in f.buttons for f in forms_of(response.text)):
                page = response
                form = next(f for f in forms_of(page.text) if ("confirm", "yes") in f.buttons)
                kept = [(k, v) for k, v in form.fields
                        if not (k == "approved_scope" and v in uncheck)]
                data = kept + [("confirm", "yes" if approve else "no")]
                response = self.http.post(urljoin(str(page.url), form.action),
                                          data=_as_form(data))
            else:
                raise AssertionError(f"unexpected page {response.status_code} at {response.url}:"
                                     f"\n{response.text[:2000]}")
        raise AssertionError("too many steps between authorize and the callback")

    def close(self) -> None:
        self.http.close()
