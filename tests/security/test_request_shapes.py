"""Bodies of the wrong shape get a clear 4xx: file parts for text fields, hostile JSON."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient

from tests.conftest import Auth, csrf_from
from tests.developer_portal.helpers import open_profile
from tests.money_helpers import make_shop


def _file() -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"x" * 100), "name.txt"


@pytest.mark.parametrize("field", ["username", "password", "next"])
def test_login_refuses_a_file_part_for_a_text_field(client: FlaskClient, auth: Auth,
                                                    field: str) -> None:
    data = {"username": "alice", "password": "password123", "csrf_token": auth.csrf()}
    data[field] = _file()
    response = client.post("/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    if field != "next":  # a hidden field shows no message
        assert "Send this field as text" in response.get_data(as_text=True)


def test_signup_refuses_file_parts(client: FlaskClient, auth: Auth) -> None:
    response = client.post("/signup", data={
        "username": _file(), "password": "password123", "confirm": "password123",
        "csrf_token": auth.csrf("/signup")}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_profile_and_app_forms_refuse_file_parts(client: FlaskClient, auth: Auth,
                                                 factory) -> None:
    factory.user("devon")
    auth.login("devon")
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    response = client.post("/account/profile", data={"nickname": _file(), "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    open_profile(client)
    token = csrf_from(client.get("/developer/apps/new").get_data(as_text=True))
    response = client.post("/developer/apps/new", data={
        "name": _file(), "category": "social", "app_type": "web",
        "redirect_uris": "https://a.example/cb", "csrf_token": token},
        content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_text_value_for_a_file_field_is_a_400(client: FlaskClient, auth: Auth,
                                                factory) -> None:
    factory.user("devon")
    auth.login("devon")
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    response = client.post("/account/avatar", data={"avatar": "not a file", "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("key", [None, "retry-1"])
def test_deeply_nested_json_to_orders_is_a_4xx(client: FlaskClient, factory,
                                               key: str | None) -> None:
    shop = make_shop(factory)
    headers = {**shop.headers, "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    for body in ("[" * 100000, "[" * 100000 + "]" * 100000, '{"a":' * 40 + "1" + "}" * 40):
        response = client.post("/api/v1/payments/orders", data=body, headers=headers)
        assert 400 <= response.status_code < 500, response.status_code


def test_json_over_the_size_limit_is_a_413(app, client: FlaskClient, factory) -> None:
    app.config["ZC_JSON_MAX_BYTES"] = 1000
    shop = make_shop(factory)
    body = shop.order_body(item_name="x" * 2000)
    response = client.post("/api/v1/payments/orders", json=body, headers=shop.headers)
    assert response.status_code == 413


def test_deep_json_to_the_legacy_token_endpoint_is_an_error(client: FlaskClient) -> None:
    response = client.post("/oauth2.0/token", data="{" + '"a":{' * 5000 + "}" * 5001,
                           content_type="text/plain")
    # The QQ wire format answers errors with 200 and a callback body; never a 500.
    assert response.status_code < 500 and b"error" in response.data


def test_every_browser_form_reads_submissions_through_gateway_forms() -> None:
    """A form subclassing FlaskForm directly would take file parts and JSON objects into text
    fields again (a 500) and read the login identity differently from the throttle."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [str(path.relative_to(root)) for folder in ("gateway", "developer_portal")
                 for path in (root / folder).rglob("*.py")
                 if path != root / "gateway" / "forms.py"
                 and "FlaskForm" in path.read_text(encoding="utf-8")]
    assert offenders == []
