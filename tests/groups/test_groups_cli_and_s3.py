"""`gateway groups create`, and group files on S3 (moto): downloads by signed attachment URL."""

from __future__ import annotations

import io
import json

import httpx

from gateway.extensions import db
from gateway.groups import files, services
from gateway.groups.models import Group, Membership


def test_cli_groups_create(runner, factory) -> None:
    olga, max_ = factory.user("olga"), factory.user("max")
    result = runner.invoke(args=["groups", "create", "--owner", "olga", "--name", "Demo Club",
                                 "--member", "max", "--member", "max", "--public"])
    assert result.exit_code == 0, result.output
    gid = json.loads(result.output)["id"]
    group = db.session.get(Group, gid)
    assert group.name == "Demo Club" and group.visibility == "public"
    assert db.session.get(Membership, (gid, olga.id)).role == "owner"
    assert db.session.get(Membership, (gid, max_.id)).role == "member"
    bad = runner.invoke(args=["groups", "create", "--owner", "nobody", "--name", "x"])
    assert bad.exit_code == 1
    empty = runner.invoke(args=["groups", "create", "--owner", "olga", "--name", ""])
    assert empty.exit_code == 1


def test_s3_group_file_download_redirects_to_a_signed_attachment(
        client, auth, factory, app, s3_endpoint, s3_bucket) -> None:
    from gateway.storage import from_url

    app.extensions["zc_storage"] = from_url(f"s3://{s3_bucket}/g", app.instance_path,
                                            s3_endpoint)
    olga = factory.user("olga")
    group = services.create_group(olga.id, {"name": "G"})
    found = files.upload(group, olga.id, io.BytesIO(b"<svg onload=alert(1)>"), "x.svg",
                         "image/svg+xml")
    db.session.commit()
    auth.login("olga")
    answer = client.get(f"/groups/{group.id}/files/{found.key}")
    assert answer.status_code == 302
    url = answer.headers["Location"]
    assert url.startswith(s3_endpoint) and "X-Amz-Expires=300" in url
    direct = httpx.get(url)
    assert direct.content == b"<svg onload=alert(1)>"
    assert direct.headers["content-type"] == "application/octet-stream"
    assert direct.headers["content-disposition"].startswith("attachment;")
    # the download was counted
    db.session.expire_all()
    assert found.downloads == 1


def test_cli_group_quota(runner, factory, app) -> None:
    olga = factory.user("olga")
    group = services.create_group(olga.id, {"name": "G"})
    db.session.commit()
    result = runner.invoke(args=["groups", "quota", "--group", str(group.id),
                                 "--file-max-bytes", "10", "--storage-bytes", "15"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"id": group.id, "file_max_bytes": 10,
                                         "storage_bytes": 15}
    db.session.expire_all()
    import pytest

    from gateway.uploads import PayloadTooLarge, QuotaExceeded

    with pytest.raises(PayloadTooLarge):
        files.upload(group, olga.id, io.BytesIO(b"x" * 11), "a", "")
    files.upload(group, olga.id, io.BytesIO(b"x" * 10), "a", "")
    with pytest.raises(QuotaExceeded):
        files.upload(group, olga.id, io.BytesIO(b"x" * 6), "b", "")
    db.session.rollback()
    back = runner.invoke(args=["groups", "quota", "--group", str(group.id)])
    assert json.loads(back.output)["file_max_bytes"] == 100 * 1024 * 1024
    assert runner.invoke(args=["groups", "quota", "--group", "0"]).exit_code == 1
