"""Fuzz the community endpoints: QQ photo methods, check_page_fans, uploads of arbitrary bytes,
and the group and album forms. Never a 500; legacy answers keep the ret/msg shape.

(The REST paths /api/v1/albums and /api/v1/groups are in the OpenAPI document, so
test_openapi_fuzz.py fuzzes them with the rest of the API.)
"""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.extensions import db
from gateway.uploads import RET_QUOTA, RET_TOO_LARGE, RET_UNSUPPORTED
from tests.conftest import Auth, csrf_from
from tests.fuzz.conftest import FuzzWorld
from tests.fuzz.legacy_inputs import RawRequest, raw_requests
from tests.fuzz.test_legacy_fuzz import check_open_api_body, send

EXAMPLES = int(os.environ.get("ZC_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
PATHS = ("/photo/list_album", "/photo/add_album", "/photo/upload_pic", "/photo/list_photo",
         "/user/check_page_fans")
POST_ONLY = {"/photo/add_album", "/photo/upload_pic"}


@pytest.fixture(autouse=True)
def _extra_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload errors' ret codes (100052-100055) join the open API's own."""
    from tests.fuzz import test_legacy_fuzz

    monkeypatch.setattr(test_legacy_fuzz, "OPEN_API_EXTRA",
                        {100050, 100051, RET_TOO_LARGE, RET_UNSUPPORTED, RET_QUOTA, 100055})


@pytest.mark.parametrize("path", PATHS)
def test_photo_methods_answer_ret_and_msg(client: FlaskClient, fuzz_world: FuzzWorld,
                                          path: str) -> None:
    """Malformed requests: HTTP 200 ret/msg (or 405 for GET on a POST-only method)."""
    @FUZZ
    @given(req=raw_requests(path, fuzz_world.values()))
    def run(req: RawRequest) -> None:
        response = send(client, path, req)
        if req.method == "GET" and path in POST_ONLY:
            assert response.status_code == 405
        else:
            check_open_api_body(response)

    run()


def _legacy(world: FuzzWorld) -> dict[str, str]:
    return {"access_token": world.access_token, "oauth_consumer_key": world.appid,
            "openid": world.openid}


PICTURES = st.one_of(
    st.binary(max_size=2048),
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\0\0\0\0WEBP",
                     b"BM"]).flatmap(lambda head: st.binary(max_size=512).map(
                         lambda tail, h=head: h + tail)))


def test_upload_pic_with_arbitrary_bytes(client: FlaskClient, fuzz_world: FuzzWorld) -> None:
    """Any bytes as the picture (and any file name): a photo, or 415, never a 500."""
    @FUZZ
    @given(data=PICTURES, name=st.text(max_size=40), title=st.text(max_size=80))
    def run(data: bytes, name: str, title: str) -> None:
        response = client.post("/photo/upload_pic", data={
            **_legacy(fuzz_world), "title": title, "picture": (io.BytesIO(data), name)},
            content_type="multipart/form-data")
        check_open_api_body(response)

    run()


TEXT = st.text(max_size=300)


def test_group_and_album_forms_never_fail(client: FlaskClient, auth: Auth,
                                          fuzz_world: FuzzWorld) -> None:
    """Random text in every group and album form: a redirect or a page, never a 500."""
    auth.login("fuzzuser")
    page = client.get("/groups").get_data(as_text=True)
    token = csrf_from(page)
    created = client.post("/groups", data={"csrf_token": token, "name": "Fuzz group"})
    gid = created.headers["Location"].rsplit("/", 1)[-1]

    @FUZZ
    @given(fields=st.dictionaries(st.sampled_from(
        ["name", "description", "category", "visibility", "kind", "title", "body", "privacy",
         "question", "answer", "hours", "folder", "username"]), TEXT, max_size=6),
        target=st.sampled_from(["/groups", f"/groups/{gid}/posts", f"/groups/{gid}/settings",
                                f"/groups/{gid}/invites", f"/groups/{gid}/folders",
                                f"/groups/{gid}/albums", f"/groups/{gid}/visibility",
                                "/space/fuzzuser/albums", "/friends/request"]))
    def run(fields: dict[str, Any], target: str) -> None:
        response = client.post(target, data={"csrf_token": token, **fields})
        assert response.status_code in {200, 302, 303, 400, 403, 404}, (target, fields)
        db.session.rollback()

    run()
