"""Passkeys in Debian's Chromium with a virtual authenticator (DevTools WebAuthn domain):
register two, rename and remove one, log in with a passkey alone; replayed assertions, a
counter going backwards and a foreign origin are refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway.accounts.models import UserSession
from gateway.extensions import db
from gateway.mfa.models import Passkey, RecoveryCode
from tests.sdk_integration.live import isolated, serve

pytestmark = pytest.mark.browser

GET_ASSERTION = """async (url) => {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')),
      c => c.charCodeAt(0)).buffer;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const o = await (await fetch(url, {method: 'POST', headers: {'X-CSRFToken': csrf}})).json();
  o.challenge = unb64(o.challenge);
  const c = await navigator.credentials.get({publicKey: o});
  return {id: c.id, rawId: b64(c.rawId), type: c.type, clientExtensionResults: {},
          response: {clientDataJSON: b64(c.response.clientDataJSON),
                     authenticatorData: b64(c.response.authenticatorData),
                     signature: b64(c.response.signature),
                     userHandle: c.response.userHandle ? b64(c.response.userHandle) : null}};
}"""

POST_JSON = """async ([url, body]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const r = await fetch(url, {method: 'POST', body: JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}});
  return {status: r.status, body: await r.json()};
}"""


def _authenticator(page: Any) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    return cdp, made["authenticatorId"]


def _login_with_password(page: Any, base: str) -> None:
    page.goto(base + "/login")
    page.fill('input[name="username"]', "alice")
    page.fill('input[name="password"]', "password123")
    page.click('main form button[type="submit"]')
    page.wait_for_url(base + "/")


def _add_passkey(page: Any, base: str, name: str) -> None:
    page.goto(base + "/account/security")
    page.fill("#new-passkey-name", name)
    page.click("#passkey-register")


def test_register_several_and_log_in_with_a_passkey_alone(app, page, factory):
    alice = factory.user("alice")
    with serve(isolated(app)) as live:
        base = live.url.replace("127.0.0.1", "localhost")  # an RP ID is a host name
        cdp, laptop = _authenticator(page)
        _login_with_password(page, base)
        _add_passkey(page, base, "Laptop")
        page.wait_for_selector("#passkey-codes:not([hidden])")
        codes = page.locator("#passkey-codes li").all_inner_texts()
        assert len(codes) == 10  # the first factor comes with recovery codes, shown once
        assert db.session.query(RecoveryCode).filter_by(user_id=alice.id).count() == 10
        # Another device (the phone) brings a second passkey.
        cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": laptop})
        _authenticator(page)
        _add_passkey(page, base, "Phone")
        page.wait_for_selector('input[value="Phone"]')  # the page reloaded with it
        db.session.expire_all()
        keys = db.session.scalars(select(Passkey).where(Passkey.user_id == alice.id)
                                  .order_by(Passkey.id)).all()
        assert [k.name for k in keys] == ["Laptop", "Phone"]
        # Rename the phone's, remove the laptop's.
        page.fill(f"#passkey-name-{keys[1].id}", "My phone")
        page.locator(f"#passkey-name-{keys[1].id}").press("Enter")
        page.wait_for_selector(f'#passkey-name-{keys[1].id}[value="My phone"]')
        page.locator("button.danger").first.click()
        page.wait_for_selector("text=The passkey was removed.")
        db.session.expire_all()
        left = db.session.scalars(select(Passkey).where(Passkey.user_id == alice.id)).all()
        assert [k.name for k in left] == ["My phone"]
        count_before = left[0].sign_count

        # Log out, then log in with the passkey alone: no username, no password.
        page.click("text=Log out")
        page.goto(base + "/login")
        page.click("#passkey-login")
        page.wait_for_url(base + "/")
        assert "Log out" in page.content()
        db.session.expire_all()
        record = db.session.scalars(select(UserSession).where(
            UserSession.user_id == alice.id, UserSession.ended_at.is_(None))).one()
        assert record.amr.split() == ["hwk", "mfa"]
        assert db.session.get(Passkey, left[0].id).sign_count > count_before


def test_replays_old_counters_and_other_origins_are_refused(app, page, factory):
    factory.user("alice")
    with serve(isolated(app)) as live:
        base = live.url.replace("127.0.0.1", "localhost")
        _authenticator(page)
        _login_with_password(page, base)
        _add_passkey(page, base, "Laptop")
        page.wait_for_selector("#passkey-codes:not([hidden])")
        page.click("text=Log out")
        page.goto(base + "/login")
        options = "/login/passkey/options?mode=alone"
        verify = "/login/passkey?mode=alone"

        assertion = page.evaluate(GET_ASSERTION, options)
        first = page.evaluate(POST_JSON, [verify, {"credential": assertion}])
        assert first["status"] == 200 and first["body"]["redirect"] == "/"
        page.goto(base + "/")
        page.click("text=Log out")
        page.goto(base + "/login")
        replay = page.evaluate(POST_JSON, [verify, {"credential": assertion}])
        assert replay["status"] == 400 and replay["body"]["error"] == "passkey_refused"

        # The authenticator's counter behind the one stored: a cloned key.
        key = db.session.scalars(select(Passkey)).one()
        key.sign_count = 1_000_000
        db.session.commit()
        cloned = page.evaluate(POST_JSON, [verify, {"credential": page.evaluate(
            GET_ASSERTION, options)}])
        assert cloned["status"] == 400
        key.sign_count = 0
        db.session.commit()

        # Another origin (the platform configured elsewhere): the browser's origin mismatches.
        app.config["ZC_PUBLIC_URL"] = "https://id.example.com"
        app.config["ZC_WEBAUTHN_RP_ID"] = "localhost"
        foreign = page.evaluate(POST_JSON, [verify, {"credential": page.evaluate(
            GET_ASSERTION, options)}])
        assert foreign["status"] == 400
        assert page.evaluate(POST_JSON, [verify, {"credential": {"id": "x"}}])["status"] == 400
        assert page.evaluate(POST_JSON, [verify, {"credential": "nope"}])["status"] == 400
