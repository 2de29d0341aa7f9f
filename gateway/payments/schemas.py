"""Validation of the order request body: every bad shape becomes a 422 naming the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gateway import outbound
from gateway.errors import ValidationFailed
from gateway.i18n import _l
from gateway.wallet.services import MAX_COINS

TEXT_LIMITS = {"openid": 64, "item_id": 64, "item_name": 128}


@dataclass(frozen=True)
class OrderRequest:
    openid: str
    amount: int
    item_id: str
    item_name: str
    notify_url: str | None
    # Where the user goes back to after paying (or from the failure page): a page of the app's
    # own site, checked against its website and redirect URIs by `services.check_return_url`.
    return_url: str | None = None


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or len(url) > 512:
        return "A URL of at most 512 characters."
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    if not (parts.scheme == "https" and parts.hostname) and not (
            parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}):
        return "Use an https URL (http only for 127.0.0.1 / localhost)."
    # The worker POSTs here: no internal address (loopback only where the operator allows it).
    return outbound.url_problem(url)


def parse_order(body: Any) -> OrderRequest:
    """Check an order request body; raise ValidationFailed (422) with every problem."""
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("Send a JSON object.")]})
    problems: dict[str, list[str]] = {}
    for name, limit in TEXT_LIMITS.items():
        value = body.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            problems[name] = [_l("Required: a string of 1 to %(n)s characters.", n=limit)]
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_COINS:
        problems["amount"] = [
            _l("Required: a whole number of coins from 1 to %(n)s.", n=MAX_COINS)]
    notify_url = body.get("notify_url")
    if notify_url is not None and (why := _url_problem(notify_url)):
        problems["notify_url"] = [why]
    return_url = body.get("return_url")
    if return_url is not None and (not isinstance(return_url, str) or len(return_url) > 512
                                   or urlsplit(return_url).scheme not in {"http", "https"}):
        problems["return_url"] = [_l("An http(s) URL of at most 512 characters.")]
    if unknown := sorted(set(body) - {*TEXT_LIMITS, "amount", "notify_url", "return_url"}):
        problems["body"] = [_l("Unknown fields: %(names)s.", names=", ".join(unknown)[:200])]
    if problems:
        raise ValidationFailed(problems)
    return OrderRequest(body["openid"], amount, body["item_id"].strip(),  # type: ignore[arg-type]
                        body["item_name"].strip(), notify_url, return_url)
