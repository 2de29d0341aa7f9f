"""Friend requests, friendships, blocks, and the one visibility rule. Flush, never commit."""

from __future__ import annotations

from sqlalchemy import delete, exists, or_, select

from gateway.accounts.models import User
from gateway.extensions import db
from gateway.friends.errors import AlreadyFriends, BlockedError, NoSuchRequest, NotYourself
from gateway.friends.models import Block, FriendRequest, Friendship

# Qzone's privacy levels; "question" (answer a question) exists for albums only.
PUBLIC, FRIENDS, ONLY_ME, QUESTION = "public", "friends", "private", "question"
PRIVACY_LEVELS = (PUBLIC, FRIENDS, ONLY_ME)


def are_friends(a: int, b: int) -> bool:
    """Whether `a` and `b` are friends (one primary-key lookup)."""
    return db.session.get(Friendship, (a, b)) is not None


def is_blocked(a: int, b: int) -> bool:
    """Whether either user blocked the other."""
    return bool(db.session.scalar(select(exists().where(or_(
        (Block.blocker_id == a) & (Block.blocked_id == b),
        (Block.blocker_id == b) & (Block.blocked_id == a))))))


def can_see(viewer_id: int | None, owner_id: int, privacy: str) -> bool:
    """The one rule: may `viewer_id` (None: anonymous) see content `owner_id` shared at `privacy`?

    Owners see everything; when either blocked the other, nothing is visible, public content
    included (on pages; anonymous visitors still see public content); "friends" means friends.
    """
    if viewer_id == owner_id:
        return True
    if viewer_id is not None and is_blocked(viewer_id, owner_id):
        return False
    if privacy == PUBLIC:
        return True
    if privacy == FRIENDS:
        return viewer_id is not None and are_friends(viewer_id, owner_id)
    return False


def _check_pair(user_id: int, other_id: int) -> None:
    if user_id == other_id:
        raise NotYourself()
    if is_blocked(user_id, other_id):
        raise BlockedError()


def _befriend(a: int, b: int) -> None:
    db.session.execute(delete(FriendRequest).where(or_(
        (FriendRequest.from_id == a) & (FriendRequest.to_id == b),
        (FriendRequest.from_id == b) & (FriendRequest.to_id == a))))
    for user_id, friend_id in ((a, b), (b, a)):
        if db.session.get(Friendship, (user_id, friend_id)) is None:
            db.session.add(Friendship(user_id=user_id, friend_id=friend_id))
    db.session.flush()


def send_request(from_id: int, to_id: int) -> str:
    """Ask to be friends; answers "sent", or "accepted" when the other had already asked."""
    _check_pair(from_id, to_id)
    if are_friends(from_id, to_id):
        raise AlreadyFriends()
    if db.session.get(FriendRequest, (to_id, from_id)) is not None:
        _befriend(from_id, to_id)
        return "accepted"
    if db.session.get(FriendRequest, (from_id, to_id)) is None:
        db.session.add(FriendRequest(from_id=from_id, to_id=to_id))
        db.session.flush()
    return "sent"


def accept(user_id: int, from_id: int) -> None:
    """Accept the request `from_id` sent to `user_id`."""
    if db.session.get(FriendRequest, (from_id, user_id)) is None:
        raise NoSuchRequest()
    _check_pair(user_id, from_id)
    _befriend(user_id, from_id)


def decline(user_id: int, from_id: int) -> None:
    """Decline (or, for the sender, withdraw) a request; nothing tells the other side."""
    found = db.session.get(FriendRequest, (from_id, user_id)) or db.session.get(
        FriendRequest, (user_id, from_id))
    if found is None:
        raise NoSuchRequest()
    db.session.delete(found)
    db.session.flush()


def remove(user_id: int, friend_id: int) -> None:
    """End a friendship, both directions."""
    db.session.execute(delete(Friendship).where(or_(
        (Friendship.user_id == user_id) & (Friendship.friend_id == friend_id),
        (Friendship.user_id == friend_id) & (Friendship.friend_id == user_id))))
    db.session.flush()


def block(user_id: int, other_id: int) -> None:
    """Block: ends the friendship and any request, and refuses everything from now on."""
    if user_id == other_id:
        raise NotYourself()
    remove(user_id, other_id)
    db.session.execute(delete(FriendRequest).where(or_(
        (FriendRequest.from_id == user_id) & (FriendRequest.to_id == other_id),
        (FriendRequest.from_id == other_id) & (FriendRequest.to_id == user_id))))
    if db.session.get(Block, (user_id, other_id)) is None:
        db.session.add(Block(blocker_id=user_id, blocked_id=other_id))
    db.session.flush()


def unblock(user_id: int, other_id: int) -> None:
    """Lift a block this user made (friendship is not restored)."""
    db.session.execute(delete(Block).where(Block.blocker_id == user_id,
                                           Block.blocked_id == other_id))
    db.session.flush()


def make_friends(a: int, b: int) -> None:
    """Operator shortcut (`gateway friends add`): friends at once, unless either blocked."""
    _check_pair(a, b)
    _befriend(a, b)


def friends_of(user_id: int) -> list[User]:
    """The user's friends, by name."""
    return list(db.session.scalars(select(User).join(
        Friendship, Friendship.friend_id == User.id).where(
        Friendship.user_id == user_id).order_by(User.username)))


def friend_ids(user_id: int) -> set[int]:
    """Ids of the user's friends."""
    return set(db.session.scalars(select(Friendship.friend_id).where(
        Friendship.user_id == user_id)))


def incoming(user_id: int) -> list[User]:
    """Who asked this user, oldest first."""
    return list(db.session.scalars(select(User).join(
        FriendRequest, FriendRequest.from_id == User.id).where(
        FriendRequest.to_id == user_id).order_by(FriendRequest.created_at)))


def outgoing(user_id: int) -> list[User]:
    """Whom this user asked."""
    return list(db.session.scalars(select(User).join(
        FriendRequest, FriendRequest.to_id == User.id).where(
        FriendRequest.from_id == user_id).order_by(FriendRequest.created_at)))


def blocked_by(user_id: int) -> list[User]:
    """Whom this user blocked."""
    return list(db.session.scalars(select(User).join(
        Block, Block.blocked_id == User.id).where(Block.blocker_id == user_id)))


def relation(viewer_id: int, other_id: int) -> str:
    """What the viewer's space page offers: self, friends, asked, asked_you, blocked, none."""
    if viewer_id == other_id:
        return "self"
    if db.session.get(Block, (viewer_id, other_id)) is not None:
        return "blocked"
    if is_blocked(viewer_id, other_id):
        return "unavailable"
    if are_friends(viewer_id, other_id):
        return "friends"
    if db.session.get(FriendRequest, (viewer_id, other_id)) is not None:
        return "asked"
    if db.session.get(FriendRequest, (other_id, viewer_id)) is not None:
        return "asked_you"
    return "none"


def blocked_either_way(user_id: int) -> set[int]:
    """Ids of users this user blocked or who blocked this user."""
    return set(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == user_id))) \
        | set(db.session.scalars(select(Block.blocker_id).where(Block.blocked_id == user_id)))
