"""The OIDC `locale` and `zoneinfo` claims are the account's own: the language chosen with the
language switch (a BCP 47 tag) and the profile's time zone, in the id_token and at userinfo."""

from __future__ import annotations

from typing import Any

from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.accounts.models import User
from gateway.accounts.preferences import set_timezone
from gateway.extensions import db
from tests.oauth.test_oidc_flow import CSRF, _browser, _client, _consent, _login, discovery

__all__ = ["discovery"]  # the fixture, shared with the flow tests


def _claims(app: Any, world: Any, discovery: dict[str, Any],
            lang: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Log in, switch the language (if `lang`), consent; the id_token's claims and userinfo."""
    client = _client(app, world)
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"],
                                             code_verifier=verifier)
    with _browser(app) as browser:
        _login(browser)
        if lang:
            token = CSRF.search(browser.get("/").text)[1]
            switched = browser.post("/language", data={"csrf_token": token, "lang": lang,
                                                       "return_to": "/"})
            assert switched.status_code == 302
        callback = _consent(browser, url)
    token = client.fetch_token(discovery["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)
    with _browser(app) as anonymous:
        keyset = KeySet.import_key_set(anonymous.get(discovery["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], keyset, algorithms=["RS256"]).claims
    info = client.get(discovery["userinfo_endpoint"])
    assert info.status_code == 200, info.text
    return id_token, info.json()


def test_the_chosen_language_and_time_zone_are_the_claims(app, world, discovery) -> None:
    set_timezone(world.user, "Europe/Berlin")
    db.session.commit()
    id_token, info = _claims(app, world, discovery, "zh_Hans")
    assert db.session.get(User, world.user.id).language == "zh_Hans"
    for claims in (id_token, info):
        assert claims["locale"] == "zh-Hans" and claims["zoneinfo"] == "Europe/Berlin"
        assert claims["nickname"] == "Alice"


def test_switching_to_english_says_en(app, world, discovery) -> None:
    _claims(app, world, discovery, "zh_Hans")
    id_token, info = _claims(app, world, discovery, "en")
    for claims in (id_token, info):
        assert claims["locale"] == "en" and claims["zoneinfo"] == "Asia/Shanghai"  # default zone
