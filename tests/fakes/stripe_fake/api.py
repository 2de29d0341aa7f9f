"""The `/v1` API: auth, form decoding, idempotent replay, fault injection, Stripe's JSON."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import socket
from typing import Any

from flask import Flask, Response, current_app, request

from tests.fakes.stripe_fake import (
    accounts,
    balance,
    charges,
    checkout,
    events_api,
    payment_intents,
    payouts,
    refunds,
    transfers,
)
from tests.fakes.stripe_fake.call import Call, Handler, Obj, Route
from tests.fakes.stripe_fake.errors import FakeStripeError, api_error, authentication
from tests.fakes.stripe_fake.faults import Fault
from tests.fakes.stripe_fake.idempotency import StoredResponse, fingerprint
from tests.fakes.stripe_fake.params import Params, parse_pairs
from tests.fakes.stripe_fake.state import FakeStripeState, new_id, public_view

log = logging.getLogger(__name__)
ROUTES: list[Route] = [
    *accounts.ROUTES, *balance.ROUTES, *charges.ROUTES, *checkout.ROUTES, *events_api.ROUTES,
    *payment_intents.ROUTES, *payouts.ROUTES, *refunds.ROUTES, *transfers.ROUTES,
]
_COLLECTIONS = {"checkout.session": "/v1/checkout/sessions"}
_KEY = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]+$")
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$")
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)


def init_app(app: Flask) -> None:
    """Register every `/v1` route and the catch-all for unknown URLs."""
    for method, rule, handler in ROUTES:
        app.add_url_rule(rule, f"{method.lower()}_{handler.__name__}", _view(handler),
                         methods=[method])
    app.add_url_rule("/v1/<path:rest>", "unknown_url", _unknown_url,
                     methods=["GET", "POST", "DELETE", "PUT", "PATCH"])


def state() -> FakeStripeState:
    """The fake's state, from the current app."""
    return current_app.extensions["stripe_fake"]  # type: ignore[no-any-return]


def base_url() -> str:
    """Where the fake is reachable, for the URLs it hands out."""
    configured = current_app.config.get("STRIPE_FAKE_PUBLIC_URL")
    return str(configured or request.host_url).rstrip("/")


def _view(handler: Handler) -> Any:
    def view(**path_args: str) -> Response:
        return dispatch(handler, path_args)

    view.__name__ = handler.__name__
    return view


def dispatch(handler: Handler, path_args: dict[str, str]) -> Response:
    """Run one API call through auth, faults, idempotency and the handler."""
    fake, request_id = state(), new_id("req", 14)
    fault = fake.faults.take(request.method, request.path)
    if fault is not None and fault.mode in ("error", "drop_before"):
        return _early_fault(fault, request_id)
    try:
        account = authenticate(fake)
        params = Params(_decode_params())
        response = _run(fake, handler, path_args, Call(fake, params, account, base_url()),
                        request_id)
    except FakeStripeError as exc:
        response = render(exc.to_dict(), exc.status, request_id)
    if fault is not None:
        return _late_fault(fake, fault, response)
    return response


def _run(fake: FakeStripeState, handler: Handler, path_args: dict[str, str], call: Call,
         request_id: str) -> Response:
    key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    scope, print_ = call.account or "", fingerprint(call.params.data)
    with fake.transaction(request_id, key):
        if key:
            stored = fake.idempotency.lookup(scope, key, request.method, request.path, print_)
            if stored is not None:
                return _replay(stored, request_id, key)
        body, status = _execute(fake, handler, path_args, call)
        if key and status < 500:
            fake.idempotency.store(scope, key, StoredResponse(
                request.method, request.path, print_, status, body, request_id))
    return _response(body, status, request_id, key)


def _execute(fake: FakeStripeState, handler: Handler, path_args: dict[str, str],
             call: Call) -> tuple[bytes, int]:
    try:
        result = handler(call, **path_args)
        view = public_view(result)
        for path in call.params.array("expand"):
            expand(fake, view, result, str(path).split("."))
        return encode(view), 200
    except FakeStripeError as exc:
        return encode(exc.to_dict()), exc.status
    except Exception:  # a bug in the fake must look like Stripe's 500, not a Flask page
        log.exception("stripe fake: %s %s failed", request.method, request.path)
        return encode(api_error().to_dict()), 500


def expand(fake: FakeStripeState, view: Obj, source: Obj, parts: list[str]) -> None:
    """Replace an id at a dotted path with the object (Stripe's `expand[]`)."""
    head, rest = parts[0], parts[1:]
    if head == "data" and isinstance(view.get("data"), list):
        for item in view["data"]:
            if rest and isinstance(item, dict):
                expand(fake, item, fake.find(item.get("id")) or item, rest)
        return
    value = view.get(head)
    hidden = source.get(f"_{head}")
    if value is None and isinstance(hidden, list):
        url = f"{_COLLECTIONS.get(source['object'], '/v1')}/{source['id']}/{head}"
        view[head] = value = {"object": "list", "data": [public_view(i) for i in hidden],
                              "has_more": False, "url": url}
    elif isinstance(value, str) and fake.find(value) is not None:
        view[head] = value = public_view(fake.objects[value])
    if rest and isinstance(value, dict):
        expand(fake, value, fake.find(value.get("id")) or value, rest)


def authenticate(fake: FakeStripeState) -> str | None:
    """Check the API key and version; return the `Stripe-Account` acted as, if any."""
    key = _api_key()
    if not key:
        raise authentication(NO_KEY)
    if key.startswith(("sk_live_", "rk_live_")):
        raise authentication("This fake of the Stripe API only accepts test mode keys.")
    required = current_app.config.get("STRIPE_FAKE_API_KEY")
    if not _KEY.match(key) or (required and key != required):
        raise authentication(f"Invalid API Key provided: {_redact(key)}")
    version = request.headers.get("Stripe-Version")
    if version and not _VERSION.match(version):
        raise FakeStripeError(f"Invalid Stripe API version: {version}",
                              code="api_version_invalid")
    account = request.headers.get("Stripe-Account") or None
    if account and fake.find(account, "account") is None:
        raise FakeStripeError(
            f"The provided key '{_redact(key)}' does not have access to account '{account}' "
            "(or that account does not exist). Application access may have been revoked.",
            status=403, code="account_invalid")
    return account


def _api_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme == "Bearer":
        return value.strip() or None
    if scheme == "Basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    return None


def _redact(key: str) -> str:
    prefix = key[:8] if key.startswith(("sk_", "rk_")) else ""
    return prefix + "*" * max(len(key) - len(prefix) - 4, 0) + key[-4:]


def _decode_params() -> dict[str, Any]:
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    return parse_pairs(pairs)


def encode(body: Obj) -> bytes:
    """Stripe's pretty-printed JSON body."""
    return (json.dumps(body, indent=2) + "\n").encode("utf-8")


def _response(body: bytes, status: int, request_id: str, key: str | None) -> Response:
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Request-Id"] = request_id
    response.headers["Stripe-Version"] = (request.headers.get("Stripe-Version")
                                          or state().api_version)
    if key:
        response.headers["Idempotency-Key"] = key
    return response


def render(body: Obj, status: int, request_id: str) -> Response:
    """A JSON response with Stripe's headers."""
    return _response(encode(body), status, request_id, None)


def _replay(stored: StoredResponse, request_id: str, key: str) -> Response:
    response = _response(stored.body, stored.status, request_id, key)
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Original-Request"] = stored.request_id
    return response


def _early_fault(fault: Fault, request_id: str) -> Response:
    if fault.mode == "drop_before":
        return _drop_connection(request_id)
    error = api_error("An unknown error occurred (injected by the fake).", fault.status)
    return render(error.to_dict(), fault.status, request_id)


def _late_fault(fake: FakeStripeState, fault: Fault, response: Response) -> Response:
    if fault.mode == "delay":
        fake.faults.sleep(fault.delay)
        return response
    return _drop_connection(response.headers["Request-Id"])


def _drop_connection(request_id: str) -> Response:
    """Close the client's connection so it never reads an answer (served mode only)."""
    sock = request.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        error = api_error("The connection was dropped (injected by the fake).")
        return render(error.to_dict(), 500, request_id)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return Response(b"", status=500)


def _unknown_url(rest: str) -> Response:
    """Stripe's 404 for a URL it does not serve."""
    request_id = new_id("req", 14)
    try:
        authenticate(state())
    except FakeStripeError as exc:
        return render(exc.to_dict(), exc.status, request_id)
    message = (f"Unrecognized request URL ({request.method}: /v1/{rest}). Please see "
               "https://stripe.com/docs or we can help at https://support.stripe.com/.")
    return render({"error": {"message": message, "type": "invalid_request_error"}}, 404,
                  request_id)
