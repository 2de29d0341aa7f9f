"""An existing QQ-login client library (social-auth-core's QQOAuth2), pointed at ZoneConnect on a
real loopback port, completes the authorization-code login: authorize URL, state check, the
urlencoded token body, the `callback( ... );` openid body and /user/get_user_info, all parsed by
its own code."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

with warnings.catch_warnings():  # python3-openid, a dependency, imports a deprecated module
    warnings.simplefilter("ignore", DeprecationWarning)
    from social_core.backends.qq import QQOAuth2
    from social_core.strategy import BaseStrategy

from gateway.extensions import db
from gateway.identity.services import openid_for
from tests.oauth.conftest import WEB_REDIRECT, query_of


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


QQ_BASE = "https://graph.qq.com"


class MemoryNonces:
    """The library's state-nonce store, in memory."""

    used: set[tuple[str, str]] = set()

    @classmethod
    def use(cls, server_url: str, timestamp: int, salt: str) -> bool:
        fresh = (server_url, salt) not in cls.used
        cls.used.add((server_url, salt))
        return fresh

    @classmethod
    def consume(cls, server_url: str, timestamp: int, salt: str) -> bool:
        if (server_url, salt) not in cls.used:
            return False
        cls.used.discard((server_url, salt))
        return True

    @classmethod
    def get(cls, server_url: str, salt: str) -> bool:
        return (server_url, salt) in cls.used

    @classmethod
    def delete(cls, nonce: Any) -> None:
        cls.used.discard(nonce)


class MemoryStorage:
    nonce = MemoryNonces


class DictStrategy(BaseStrategy):
    """Just enough of a social-auth strategy: settings, a session and the callback's query."""

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(storage=MemoryStorage)  # type: ignore[arg-type]
        self.settings = settings
        self.session: dict[str, Any] = {}
        self.data: dict[str, Any] = {}

    def get_setting(self, name: str) -> Any:
        return self.settings[name]

    def get_request_data(self, merge: bool = True) -> dict[str, Any]:
        return self.data

    def request_data(self, merge: bool = True) -> dict[str, Any]:
        return self.data

    def session_get(self, name: str, default: Any = None) -> Any:
        return self.session.get(name, default)

    def session_set(self, name: str, value: Any) -> None:
        self.session[name] = value

    def session_pop(self, name: str) -> Any:
        return self.session.pop(name, None)

    def build_absolute_uri(self, path: str | None = None) -> str:
        return path or ""

    def request_host(self) -> str:
        return "site.example"

    def request_is_secure(self) -> bool:
        return True

    def request_path(self) -> str:
        return "/callback"

    def redirect(self, url: str) -> Any:
        return url

    def html(self, content: str) -> Any:
        return content

    def authenticate(self, backend: Any, *args: Any, **kwargs: Any) -> Any:
        return kwargs["response"]


def zoneconnect_qq(base: str) -> type[QQOAuth2]:
    """The library's QQ backend with only graph.qq.com swapped for ZoneConnect's base URL."""
    attrs: dict[str, Any] = {
        name: getattr(QQOAuth2, name).replace(QQ_BASE, base)
        for name in ("AUTHORIZE_URL", "ACCESS_TOKEN_URL", "AUTHORIZATION_URL", "OPENID_URL")}

    def request(self: QQOAuth2, url: str, *args: Any, **kwargs: Any) -> Any:
        # user_data() names https://graph.qq.com/user/get_user_info literally: the same swap,
        # done where the library sends it, as a hosts-file entry would.
        return QQOAuth2.request(self, url.replace(QQ_BASE, base), *args, **kwargs)

    return type("ZoneConnectQQ", (QQOAuth2,), {**attrs, "request": request})


def test_social_auth_qq_backend_logs_in(world, browser, live_server):
    """The whole login: authorize, token, /oauth2.0/me, then the library's get_user_info."""
    world.user.nickname = "爱丽丝"
    db.session.commit()
    strategy = DictStrategy({"SOCIAL_AUTH_QQ_KEY": world.web.appid,
                             "SOCIAL_AUTH_QQ_SECRET": world.web_key})
    backend = zoneconnect_qq(live_server)(strategy, redirect_uri=WEB_REDIRECT)
    url = backend.auth_url()
    assert url.startswith(live_server + "/oauth2.0/authorize?")
    browser.login()
    parts = urlsplit(url)
    response = browser.consent(parts.path, query_of(url))
    assert response.status_code == 302
    strategy.data.update(query_of(response.headers["Location"]))
    result = backend.auth_complete()
    assert result["openid"] == openid_for(world.user.id, world.web)
    assert result["ret"] == 0 and result["msg"] == ""
    assert result["nickname"] == "爱丽丝" and result["gender"] == "女"
    assert result["figureurl_qq_1"] == f"{live_server}/avatars/{world.user.avatar_key}/40"
    assert backend.get_user_details(result)["username"] == "爱丽丝"
    assert result["expires_in"] == "7776000" and len(result["refresh_token"]) == 32


def test_social_auth_qq_backend_replayed_code_is_refused(world, browser, live_server):
    strategy = DictStrategy({"SOCIAL_AUTH_QQ_KEY": world.web.appid,
                             "SOCIAL_AUTH_QQ_SECRET": world.web_key})
    backend = zoneconnect_qq(live_server)(strategy, redirect_uri=WEB_REDIRECT)
    url = backend.auth_url()
    browser.login()
    callback = browser.consent(urlsplit(url).path, query_of(url)).headers["Location"]
    strategy.data.update(query_of(callback))
    params = backend.auth_complete_params(strategy.data["state"])
    first = backend.request_access_token(backend.access_token_url(), params=params)
    assert len(first["access_token"]) == 32
    # The library's own request, replayed: QQ's error body, and no token for the client.
    replay = backend.request(backend.access_token_url(), params=params)
    assert replay.text == ('callback( {"error":100020,"error_description":'
                           '"code is reused error"} );\n')
    assert "access_token" not in backend.request_access_token(
        backend.access_token_url(), params=params)
