"""The pushed authorization request endpoint (RFC 9126 §2): /oauth2/par.

The client authenticates as at the token endpoint (clients.authenticate, one method per
request), the parameters are validated as /oauth2/authorize validates them, and the answer is a
single-use, short-lived request_uri bound to that client (gateway/oauth/pushed.py).
Request objects (JAR, RFC 9101) are not accepted: apps register no keys to verify them with,
so `request` is refused with request_not_supported, as discovery says.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from gateway.apps.models import App
from gateway.database import commit_if_open
from gateway.errors import english
from gateway.oauth import authorize as authz
from gateway.oauth import pushed
from gateway.oauth.clients import ClientRefused, authenticate
from gateway.oauth.rate_limits import token_limits
from gateway.oauth.store import current_store
from gateway.oauth.views import mixed_client_authentication

MAX_PARAMETERS = 40
MAX_VALUE = 4096
# Client authentication travels with the request; none of it is kept with the pushed request.
CREDENTIALS = ("client_secret", "client_assertion", "client_assertion_type")


def _error(error: str, description: str, status: int = 400,
           headers: dict[str, str] | None = None) -> ResponseReturnValue:
    response = jsonify({"error": error, "error_description": description})
    response.headers.update(headers or {})
    return response, status


def _credentials() -> tuple[str, str | None, bool]:
    """client_id, client_secret and whether HTTP Basic carried them (RFC 6749 §2.3.1)."""
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        return (unquote_plus(basic.username or ""), unquote_plus(basic.password or ""), True)
    return request.form.get("client_id", ""), request.form.get("client_secret"), False


def _client_key() -> str:
    return "oauth2-par-client:" + _credentials()[0][:16]


def _problem(form: MultiDict[str, str]) -> tuple[str, str] | None:
    """What makes the pushed request itself malformed (RFC 9126 §2.1), before validation."""
    repeated = sorted(name for name, values in form.lists() if len(values) > 1)
    if repeated:
        return "invalid_request", f"Repeated parameter: {repeated[0][:32]}."
    if len(form) > MAX_PARAMETERS or any(len(v) > MAX_VALUE for v in form.values()):
        return "invalid_request", "Too many or too long parameters."
    if "request_uri" in form:
        return "invalid_request", "request_uri cannot be pushed (RFC 9126 §2.1)."
    if "request" in form:
        return "request_not_supported", "Request objects (JAR) are not supported."
    return None


@token_limits(client_key=_client_key)
def pushed_authorization_request() -> ResponseReturnValue:
    """RFC 9126: an authenticated client pushes its authorization request; 201 with a
    request_uri to send the browser to /oauth2/authorize with."""
    if problem := mixed_client_authentication():
        return _error("invalid_request", problem)
    client_id, secret, basic = _credentials()
    try:
        client = authenticate(current_store().client(client_id), secret)
    except ClientRefused:
        description = "Client authentication failed."
        challenge = {"WWW-Authenticate": f'Basic error="invalid_client", '
                                         f'error_description="{description}"'} if basic else None
        return _error("invalid_client", description, 401, challenge)
    if malformed := _problem(request.form):
        return _error(*malformed)
    parameters: dict[str, Any] = {name: value for name, value in request.form.items()
                                  if name not in CREDENTIALS}
    parameters["client_id"] = client.appid
    try:
        auth = authz.parse(MultiDict(parameters), legacy=False, pushing=True)
    except authz.PageError as exc:  # the client or redirect_uri: RFC 9126 §2.3
        return _error(exc.error, english(exc.description))
    except authz.RedirectError as exc:
        return _error(exc.error, english(exc.description))
    app: App = auth.app
    answer = pushed.push(app, parameters)
    commit_if_open()
    response = jsonify({"request_uri": answer.request_uri, "expires_in": answer.expires_in})
    return response, 201
