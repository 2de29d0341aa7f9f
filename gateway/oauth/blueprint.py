"""Every OAuth 2.0 / OpenID Connect URL the provider serves, in one list.

Two blueprints keep the endpoint names that templates, `url_for` and apps' links use: `oauth`
(the standard endpoints) and `oauth_legacy` (QQ's paths). Each row also says whether the URL
takes cross-site POSTs (CSRF-exempt: the client authenticates itself, or the protocol defines a
form an app posts) and whether it answers in a fixed wire format (English, whatever the
reader's language). The views themselves live in views.py, legacy_views.py, device_views.py,
logout.py and discovery.py, and register nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from gateway import i18n
from gateway.extensions import csrf
from gateway.oauth import device_views, discovery, legacy_views, logout, par_views, views

standard = Blueprint("oauth", __name__)
legacy = Blueprint("oauth_legacy", __name__)

GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


@dataclass(frozen=True)
class Url:
    blueprint: Blueprint
    rule: str
    view: Callable[..., ResponseReturnValue]
    methods: tuple[str, ...]
    csrf_exempt: bool = False  # clients (or the protocol's own form) post here from other sites
    wire_format: bool = False  # a protocol answer: English whatever the Accept-Language

    @property
    def endpoint(self) -> str:
        return f"{self.blueprint.name}.{self.view.__name__}"


URLS = (
    # QQ-compatible paths (docs/qq-compat.md): errors as QQ shapes them.
    Url(legacy, "/oauth2.0/authorize", legacy_views.authorize, BOTH),
    Url(legacy, "/oauth2.0/show", legacy_views.show, GET),
    Url(legacy, "/oauth2.0/token", legacy_views.token, BOTH, csrf_exempt=True, wire_format=True),
    Url(legacy, "/oauth2.0/me", legacy_views.me, BOTH, csrf_exempt=True, wire_format=True),
    # OAuth 2.0 / OpenID Connect.
    # Apps may POST an authorization request as a form (OIDC Core §3.1.2.1): it is answered with
    # the same request as a GET; the consent form posted here checks its own CSRF token.
    Url(standard, "/oauth2/authorize", views.authorize, BOTH, csrf_exempt=True),
    # Pushed authorization requests (RFC 9126): the client authenticates.
    Url(standard, "/oauth2/par", par_views.pushed_authorization_request, POST, csrf_exempt=True,
        wire_format=True),
    Url(standard, "/oauth2/token", views.token, POST, csrf_exempt=True, wire_format=True),
    Url(standard, "/oauth2/revoke", views.revoke, POST, csrf_exempt=True, wire_format=True),
    Url(standard, "/oauth2/introspect", views.introspect, POST, csrf_exempt=True,
        wire_format=True),
    Url(standard, "/oauth2/userinfo", views.userinfo, BOTH, csrf_exempt=True, wire_format=True),
    # RP-Initiated Logout: apps may POST the request as a form (§2); logout.py asks the user to
    # confirm (with its own CSRF token) whenever the request is not tied to the session.
    Url(standard, "/oauth2/logout", logout.end_session_endpoint, BOTH, csrf_exempt=True),
    # Device flow (RFC 8628): the device's request, and the page where the user types the code.
    Url(standard, "/oauth2/device_authorization", device_views.device_authorization, POST,
        csrf_exempt=True, wire_format=True),
    Url(standard, "/device", device_views.device_page, BOTH),
    # Discovery.
    Url(standard, "/.well-known/openid-configuration", discovery.openid_configuration, GET),
    Url(standard, "/.well-known/oauth-authorization-server", discovery.oauth_metadata, GET),
    Url(standard, "/.well-known/jwks.json", discovery.jwks, GET, wire_format=True),
)

for _url in URLS:
    _url.blueprint.add_url_rule(_url.rule, view_func=_url.view, methods=list(_url.methods))
    if _url.csrf_exempt:
        csrf.exempt(_url.view)


def register(app: Flask) -> None:
    """Serve every URL above on `app`."""
    app.register_blueprint(legacy)
    app.register_blueprint(standard)
    i18n.wire_format(app, *(url.endpoint for url in URLS if url.wire_format))
