"""Every form that checks a typed secret is throttled and audited; uploads are rate-limited and
decoded under a pixel budget."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from gateway.accounts.models import User
from gateway.audit.models import AuditEvent
from gateway.extensions import db
from tests.conftest import Auth, csrf_from


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ZC_PASSWORD_CHECK_LIMIT": "3 per 15 minutes",
            "ZC_DEVICE_CODE_LIMIT": "4 per 10 minutes",
            "ZC_UPLOAD_LIMIT": "3 per hour"}


def _png(size: tuple[int, int], mode: str = "P") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _change_password(client: FlaskClient, current: str) -> Any:
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    return client.post("/account/password", data={
        "csrf_token": token, "current_password": current,
        "new_password": "another-long-password", "confirm": "another-long-password"})


def test_wrong_current_passwords_are_throttled_and_audited(client, auth: Auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    for _ in range(3):
        assert _change_password(client, "guess-guess").status_code == 400
    assert _change_password(client, "password123").status_code == 429  # even the right one
    failures = db.session.query(AuditEvent).filter_by(action="password.check_failed").count()
    assert failures == 3


def test_an_honest_password_change_is_not_counted(client, auth: Auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    assert _change_password(client, "password123").status_code == 302


def test_device_user_code_guesses_are_throttled(client, auth: Auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    for n in range(4):
        assert client.get("/device", query_string={"user_code": f"WXYZ-ABC{n}"}
                          ).status_code == 400
    assert client.get("/device", query_string={"user_code": "WXYZ-ABCD"}).status_code == 429
    assert db.session.query(AuditEvent).filter_by(
        action="device.user_code_failed").count() == 4


def _upload_avatar(client: FlaskClient, data: bytes) -> Any:
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    return client.post("/account/avatar", data={"csrf_token": token,
                                                "avatar": (io.BytesIO(data), "a.png")},
                       content_type="multipart/form-data")


def test_a_tiny_png_of_huge_dimensions_is_refused_before_decoding(client, auth: Auth,
                                                                  factory, monkeypatch) -> None:
    user = factory.user("alice")
    auth.login("alice")
    bomb = _png((5000, 5000))
    assert len(bomb) < 40_000
    decoded: list[object] = []
    real_load = Image.Image.load

    def counting_load(image: Image.Image) -> Any:
        decoded.append(image)
        return real_load(image)

    # Refused from the header: the pixels are never decoded (a CPU-time bound would also count
    # the page render and every other thread of the test process, and flaked on a loaded runner).
    monkeypatch.setattr(Image.Image, "load", counting_load)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", counting_load)
    response = _upload_avatar(client, bomb)
    assert response.status_code == 400
    assert "megapixels" in response.get_data(as_text=True)
    assert decoded == []
    db.session.expire_all()
    assert not db.session.get(User, user.id).has_avatar


def test_an_image_within_the_budget_is_resized_cheaply(client, auth: Auth, factory) -> None:
    user = factory.user("alice")
    auth.login("alice")
    image = _png((4000, 4000))
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    started = time.thread_time()  # the test client serves the request on this thread
    assert client.post("/account/avatar", data={"csrf_token": token,
                                                "avatar": (io.BytesIO(image), "a.png")},
                       content_type="multipart/form-data").status_code == 302
    assert time.thread_time() - started < 1.5
    db.session.expire_all()
    assert db.session.get(User, user.id).has_avatar


def test_uploads_are_rate_limited(client, auth: Auth, factory) -> None:
    factory.user("alice")
    auth.login("alice")
    small = _png((64, 64), "RGB")
    for _ in range(3):
        assert _upload_avatar(client, small).status_code == 302
    assert _upload_avatar(client, small).status_code == 429
