"""Errors of the OAuth provider: resource-side token errors and the QQ wire-format errors."""

from __future__ import annotations

from gateway.errors import ZoneConnectError

# QQ Connect error codes and descriptions, as the wire spec lists them (trailing spaces included).
QQ_DESCRIPTIONS: dict[int, str] = {
    100000: "response_type missing or illegal",
    100001: "param client_id is wrong or lost ",
    100002: "client_secret missing",
    100004: "param grant_type is wrong or lost ",
    100005: "code missing",
    100006: "refresh_token missing",
    100007: "access_token missing",
    100008: "appid does not exist",
    100009: "client secret is illegal",
    100010: "redirect uri is illegal",
    100011: "app is not online (not yet approved, or suspended)",
    100013: "access token is illegal",
    100014: "access token expired",
    100015: "access token revoked",
    100016: "access token check failed",
    100019: "code to access token error",
    100020: "code is reused error",
    100030: "the user has not authorized this API (re-authorize with the scope)",
    100031: "the app has no permission for this API (apply in the portal)",
    100036: "refresh token invalid",
    100037: "refresh token expired",
    100038: "refresh token revoked",
    100039: "refresh token call limit",
    100040: "refresh token bad appkey",
    100041: "refresh token bad appid",
    100042: "refresh token illegal",
    100048: "companyid not set",
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
