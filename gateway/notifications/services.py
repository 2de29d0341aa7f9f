"""Notification mail: queued through gateway.mail in the reader's language, only to a verified
address, only if the person has not turned the topic off, with a signed one-click unsubscribe
link in the mail and in its List-Unsubscribe headers (RFC 2369, RFC 8058).

Like gateway.mail, `notify` writes an outbox row in the caller's transaction: the mail leaves
after that transaction commits, from the worker, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import LazyString
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select

from gateway.accounts.models import User
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.mail import services as mail
from gateway.mail.models import MailMessage
from gateway.notifications.errors import InvalidUnsubscribeLink, UnknownTopic
from gateway.notifications.models import MailOptOut
from gateway.notifications.topics import TOPICS, Topic

SALT = "zc-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def unsubscribe_token(user_id: int, topic: str) -> str:
    """A signed token naming the person and the topic (no expiry: old mail keeps working)."""
    return _serializer().dumps([user_id, topic])


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The person and topic of an unsubscribe token, or InvalidUnsubscribeLink."""
    try:
        value = _serializer().loads(token[:512])
    except BadSignature as exc:
        raise InvalidUnsubscribeLink() from exc
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or value[1] not in TOPICS):
        raise InvalidUnsubscribeLink()
    user = db.session.get(User, value[0])
    if user is None:
        raise InvalidUnsubscribeLink()
    return user, str(value[1])


def is_enabled(user_id: int, topic: str) -> bool:
    """Whether the person still wants mail of this topic."""
    return db.session.get(MailOptOut, (user_id, topic)) is None


def _is_developer(user: User) -> bool:
    from gateway.developers.services import profile_of

    return profile_of(user) is not None


@dataclass(frozen=True)
class Preference:
    name: str
    topic: Topic
    enabled: bool


def preferences_of(user: User) -> list[Preference]:
    """The topics this person can choose (developer topics for developers only), and whether
    each is on."""
    off = set(db.session.scalars(select(MailOptOut.topic).where(MailOptOut.user_id == user.id)))
    developer = _is_developer(user)
    return [Preference(name, topic, name not in off) for name, topic in TOPICS.items()
            if developer or not topic.developers or name in off]


def set_topic(user: User, topic: str, enabled: bool, *, via: str) -> bool:
    """Turn one topic on or off; True if that changed anything. Audited."""
    if topic not in TOPICS:
        raise UnknownTopic()
    if is_enabled(user.id, topic) == enabled:
        return False
    if enabled:
        db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id,
                                                    MailOptOut.topic == topic))
    else:
        db.session.add(MailOptOut(user_id=user.id, topic=topic))
    audit.record("notifications.changed", actor_id=user.id, subject_type="user",
                 subject_id=user.id, topic=topic, enabled=enabled, via=via)
    db.session.flush()
    return True


def set_preferences(user: User, enabled: set[str]) -> None:
    """Keep exactly the shown topics in `enabled` on (the preferences form)."""
    unknown = enabled - set(TOPICS)
    if unknown:
        raise UnknownTopic()
    for preference in preferences_of(user):
        set_topic(user, preference.name, preference.name in enabled, via="preferences")


def notify(user: User | None, topic: str, kind: str, subject: str | LazyString,
           **context: Any) -> MailMessage | None:
    """Queue mail/<kind> of `topic` for this person, unless they turned it off, have no verified
    address or their account is not active. Returns the queued message, or None."""
    assert topic in TOPICS, topic
    if user is None or not user.is_active or not user.email_verified or user.email is None:
        return None
    if not is_enabled(user.id, topic):
        return None
    url = mail.public_url("notifications.unsubscribe", token=unsubscribe_token(user.id, topic))
    headers = {"List-Unsubscribe": f"<{url}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return mail.queue(kind, user.email, subject, user=user, headers=headers,
                      unsubscribe_url=url, topic=TOPICS[topic], **context)
