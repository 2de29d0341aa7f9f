"""openid-client 6 logs a user out (OpenID Connect RP-Initiated Logout 1.0): the library builds
the end-session URL from discovery with the login's id_token as hint; ZoneConnect ends the
session without asking, returns to the registered URI with state, and sends the app's
back-channel logout token, which verifies with the published JWKS."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.apps.models import App
from gateway.extensions import db
from gateway.outbox import worker
from tests.certified.harness import RelyingParty, code_flow
from tests.certified.node import OpenIdClient
from tests.outbox.test_worker import Receiver
from tests.sdk_integration.live import FormBrowser

LOGGED_OUT = "http://127.0.0.1:9/logged-out"


def test_rp_initiated_logout_with_openid_client(openid_client: OpenIdClient,
                                                browser: FormBrowser,
                                                relying_party: RelyingParty) -> None:
    receiver = Receiver()
    try:
        registered = db.session.get(App, relying_party.app_pk)
        assert registered is not None
        registered.post_logout_redirect_uris = [LOGGED_OUT]
        registered.backchannel_logout_uri = receiver.url
        db.session.commit()
        login = code_flow(openid_client, browser)
        id_token, sid = login["tokens"]["id_token"], login["claims"]["sid"]
        # An unregistered return address is refused, and nothing ends.
        refused = openid_client.call("end_session_url", params={
            "id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT + "/other"})
        assert browser.http.get(refused["url"]).status_code == 400
        url = openid_client.call("end_session_url", params={
            "id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT,
            "state": "bye-1"})["url"]
        assert url.startswith(relying_party.issuer + "/oauth2/logout?")
        answer = browser.http.get(url)
        assert answer.status_code == 302
        assert answer.headers["location"] == LOGGED_OUT + "?state=bye-1"
        assert worker.run_once() == 1
        [request] = receiver.requests
        [token] = parse_qs(request["body"].decode())["logout_token"]
        keys = KeySet.import_key_set(httpx.get(relying_party.issuer
                                               + "/.well-known/jwks.json").json())
        claims: dict[str, Any] = dict(jwt.decode(token, keys, algorithms=["RS256",
                                                                          "ES256"]).claims)
        assert claims["sid"] == sid and claims["aud"] == relying_party.client_id
        assert claims["iss"] == relying_party.issuer and "nonce" not in claims
        # The session is over: the same hint now finds nobody to log out, and nothing is sent.
        assert browser.http.get(url).status_code == 302
        assert worker.run_once() == 0
    finally:
        receiver.close()
