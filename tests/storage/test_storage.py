"""The storage contract, run against the filesystem and against S3 (moto's server)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest

from gateway.storage import InvalidKey, ObjectMissing, TooLarge, from_url
from gateway.storage.base import CHUNK_SIZE, Storage


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return from_url(None, str(tmp_path))
    bucket = request.getfixturevalue("s3_bucket")
    endpoint = request.getfixturevalue("s3_endpoint")
    return from_url(f"s3://{bucket}/files", str(tmp_path), endpoint)


class Counting(io.RawIOBase):
    """A stream of `total` bytes that never holds them all, recording the biggest read."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.biggest = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = CHUNK_SIZE if size < 0 else size
        self.biggest = max(self.biggest, size)
        n = min(size, self.left)
        self.left -= n
        return b"x" * n


def test_round_trip_in_chunks(store: Storage) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 17)
    assert store.save("a/b/c.bin", io.BytesIO(data), content_type="application/pdf") == len(data)
    chunks = list(store.open("a/b/c.bin"))
    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) <= CHUNK_SIZE
    assert store.size("a/b/c.bin") == len(data)
    assert store.read("a/b/c.bin") == data


def test_overwrite_and_delete(store: Storage) -> None:
    store.save("k", io.BytesIO(b"one"), content_type="text/plain")
    store.save("k", io.BytesIO(b"two"), content_type="text/plain")
    assert store.read("k") == b"two"
    store.delete("k")
    store.delete("k")  # twice: no error
    with pytest.raises(ObjectMissing):
        store.open("k")
    with pytest.raises(ObjectMissing):
        store.size("k")


def test_streamed_save_never_reads_everything_at_once(store: Storage) -> None:
    source = Counting(20 * 1024 * 1024)
    assert store.save("big", source, content_type="application/octet-stream") == 20 * 1024 * 1024
    assert source.biggest <= 8 * 1024 * 1024  # boto3 parts or our chunks, never the whole
    assert store.size("big") == 20 * 1024 * 1024


def test_too_large_keeps_nothing(store: Storage) -> None:
    with pytest.raises(TooLarge):
        store.save("over", io.BytesIO(b"x" * (CHUNK_SIZE + 10)), content_type="text/plain",
                   max_bytes=CHUNK_SIZE)
    with pytest.raises(ObjectMissing):
        store.size("over")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "A/b", "a//b", "",
                                 ".hidden", "a/./b", "a\\b", "a/b/", "x" * 200, "é"])
def test_keys_cannot_escape(store: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.save(key, io.BytesIO(b"no"), content_type="text/plain")
    with pytest.raises(InvalidKey):
        store.open(key)


def test_local_files_stay_under_the_root(tmp_path: Path) -> None:
    store = from_url(None, str(tmp_path))
    store.save("g/1/f", io.BytesIO(b"hi"), content_type="text/plain")
    assert (tmp_path / "storage" / "g" / "1" / "f").read_bytes() == b"hi"
    assert store.signed_url("g/1/f", expires=60) is None
    assert not [p for p in (tmp_path / "storage" / "g" / "1").iterdir() if p.name != "f"]


def test_s3_signed_url_serves_as_attachment_with_a_lifetime(s3_endpoint: str, s3_bucket: str,
                                                        tmp_path: Path) -> None:
    store = from_url(f"s3://{s3_bucket}/p", str(tmp_path), s3_endpoint)
    store.save("doc", io.BytesIO(b"<script>alert(1)</script>"), content_type="text/html")
    url = store.signed_url("doc", expires=60, filename="evil name.html",
                           content_type="application/octet-stream")
    assert url is not None and "X-Amz-Signature" in url
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.content == b"<script>alert(1)</script>"
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["content-disposition"].startswith("attachment;")
    # moto does not check signatures; that the URL carries its lifetime is what we can assert.
    assert "X-Amz-Expires=60" in url


def test_storage_url_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        from_url("ftp://x", str(tmp_path))
    with pytest.raises(ValueError):
        from_url("s3://", str(tmp_path))
    assert from_url(f"file://{tmp_path}/elsewhere", str(tmp_path)).root.endswith("elsewhere")  # type: ignore[attr-defined]
