"""Where files and photos live: one interface, the local filesystem or S3-compatible storage.

A low-level module: it imports no domain. Domains pick keys (random, never a user's file name),
save streams, read them back in chunks, and ask for a signed URL where the store serves bytes
itself (S3); the filesystem store answers None and the app streams the bytes after its own
authorization check.
"""

from __future__ import annotations

from flask import Flask, current_app

from gateway.storage.base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectMissing,
    Storage,
    TooLarge,
    check_key,
)

__all__ = ["CHUNK_SIZE", "InvalidKey", "ObjectMissing", "Storage", "TooLarge", "check_key",
           "from_url", "get_storage", "init_app"]


def from_url(url: str | None, instance_path: str, endpoint_url: str | None = None) -> Storage:
    """The store a `ZC_STORAGE_URL` names: `s3://bucket/prefix`, `file:///path` or None (local)."""
    if url and url.startswith("s3://"):
        from gateway.storage.s3 import S3Storage

        return S3Storage.from_url(url, endpoint_url=endpoint_url)
    from gateway.storage.local import LocalStorage

    if url and url.startswith("file://"):
        return LocalStorage(url[len("file://"):])
    if url:
        raise ValueError("ZC_STORAGE_URL must start with s3:// or file://")
    return LocalStorage(f"{instance_path}/storage")


def init_app(app: Flask) -> None:
    """Build the configured store once per app (boto3 clients are thread-safe)."""
    app.extensions["zc_storage"] = from_url(app.config.get("ZC_STORAGE_URL"), app.instance_path,
                                            app.config.get("ZC_STORAGE_ENDPOINT_URL"))


def get_storage() -> Storage:
    """The store of the current app."""
    storage: Storage = current_app.extensions["zc_storage"]
    return storage
