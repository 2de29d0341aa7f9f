"""Group input schemas."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from gateway.groups import models as m
from gateway.shares.schemas import plain_text


def _text(limit: int, minimum: int = 0, **kwargs: object) -> fields.String:
    return fields.String(validate=[validate.Length(min=minimum, max=limit), plain_text],
                         **kwargs)  # type: ignore[arg-type]


class GroupSchema(Schema):
    """Name, description, category and visibility of a group (create and edit)."""

    class Meta:
        unknown = EXCLUDE

    name = _text(m.NAME_MAX, 1, required=True)
    description = _text(m.DESC_MAX, load_default="")
    category = _text(m.CATEGORY_MAX, load_default="")
    visibility = fields.String(load_default="invite", validate=validate.OneOf(m.VISIBILITIES))


class PostSchema(Schema):
    """A board post or a reply (a reply has no title or kind)."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(load_default="discussion", validate=validate.OneOf(m.POST_KINDS))
    title = _text(m.TITLE_MAX, load_default="")
    body = _text(m.BODY_MAX, 1, required=True)


class FolderSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _text(m.FILE_NAME_MAX, 1, required=True)
