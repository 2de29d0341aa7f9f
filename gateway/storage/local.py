"""The filesystem store: objects as files under one root (the instance folder by default)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import IO

from gateway.storage.base import CHUNK_SIZE, LimitedReader, ObjectMissing, check_key


class LocalStorage:
    """Files under `root`; writes go to a temporary file renamed into place (never half files)."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _path(self, key: str) -> str:
        path = os.path.abspath(os.path.join(self.root, check_key(key)))
        if not path.startswith(self.root + os.sep):  # belt and braces over check_key
            raise ValueError(key)
        return path

    def save(self, key: str, stream: IO[bytes], *, content_type: str,
             max_bytes: int | None = None) -> int:
        """Copy the stream chunk by chunk into a temporary file, then rename it into place."""
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        reader = LimitedReader(stream, max_bytes)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return reader.count

    def open(self, key: str) -> Iterator[bytes]:
        """Stream the file; the handle is opened now so a missing file fails before streaming."""
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        return _chunks(handle)

    def read(self, key: str) -> bytes:
        """The whole file."""
        return b"".join(self.open(key))

    def size(self, key: str) -> int:
        """The file's size."""
        try:
            return os.path.getsize(self._path(key))
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

    def delete(self, key: str) -> None:
        """Remove the file if present."""
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass

    def signed_url(self, key: str, *, expires: int, filename: str | None = None,
                   content_type: str | None = None) -> str | None:
        """None: the filesystem serves nothing itself; the app streams after authorizing."""
        return None


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk
