"""`gateway demo` seeds Demo Club and alice's album once; a second run adds nothing."""

from __future__ import annotations

from gateway.albums.models import Album, Photo
from gateway.extensions import db
from gateway.groupapps.models import Installation
from gateway.groups.models import Group, GroupFile, Membership, Post


def _counts() -> tuple[int, ...]:
    return tuple(db.session.query(model).count() for model in (
        Group, Membership, Post, GroupFile, Album, Photo, Installation))


def test_demo_seeds_the_club_and_albums_idempotently(runner, client) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    club = db.session.query(Group).filter_by(name="Demo Club").one()
    roles = {m.user_id: m.role for m in db.session.query(Membership).filter_by(group_id=club.id)}
    alice_id, devon_id = club.owner_id, next(u for u, r in roles.items() if r == "member")
    assert roles == {alice_id: "owner", devon_id: "member"}
    assert db.session.query(Post).filter_by(group_id=club.id).count() == 1
    assert db.session.query(GroupFile).filter_by(group_id=club.id).one().name == "welcome.txt"
    group_album = db.session.query(Album).filter_by(group_id=club.id).one()
    assert group_album.photo_count == 1
    shenzhen = db.session.query(Album).filter_by(name="Shenzhen", owner_id=alice_id).one()
    assert shenzhen.privacy == "public" and shenzhen.photo_count == 3
    assert db.session.query(Installation).filter_by(group_id=club.id).count() == 1
    # The photos are really stored: the public album's cover renders.
    cover = db.session.get(Photo, shenzhen.cover_photo_id)
    served = client.get(f"/photos/{cover.key}/small")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    before = _counts()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert _counts() == before
