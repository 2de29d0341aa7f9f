"""Community demo data for `make run` (called by `gateway demo`), created once.

"Demo Club" (owner alice, member devon, open to requests) with a post, a file and an album; the
Demo Site installed in it and given the group and album permissions; alice's album "Shenzhen"
with photos. Every step looks for what it would make first, so running it again changes nothing.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from gateway.accounts import services as accounts
from gateway.albums import services as albums
from gateway.albums.models import Album
from gateway.apps.models import App, AppPermission
from gateway.extensions import db
from gateway.groupapps import services as group_apps
from gateway.groups import board, files
from gateway.groups import services as groups
from gateway.groups.models import Group, GroupFile, Post
from gateway.timeutil import utcnow

CLUB = "Demo Club"
COMMUNITY_SCOPES = ("get_group_list", "get_group_info", "get_group_members", "send_group_msg",
                    "list_album", "add_album", "upload_pic")
COLOURS = ((23, 105, 224), (46, 158, 91), (224, 120, 23))


def picture(colour: tuple[int, int, int], label: str) -> bytes:
    """A simple generated photo (no files shipped with the demo)."""
    image = Image.new("RGB", (960, 640), colour)
    draw = ImageDraw.Draw(image)
    for step in range(0, 640, 40):
        draw.line((0, step, 960, 640 - step), fill=(255, 255, 255), width=2)
    draw.text((40, 40), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _album(owner_id: int, name: str, privacy: str, group_id: int | None, count: int) -> Album:
    query = select(Album).where(Album.owner_id == owner_id, Album.name == name)
    query = query.where(Album.group_id == group_id if group_id else Album.group_id.is_(None))
    found = db.session.scalar(query)
    if found is None:
        found = albums.create_album(owner_id, {"name": name, "privacy": privacy},
                                    group_id=group_id)
    for i in range(found.photo_count, count):
        albums.add_photo(found, owner_id, io.BytesIO(picture(COLOURS[i % 3], f"{name} {i + 1}")),
                         title=f"{name} {i + 1}")
    return found


def _club(alice_id: int, devon_id: int) -> Group:
    club = db.session.scalar(select(Group).where(Group.owner_id == alice_id, Group.name == CLUB))
    if club is None:
        club = groups.create_group(alice_id, {
            "name": CLUB, "description": "Everything about the demo: ask, share files and photos.",
            "category": "demo", "visibility": "public"})
    if groups.membership(club.id, devon_id) is None:
        groups.add_member(club, devon_id)
    if db.session.scalar(select(Post.id).where(Post.group_id == club.id).limit(1)) is None:
        # no-i18n: the next line is demo content, a post alice wrote (not the platform's words)
        board.post(club, alice_id, {"kind": "question",
                                    "title": "Welcome! What should we try first?",  # no-i18n
                                    "body": "Introduce yourself and ask anything."})
    if db.session.scalar(select(GroupFile.id).where(GroupFile.group_id == club.id)) is None:
        files.upload(club, alice_id, io.BytesIO(b"Welcome to Demo Club.\n"), "welcome.txt",
                     "text/plain")
    _album(alice_id, "Club photos", "private", club.id, 1)
    return club


def _grant(app: App, scopes: tuple[str, ...]) -> None:
    have = {p.scope: p for p in app.permissions}
    for scope in scopes:
        found = have.get(scope)
        if found is None:
            app.permissions.append(AppPermission(scope=scope, status="granted",
                                                 decided_at=utcnow()))
        elif found.status != "granted":
            found.status, found.decided_at = "granted", utcnow()
    db.session.flush()


def seed_communities() -> dict[str, Any]:
    """Create whatever community demo data is missing; return the club's id and pseudonym."""
    alice, devon = accounts.find_by_username("alice"), accounts.find_by_username("devon")
    if alice is None or devon is None:
        return {}
    _album(alice.id, "Shenzhen", "public", None, 3)
    club = _club(alice.id, devon.id)
    site = db.session.scalar(select(App).where(App.developer_id == devon.id,
                                               App.name == "Demo Site"))
    answer: dict[str, Any] = {"club": club.id}
    if site is not None:
        _grant(site, COMMUNITY_SCOPES)
        if not any(app.id == site.id for _, app in group_apps.installed(club.id)):
            group_apps.install(club, alice.id, site)
        answer["club_group_openid"] = next(
            i.group_openid for i, app in group_apps.installed(club.id) if app.id == site.id)
    return answer
