"""The SDK's exception hierarchy and the mapping from an HTTP error response to it."""

from __future__ import annotations

from typing import Any

import httpx

# Here, not in _config (which imports this module): the connection error names it.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

__all__ = [
    "ZoneConnectError",
    "APIConnectionError",
    "APITimeoutError",
    "APIError",
    "APIResponseValidationError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
    "OAuthError",
    "ReauthorizationRequired",
    "SignatureVerificationError",
    "IDTokenError",
]


class ZoneConnectError(Exception):
    """Base class of every error this SDK raises."""


class APIConnectionError(ZoneConnectError):
    """The request never got an HTTP response (DNS, refused connection, reset, protocol error)."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None):
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool timeout)."""

    def __init__(self, message: str = "Request timed out.", *,
                 request: httpx.Request | None = None):
        super().__init__(message, request=request)


class SignatureVerificationError(ZoneConnectError):
    """A webhook signature is missing, malformed, stale or does not match the payload."""

    def __init__(self, message: str, *, header: str | None = None):
        super().__init__(message)
        self.header = header


class IDTokenError(ZoneConnectError):
    """An id_token failed verification (signature, issuer, audience, expiry or nonce)."""


class LogoutTokenError(IDTokenError):
    """A back-channel logout token failed verification (everything an id_token is checked
    for, plus its type, its `events` claim, no `nonce`, a `sid` or `sub`, an unseen `jti`)."""


class APIError(ZoneConnectError):
    """The server answered with an error status; fields come from the JSON error body."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object | None = None,
        code: str | None = None,
        description: str | None = None,
        ret: int | None = None,
        request_id: str | None = None,
    ):
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.code = code
        self.description = description
        self.ret = ret
        self.request_id = request_id


class APIResponseValidationError(APIError):
    """A successful response whose body is not the shape the contract promises."""


class BadRequestError(APIError):
    """400 (invalid_request) or 422 (validation_error, with per-field messages in `fields`)."""

    @property
    def fields(self) -> dict[str, list[str]]:
        """Per-field validation messages of a 422 answer (empty otherwise)."""
        raw = self.body.get("fields") if isinstance(self.body, dict) else None
        if not isinstance(raw, dict):
            return {}
        return {str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
                for k, v in raw.items()}


class AuthenticationError(APIError):
    """401: the access token (or the app's credentials) is missing, invalid, expired or revoked."""


class PermissionDeniedError(APIError):
    """403: insufficient_scope, permission_denied or app_suspended."""


class NotFoundError(APIError):
    """404: the resource does not exist (or is not visible to this app)."""


class ConflictError(APIError):
    """409: conflict, e.g. an idempotency key replayed with a different request."""


class RateLimitError(APIError):
    """429: too many requests; `retry_after` is the server's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIError):
    """5xx: the server failed."""


class OAuthError(APIError):
    """An RFC 6749 §5.2 error from the token or revocation endpoint (invalid_grant, ...)."""

    @property
    def error(self) -> str | None:
        """The RFC 6749 `error` code."""
        return self.code

    @property
    def error_description(self) -> str | None:
        """The RFC 6749 `error_description`."""
        return self.description


class ReauthorizationRequired(AuthenticationError, OAuthError):
    """A transparent refresh met `invalid_grant`: the grant is gone, send the user to log in again.

    Raised by calls made with a user's token (`get_user_info`, `shares.*`, ...) when the token
    had to be refreshed and the server refused the refresh token (the user revoked the app, the
    token family was revoked after reuse, or it expired). It is an `AuthenticationError`, so the
    one handler that sends a user back to log in catches it, and an `OAuthError` (status 400,
    `.error == "invalid_grant"`) as before. An explicit `client.refresh()` raises `OAuthError`.
    """

    @classmethod
    def from_oauth_error(cls, exc: OAuthError) -> ReauthorizationRequired:
        """The same answer's fields, as this class."""
        return cls(str(exc), response=exc.response, body=exc.body, code=exc.code,
                   description=exc.description, ret=exc.ret, request_id=exc.request_id)


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def _json_body(response: httpx.Response) -> object | None:
    try:
        body: object = response.json()
        return body
    except ValueError:
        return None


def error_fields(response: httpx.Response) -> dict[str, Any]:
    """Pull `error`, `error_description`, `ret` and `request_id` out of an error response."""
    body = _json_body(response)
    data = body if isinstance(body, dict) else {}
    code = data.get("error")
    description = data.get("error_description")
    ret = data.get("ret")
    request_id = data.get("request_id") or response.headers.get("x-request-id")
    if description is None and not data:
        description = response.text[:200] or response.reason_phrase
    return {
        "body": body,
        "code": str(code) if code is not None else None,
        "description": str(description) if description is not None else None,
        "ret": ret if isinstance(ret, int) and not isinstance(ret, bool) else None,
        "request_id": str(request_id) if request_id else None,
    }


def _message(response: httpx.Response, fields: dict[str, Any]) -> str:
    parts = [f"{response.status_code}"]
    if fields["code"]:
        parts.append(fields["code"])
    text = " ".join(parts)
    if fields["description"]:
        text += f": {fields['description']}"
    if fields["request_id"]:
        text += f" (request_id={fields['request_id']})"
    return text


def make_api_error(response: httpx.Response, *, retry_after: float | None = None) -> APIError:
    """Build the APIError subclass that matches the response's status code."""
    fields = error_fields(response)
    message = _message(response, fields)
    status = response.status_code
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, response=response, **fields)
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIError
    return cls(message, response=response, **fields)


def make_oauth_error(response: httpx.Response, *, retry_after: float | None = None) -> APIError:
    """Build an OAuthError for a token-endpoint answer (5xx and 429 keep their status classes)."""
    if response.status_code >= 500 or response.status_code == 429:
        return make_api_error(response, retry_after=retry_after)
    fields = error_fields(response)
    return OAuthError(_message(response, fields), response=response, **fields)


def connection_error(exc: httpx.TransportError, method: str = "",
                     url: str = "") -> APIConnectionError:
    """Wrap an httpx transport exception, naming the URL tried and the setting that chose it."""
    request = None
    try:
        request = exc.request
    except RuntimeError:  # httpx raises when the exception carries no request
        pass
    if request is not None:
        method, url = request.method, str(request.url)
    # Say where the request went and what chooses that address: the first thing anyone
    # integrating needs when the platform is elsewhere (another port, another host).
    where = f" {method} {url}" if url else ""
    hint = (" (the platform's address comes from base_url= or $ZONECONNECT_BASE_URL, default "
            f"{DEFAULT_BASE_URL})")
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out:{where}: {exc}{hint}", request=request)
    return APIConnectionError(f"Could not connect:{where}: {exc or type(exc).__name__}{hint}",
                              request=request)
