"""OpenID Connect Front-Channel Logout 1.0: for apps that registered a `frontchannel_logout_uri`,
the page that ends a browser's ZoneConnect session (the logout button, RP-initiated logout) loads
each such app's URI in an invisible iframe, so the app clears its own cookies in that browser.

The URIs are those of the apps this session logged into (oauth_tokens.sid), read before the
session ends; an app that set `frontchannel_logout_session_required` gets `iss` and `sid` in
the query (§2). The page's Content-Security-Policy allows frames from exactly those origins;
every other page keeps the default policy (gateway/web.py: frames of the platform's own only).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Response, render_template
from sqlalchemy import select

from gateway import web
from gateway.accounts import sessions
from gateway.apps.models import App
from gateway.extensions import db
from gateway.oauth.authorize import issuer
from gateway.oauth.models import OAuthToken


def logout_urls() -> list[str]:
    """The front-channel logout URLs of the apps this browser's session logged into (call it
    before the session ends); empty when there is no session or no such app."""
    record = sessions.current_session()
    sid = sessions.public_sid(record)
    if record is None or sid is None:
        return []
    rows = db.session.execute(
        select(App.frontchannel_logout_uri, App.frontchannel_logout_session_required)
        .join(OAuthToken, OAuthToken.app_id == App.id)
        .where(OAuthToken.sid == sid, OAuthToken.user_id == record.user_id,
               App.frontchannel_logout_uri != "", App.status != "deleted")
        .distinct()).all()
    urls = []
    for uri, session_required in sorted(set(rows)):
        if session_required:
            parts = urlsplit(uri)
            extra = urlencode({"iss": issuer(), "sid": sid})
            uri = urlunsplit(parts._replace(query="&".join(p for p in (parts.query, extra) if p)))
        urls.append(uri)
    return urls


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def logged_out_page(urls: list[str], continue_url: str | None, app: App | None = None,
                    status: int = 200) -> Response:
    """The "signed out" page with one iframe per front-channel URL, then on to `continue_url`
    (a meta refresh and a link); its CSP lets exactly those origins be framed."""
    response = Response(render_template("oauth/logged_out.html", app=app, frontchannel=urls,
                                        continue_url=continue_url), status=status)
    origins = sorted({_origin(url) for url in urls})
    if origins:
        response.headers["Content-Security-Policy"] = (
            web.CONTENT_SECURITY_POLICY + "; frame-src " + " ".join(origins))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
