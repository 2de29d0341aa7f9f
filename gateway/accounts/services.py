"""Account operations. They flush; the request (or command) commits."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import delete, func, select

from gateway.accounts import avatars, sessions
from gateway.accounts.errors import InvalidCredentials, UsernameTaken, WrongPassword
from gateway.accounts.models import AvatarImage, User, new_avatar_key
from gateway.accounts.passwords import hash_password, needs_rehash, verify_password
from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db
from gateway.i18n import _l
from gateway.timeutil import utcnow

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 256


def find_by_username(username: str) -> User | None:
    """The user with this username, compared case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def check_new_password(password: str) -> list[str]:
    """Reasons a new password is refused (empty when it is acceptable)."""
    if len(password) < PASSWORD_MIN:
        return [f"Use at least {PASSWORD_MIN} characters."]
    if len(password) > PASSWORD_MAX:
        return [f"Use at most {PASSWORD_MAX} characters."]
    return []


def create_user(username: str, password: str, *, nickname: str = "",
                is_admin: bool = False) -> User:
    """Create an account; the username must be free and the password long enough."""
    problems: dict[str, list[str]] = {}
    if not USERNAME_PATTERN.match(username):
        problems["username"] = [_l("3 to 32 letters, digits, '.', '_' or '-'.")]
    if reasons := check_new_password(password):
        problems["password"] = reasons
    if problems:
        raise ValidationFailed(problems)
    if find_by_username(username) is not None:
        raise UsernameTaken()
    user = User(username=username, password_hash=hash_password(password),
                nickname=nickname or username, is_admin=is_admin)
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor_id=user.id, subject_type="user", subject_id=user.id)
    return user


def authenticate(username: str, password: str) -> User:
    """Return the user for these credentials or raise InvalidCredentials (audited)."""
    user = find_by_username(username) if USERNAME_PATTERN.match(username) else None
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and not user.is_active:
        refuse_if_suspended(user)
    if not ok or user is None or not user.is_active:
        audit.record("login.failed", actor_id=user.id if user else None,
                     username=username[:32])
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login.succeeded", actor_id=user.id, subject_type="user", subject_id=user.id)
    return user


def refuse_if_suspended(user: User) -> None:
    """Raise AccountSuspended for an account an operator holds (callers have checked the
    password or passkey first: nobody else learns it); audited."""
    from gateway.moderation.errors import AccountSuspended
    from gateway.moderation.services import current

    hold = current(user.id)
    if hold is not None:
        audit.record("login.refused", actor_id=user.id, subject_type="user", subject_id=user.id,
                     hold=hold.kind)
        raise AccountSuspended(hold.kind)


def update_profile(user: User, *, nickname: str, gender: str | None, province: str, city: str,
                   birth_year: int | None, feed_visibility: str) -> None:
    """Replace the profile fields shown to apps and on the user's space."""
    user.nickname = nickname
    user.gender = gender
    user.province = province
    user.city = city
    user.birth_year = birth_year
    user.feed_visibility = feed_visibility
    db.session.flush()


def set_avatar(user: User, data: bytes) -> None:
    """Store an uploaded avatar in every size; the old images and URLs are retired."""
    rendered = avatars.render_sizes(data, current_app.config["ZC_AVATAR_MAX_PIXELS"])
    db.session.execute(delete(AvatarImage).where(AvatarImage.user_id == user.id))
    for size, image in rendered.items():
        db.session.add(AvatarImage(user_id=user.id, size=size, content_type="image/jpeg",
                                   data=image))
    user.avatar_key = new_avatar_key()
    user.has_avatar = True
    db.session.flush()


def avatar_image(key: str, size: int) -> tuple[bytes, str] | None:
    """The avatar bytes and content type for a public avatar key, or None."""
    user = db.session.scalar(select(User).where(User.avatar_key == key))
    if user is None or size not in avatars.SIZES:
        return None
    if user.has_avatar:
        row = db.session.get(AvatarImage, (user.id, size))
        if row is not None:
            return row.data, row.content_type
    return avatars.default_avatar(key, size), "image/png"


def change_password(user: User, current: str, new: str) -> None:
    """Change the password after checking the current one; logs out other sessions."""
    if not verify_password(user.password_hash, current):
        audit.record("password.check_failed", actor_id=user.id, subject_type="user",
                     subject_id=user.id, form="change_password")
        raise WrongPassword({"current_password": [_l("That is not your current password.")]})
    if reasons := check_new_password(new):
        raise ValidationFailed({"new_password": reasons})
    user.password_hash = hash_password(new)
    user.session_epoch += 1
    sessions.end_all(user.id, "password_changed")
    audit.record("password.changed", actor_id=user.id, subject_type="user", subject_id=user.id)
    db.session.flush()
