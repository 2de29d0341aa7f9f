"""Group API schemas: the message body, the member-list query, and the answers' shapes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from gateway.groups.models import BODY_MAX, TITLE_MAX
from gateway.shares.schemas import plain_text


class MessageCreateSchema(Schema):
    """POST /api/v1/groups/{group_openid}/messages."""

    class Meta:
        unknown = EXCLUDE

    content = fields.String(required=True, validate=[validate.Length(min=1, max=BODY_MAX),
                                                     plain_text])
    title = fields.String(load_default="", validate=[validate.Length(max=TITLE_MAX), plain_text])


class MembersQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    after = fields.String(load_default="", validate=validate.Regexp(r"^[0-9A-F]{0,32}$"),
                          metadata={"description": "The last openid of the previous page."})


class GroupSchema(Schema):
    """A group as an installed app sees it."""

    group_openid = fields.String(required=True, metadata={
        "description": "This app's name for the group: stable for this app, different for "
                       "every other app. The group's own id is never shown."})
    name = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.String(required=True)
    member_count = fields.Integer(required=True)
    my_role = fields.String(required=True, metadata={"enum": ["owner", "admin", "member"]})


class GroupListSchema(Schema):
    data = fields.List(fields.Nested(GroupSchema), required=True)


class MemberSchema(Schema):
    """A member who authorized this app."""

    openid = fields.String(required=True)
    nickname = fields.String(required=True)
    role = fields.String(required=True)
    joined_at = fields.String(required=True, metadata={"format": "date-time"})
    is_lost = fields.Integer(required=True, metadata={
        "description": "QQ's flag for degraded data; always 0 here."})


class MemberListSchema(Schema):
    data = fields.List(fields.Nested(MemberSchema), required=True)
    next = fields.String(required=True, allow_none=True, metadata={
        "description": "Pass as `after` for the next page; null on the last page."})


class MessageSchema(Schema):
    id = fields.String(required=True)
    group_openid = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    posts_left_today = fields.Integer(required=True)
