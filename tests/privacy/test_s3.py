"""Exports and erasure on S3-compatible storage (moto's server, as the storage tests use)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from gateway.accounts.models import User
from gateway.extensions import db
from gateway.privacy.exports import link_token
from gateway.privacy.models import DataExport
from gateway.storage import ObjectMissing, from_url, get_storage
from tests.conftest import csrf_from
from tests.privacy.conftest import run
from tests.storage.conftest import s3_bucket, s3_endpoint  # noqa: F401


@pytest.fixture
def on_s3(app, s3_endpoint, s3_bucket) -> None:  # noqa: F811
    app.extensions["zc_storage"] = from_url(f"s3://{s3_bucket}/zc", app.instance_path,
                                            s3_endpoint)


def test_export_downloads_by_presigned_url_and_erasure_empties_the_bucket(
        on_s3, client, auth, person, s3_endpoint, s3_bucket) -> None:  # noqa: F811
    photo_key = f"albums/{person.album.key}/{person.photo.key}/large"
    assert get_storage().size(photo_key) > 0  # the photo went to S3
    auth.login(person.username)
    token = csrf_from(client.get("/account/privacy").get_data(as_text=True))
    client.post("/account/privacy/export", data={"csrf_token": token})
    assert run("exports")["items"] == 1
    export = db.session.scalars(select(DataExport)).one()
    export_key = export.storage_key

    response = client.get(f"/account/privacy/export/{link_token(export)}")
    assert response.status_code == 302
    assert response.location.startswith(f"{s3_endpoint}/{s3_bucket}/zc/exports/")
    fetched = httpx.get(response.location)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/zip"
    assert "attachment" in fetched.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(fetched.content))
    assert json.loads(archive.read("profile.json"))["username"] == person.username

    page = client.get("/account/delete")
    client.post("/account/delete", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                         "password": "password123"})
    db.session.expire_all()
    due = db.session.get(User, person.user_id).deletion_due_at
    assert run("erasure", due + timedelta(seconds=1))["items"] == 1
    for key in (photo_key, export_key):
        with pytest.raises(ObjectMissing):
            get_storage().size(key)
