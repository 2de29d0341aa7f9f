"""`make run` with a browser set to Chinese: every page of the demo, as alice, devon and the
operator see it, is in Chinese: <html lang="zh-Hans">, one h1, and none of the catalog's English
sentences left on the page."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from gateway.apps.models import App
from gateway.demo import seed
from gateway.extensions import db
from gateway.groups.models import Group
from tests.conftest import csrf_from

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
CATALOG = Path(__file__).resolve().parents[2] / "gateway/translations/zh_Hans/LC_MESSAGES"
TAGS = re.compile(r"<(script|style|code|pre)\b.*?</\1>|<[^>]+>", re.S)


def english_sentences() -> list[str]:
    """The catalog's English sentences (several words), each of which has a Chinese translation."""
    with open(CATALOG / "messages.po", "rb") as po:
        catalog = read_po(po, locale="zh_Hans")
    found = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else message.id[0]
        plain = re.sub(r"%\(\w+\)[sd]|<[^>]+>", "\0", text)
        for piece in plain.split("\0"):
            if len(piece.split()) >= 3 and re.search(r"[a-z]{3}", piece):
                found.append(piece.strip())
    return found


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"ZC_DEFAULT_LOCALE": "zh_Hans", "ZC_DEMO_SITE_FILE": str(tmp_path / "demo.json")}


def log_in(app: Flask, username: str) -> Any:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    done = client.post("/login", data={"username": username, "password": f"{username}-password",
                                       "csrf_token": token})
    assert done.status_code == 302
    return client


def test_the_demo_reads_in_chinese(app: Flask) -> None:
    seed()
    db.session.commit()
    appid = db.session.scalar(select(App.appid).where(App.name == "Demo Site"))
    club = db.session.scalar(select(Group.id).where(Group.name == "Demo Club"))
    pages = {
        None: ["/", "/login", "/signup", "/password/forgot", "/docs/api", "/docs/share-button",
               "/space/alice"],
        "alice": ["/account/profile", "/account/password", "/account/apps", "/account/wallet",
                  "/account/email", "/device", "/space/alice/albums", "/friends", "/groups",
                  "/share?url=https%3A%2F%2Fexample.com%2F&title=Hi", f"/groups/{club}",
                  f"/groups/{club}/members", f"/groups/{club}/files", f"/groups/{club}/albums",
                  f"/groups/{club}/apps", f"/groups/{club}/settings", "/account/privacy",
                  "/account/delete"],
        "devon": ["/developer/", f"/developer/apps/{appid}", f"/developer/apps/{appid}/edit",
                  f"/developer/apps/{appid}/stats", f"/developer/apps/{appid}/deliveries",
                  f"/developer/apps/{appid}/auth-events", "/developer/apps/new",
                  "/developer/keys", "/developer/profile", "/developer/revenue",
                  "/developer/revenue/payouts", "/account/delete"],
        "admin": ["/admin/", "/admin/apps", f"/admin/apps/{appid}", "/admin/reviews",
                  "/admin/audit", "/admin/revenue/tiers", f"/admin/apps/{appid}/quotas"],
    }
    sentences = english_sentences()
    problems = []
    for who, paths in pages.items():
        client = log_in(app, who) if who else app.test_client()
        for path in paths:
            response = client.get(path, headers=ZH)
            html = response.get_data(as_text=True)
            if response.status_code != 200:
                problems.append(f"{path} as {who}: HTTP {response.status_code}")
                continue
            text = " ".join(unescape(TAGS.sub(" ", html)).split())
            # The API reference quotes the OpenAPI document's summaries in English (it says so).
            left = [s for s in sentences if s in text] if path != "/docs/api" else []
            if '<html lang="zh-Hans">' not in html or html.count("<h1") != 1 or left:
                problems.append(f"{path} as {who}: h1={html.count('<h1')} English: {left[:5]}")
    assert not problems, "\n".join(problems)
