"""Errors of the OAuth provider: resource-side token errors and the QQ wire-format errors."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import N_

# QQ Connect error codes and descriptions, as the wire spec lists them (trailing spaces included).
# The legacy bodies send them as they are, in English; pages and the REST API show them in the
# reader's language (marked N_ for the catalog, translated where rendered).
QQ_DESCRIPTIONS: dict[int, str] = {
    100000: N_("response_type missing or illegal"),
    100001: N_("param client_id is wrong or lost "),
    100002: N_("client_secret missing"),
    100004: N_("param grant_type is wrong or lost "),
    100005: N_("code missing"),
    100006: N_("refresh_token missing"),
    100007: N_("access_token missing"),
    100008: N_("appid does not exist"),
    100009: N_("client secret is illegal"),
    100010: N_("redirect uri is illegal"),
    100011: N_("app is not online (not yet approved, or suspended)"),
    100013: N_("access token is illegal"),
    100014: N_("access token expired"),
    100015: N_("access token revoked"),
    100016: N_("access token check failed"),
    100019: N_("code to access token error"),
    100020: N_("code is reused error"),
    100030: N_("the user has not authorized this API (re-authorize with the scope)"),
    100031: N_("the app has no permission for this API (apply in the portal)"),
    100036: N_("refresh token invalid"),
    100037: N_("refresh token expired"),
    100038: N_("refresh token revoked"),
    100039: N_("refresh token call limit"),
    100040: N_("refresh token bad appkey"),
    100041: N_("refresh token bad appid"),
    100042: N_("refresh token illegal"),
    100048: N_("companyid not set"),
}


class QQError(ZoneConnectError):
    """An error of the legacy QQ paths: rendered as `callback( {...} );` with HTTP 200."""

    code = "invalid_request"
    status = 400

    def __init__(self, ret: int, oauth_error: str = "invalid_request") -> None:
        super().__init__(QQ_DESCRIPTIONS[ret], code=oauth_error, ret=ret)


class TokenError(ZoneConnectError):
    """A presented access token cannot be used; carries the QQ `ret` and the REST code."""

    code = "invalid_token"
    status = 401
    ret_code = 100013

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description or QQ_DESCRIPTIONS[self.ret_code], ret=self.ret_code)


class MissingToken(TokenError):
    ret_code = 100007


class InvalidToken(TokenError):
    ret_code = 100013


class ExpiredToken(TokenError):
    ret_code = 100014


class RevokedToken(TokenError):
    ret_code = 100015


class AppSuspended(TokenError):
    code = "app_suspended"
    status = 403
    ret_code = 100011


class DPoPBoundToken(TokenError):
    """A DPoP-bound token presented as a Bearer token (RFC 9449 §7.2): refused."""

    ret_code = 100016

    def __init__(self) -> None:
        super().__init__(N_("This access token is DPoP-bound: send it with the DPoP scheme and a "
                            "proof."))


class NotDPoPBound(TokenError):
    """A Bearer token presented with the DPoP scheme: it is bound to no key."""

    ret_code = 100016

    def __init__(self) -> None:
        super().__init__(N_("This access token is not DPoP-bound: send it as a Bearer token."))


class InvalidDPoPProof(TokenError):
    """The request's DPoP proof is refused (RFC 9449 §7.1); WWW-Authenticate uses DPoP."""

    code = "invalid_dpop_proof"
    ret_code = 100016


class UseDPoPNonce(TokenError):
    """The proof lacks the server's nonce (RFC 9449 §9): 401 with a `DPoP-Nonce` header."""

    code = "use_dpop_nonce"
    ret_code = 100016
