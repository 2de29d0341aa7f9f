"""RFC 8693 token exchange, as the platform offers it: an app's backend trades a token a user
gave it for a narrower token for another app of the same developer (impersonation), or, with an
`actor_token`, for a token that names the app acting for the user (delegation, `act`).

Every rule, in the order it is checked (docs/tokens.md explains why each one exists):

1. the calling app authenticated with its secret and enabled exchange (`unauthorized_client`);
2. `subject_token` and `subject_token_type` present, the type an access token; a requested
   token type, when given, an access token too; an actor token comes with its type
   (`invalid_request`);
3. exactly one target, named by `audience` (its appid) or `resource`
   (`urn:zoneconnect:app:<appid>`): a live app of the same developer, not the caller, that
   enabled exchange too (`invalid_target`);
4. the subject token is a live access token the caller holds for a user; the actor token, when
   given, a live access token of the caller (RFC 8693 §2.2.2: `invalid_request`);
5. the user has granted the target app (`invalid_grant`);
6. scope = what the subject token may do ∩ the user's grant to the target ∩ the target's
   reviewed permissions; a requested scope must fit inside (`invalid_scope`);
7. the new token never outlives the subject token, has no refresh token, joins the subject's
   family (a replayed code or a reused refresh token revokes it with the rest) and login
   session (`sid`: back-channel logout tells the target app too), and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.audit import services as audit
from gateway.authorizations import services as authorizations
from gateway.extensions import db
from gateway.oauth import resources, services, tokens
from gateway.oauth.clients import ClientFacts
from gateway.oauth.models import OAuthToken
from gateway.oauth.store import current_store

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


class ExchangeRefused(Exception):
    """The exchange is refused: `error` is the RFC 6749 / 8693 / 8707 code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class ExchangeRequest:
    """The token-exchange parameters of one request (RFC 8693 §2.1)."""

    subject_token: str | None
    subject_token_type: str | None
    actor_token: str | None = None
    actor_token_type: str | None = None
    requested_token_type: str | None = None
    audiences: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    scopes: tuple[str, ...] | None = None


def exchange(client: ClientFacts, ask: ExchangeRequest) -> tokens.Issued:
    """Issue the narrower token for the target app, or raise ExchangeRefused."""
    if client.is_public_client or not client.token_exchange_enabled:
        raise ExchangeRefused("unauthorized_client", "token exchange is not enabled for this app")
    _check_types(ask)
    target = _target(client, ask)
    subject = _live_token(ask.subject_token, client, "subject_token")
    if subject.user_id is None:
        raise ExchangeRefused("invalid_request", "subject_token speaks for no user")
    act: dict[str, Any] | None = None
    if ask.actor_token is not None:
        actor = _live_token(ask.actor_token, client, "actor_token")
        act = {"sub": actor.openid or client.appid, "client_id": client.appid}
    granted = authorizations.granted_scopes(subject.user_id, target.app_id)
    if not granted:
        raise ExchangeRefused("invalid_grant", "the user has not authorized the target app")
    available = subject.scopes & granted & target.granted
    wanted = set(ask.scopes) if ask.scopes is not None else available
    if not wanted <= available:
        raise ExchangeRefused("invalid_scope", "scope exceeds what the subject token and the "
                              "target app's grant allow")
    if not wanted:
        raise ExchangeRefused("invalid_scope", "no scope is left for the target app")
    row = db.session.get(OAuthToken, subject.token_id)
    assert row is not None  # it was just checked
    if act is not None and row.act:
        act["act"] = row.act  # a chain of delegation keeps the earlier actors
    scopes = sorted(wanted)
    issued = tokens.issue_tokens(target, subject.user_id, scopes, grant_type="token_exchange",
                                 with_refresh=False, sid=row.sid, bindings=tokens.Bindings(
                                     audience=resources.APP_URN + target.appid, act=act,
                                     family=row.family, family_started_at=row.family_started_at,
                                     not_after=subject.expires_at))
    audit.record("token.exchanged", actor_id=subject.user_id, subject_type="app",
                 subject_id=target.appid, by_app=client.appid, scopes=scopes,
                 delegated=act is not None)
    return issued


def _check_types(ask: ExchangeRequest) -> None:
    if not ask.subject_token or not ask.subject_token_type:
        raise ExchangeRefused("invalid_request",
                              "subject_token and subject_token_type are required")
    if ask.subject_token_type != ACCESS_TOKEN_TYPE:
        raise ExchangeRefused("invalid_request", "only access tokens can be exchanged")
    if ask.requested_token_type not in (None, ACCESS_TOKEN_TYPE):
        raise ExchangeRefused("invalid_request", "only access tokens are issued")
    if (ask.actor_token is None) != (ask.actor_token_type is None):
        raise ExchangeRefused("invalid_request", "actor_token and actor_token_type go together")
    if ask.actor_token_type not in (None, ACCESS_TOKEN_TYPE):
        raise ExchangeRefused("invalid_request", "the actor_token must be an access token")


def _target(client: ClientFacts, ask: ExchangeRequest) -> ClientFacts:
    """The one app the request names, when it may receive the token."""
    named: set[str] = set(ask.audiences)
    for resource in ask.resources:
        appid = resources.appid_of(resource) if resources.well_formed(resource) else None
        if appid is None:
            raise ExchangeRefused("invalid_target",
                                  "a resource must name an app (urn:zoneconnect:app:<appid>)")
        named.add(appid)
    if not named:
        raise ExchangeRefused("invalid_request", "name the target app with audience or resource")
    if len(named) > 1:
        raise ExchangeRefused("invalid_target", "one target app per request")
    appid = named.pop()
    target = current_store().client(appid)
    if (target is None or target.status != "live" or target.developer_id != client.developer_id
            or target.app_id == client.app_id):
        raise ExchangeRefused("invalid_target",
                              "the target must be another live app of the same developer")
    if not target.token_exchange_enabled:
        raise ExchangeRefused("invalid_target",
                              "the target app does not take part in token exchange")
    return target


def _live_token(raw: str | None, client: ClientFacts, name: str) -> services.AccessContext:
    """A live access token of the calling app (RFC 8693 §2.2.2: anything else is
    invalid_request)."""
    try:
        found = services.authenticate_access_token(raw)
    except services.TokenError as exc:
        raise ExchangeRefused("invalid_request", f"{name} is invalid, expired or revoked") from exc
    if found.app_id != client.app_id:
        raise ExchangeRefused("invalid_request", f"{name} was not issued to this app")
    return found


def response_fields(issued: tokens.Issued) -> dict[str, Any]:
    """The RFC 8693 §2.2.1 response body."""
    return {"access_token": issued.access_token, "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer", "expires_in": issued.expires_in,
            "scope": " ".join(issued.scopes)}
