"""The platform's error classes and the one place that renders every error."""

from __future__ import annotations

import logging
from typing import Any

from authlib.oauth2.rfc6749.errors import InsecureTransportError
from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, force_locale
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from gateway.i18n import N_, _, _l

log = logging.getLogger(__name__)


def localized(text: str | LazyString) -> str:
    """A message in the reader's language: lazy strings evaluate, plain msgids are looked up."""
    return str(text) if isinstance(text, LazyString) else _(text)


def english(text: str | LazyString) -> str:
    """A message in English whatever the reader's language (wire formats, HTTP headers)."""
    with force_locale("en"):
        return str(text)


class ZoneConnectError(Exception):
    """An error with a machine code, an HTTP status and a human description.

    Descriptions are lazy (`_l`) or plain msgids: `to_dict` renders them in the reader's
    language, `english()` where a wire format or an ASCII-only field needs the original.
    """

    code = "invalid_request"
    status = 400
    description: str | LazyString = _l("The request is invalid.")

    def __init__(self, description: str | LazyString | None = None, *, code: str | None = None,
                 status: int | None = None, ret: int | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        # str(): a class may describe itself with a lazy translation (`_l`), resolved now.
        self.description = str(description or self.description)
        self.code = code or self.code
        self.status = status or self.status
        self.ret = ret
        self.extra = extra or {}
        super().__init__(self.description)

    def message(self) -> str:
        """The description in the reader's language."""
        return localized(self.description)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "error_description": self.message()}
        if self.ret is not None:
            body["ret"] = self.ret
        body.update(self.extra)
        return body


class NotFound(ZoneConnectError):
    code = "not_found"
    status = 404
    description = _l("The requested resource does not exist.")


class Forbidden(ZoneConnectError):
    code = "forbidden"
    status = 403
    description = _l("You are not allowed to do this.")


class Conflict(ZoneConnectError):
    code = "conflict"
    status = 409
    description = _l("The request conflicts with the current state.")


class ValidationFailed(ZoneConnectError):
    code = "validation_error"
    status = 422
    description = _l("Some fields are invalid.")

    def __init__(self, fields: dict[str, list[Any]],
                 description: str | LazyString | None = None) -> None:
        super().__init__(description, extra={"fields": fields})
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["fields"] = {name: [localized(m) for m in messages]
                          for name, messages in self.fields.items()}
        return body


# marshmallow's own messages, as the REST API's `fields` carry them: listed for the catalog,
# translated by `localized` when an error is rendered (messages with values stay English).
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Not a valid string."), N_("Not a valid integer."), N_("Not a valid number."),
    N_("Not a valid boolean."), N_("Not a valid URL."), N_("Not a valid email address."),
    N_("Not a valid datetime."), N_("Not a valid date."), N_("Not a valid list."),
    N_("Not a valid mapping type."), N_("Unknown field."), N_("Invalid input type."),
)


HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


# Werkzeug's descriptions are English only; these are what people read for each status.
HTTP_DESCRIPTIONS = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    401: _l("Log in or send valid credentials to see this."),
    403: _l("You do not have the permission to see this."),
    404: _l("There is no page at this address. Check the link, or start again from the home "
            "page."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The data sent is too large."),
    415: _l("The server does not support the media type sent."),
}


def wants_json() -> bool:
    """API callers get JSON errors; browsers get a page."""
    if request.path.startswith(("/api/", "/oauth2/", "/.well-known/", "/webhooks/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def render_error(body: dict[str, Any], status: int,
                 headers: dict[str, str] | None = None) -> ResponseReturnValue:
    """Render an error body as JSON or as the error page, with the request id."""
    body = {**body, "request_id": g.get("request_id")}
    if wants_json():
        response = jsonify(body)
    else:
        response = render_template("error.html", error=body, status=status)
    return response, status, headers or {}


# Werkzeug's stock descriptions ("The requested URL was not found on the server. If you entered
# the URL manually...") replaced by the platform's own words, in the reader's language.


def render_http_error(exc: HTTPException) -> ResponseReturnValue:
    """An HTTP error (404, 429...) rendered like every other error."""
    status = exc.code or 500
    code = HTTP_CODES.get(status, "http_error")
    description = localized(exc.description or "")
    if exc.description == type(exc).description or not exc.description:
        description = str(HTTP_DESCRIPTIONS.get(status) or _("The request could not be handled."))
    if isinstance(exc, CSRFError):
        code = "csrf_failed"
        description = _("The form expired or was not sent from this site. Reload it.")
    # Keep what the exception says about the protocol (Allow on a 405, WWW-Authenticate on a
    # 401); our renderer supplies the body and its content type.
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    if status == 429:
        retry = getattr(exc, "retry_after", None)
        description = _("Too many attempts. Wait a few minutes and try again.")
        if retry:
            headers["Retry-After"] = str(int(retry))
    return render_error({"error": code, "error_description": description}, status, headers)


def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", extra={"request_id": g.get("request_id")})
    body = {"error": "server_error",
            "error_description": _("Something went wrong on our side. Quote the request id.")}
    return render_error(body, 500)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that render every error the same way."""
    app.register_error_handler(
        ZoneConnectError, lambda exc: render_error(exc.to_dict(), exc.status)
    )
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(InsecureTransportError, lambda exc: render_error(
        {"error": "insecure_transport",
         "error_description": _("OAuth requests must use HTTPS (plain HTTP only on loopback).")},
        400))
    app.register_error_handler(Exception, _unexpected)
