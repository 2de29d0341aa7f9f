"""The S3-compatible store (AWS S3, MinIO, moto's server in tests), through boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from gateway.storage.base import CHUNK_SIZE, LimitedReader, ObjectMissing, TooLarge, check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    """Objects under `prefix` in `bucket`; uploads are multipart and streamed by boto3."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3}))

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None) -> S3Storage:
        """`s3://bucket/prefix`; credentials and region come from boto3's usual sources."""
        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueError("ZC_STORAGE_URL needs a bucket: s3://bucket/prefix")
        return cls(parts.netloc, parts.path, endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, key: str, stream: IO[bytes], *, content_type: str,
             max_bytes: int | None = None) -> int:
        """Upload in parts as the stream is read; an oversized stream aborts the upload."""
        reader = LimitedReader(stream, max_bytes)
        try:
            self.client.upload_fileobj(reader, self.bucket, self._key(key),
                                       ExtraArgs={"ContentType": content_type})
        except TooLarge:
            raise  # s3transfer re-raises the reader's own error and aborts the multipart upload
        return reader.count

    def open(self, key: str) -> Iterator[bytes]:
        """The body streamed in chunks; the GET is sent now so a missing key fails at once."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise ObjectMissing(key) from exc
            raise
        return _chunks(body)

    def read(self, key: str) -> bytes:
        """The whole object."""
        return b"".join(self.open(key))

    def size(self, key: str) -> int:
        """ContentLength from a HEAD."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise ObjectMissing(key) from exc
            raise
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        """DELETE (S3 answers success for a missing key too)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def signed_url(self, key: str, *, expires: int, filename: str | None = None,
                   content_type: str | None = None) -> str | None:
        """A presigned GET that also fixes the response's type and disposition."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename is not None:
            params["ResponseContentDisposition"] = (
                f"attachment; filename*=UTF-8''{quote(filename, safe='')}")
        if content_type is not None:
            params["ResponseContentType"] = content_type
        url: str = self.client.generate_presigned_url("get_object", Params=params,
                                                      ExpiresIn=int(expires))
        return url


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_SIZE)
    finally:
        body.close()
