"""Download my data: requested on a page, built by the worker, stored, mailed as a signed link.

The request only writes a pending row (one at a time per account, a few a day). The worker's
`exports` job builds the ZIP into gateway.storage under a key named after the row (a retry after
a crash overwrites, never leaves an orphan), marks it ready and queues the mail in the same
commit. The link is signed (itsdangerous), names the export and the account, expires after
ZC_EXPORT_TTL seconds, and opens only for that account logged in. The `export_purge` job removes
expired files and rows.
"""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from datetime import datetime, timedelta
from typing import IO, Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from gateway.accounts.models import AvatarImage, User
from gateway.audit import services as audit
from gateway.extensions import db
from gateway.i18n import _l
from gateway.mail import services as mail
from gateway.privacy import collect
from gateway.privacy.errors import ExportInProgress, ExportLinkInvalid, TooManyExports
from gateway.privacy.models import DataExport
from gateway.storage import ObjectMissing, get_storage
from gateway.timeutil import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
README = """This archive holds the data ZoneConnect keeps about your account, as JSON files:
profile.json, apps.json (apps you authorized, their scopes and openids), security.json (sessions
and second factors, without secrets), shares.json, social.json (friends, groups), albums.json,
wallet.json (coins and every ledger entry), orders.json and, for developers, developer.json.
Images: avatar.jpg and photos/<album>/<photo>. Times are UTC.
"""


def _ttl() -> int:
    return int(current_app.config["ZC_EXPORT_TTL"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt="zc-data-export")


def in_progress(user_id: int) -> DataExport | None:
    """The account's export being prepared, if any."""
    return db.session.scalar(select(DataExport).where(DataExport.user_id == user_id,
                                                      DataExport.status == "pending"))


def recent(user_id: int) -> list[DataExport]:
    """The account's exports, newest first (the privacy page lists them)."""
    return list(db.session.scalars(select(DataExport).where(DataExport.user_id == user_id)
                                   .order_by(DataExport.id.desc()).limit(10)))


def request_export(user: User) -> DataExport:
    """Queue an export for the worker: one in progress at a time, ZC_EXPORT_DAILY_LIMIT a day."""
    if in_progress(user.id) is not None:
        raise ExportInProgress()
    since = utcnow() - timedelta(days=1)
    today = db.session.scalar(select(func.count(DataExport.id)).where(
        DataExport.user_id == user.id, DataExport.created_at > since))
    if int(today or 0) >= int(current_app.config["ZC_EXPORT_DAILY_LIMIT"]):
        raise TooManyExports()
    export = DataExport(user_id=user.id, status="pending", created_at=utcnow())
    try:
        with db.session.begin_nested():  # a racing request inserted its pending row first
            db.session.add(export)
            db.session.flush()
    except IntegrityError:
        raise ExportInProgress() from None
    audit.record("data_export.requested", actor_id=user.id, subject_type="user",
                 subject_id=user.id)
    return export


def link_token(export: DataExport) -> str:
    """The signed value in the download link: this export, this account."""
    return _serializer().dumps([export.id, export.user_id])


def for_download(token: str, user: User) -> DataExport:
    """The ready export a link names, only for the account it was made for and until it
    expires; ExportLinkInvalid otherwise."""
    try:
        export_id, user_id = _serializer().loads(token[:512], max_age=_ttl())
    except (BadSignature, ValueError, TypeError):
        raise ExportLinkInvalid() from None
    export = db.session.get(DataExport, export_id) if isinstance(export_id, int) else None
    if (export is None or user_id != user.id or export.user_id != user.id
            or export.status != "ready" or export.expires_at is None
            or export.expires_at <= utcnow()):
        raise ExportLinkInvalid()
    return export


def file_name(export: DataExport) -> str:
    """The name the browser saves the ZIP under."""
    when = export.ready_at or export.created_at
    return f"zoneconnect-data-{when:%Y%m%d}.zip"


def _write_json(archive: zipfile.ZipFile, name: str, data: Any) -> None:
    archive.writestr(name, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


def write_archive(user: User, out: IO[bytes]) -> None:
    """Write the account's ZIP (JSON files and images) to `out`."""
    store = get_storage()
    album_data, photos = collect.albums(user)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        _write_json(archive, "profile.json", collect.profile(user))
        _write_json(archive, "apps.json", collect.apps_and_grants(user))
        _write_json(archive, "security.json", collect.security(user))
        _write_json(archive, "shares.json", collect.shares(user))
        _write_json(archive, "social.json", collect.social(user))
        _write_json(archive, "albums.json", album_data)
        _write_json(archive, "wallet.json", collect.wallet(user))
        _write_json(archive, "orders.json", collect.orders(user))
        if (developer := collect.developer(user)) is not None:
            _write_json(archive, "developer.json", developer)
        if user.has_avatar:
            avatar = db.session.scalar(select(AvatarImage).where(
                AvatarImage.user_id == user.id).order_by(AvatarImage.size.desc()).limit(1))
            if avatar is not None:
                archive.writestr("avatar.jpg", avatar.data)
        for album, photo in photos:
            from gateway.albums.services import storage_key

            try:
                chunks = store.open(storage_key(album, photo, "large"))
            except ObjectMissing:
                log.warning("photo %s has no stored rendition; left out of the export", photo.id)
                continue
            with archive.open(collect.photo_name(album, photo), "w") as entry:
                for chunk in chunks:
                    entry.write(chunk)


def build(export: DataExport, now: datetime) -> None:
    """Build and store one export, mark it ready and queue its mail (flush; caller commits)."""
    user = db.session.get(User, export.user_id)
    assert user is not None  # the row goes with the account (ON DELETE CASCADE)
    key = f"exports/{user.id}/{export.id}.zip"
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
        write_archive(user, spool)  # type: ignore[arg-type]
        spool.seek(0)
        size = get_storage().save(key, spool, content_type="application/zip")  # type: ignore[arg-type]
    export.status, export.storage_key, export.size_bytes = "ready", key, size
    export.ready_at, export.expires_at = now, now + timedelta(seconds=_ttl())
    if user.email:
        mail.queue("data_export", user.email, _l("Your ZoneConnect data is ready to download"),
                   user=user, link=mail.public_url("privacy.download", token=link_token(export)),
                   days=_ttl() // 86400, size=size)
    db.session.flush()


def build_due(now: datetime, limit: int = 5) -> int:
    """The worker's `exports` job: build pending exports, each in its own commit."""
    ids = list(db.session.scalars(select(DataExport.id).where(DataExport.status == "pending")
                                  .order_by(DataExport.id).limit(limit)))
    built = 0
    for export_id in ids:
        export = db.session.get(DataExport, export_id)
        if export is None or export.status != "pending":
            continue
        try:
            build(export, now)
            db.session.commit()
            built += 1
        except Exception as exc:  # retried at the next tick, given up after MAX_ATTEMPTS
            db.session.rollback()
            log.exception("data export %s failed", export_id)
            failed = db.session.get(DataExport, export_id)
            if failed is not None:
                failed.attempts += 1
                failed.last_error = f"{type(exc).__name__}: {exc}"[:255]
                if failed.attempts >= MAX_ATTEMPTS:
                    failed.status = "failed"
                db.session.commit()
    return built


def purge_expired(now: datetime) -> int:
    """The worker's `export_purge` job: delete expired ZIPs and their rows (failed ones after
    ZC_EXPORT_TTL too); how many went."""
    old = now - timedelta(seconds=_ttl())
    rows = list(db.session.scalars(select(DataExport).where(or_(
        (DataExport.status == "ready") & (DataExport.expires_at <= now),
        (DataExport.status == "failed") & (DataExport.created_at <= old)))))
    store = get_storage()
    for export in rows:
        if export.storage_key:
            store.delete(export.storage_key)  # before the row: a crash leaves the row to retry
        db.session.delete(export)
        db.session.commit()
    return len(rows)


def remove_all(user_id: int) -> int:
    """Delete every export of an account, files first (account erasure; flush)."""
    rows = list(db.session.scalars(select(DataExport).where(DataExport.user_id == user_id)))
    store = get_storage()
    for export in rows:
        if export.storage_key:
            store.delete(export.storage_key)
        db.session.delete(export)
    db.session.flush()
    return len(rows)
