"""The erasure of a deleted account, run by the worker's `erasure` job once the grace period ended.

One account per transaction: the apps are told, tokens and grants revoked, personal data and
uploads removed, and `erased_at` set, all in one commit. A crash before it rolls everything back
(stored files already deleted stay deleted: deleting is idempotent) and the next tick starts that
account again; an account with `erased_at` is never picked again, so callbacks are queued once.

Kept (docs/privacy.md): the anonymized users row (ledger, orders and settlements point at it),
ledger rows, orders, revenue statements and payouts, the openids and unionids apps were given (so
their order records still reconcile), the audit log, and board posts written in groups (shown
under the anonymized name).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import delete, or_, select

from gateway.accounts import sessions
from gateway.accounts.models import AccountToken, AvatarImage, User, UserSession, new_avatar_key
from gateway.albums.models import Album, Photo
from gateway.apps.models import App, AppTestUser
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.friends.models import Block, FriendRequest, Friendship
from gateway.groups.models import Ban, Group, GroupFile, JoinRequest, Membership
from gateway.mail.models import MailMessage
from gateway.mfa.models import Passkey, RecoveryCode, TotpFactor
from gateway.oauth.models import DeviceCode, OAuthCode
from gateway.shares.models import Share

log = logging.getLogger(__name__)
ERASED_PASSWORD = "!erased"  # not an argon2 hash: no password ever matches it


def due(now: datetime, limit: int = 20) -> list[int]:
    """Accounts whose grace period has ended and that are not erased yet."""
    return list(db.session.scalars(select(User.id).where(
        User.deletion_due_at.is_not(None), User.deletion_due_at <= now,
        User.erased_at.is_(None)).order_by(User.deletion_due_at).limit(limit)))


def run_due(now: datetime) -> int:
    """The worker's `erasure` job: erase each due account in its own commit."""
    done = 0
    for user_id in due(now):
        user = db.session.get(User, user_id)
        if user is None or user.erased_at is not None or user.deletion_due_at is None:
            continue
        try:
            erase(user, now)
            db.session.commit()
            done += 1
        except Exception:  # the account is tried again at the next tick
            db.session.rollback()
            log.exception("erasure of account %s failed", user_id)
    return done


def erase(user: User, now: datetime) -> None:
    """Erase one account (see the module docstring); flush, the caller commits."""
    _apps_told(user)
    _social(user)
    _uploads(user)
    _security(user)
    _anonymize(user, now)
    audit.record("account.erased", actor_id=None, subject_type="user", subject_id=user.id)
    db.session.flush()


def _apps_told(user: User) -> None:
    """The developer's apps deleted; every authorized app told (user.deauthorized), every grant,
    token and code revoked through the token store (caches evicted on every instance)."""
    from gateway.authorizations.services import active_for_user, deauthorize
    from gateway.developers.deletion import DELETED, delete_app
    from gateway.oauth.services import revoke_tokens_of_user

    for app in db.session.scalars(select(App).where(App.developer_id == user.id,
                                                    App.status != DELETED)).all():
        delete_app(app, user, app.name)
    for _grant, app in active_for_user(user.id):
        deauthorize(user.id, app)
    revoke_tokens_of_user(user.id)  # anything left, whatever the app; caches evicted everywhere
    db.session.execute(delete(OAuthCode).where(OAuthCode.user_id == user.id))
    db.session.execute(delete(DeviceCode).where(DeviceCode.user_id == user.id))
    db.session.execute(delete(AppTestUser).where(AppTestUser.user_id == user.id))


def _social(user: User) -> None:
    """Shares, friends, requests, blocks, group memberships; owned groups handed over or closed."""
    from gateway.privacy.groups import hand_over_or_close

    uid = user.id
    db.session.execute(delete(Share).where(Share.user_id == uid))
    db.session.execute(delete(Friendship).where(or_(Friendship.user_id == uid,
                                                    Friendship.friend_id == uid)))
    db.session.execute(delete(FriendRequest).where(or_(FriendRequest.from_id == uid,
                                                       FriendRequest.to_id == uid)))
    db.session.execute(delete(Block).where(or_(Block.blocker_id == uid, Block.blocked_id == uid)))
    for group in db.session.scalars(select(Group).where(Group.owner_id == uid)).all():
        hand_over_or_close(group, uid)
    db.session.execute(delete(Membership).where(Membership.user_id == uid))
    db.session.execute(delete(JoinRequest).where(JoinRequest.user_id == uid))
    db.session.execute(delete(Ban).where(Ban.user_id == uid))


def _uploads(user: User) -> None:
    """Albums and photos (their stored renditions), group files, the avatar, data exports."""
    from gateway.albums.services import delete_album, delete_photo
    from gateway.groups import files
    from gateway.privacy.exports import remove_all

    for album in db.session.scalars(select(Album).where(Album.owner_id == user.id,
                                                        Album.group_id.is_(None))).all():
        delete_album(album)
    for photo, album in db.session.execute(select(Photo, Album).join(
            Album, Album.id == Photo.album_id).where(Photo.uploader_id == user.id)).all():
        delete_photo(album, photo)
    for found in db.session.scalars(select(GroupFile).where(
            GroupFile.uploader_id == user.id)).all():
        group = db.session.get(Group, found.group_id)
        assert group is not None
        files.delete(group, found, user.id)
    db.session.execute(delete(AvatarImage).where(AvatarImage.user_id == user.id))
    remove_all(user.id)


def _security(user: User) -> None:
    """Sessions, second factors, passkeys, mailed links, API keys, queued and sent mail."""
    from gateway.developers.models import DeveloperProfile, PersonalApiKey

    uid = user.id
    # Ended first, as any sign-out is: apps the sessions logged into get a back-channel logout.
    sessions.end_all(uid, "account_deleted")
    for model in (UserSession, RecoveryCode, Passkey, AccountToken, PersonalApiKey):
        db.session.execute(delete(model).where(model.user_id == uid))
    db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == uid))
    db.session.execute(delete(DeveloperProfile).where(DeveloperProfile.user_id == uid))
    db.session.execute(delete(MailMessage).where(MailMessage.user_id == uid))


def _anonymize(user: User, now: datetime) -> None:
    """The row stays (money history points at it) with nothing that names the person."""
    user.username = "deleted-" + secrets.token_hex(8)
    user.password_hash = ERASED_PASSWORD
    user.nickname, user.gender, user.province, user.city = "", None, "", ""
    user.birth_year, user.language, user.locale = None, None, None
    user.timezone, user.feed_visibility = "Asia/Shanghai", "public"
    user.email, user.email_verified_at = None, None
    user.avatar_key, user.has_avatar = new_avatar_key(), False
    user.is_active, user.is_admin = False, False
    user.session_epoch += 1
    user.last_login_at = None
    user.deletion_due_at, user.erased_at = None, now
