"""Album and photo input and output schemas (validation and the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from gateway.albums import models as m
from gateway.i18n import _
from gateway.shares.schemas import plain_text

PRIVACY_DOC = ("public: anyone; friends: the owner's friends; private: only the owner; "
               "question: whoever answers the owner's question")


def _text(limit: int, minimum: int = 0, **kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=minimum, max=limit), plain_text],
                         **kwargs)


class AlbumCreateSchema(Schema):
    """A new album (REST body; the QQ method maps albumname/albumdesc/priv onto it)."""

    class Meta:
        unknown = EXCLUDE

    name = _text(m.NAME_MAX, 1, required=True)
    description = _text(m.DESC_MAX, load_default="")
    privacy = fields.String(load_default="public", validate=validate.OneOf(m.PRIVACIES),
                            metadata={"description": PRIVACY_DOC})
    question = _text(m.QUESTION_MAX, load_default="",
                     metadata={"description": "Required with privacy question."})
    answer = _text(m.QUESTION_MAX, load_default="", load_only=True,
                   metadata={"description": "Required with privacy question; never returned."})

    @validates_schema
    def _question_needs_answer(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("privacy") == "question" and not (
                data.get("question", "").strip() and data.get("answer", "").strip()):
            raise ValidationError(_("A question album needs a question and an answer."),
                                  field_name="question")


class PhotoUploadSchema(Schema):
    """The text fields of a photo upload (the picture itself is the multipart part)."""

    class Meta:
        unknown = EXCLUDE

    title = _text(m.TITLE_MAX, load_default="")
    description = _text(m.DESC_MAX, load_default="")
    keep_location = fields.Boolean(load_default=False, metadata={
        "description": "Keep the picture's GPS position (stripped by default)."})


class AlbumSchema(Schema):
    """An album as the REST API answers it."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    privacy = fields.String(required=True, metadata={"enum": list(m.PRIVACIES)})
    photo_count = fields.Integer(required=True)
    cover_url = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class AlbumListSchema(Schema):
    data = fields.List(fields.Nested(AlbumSchema), required=True)


class PhotoSchema(Schema):
    """A photo as the REST API answers it; URLs of non-public albums are signed and expire."""

    id = fields.String(required=True)
    album_id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    urls = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                       metadata={"description": "large, medium and small renditions."})
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class PhotoListSchema(Schema):
    data = fields.List(fields.Nested(PhotoSchema), required=True)
