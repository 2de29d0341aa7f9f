"""Demo Site: a third-party site that uses ZoneConnect only through the `zoneconnect` SDK.

Log in with ZoneConnect, show the profile, share to the user's feed, buy an item with coins and
receive the signed `order.paid` webhook. Configuration comes from the environment:
ZONECONNECT_APP_ID, ZONECONNECT_APP_KEY, ZONECONNECT_BASE_URL (the platform),
ZONECONNECT_WEBHOOK_SECRET, DEMO_SITE_URL (this site's public URL) and DEMO_SITE_SECRET_KEY.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import zoneconnect
from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from zoneconnect import webhooks
from zoneconnect.flask import create_blueprint, current_token, current_user, save_token

SCOPES = ("openid", "get_user_info", "add_share", "pay", "get_group_list", "get_group_members",
          "list_album")


@dataclass(frozen=True)
class Item:
    """Something the site sells for coins."""

    item_id: str
    item_name: str
    amount: int


ITEM = Item(item_id="sword-1", item_name="Wooden sword", amount=60)
CSRF_KEY = "demo_csrf"


class Deliveries:
    """Orders whose signed `order.paid` arrived, keyed by order id (one process, in memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[str, dict[str, Any]] = {}
        self._events: set[str] = set()

    def record(self, event: webhooks.Event) -> bool:
        """Remember a verified event once; False when this event id was seen before."""
        with self._lock:
            if event.id in self._events:
                return False
            self._events.add(event.id)
            order = event.order
            if order is not None:
                self._orders[order.order_id] = {"event": event.type, "status": order.status,
                                                "item_name": order.item_name,
                                                "openid": order.openid}
            return True

    def get(self, order_id: str) -> dict[str, Any] | None:
        """What the webhook said about an order, if it arrived."""
        with self._lock:
            found = self._orders.get(order_id)
            return dict(found) if found else None


def settings(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The site's settings: the environment, then `overrides` (tests)."""
    env = os.environ
    config: dict[str, Any] = {
        "ZONECONNECT_APP_ID": env.get("ZONECONNECT_APP_ID"),
        "ZONECONNECT_APP_KEY": env.get("ZONECONNECT_APP_KEY"),
        "ZONECONNECT_BASE_URL": env.get("ZONECONNECT_BASE_URL", "http://127.0.0.1:8000"),
        "ZONECONNECT_WEBHOOK_SECRET": env.get("ZONECONNECT_WEBHOOK_SECRET", ""),
        "DEMO_SITE_URL": env.get("DEMO_SITE_URL", "http://127.0.0.1:8001"),
        "SECRET_KEY": env.get("DEMO_SITE_SECRET_KEY") or secrets.token_hex(32),
        # The platform's session cookie lives on the same host (127.0.0.1), another port:
        # cookies ignore ports, so this site's cookie needs a name of its own.
        "SESSION_COOKIE_NAME": "demo_site_session",
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
    config.update(overrides or {})
    config["DEMO_SITE_URL"] = str(config["DEMO_SITE_URL"]).rstrip("/")
    return config


def create_app(config: Mapping[str, Any] | None = None,
               http_client: httpx.Client | None = None) -> Flask:
    """Build the Demo Site; `http_client` lets tests choose how the SDK reaches the platform."""
    app = Flask(__name__)
    app.config.from_mapping(settings(config))
    client = zoneconnect.Client(
        app_id=app.config["ZONECONNECT_APP_ID"], app_key=app.config["ZONECONNECT_APP_KEY"],
        base_url=app.config["ZONECONNECT_BASE_URL"],
        redirect_uri=app.config["DEMO_SITE_URL"] + "/callback",
        http_client=http_client, on_token_refresh=save_token)
    app.extensions["zoneconnect"] = client
    app.extensions["demo_deliveries"] = Deliveries()
    # The registered redirect URI is <site>/callback, so the SDK's routes sit at the root.
    # Its /deauthorized receives the signed `user.deauthorized` callback (the app's registered
    # deauthorization URL) and signs that user out of this site. Single logout: /logout goes on
    # to ZoneConnect's end-session endpoint (and back to this site's home page, a registered
    # post-logout URI), and /backchannel-logout (the registered back-channel logout URL)
    # signs out here whoever logs out of ZoneConnect anywhere else.
    app.register_blueprint(create_blueprint(
        client, scopes=SCOPES, url_prefix="", on_login=_forget_previous_user,
        webhook_secret=app.config["ZONECONNECT_WEBHOOK_SECRET"], end_session=True,
        post_logout_redirect_uri=app.config["DEMO_SITE_URL"] + "/"))
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/share", view_func=share, methods=["POST"])
    app.add_url_rule("/buy", view_func=buy, methods=["POST"])
    app.add_url_rule("/community", view_func=community)
    app.add_url_rule("/webhooks/zoneconnect", view_func=webhook, methods=["POST"])
    app.context_processor(lambda: {"csrf_token": csrf_token, "item": ITEM})
    app.after_request(_security_headers)
    return app


def zc() -> zoneconnect.Client:
    """This site's one SDK client."""
    client: zoneconnect.Client = current_app.extensions["zoneconnect"]
    return client


def csrf_token() -> str:
    """The session's CSRF token for this site's forms."""
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return str(session[CSRF_KEY])


def _check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = str(session.get(CSRF_KEY, ""))
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form expired; reload the page and try again.")


def _security_headers(response: Response) -> Response:
    platform = urlsplit(current_app.config["ZONECONNECT_BASE_URL"])
    origin = f"{platform.scheme}://{platform.netloc}"
    # The avatar is an image on the platform; nothing else comes from another origin.
    response.headers.setdefault("Content-Security-Policy",
                                f"default-src 'self'; img-src 'self' {origin}; "
                                "frame-ancestors 'none'; form-action 'self' " + origin)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _forget_previous_user(user: dict[str, Any], token: zoneconnect.Token) -> None:
    """A new login in this browser must not see the last user's order or share."""
    session.pop("demo_order_id", None)
    session.pop("demo_last_share", None)


def _order_status(order_id: str | None, openid: str) -> dict[str, Any] | None:
    """The last order this browser started: the platform's status and whether it was delivered."""
    if not order_id:
        return None
    delivered = current_app.extensions["demo_deliveries"].get(order_id)
    try:
        order = zc().orders.retrieve(order_id)
    except zoneconnect.ZoneConnectError as exc:
        return {"order_id": order_id, "status": "unknown", "error": str(exc),
                "delivered": delivered}
    if order.openid != openid:  # the app may read every order: show only the user's own
        return None
    return {"order_id": order.order_id, "status": order.status, "item_name": order.item_name,
            "amount": order.amount, "delivered": delivered}


def home() -> ResponseReturnValue:
    """The home page: a login button, or the profile, the share form and the shop."""
    user = current_user()
    order = _order_status(session.get("demo_order_id"), user["openid"]) if user else None
    return render_template("home.html", user=user, order=order,
                           last_share=session.get("demo_last_share"))


def _api_failure(exc: zoneconnect.ZoneConnectError) -> ResponseReturnValue:
    """Say what went wrong; a refused refresh means the user must log in again."""
    if isinstance(exc, zoneconnect.OAuthError | zoneconnect.AuthenticationError):
        session.clear()
        flash("Your ZoneConnect login expired. Please log in again.", "error")
    else:
        flash(f"ZoneConnect refused: {exc}", "error")
    return redirect("/")


def share() -> ResponseReturnValue:
    """Post a share to the user's ZoneConnect feed."""
    _check_csrf()
    token = current_token()
    if token is None:
        return redirect("/login?next=/")
    title = request.form.get("title", "").strip()[:120] or "I am using Demo Site"
    comment = request.form.get("comment", "").strip()[:300] or None
    try:
        posted = zc().shares.create(token, title=title, url=current_app.config["DEMO_SITE_URL"]
                                    + "/", comment=comment, site="Demo Site")
    except zoneconnect.ZoneConnectError as exc:
        return _api_failure(exc)
    session["demo_last_share"] = {"id": posted.id, "title": posted.title}
    flash(f"Shared “{posted.title}” to your ZoneConnect feed.", "shared")  # links to the feed
    return redirect("/")


def buy() -> ResponseReturnValue:
    """Create an order with the SDK and send the user to the platform to confirm it."""
    _check_csrf()
    token = current_token()
    if token is None or not token.openid:
        return redirect("/login?next=/")
    try:
        order = zc().orders.create(
            openid=token.openid, amount=ITEM.amount, item_id=ITEM.item_id,
            item_name=ITEM.item_name,
            notify_url=current_app.config["DEMO_SITE_URL"] + "/webhooks/zoneconnect",
            # Paid or refused, the user comes back to this page (the shop), not the front page.
            return_url=current_app.config["DEMO_SITE_URL"] + "/#shop",
            idempotency_key=f"demo-{uuid.uuid4()}")
    except zoneconnect.ZoneConnectError as exc:
        return _api_failure(exc)
    session["demo_order_id"] = order.order_id
    if not order.confirm_url:
        flash("The platform gave no confirmation page for this order.", "error")
        return redirect("/")
    return redirect(order.confirm_url)


def community() -> ResponseReturnValue:
    """The user's groups that installed this site, their members who use it, and the user's
    albums: all read through the SDK (`client.groups`, `client.albums`)."""
    token = current_token()
    if token is None:
        return redirect("/login?next=/community")
    try:
        found = [{"group": g, "members": zc().groups.members(token, g.group_openid).data}
                 for g in zc().groups.list(token)]
        albums = zc().albums.list(token)
    except zoneconnect.ZoneConnectError as exc:
        return _api_failure(exc)
    return render_template("community.html", groups=found, albums=albums)


def webhook() -> ResponseReturnValue:
    """Receive a signed delivery callback; deliver the item once per event."""
    secret = current_app.config["ZONECONNECT_WEBHOOK_SECRET"]
    if not secret:
        return {"error": "webhook_secret_missing"}, 503
    try:
        event = webhooks.verify(request.get_data(), request.headers, secret)
    except zoneconnect.SignatureVerificationError:
        return {"error": "bad_signature"}, 400
    except ValueError:
        return {"error": "bad_event"}, 400
    current_app.extensions["demo_deliveries"].record(event)
    return "", 204
