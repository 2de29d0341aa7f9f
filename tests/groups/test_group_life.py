"""A group's whole life through its pages: create, invite, join, ask, answer, files, leave."""

from __future__ import annotations

import io
import re

from gateway.extensions import db
from gateway.groups.models import Group, GroupFile, Invite, Membership, Post


def test_create_invite_join_question_answer_file(client, auth, factory, pages) -> None:
    factory.user("olga")
    factory.user("max")
    auth.login("olga")
    gid = pages.create_group("Chess Club", description="Tuesdays", category="games")
    page = pages.text(f"/groups/{gid}")
    assert "Chess Club" in page and "Tuesdays" in page and "Discussion board" in page
    # An invite link, shown once, that only its digest is stored for.
    pages.post(f"/groups/{gid}/invites", {"hours": "24"}, page=f"/groups/{gid}/settings")
    settings = pages.text(f"/groups/{gid}/settings")
    link = re.search(r'class="invite-link">https://zc\.example(/groups/join/[^<]+)<', settings)
    assert link, settings
    token = link.group(1).rsplit("/", 1)[-1]
    assert len(token) >= 32 and token not in db.session.query(Invite).one().token_digest
    assert "invite-link" not in pages.text(f"/groups/{gid}/settings")  # shown once
    auth.logout()

    auth.login("max")
    assert client.get(f"/groups/{gid}").status_code == 404  # invite-only: hidden
    assert "Join Chess Club" in pages.text(link.group(1))
    pages.post(link.group(1), page=link.group(1))
    assert db.session.query(Membership).filter_by(group_id=gid).count() == 2
    # max asks a question
    pages.post(f"/groups/{gid}/posts", {"kind": "question", "title": "Best opening?",
                                        "body": "For beginners"}, page=f"/groups/{gid}")
    question = db.session.query(Post).filter_by(kind="question").one()
    auth.logout()

    auth.login("olga")
    thread = f"/groups/{gid}/posts/{question.id}"
    pages.post(f"{thread}/replies", {"body": "The Italian"}, page=thread)
    answer_row = db.session.query(Post).filter_by(parent_id=question.id).one()
    # Only the asker accepts.
    pages.post(f"{thread}/accept/{answer_row.id}", page=thread)
    db.session.expire_all()
    assert db.session.get(Post, question.id).accepted_reply_id is None
    auth.logout()

    auth.login("max")
    pages.post(f"{thread}/accept/{answer_row.id}", page=thread)
    db.session.expire_all()
    assert db.session.get(Post, question.id).accepted_reply_id == answer_row.id
    assert "Accepted answer" in pages.text(thread)
    # Upload and download a file of any type: served as an attachment, never as HTML.
    html = b"<html><script>alert(document.cookie)</script></html>"
    pages.post(f"/groups/{gid}/files", {"file": (io.BytesIO(html), "../../evil.html")},
               page=f"/groups/{gid}/files", content_type="multipart/form-data")
    stored = db.session.query(GroupFile).one()
    assert stored.name == "evil.html" and stored.size == len(html)
    listing = pages.text(f"/groups/{gid}/files")
    assert "evil.html" in listing and "0 downloads" in listing
    got = client.get(f"/groups/{gid}/files/{stored.key}")
    assert got.status_code == 200 and got.data == html
    assert got.mimetype == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "1 downloads" in pages.text(f"/groups/{gid}/files")
    db.session.expire_all()
    assert db.session.get(Group, gid).file_bytes_used == len(html)
    # Leaving takes access away at once.
    pages.post(f"/groups/{gid}/leave", page=f"/groups/{gid}")
    assert client.get(f"/groups/{gid}/files/{stored.key}").status_code == 404
    assert client.get(thread).status_code == 404


def test_public_group_request_approve_remove_ban(client, auth, factory, pages) -> None:
    factory.user("olga")
    mallory = factory.user("mallory")
    auth.login("olga")
    gid = pages.create_group("Open Club", visibility="public")
    auth.logout()
    auth.login("mallory")
    page = pages.text(f"/groups/{gid}")
    assert "Ask to join" in page and "Discussion board" not in page
    pages.post(f"/groups/{gid}/join", page=f"/groups/{gid}")
    assert "waiting for an admin" in pages.text(f"/groups/{gid}")
    assert client.get(f"/groups/{gid}/files").status_code == 404
    auth.logout()
    auth.login("olga")
    assert "mallory" in pages.text(f"/groups/{gid}/settings")
    pages.post(f"/groups/{gid}/requests/{mallory.id}/approve", page=f"/groups/{gid}/settings")
    assert db.session.get(Membership, (gid, mallory.id)) is not None
    pages.post(f"/groups/{gid}/members/{mallory.id}/ban", page=f"/groups/{gid}/members")
    db.session.expire_all()
    assert db.session.get(Membership, (gid, mallory.id)) is None
    auth.logout()
    auth.login("mallory")
    assert client.get(f"/groups/{gid}").status_code == 404  # banned: not even the page
    pages.post(f"/groups/{gid}/join")
    assert db.session.get(Membership, (gid, mallory.id)) is None


def test_roles_and_transfer(client, auth, factory, pages) -> None:
    from gateway.groups import services

    olga, max_, ivy = factory.user("olga"), factory.user("max"), factory.user("ivy")
    group = services.create_group(olga.id, {"name": "G"})
    services.add_member(group, max_.id)
    services.add_member(group, ivy.id)
    db.session.commit()
    auth.login("max")  # a plain member cannot remove anyone or see settings
    pages.post(f"/groups/{group.id}/members/{ivy.id}/remove", page=f"/groups/{group.id}/members")
    assert db.session.get(Membership, (group.id, ivy.id)) is not None
    assert client.get(f"/groups/{group.id}/settings").status_code == 403
    auth.logout()
    auth.login("olga")
    pages.post(f"/groups/{group.id}/members/{max_.id}/admin", page=f"/groups/{group.id}/members")
    pages.post(f"/groups/{group.id}/leave", page=f"/groups/{group.id}")
    assert "hand the group to another member" in pages.text(f"/groups/{group.id}")
    pages.post(f"/groups/{group.id}/members/{max_.id}/transfer",
               page=f"/groups/{group.id}/members")
    db.session.expire_all()
    assert db.session.get(Group, group.id).owner_id == max_.id
    assert db.session.get(Membership, (group.id, olga.id)).role == "admin"
    # An admin cannot remove the new owner.
    pages.post(f"/groups/{group.id}/members/{max_.id}/remove", page=f"/groups/{group.id}/members")
    assert db.session.get(Membership, (group.id, max_.id)) is not None


def test_invite_links_expire_and_are_revocable(client, auth, factory, pages, app) -> None:
    from datetime import timedelta

    from gateway.groups import invites, services
    from gateway.timeutil import utcnow

    olga, max_ = factory.user("olga"), factory.user("max")
    group = services.create_group(olga.id, {"name": "G"})
    expired, revoked = invites.create(group, olga.id, 1), invites.create(group, olga.id, 1)
    db.session.commit()
    rows = db.session.query(Invite).order_by(Invite.id).all()
    rows[0].expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    auth.login("olga")
    pages.post(f"/groups/{group.id}/invites/{rows[1].id}/revoke",
               page=f"/groups/{group.id}/settings")
    auth.logout()
    auth.login("max")
    for token in (expired, revoked, "x" * 32, "short"):
        assert client.get(f"/groups/join/{token}").status_code == 404
        pages.post(f"/groups/join/{token}")
    assert db.session.get(Membership, (group.id, max_.id)) is None
    assert pages.post(f"/groups/{group.id}/invites", {"hours": "99999"},
                      page="/groups").status_code == 404  # not even a member


def test_blocked_users_cannot_use_each_others_invites(client, auth, factory, pages) -> None:
    from gateway.friends import services as friends
    from gateway.groups import invites, services

    olga, max_ = factory.user("olga"), factory.user("max")
    group = services.create_group(olga.id, {"name": "G"})
    token = invites.create(group, olga.id)
    friends.block(olga.id, max_.id)
    db.session.commit()
    auth.login("max")
    pages.post(f"/groups/join/{token}")
    assert db.session.get(Membership, (group.id, max_.id)) is None


def test_member_list_respects_each_members_choice(client, auth, factory, pages) -> None:
    from gateway.friends import services as friends
    from gateway.groups import services

    owner, shy, pal, me = (factory.user(n) for n in ("owner", "shy", "pal", "mee"))
    group = services.create_group(owner.id, {"name": "G"})
    for user in (shy, pal, me):
        services.add_member(group, user.id)
    services.set_member_visibility(group.id, shy.id, "private")
    services.set_member_visibility(group.id, pal.id, "friends")
    friends.make_friends(pal.id, me.id)
    db.session.commit()
    auth.login("mee")
    listing = pages.text(f"/groups/{group.id}/members")
    assert "/space/pal" in listing and "/space/owner" in listing
    assert "/space/shy" not in listing
    auth.logout()
    auth.login("owner")  # admins see everyone
    assert "/space/shy" in pages.text(f"/groups/{group.id}/members")


def test_group_albums_for_members_only(client, auth, factory, pages) -> None:
    from gateway.albums.models import Album
    from gateway.groups import services
    from tests.albums.conftest import picture

    olga, max_ = factory.user("olga"), factory.user("max")
    factory.user("eve")
    group = services.create_group(olga.id, {"name": "G"})
    services.add_member(group, max_.id)
    db.session.commit()
    auth.login("max")
    pages.post(f"/groups/{group.id}/albums", {"name": "Trip"}, page=f"/groups/{group.id}/albums")
    album = db.session.query(Album).one()
    assert album.group_id == group.id
    pages.post(f"/albums/{album.key}/photos", {"picture": (io.BytesIO(picture()), "a.jpg")},
               page=f"/albums/{album.key}", content_type="multipart/form-data")
    db.session.expire_all()
    assert album.photo_count == 1
    auth.logout()
    auth.login("eve")
    assert client.get(f"/albums/{album.key}").status_code == 404
    assert client.get(f"/groups/{group.id}/albums").status_code == 404


def test_file_quotas_folders_and_names(client, auth, factory, pages, app) -> None:
    from gateway.groups import services

    olga = factory.user("olga")
    group = services.create_group(olga.id, {"name": "G"})
    db.session.commit()
    auth.login("olga")
    files = f"/groups/{group.id}/files"
    pages.post(f"/groups/{group.id}/folders", {"name": "docs"}, page=files)
    folder_id = re.search(r"folder=(\d+)", pages.text(files)).group(1)
    pages.post(files, {"file": (io.BytesIO(b"a" * 100), "a.txt"), "folder": folder_id},
               page=files, content_type="multipart/form-data")
    assert "a.txt" in pages.text(f"{files}?folder={folder_id}")
    assert "a.txt" not in pages.text(files)
    app.config["ZC_GROUP_FILE_MAX_BYTES"] = 150
    pages.post(files, {"file": (io.BytesIO(b"b" * 151), "big.bin")}, page=files,
               content_type="multipart/form-data")
    assert "The upload is too large (limit: 150 bytes)." in pages.text(files)
    app.config["ZC_GROUP_STORAGE_MAX_BYTES"] = 180
    pages.post(files, {"file": (io.BytesIO(b"c" * 100), "c.bin")}, page=files,
               content_type="multipart/form-data")
    assert "Quota exceeded (limit: 180)." in pages.text(files)
    assert db.session.query(GroupFile).count() == 1
    for evil in ("\u202etxt.exe", "a\x00b", "....", "/etc/passwd", "C:\\x\\y.doc"):
        pages.post(files, {"file": (io.BytesIO(b"z"), evil)}, page=files,
                   content_type="multipart/form-data")
    names = {f.name for f in db.session.query(GroupFile).all()}
    # (the test client drops the backslashes of "C:\\x\\y.doc" before the server sees it)
    assert names == {"a.txt", "txt.exe", "ab", "file", "passwd", "C:xy.doc"}
    for f in db.session.query(GroupFile).all():
        assert "/" not in f.name and "\\" not in f.name and "\u202e" not in f.name


def test_page_uploads_above_the_default_body_limit(client, auth, factory, pages, app) -> None:
    """A group file and an album photo bigger than MAX_CONTENT_LENGTH (4 MB) upload through
    their pages: CSRF reads the form only after the endpoint's own limit is in force."""
    import os

    from PIL import Image

    from gateway.albums.models import Album, Photo
    from gateway.groups import services

    olga = factory.user("olga")
    group = services.create_group(olga.id, {"name": "G"})
    db.session.commit()
    auth.login("olga")
    files = f"/groups/{group.id}/files"
    big = os.urandom(6 * 1024 * 1024)
    answer = pages.post(files, {"file": (io.BytesIO(big), "big.bin")}, page=files,
                        content_type="multipart/form-data")
    assert answer.status_code == 302
    stored = db.session.query(GroupFile).one()
    assert stored.size == len(big)
    assert client.get(f"{files}/{stored.key}").data == big
    noise = io.BytesIO()
    Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3)).save(noise, "PNG")
    assert noise.tell() > 4 * 1024 * 1024
    pages.post("/space/olga/albums", {"name": "Big"}, page="/space/olga/albums")
    album = db.session.query(Album).one()
    noise.seek(0)
    pages.post(f"/albums/{album.key}/photos", {"picture": (noise, "noise.png")},
               page=f"/albums/{album.key}", content_type="multipart/form-data")
    assert db.session.query(Photo).count() == 1
    app.config["ZC_GROUP_FILE_MAX_BYTES"] = 1024 * 1024  # body limit = 2 MB: refused, 413
    refused = pages.post(files, {"file": (io.BytesIO(big), "again.bin")}, page=files,
                         content_type="multipart/form-data")
    assert refused.status_code == 413
    assert db.session.query(GroupFile).count() == 1
