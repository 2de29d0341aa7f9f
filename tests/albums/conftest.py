"""Album fixtures: an app with the photo permissions, tokens, pictures made with Pillow."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from gateway.apps.services import create_app
from gateway.extensions import db
from tests.openapi.world import World
from tests.storage.conftest import s3_bucket, s3_endpoint  # noqa: F401

PHOTO_SCOPES = ["get_user_info", "list_album", "add_album", "upload_pic"]


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {"ZC_APP_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example",
            "ZC_STORAGE_URL": f"file://{tmp_path}/store"}


@pytest.fixture
def world(factory: Any) -> World:
    developer = factory.user("devon", nickname="Devon")
    user = factory.user("alice", nickname="Alice")
    app, appkey = create_app(developer, name="Photo App", redirect_uris=[
        "https://site.example/callback"], scopes=["list_album", "add_album", "upload_pic"],
        live=True, website="https://site.example/")
    db.session.commit()
    return World(developer, user, app, appkey)


def picture(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), *, exif: Any = None,
            mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if exif is not None:
        options["exif"] = exif.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def bearer(token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.access_token}"}
