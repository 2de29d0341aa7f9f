"""The storage interface and the rules every backend shares (keys, size limits, chunks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Protocol

CHUNK_SIZE = 256 * 1024
# Keys are made by the platform: lowercase segments of safe characters, no "." or ".." segment,
# so no key can climb out of the store's root or carry a user's file name.
_KEY = re.compile(r"^[a-z0-9_-][a-z0-9_.-]{0,127}(/[a-z0-9_-][a-z0-9_.-]{0,127}){0,7}$")


class InvalidKey(ValueError):
    """A key that could name something outside the store."""


class ObjectMissing(LookupError):
    """No object under that key."""


class TooLarge(ValueError):
    """A stream went past the size allowed for it; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed storage key, else raise InvalidKey."""
    if not _KEY.match(key) or ".." in key:
        raise InvalidKey(key)
    return key


class LimitedReader:
    """A file-like reader that raises TooLarge once more than `limit` bytes went through."""

    def __init__(self, stream: IO[bytes], limit: int | None) -> None:
        self._stream = stream
        self._limit = limit
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(CHUNK_SIZE if size is None or size < 0 else size)
        self.count += len(data)
        if self._limit is not None and self.count > self._limit:
            raise TooLarge(self._limit)
        return data


class Storage(Protocol):
    """What every backend offers; all methods take keys checked by `check_key`."""

    def save(self, key: str, stream: IO[bytes], *, content_type: str,
             max_bytes: int | None = None) -> int:
        """Store the stream under `key` (replacing any object); return its size in bytes.

        Raises TooLarge (and keeps nothing) when the stream is longer than `max_bytes`.
        """
        ...

    def open(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks of at most CHUNK_SIZE; ObjectMissing if absent."""
        ...

    def read(self, key: str) -> bytes:
        """The whole object (for small objects such as thumbnails)."""
        ...

    def size(self, key: str) -> int:
        """The object's size; ObjectMissing if absent."""
        ...

    def delete(self, key: str) -> None:
        """Delete the object (no error if absent)."""
        ...

    def signed_url(self, key: str, *, expires: int, filename: str | None = None,
                   content_type: str | None = None) -> str | None:
        """A URL that serves the object directly for `expires` seconds, or None when the
        store has no such URLs (the app then streams the bytes itself)."""
        ...
