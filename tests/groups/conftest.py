"""Group fixtures: a storage folder per test, helpers that post forms with their CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import csrf_from
from tests.storage.conftest import s3_bucket, s3_endpoint  # noqa: F401


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {"ZC_APP_CACHE_TTL": 0, "ZC_BASE_URL": "https://zc.example",
            "ZC_STORAGE_URL": f"file://{tmp_path}/store"}


class Pages:
    """Drives the group pages like a browser: read the page, post its form."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, path: str, data: dict[str, Any] | None = None, page: str = "/groups",
             **kwargs: Any) -> Any:
        token = csrf_from(self.client.get(page).get_data(as_text=True))
        return self.client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)

    def text(self, path: str) -> str:
        return self.client.get(path).get_data(as_text=True)

    def create_group(self, name: str = "Chess Club", **fields: str) -> int:
        answer = self.post("/groups", {"name": name, **fields})
        match = re.search(r"/groups/(\d+)$", answer.headers["Location"])
        assert match, answer.headers
        return int(match.group(1))


@pytest.fixture
def pages(client: Any) -> Pages:
    return Pages(client)
