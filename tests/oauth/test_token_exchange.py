"""RFC 8693 token exchange between the apps of one developer (gateway/oauth/exchange.py).

RFC 8693 §2.2.2: "If the request itself is not valid or if either the subject_token or
actor_token are invalid for any reason, or are unacceptable based on policy, the authorization
server MUST construct an error response ... invalid_request"; "If the authorization server is
unwilling or unable to issue a token for any target service indicated by the resource or
audience parameters, the invalid_target error code SHOULD be used". Every refusal below also
checks that nothing was issued.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.apps.services import create_app
from gateway.audit.models import AuditEvent
from gateway.authorizations.services import record_consent
from gateway.extensions import db
from gateway.identity.services import openid_for
from gateway.oauth import tokens
from gateway.oauth.models import OAuthToken
from gateway.timeutil import utcnow
from tests.oauth.test_jwt_access_tokens import verify

GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
OTHER_REDIRECT = "https://other.example/callback"


class Family:
    def __init__(self, world: Any, other: Any, other_key: str, stranger: Any) -> None:
        self.world, self.other, self.other_key, self.stranger = world, other, other_key, stranger


@pytest.fixture
def family(world: Any, factory: Any) -> Family:
    """devon's web site and a second app, both with exchange on; alice granted both; another
    developer's app with exchange on too."""
    other, other_key = create_app(world.developer, name="Other Site",
                                  redirect_uris=[OTHER_REDIRECT], scopes=["add_share"],
                                  live=True)
    mallory = factory.user("mallory")
    stranger, _ = create_app(mallory, name="Stranger", redirect_uris=[OTHER_REDIRECT],
                             live=True)
    for app in (world.web, other, stranger):
        app.token_exchange_enabled = True
    record_consent(world.user.id, world.web.id, ["get_user_info", "add_share"])
    record_consent(world.user.id, other.id, ["get_user_info"])
    record_consent(world.user.id, stranger.id, ["get_user_info"])
    db.session.commit()
    return Family(world, other, other_key, stranger)


def _subject(family: Family, scopes: tuple[str, ...] = ("get_user_info", "add_share")) -> Any:
    issued = tokens.issue_tokens(family.world.web, family.world.user.id, list(scopes),
                                 grant_type="authorization_code")
    db.session.commit()
    return issued


def _exchange(client: Any, family: Family, subject: str | None, *,
              auth: tuple[str, str] | None = None, **extra: Any) -> Any:
    data = {"grant_type": GRANT, "subject_token_type": ACCESS, "audience": family.other.appid,
            **extra}
    if subject is not None:
        data["subject_token"] = subject
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/oauth2/token", data=data,
                       auth=auth or (family.world.web.appid, family.world.web_key))


def _issued_count() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(OAuthToken)) or 0)


def test_exchange_gives_the_sibling_app_a_narrower_token(family, client):
    subject = _subject(family)
    response = _exchange(client, family, subject.access_token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["issued_token_type"] == ACCESS and body["token_type"] == "Bearer"
    assert body["scope"] == "get_user_info"  # add_share: alice never granted it to Other Site
    assert "refresh_token" not in body and 0 < body["expires_in"] <= subject.expires_in
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200  # it is Other Site's token for alice
    assert me.get_json()["openid"] == openid_for(family.world.user.id, family.other)
    seen = client.post("/oauth2/introspect", data={"token": body["access_token"]},
                       auth=(family.other.appid, family.other_key)).get_json()
    assert seen["active"] and seen["client_id"] == family.other.appid
    assert seen["aud"] == f"urn:zoneconnect:app:{family.other.appid}"
    hidden = client.post("/oauth2/introspect", data={"token": body["access_token"]},
                         auth=(family.world.web.appid, family.world.web_key)).get_json()
    assert hidden == {"active": False}  # the caller does not own the new token
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.exchanged"))
    assert event is not None and event.subject_id == family.other.appid


def test_exchange_to_a_jwt_app_and_by_resource(family, client):
    family.other.access_token_format = "jwt"
    db.session.commit()
    subject = _subject(family)
    resource = f"urn:zoneconnect:app:{family.other.appid}"
    response = _exchange(client, family, subject.access_token, audience=None,
                         resource=resource, scope="get_user_info")
    assert response.status_code == 200, response.get_data(as_text=True)
    claims = verify(client, response.get_json()["access_token"], audience=resource)
    assert claims["client_id"] == family.other.appid and "act" not in claims
    assert claims["sub"] == openid_for(family.world.user.id, family.other)


def test_delegation_names_the_actor(family, client):
    family.other.access_token_format = "jwt"
    db.session.commit()
    subject = _subject(family)
    actor = client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                        auth=(family.world.web.appid, family.world.web_key)).get_json()
    response = _exchange(client, family, subject.access_token,
                         actor_token=actor["access_token"], actor_token_type=ACCESS)
    assert response.status_code == 200, response.get_data(as_text=True)
    token = response.get_json()["access_token"]
    act = {"sub": family.world.web.appid, "client_id": family.world.web.appid}
    assert verify(client, token, audience=f"urn:zoneconnect:app:{family.other.appid}")[
        "act"] == act
    db.session.expire_all()
    row = db.session.scalar(select(OAuthToken).where(OAuthToken.grant_type == "token_exchange"))
    assert row is not None and row.act == act  # recorded, not only claimed


def test_exchanged_token_never_outlives_its_subject_and_dies_with_its_family(family, client):
    subject = _subject(family)
    row = db.session.get(OAuthToken, subject.token_id)
    row.expires_at = utcnow() + timedelta(seconds=60)
    db.session.commit()
    body = _exchange(client, family, subject.access_token).get_json()
    assert 0 < body["expires_in"] <= 60
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    tokens.current_store().revoke(tokens.RevokeWhere(family=row.family))  # reuse detected
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def _revoked(family: Family) -> str:
    subject = _subject(family)
    tokens.revoke_token(tokens.find_token(subject.access_token, None))
    db.session.commit()
    return subject.access_token


def _others_token(family: Family) -> str:
    issued = tokens.issue_tokens(family.other, family.world.user.id, ["get_user_info"],
                                 grant_type="authorization_code")
    db.session.commit()
    return issued.access_token


REFUSALS = [
    ("widened scope", {"scope": "get_user_info add_share"}, "invalid_scope"),
    ("scope the subject lacks", {"scope": "get_vip_info"}, "invalid_scope"),
    ("another developer's app", {"audience": "stranger"}, "invalid_target"),
    ("an app by resource URL", {"audience": None, "resource": "https://other.example/"},
     "invalid_target"),
    ("two targets", {"resource": "urn:zoneconnect:app:stranger"}, "invalid_target"),
    ("the caller itself", {"audience": "self"}, "invalid_target"),
    ("an unknown app", {"audience": "999999999"}, "invalid_target"),
    ("target without exchange", {"target_off": True}, "invalid_target"),
    ("caller without exchange", {"caller_off": True}, "unauthorized_client"),
    ("revoked subject token", {"subject": "revoked"}, "invalid_request"),
    ("another app's subject token", {"subject": "others"}, "invalid_request"),
    ("client token as subject", {"subject": "client"}, "invalid_request"),
    ("unknown subject token", {"subject": "F" * 32}, "invalid_request"),
    ("no subject token", {"subject": None}, "invalid_request"),
    ("no subject token type", {"subject_token_type": None}, "invalid_request"),
    ("refresh token type", {"subject_token_type":
                            "urn:ietf:params:oauth:token-type:refresh_token"}, "invalid_request"),
    ("id_token requested", {"requested_token_type":
                            "urn:ietf:params:oauth:token-type:id_token"}, "invalid_request"),
    ("actor without type", {"actor_token": "A" * 32}, "invalid_request"),
    ("invalid actor", {"actor_token": "A" * 32, "actor_token_type": ACCESS},
     "invalid_request"),
    ("no target", {"audience": None}, "invalid_request"),
    ("user never granted the target", {"ungranted": True}, "invalid_grant"),
]


@pytest.mark.parametrize(("case", "change", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_refusal_issues_nothing(family, client, case, change, error):
    change = dict(change)
    subject = _subject(family).access_token
    kind = change.pop("subject", "live")
    if kind == "revoked":
        subject = _revoked(family)
    elif kind == "others":
        subject = _others_token(family)
    elif kind == "client":
        subject = client.post("/oauth2/token", data={"grant_type": "client_credentials"},
                              auth=(family.world.web.appid, family.world.web_key)
                              ).get_json()["access_token"]
    elif kind != "live":
        subject = kind
    if change.pop("target_off", False):
        family.other.token_exchange_enabled = False
    if change.pop("caller_off", False):
        family.world.web.token_exchange_enabled = False
    if change.pop("ungranted", False):
        from gateway.authorizations.services import revoke

        revoke(family.world.user.id, family.other.id)
    db.session.commit()
    names = {"stranger": family.stranger.appid, "self": family.world.web.appid}
    for key in ("audience", "resource"):
        if key in change and change[key] is not None:
            change[key] = change[key].replace("stranger", family.stranger.appid)
            change[key] = names.get(change[key], change[key])
    before = _issued_count()
    response = _exchange(client, family, subject, **change)
    assert response.status_code in (400, 401), response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == error, (case, body)
    assert body.get("error_description")
    assert _issued_count() == before


def test_public_clients_and_wrong_secrets_cannot_exchange(family, client):
    subject = _subject(family).access_token
    family.world.native.token_exchange_enabled = True
    db.session.commit()
    public = client.post("/oauth2/token", data={
        "grant_type": GRANT, "client_id": family.world.native.appid, "subject_token": subject,
        "subject_token_type": ACCESS, "audience": family.other.appid})
    assert public.status_code in (400, 401) and public.get_json()["error"] in (
        "invalid_client", "unauthorized_client")
    wrong = _exchange(client, family, subject, auth=(family.world.web.appid, "0" * 32))
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"


def test_discovery_lists_token_exchange(client):
    grants = client.get("/.well-known/openid-configuration").get_json()["grant_types_supported"]
    assert GRANT in grants


def test_exchange_through_the_code_flow_subject(family, browser, client):
    """A subject token from a real login; replaying its code revokes the exchanged token too."""
    from tests.oauth.test_jwt_access_tokens import _code, _token

    code, verifier = _code(browser, family.world)
    subject = _token(client, family.world, code, verifier).get_json()["access_token"]
    body = _exchange(client, family, subject).get_json()
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    replay = _token(client, family.world, code, verifier)
    assert replay.status_code == 400
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
