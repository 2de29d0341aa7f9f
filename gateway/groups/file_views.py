"""Group files: the listing with folders, streamed uploads, attachment-only downloads."""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue

from gateway.accounts.views import login_required
from gateway.errors import ValidationFailed, ZoneConnectError
from gateway.extensions import db
from gateway.groups import files, services
from gateway.groups.views import attempt, bp, me, viewer_id, visible_group
from gateway.i18n import _
from gateway.storage import ObjectMissing, get_storage


def _folder_arg(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


@bp.get("/groups/<int:group_id>/files")
def file_list(group_id: int) -> ResponseReturnValue:
    """Folders and files at one level, who uploaded what, download counts, the quota."""
    group = visible_group(group_id, content=True)
    try:
        parent = files.folder(group, _folder_arg(request.args.get("folder")))
    except ZoneConnectError:
        abort(404)
    per_file, per_group = files.limits(group)
    return render_template("groups/files.html", group=group, parent=parent,
                           per_file=per_file, per_group=per_group,
                           role=services.role_of(group.id, viewer_id()), viewer=viewer_id(),
                           **files.listing(group, parent))


@bp.post("/groups/<int:group_id>/files")
@login_required
def upload_file(group_id: int) -> ResponseReturnValue:
    """A member uploads a file of any type (streamed to a temporary file, then to storage)."""
    group = visible_group(group_id, content=True)
    folder_id = _folder_arg(request.form.get("folder"))
    back = url_for("groups.file_list", group_id=group.id, folder=folder_id)

    def store() -> None:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": [_("Choose a file to upload.")]})
        files.upload(group, me().id, upload.stream, upload.filename,
                     upload.mimetype or "", folder_id)

    return attempt(store, back, _("File uploaded."))


@bp.post("/groups/<int:group_id>/folders")
@login_required
def new_folder(group_id: int) -> ResponseReturnValue:
    """A member makes a folder here."""
    group = visible_group(group_id, content=True)
    parent = _folder_arg(request.form.get("folder"))
    return attempt(lambda: files.create_folder(group, me().id, request.form, parent),
                   url_for("groups.file_list", group_id=group.id, folder=parent))


@bp.get("/groups/<int:group_id>/files/<key>")
def download(group_id: int, key: str) -> ResponseReturnValue:
    """Members download: counted, always an attachment of type application/octet-stream."""
    group = visible_group(group_id, content=True)
    try:
        found = files.find(group, key)
    except ZoneConnectError:
        abort(404)
    files.count_download(found)
    db.session.commit()
    store = get_storage()
    signed = store.signed_url(files.storage_key(found),
                              expires=int(current_app.config["ZC_STORAGE_URL_TTL"]),
                              filename=found.name, content_type="application/octet-stream")
    if signed is not None:
        return redirect(signed)
    try:
        chunks = store.open(files.storage_key(found))
    except ObjectMissing:
        abort(404)
    ascii_name = found.name.encode("ascii", "replace").decode().replace('"', "_")
    headers = {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                      f"filename*=UTF-8''{quote(found.name, safe='')}",
               "Content-Length": str(found.size), "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "sandbox; default-src 'none'",
               "Cache-Control": "private, no-store"}
    return Response(stream_with_context(chunks), content_type="application/octet-stream",
                    headers=headers)


@bp.post("/groups/<int:group_id>/files/<key>/delete")
@login_required
def delete_file(group_id: int, key: str) -> ResponseReturnValue:
    """Uploaders delete their files, admins any."""
    group = visible_group(group_id, content=True)
    back = url_for("groups.file_list", group_id=group.id)
    return attempt(lambda: files.delete(group, files.find(group, key), me().id), back,
                   _("File deleted."))
