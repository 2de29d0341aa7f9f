"""What a data export holds: the account's own records as JSON-ready dicts, from allow-lists.

Every section names the columns it copies, so a column added later (a digest, a secret) never
leaks into exports by default. No password hash, token or code digest, sealed TOTP secret,
recovery code digest, passkey public key, appkey or webhook secret is ever listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway.accounts.models import User, UserSession
from gateway.albums.models import Album, Photo
from gateway.apps.models import App
from gateway.authorizations.models import Authorization
from gateway.developers.models import DeveloperProfile, PersonalApiKey
from gateway.extensions import db
from gateway.friends.models import Block, FriendRequest, Friendship
from gateway.groups.models import Group, GroupFile, JoinRequest, Membership, Post
from gateway.identity.models import OpenID
from gateway.ledger.models import LedgerAccount, LedgerLeg, LedgerTransaction
from gateway.mfa.models import Passkey, TotpFactor
from gateway.outbox.endpoints import endpoints_of
from gateway.payments.models import Order
from gateway.shares.models import Share

PROFILE = ("id", "username", "nickname", "email", "email_verified_at", "gender", "province",
           "city", "birth_year", "feed_visibility", "language", "timezone", "locale",
           "is_admin", "has_avatar", "created_at", "last_login_at")
SESSION = ("created_at", "authenticated_at", "last_seen_at", "ip_address", "user_agent", "amr",
           "ended_at", "ended_reason")
SHARE = ("id", "source", "title", "url", "summary", "comment", "images", "site", "fromurl",
         "created_at")
ALBUM = ("key", "name", "description", "privacy", "question", "photo_count", "created_at")
PHOTO = ("key", "title", "description", "content_type", "width", "height", "created_at")
ORDER = ("id", "openid", "amount", "money_amount", "currency", "item_id", "item_name", "status",
         "failure_reason", "livemode", "created_at", "paid_at", "refunded_at")
APP = ("appid", "name", "description", "category", "website", "app_type", "status",
       "redirect_uris", "post_logout_redirect_uris", "backchannel_logout_uri",
       "deauthorize_url", "unionid_enabled", "sandbox", "review_note", "created_at", "submitted_at",
       "reviewed_at", "deleted_at")

ENDPOINT = ("url", "description", "event_types", "enabled", "created_at")  # never the secret


def plain(value: Any) -> Any:
    """A JSON-ready value (times as ISO 8601 UTC)."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    return value


def pick(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    """The listed columns of a row, JSON-ready."""
    return {name: plain(getattr(row, name)) for name in columns}


def _all(query: Any) -> list[Any]:
    return list(db.session.scalars(query))


def _username(user_id: int) -> str | None:
    found = db.session.get(User, user_id)
    return found.username if found is not None else None


def profile(user: User) -> dict[str, Any]:
    """The profile and the account's settings."""
    return pick(user, PROFILE)


def apps_and_grants(user: User) -> dict[str, Any]:
    """Each app the account authorized (scopes, when) and the openid each app knows it by."""
    rows = db.session.execute(select(Authorization, App).join(App, App.id == Authorization.app_id)
                              .where(Authorization.user_id == user.id)
                              .order_by(Authorization.id)).all()
    openids = {o.app_id: o.openid for o in _all(select(OpenID).where(OpenID.user_id == user.id))}
    return {"authorizations": [
        {"appid": app.appid, "app_name": app.name, "scopes": list(grant.scopes),
         "openid": openids.get(app.id), "granted_at": plain(grant.created_at),
         "updated_at": plain(grant.updated_at), "last_used_at": plain(grant.last_used_at),
         "revoked_at": plain(grant.revoked_at)} for grant, app in rows]}


def security(user: User) -> dict[str, Any]:
    """Sessions (devices, addresses, times) and the second factors, without any secret."""
    totp = db.session.get(TotpFactor, user.id)
    return {
        "sessions": [pick(s, SESSION) for s in _all(select(UserSession).where(
            UserSession.user_id == user.id).order_by(UserSession.id))],
        "authenticator_app": None if totp is None else {
            "created_at": plain(totp.created_at), "confirmed_at": plain(totp.confirmed_at)},
        "passkeys": [{"name": p.name, "created_at": plain(p.created_at),
                      "last_used_at": plain(p.last_used_at)}
                     for p in _all(select(Passkey).where(Passkey.user_id == user.id))],
    }


def shares(user: User) -> dict[str, Any]:
    """Links shared to the account's feed."""
    return {"shares": [pick(s, SHARE) for s in _all(select(Share).where(
        Share.user_id == user.id).order_by(Share.id))]}


def social(user: User) -> dict[str, Any]:
    """Friends, friend requests, blocks, groups and the posts written in them."""
    groups = db.session.execute(select(Membership, Group).join(Group, Group.id ==
                                                                Membership.group_id)
                                .where(Membership.user_id == user.id)).all()
    return {
        "friends": [_username(f.friend_id) for f in _all(select(Friendship).where(
            Friendship.user_id == user.id))],
        "friend_requests_sent": [_username(r.to_id) for r in _all(select(FriendRequest).where(
            FriendRequest.from_id == user.id))],
        "friend_requests_received": [_username(r.from_id) for r in _all(select(
            FriendRequest).where(FriendRequest.to_id == user.id))],
        "blocked": [_username(b.blocked_id) for b in _all(select(Block).where(
            Block.blocker_id == user.id))],
        "groups": [{"group_id": g.id, "name": g.name, "role": m.role,
                    "visibility": m.visibility, "joined_at": plain(m.joined_at)}
                   for m, g in groups],
        "group_join_requests": [{"group_id": r.group_id, "created_at": plain(r.created_at)}
                                for r in _all(select(JoinRequest).where(
                                    JoinRequest.user_id == user.id))],
        "group_posts": [{"group_id": p.group_id, "title": p.title, "body": p.body,
                         "created_at": plain(p.created_at)}
                        for p in _all(select(Post).where(Post.author_id == user.id))],
        "group_files_uploaded": [{"group_id": f.group_id, "name": f.name, "size": f.size,
                                  "created_at": plain(f.created_at)}
                                 for f in _all(select(GroupFile).where(
                                     GroupFile.uploader_id == user.id))],
    }


def albums(user: User) -> tuple[dict[str, Any], list[tuple[Album, Photo]]]:
    """The account's own albums and photos (the images are added to the ZIP beside)."""
    listed: list[dict[str, Any]] = []
    images: list[tuple[Album, Photo]] = []
    for album in _all(select(Album).where(Album.owner_id == user.id,
                                          Album.group_id.is_(None)).order_by(Album.id)):
        photos = _all(select(Photo).where(Photo.album_id == album.id).order_by(Photo.id))
        entry = pick(album, ALBUM)
        entry["photos"] = [{**pick(p, PHOTO), "file": photo_name(album, p)} for p in photos]
        listed.append(entry)
        images.extend((album, p) for p in photos)
    uploaded = db.session.execute(select(Album, Photo).join(Album, Album.id == Photo.album_id)
                                  .where(Photo.uploader_id == user.id,
                                         Album.group_id.is_not(None))).all()
    group_photos = [{**pick(p, PHOTO), "group_id": a.group_id, "file": photo_name(a, p)}
                    for a, p in uploaded]
    images.extend((a, p) for a, p in uploaded)
    return {"albums": listed, "photos_in_group_albums": group_photos}, images


def photo_name(album: Album, photo: Photo) -> str:
    """Where a photo's image sits in the ZIP."""
    extension = "png" if photo.content_type == "image/png" else "jpg"
    return f"photos/{album.key}/{photo.key}.{extension}"


def _ledger(owner_type: str, owner_id: int) -> list[dict[str, Any]]:
    accounts = _all(select(LedgerAccount).where(LedgerAccount.owner_type == owner_type,
                                                LedgerAccount.owner_id == owner_id))
    out = []
    for acct in accounts:
        legs = db.session.execute(
            select(LedgerLeg, LedgerTransaction)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerLeg.transaction_id)
            .where(LedgerLeg.account_id == acct.id).order_by(LedgerLeg.id)).all()
        out.append({"kind": acct.kind, "currency": acct.currency, "balance": acct.balance,
                    "entries": [{"amount": leg.amount * acct.sign, "kind": txn.kind,
                                 "memo": txn.memo, "at": plain(txn.created_at)}
                                for leg, txn in legs]})
    return out


def wallet(user: User) -> dict[str, Any]:
    """Coin balances and every ledger entry on the account's own balances."""
    return {"accounts": _ledger("user", user.id)}


def orders(user: User) -> dict[str, Any]:
    """Orders the account paid (or was asked to pay) in coins."""
    rows = db.session.execute(select(Order, App).join(App, App.id == Order.app_id)
                              .where(Order.user_id == user.id).order_by(Order.created_at)).all()
    return {"orders": [{**pick(o, ORDER), "appid": app.appid, "app_name": app.name}
                       for o, app in rows]}


def developer(user: User) -> dict[str, Any] | None:
    """The developer profile, apps (no keys or secrets), API key names and balances, if any."""
    profile_row = db.session.get(DeveloperProfile, user.id)
    apps = _all(select(App).where(App.developer_id == user.id).order_by(App.id))
    if profile_row is None and not apps:
        return None
    keys = _all(select(PersonalApiKey).where(PersonalApiKey.user_id == user.id))
    return {
        "profile": None if profile_row is None else {
            "name": profile_row.name, "contact_email": profile_row.contact_email,
            "accepted_terms_at": plain(profile_row.accepted_terms_at)},
        "apps": [{**pick(a, APP), "scopes": sorted(a.granted_scopes()),
                  "webhook_endpoints": [pick(e, ENDPOINT) for e in endpoints_of(a)]}
                 for a in apps],
        "api_keys": [{"name": k.name, "prefix": k.prefix, "scope": k.scope,
                      "created_at": plain(k.created_at), "revoked_at": plain(k.revoked_at)}
                     for k in keys],
        "balances": _ledger("developer", user.id),
    }

