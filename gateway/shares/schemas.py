"""Share input and output schemas (marshmallow): validation and the OpenAPI document."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from gateway.i18n import _
from gateway.shares import models as m


def http_url(value: str) -> None:
    """Only absolute http(s) URLs with a host, no spaces or control characters."""
    if any(ord(c) < 33 or c == "\x7f" for c in value):
        raise ValidationError(_("A URL cannot contain spaces or control characters."))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ValidationError(_("Not a valid URL.")) from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("Use an absolute http:// or https:// URL."))


def plain_text(value: str) -> None:
    """Text without NUL characters (PostgreSQL refuses them) or other C0 controls but newlines."""
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValidationError(_("Control characters are not allowed."))


def _text(limit: int, required: bool = False, description: str = "") -> fields.String:
    minimum = 1 if required else 0
    return fields.String(required=required, validate=[validate.Length(min=minimum, max=limit),
                                                      plain_text],
                         metadata={"description": description},
                         **({} if required else {"load_default": ""}))


def _url(required: bool = False, description: str = "") -> fields.String:
    checks: list[Any] = [validate.Length(max=m.URL_MAX), http_url]
    return fields.String(required=required, validate=checks,
                         metadata={"format": "uri", "description": description},
                         **({} if required else {"load_default": ""}))


class ShareCreateSchema(Schema):
    """What an app (or the share button) sends to share a link."""

    title = _text(m.TITLE_MAX, required=True, description="Shown as the link text.")
    url = _url(required=True, description="The shared link: absolute http(s) only.")
    summary = _text(m.SUMMARY_MAX, description="A line about the page.")
    comment = _text(m.COMMENT_MAX, description="The user's own words.")
    images = fields.List(_url(required=True), load_default=list,
                         validate=validate.Length(max=m.IMAGES_MAX),
                         metadata={"description": "Image URLs (listed as links, not loaded)."})
    site = _text(m.SITE_MAX, description="The site's name; defaults to the URL's host.")
    fromurl = fields.String(load_default="", validate=[validate.Length(max=m.URL_MAX),
                                                       lambda v: v == "" or http_url(v) is None],
                            metadata={"format": "uri", "description": "The site's home page."})


class ShareSchema(Schema):
    """A share as the REST API answers it."""

    id = fields.String(required=True, metadata={"description": "Opaque id (a cursor too)."})
    title = fields.String(required=True)
    url = fields.String(required=True)
    summary = fields.String(required=True)
    comment = fields.String(required=True)
    images = fields.List(fields.String(), required=True)
    site = fields.String(required=True)
    fromurl = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class ShareListSchema(Schema):
    """A page of shares, newest first."""

    data = fields.List(fields.Nested(ShareSchema), required=True)
    has_more = fields.Boolean(required=True)


class ShareListQuerySchema(Schema):
    """Query of GET /api/v1/shares (other parameters are ignored)."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    before = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{1,18}$"),
                           metadata={"description": "Return shares older than this id."})
