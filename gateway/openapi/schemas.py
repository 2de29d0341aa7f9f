"""Marshmallow schemas of the REST answers that the OpenAPI document describes."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """Every REST error (docs/api-contract.md)."""

    error = fields.String(required=True, metadata={"description": "Machine code."})
    error_description = fields.String(required=True)
    request_id = fields.String(allow_none=True)
    ret = fields.Integer(metadata={"description": "The QQ Connect code, where one applies."})
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          data_key="fields",
                          metadata={"description": "validation_error only: messages by field."})


class AvatarsSchema(Schema):
    """Absolute avatar URLs by size in pixels."""

    size_30 = fields.String(data_key="30", required=True)
    size_40 = fields.String(data_key="40", required=True)
    size_50 = fields.String(data_key="50", required=True)
    size_100 = fields.String(data_key="100", required=True)
    size_640 = fields.String(data_key="640", required=True)


class MeSchema(Schema):
    """The user behind the token, as this app sees them."""

    openid = fields.String(required=True)
    unionid = fields.String(required=True, allow_none=True,
                            metadata={"description": "null unless the app may see it."})
    nickname = fields.String(required=True)
    gender = fields.String(required=True, metadata={"enum": ["male", "female", "unknown"]})
    province = fields.String(required=True)
    city = fields.String(required=True)
    birth_year = fields.Integer(required=True, allow_none=True)
    avatars = fields.Nested(AvatarsSchema, required=True)


class OrderCreateSchema(Schema):
    """POST /api/v1/payments/orders body."""

    openid = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Coins, > 0."})
    item_id = fields.String(required=True)
    item_name = fields.String(required=True)
    notify_url = fields.String(metadata={"format": "uri"})
    return_url = fields.String(metadata={
        "format": "uri", "description": "Where the user goes back to after paying (a page of "
        "the app's site: its website's or a redirect URI's origin)."})


class OrderSchema(Schema):
    """A payment order."""

    order_id = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "enum": ["pending", "paid", "failed", "refunded", "canceled"]})
    amount = fields.Integer(required=True)
    item_id = fields.String(required=True)
    item_name = fields.String(required=True)
    openid = fields.String(required=True)
    confirm_url = fields.String(required=True)
    notify_url = fields.String(required=True, allow_none=True)
    return_url = fields.String(required=True, allow_none=True)
    livemode = fields.Boolean(required=True, metadata={
        "description": "false for a sandbox order, paid in test coins and never settled"})
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    paid_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    refunded_at = fields.String(required=True, allow_none=True,
                                metadata={"format": "date-time"})
