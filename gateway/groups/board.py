"""The discussion board: posts, replies, and questions whose asker accepts an answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gateway.accounts.models import User
from gateway.albums.services import load
from gateway.apps.models import App
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.groups import services
from gateway.groups.errors import NotAllowed, PostNotFound
from gateway.groups.models import Group, Post
from gateway.groups.schemas import PostSchema
from gateway.i18n import _


def post(group: Group, author_id: int | None, data: Any, *, app_id: int | None = None) -> Post:
    """A new post by a member (or, with app_id, by an installed app on a member's behalf)."""
    if author_id is not None and app_id is None and not services.can_see_content(
            group.id, author_id):
        raise NotAllowed()
    fields = load(PostSchema(), data)
    if not fields["title"].strip() and app_id is None:
        raise ValidationFailed({"title": [_("Give the post a title.")]})
    created = Post(group_id=group.id, author_id=author_id, app_id=app_id, **fields)
    db.session.add(created)
    db.session.flush()
    return created


def find(group: Group, post_id: int) -> Post:
    """A top-level post of this group."""
    found = db.session.get(Post, post_id) if 0 < post_id < 2**31 else None
    if found is None or found.group_id != group.id or found.parent_id is not None:
        raise PostNotFound()
    return found


def reply(group: Group, parent: Post, author_id: int, data: Any) -> Post:
    """A member's reply (an answer, under a question)."""
    if not services.can_see_content(group.id, author_id):
        raise NotAllowed()
    fields = load(PostSchema(), {"body": data.get("body", "") if hasattr(data, "get") else ""})
    created = Post(group_id=group.id, parent_id=parent.id, author_id=author_id, kind="reply",
                   body=fields["body"])
    db.session.add(created)
    db.session.flush()
    return created


def accept(group: Group, question: Post, user_id: int, reply_id: int) -> None:
    """The asker marks one reply of their question as the accepted answer."""
    if question.kind != "question" or question.author_id != user_id:
        raise NotAllowed()
    chosen = db.session.get(Post, reply_id) if 0 < reply_id < 2**31 else None
    if chosen is None or chosen.parent_id != question.id:
        raise PostNotFound()
    question.accepted_reply_id = chosen.id
    db.session.flush()


def delete(group: Group, found: Post, user_id: int) -> None:
    """Authors delete their posts; admins delete any."""
    if found.author_id != user_id:
        services.require_role(group.id, user_id, "admin")
    db.session.delete(found)
    db.session.flush()


def recent(group_id: int, limit: int = 30) -> list[dict[str, Any]]:
    """Newest top-level posts with author, app label and reply count."""
    child = Post.__table__.alias("child")
    count = select(func.count(child.c.id)).where(
        child.c.parent_id == Post.id).scalar_subquery()
    rows = db.session.execute(
        select(Post, User, App, count).outerjoin(User, User.id == Post.author_id)
        .outerjoin(App, App.id == Post.app_id)
        .where(Post.group_id == group_id, Post.parent_id.is_(None))
        .order_by(Post.id.desc()).limit(limit)).all()
    return [{"post": p, "author": u, "app": a, "replies": n} for p, u, a, n in rows]


def thread(found: Post) -> list[dict[str, Any]]:
    """A post's replies, oldest first, with their authors."""
    rows = db.session.execute(select(Post, User).outerjoin(User, User.id == Post.author_id)
                              .where(Post.parent_id == found.id).order_by(Post.id)).all()
    return [{"post": p, "author": u} for p, u in rows]
