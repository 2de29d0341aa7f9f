"""Marshmallow 4 schemas of the management API (also the source of its OpenAPI description)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gateway.apps.models import APP_TYPES, STATUSES
from gateway.developers.services import CATEGORIES
from gateway.i18n import _


class PermissionSchema(Schema):
    scope = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["requested", "granted", "refused"]})
    review_note = fields.String()


class AppSchema(Schema):
    """An app as the management API shows it (never its secrets)."""

    appid = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String()
    category = fields.String()
    website = fields.String()
    app_type = fields.String(metadata={"enum": list(APP_TYPES)})
    status = fields.String(metadata={"enum": list(STATUSES)})
    redirect_uris = fields.List(fields.String())
    deauthorize_url = fields.String()
    unionid_enabled = fields.Boolean()
    sandbox = fields.Boolean(metadata={
        "description": "Sandbox mode: new orders are paid in test coins (livemode false)"})
    require_par = fields.Boolean()
    require_dpop = fields.Boolean(metadata={
        "description": "Only DPoP-bound (sender-constrained, RFC 9449) tokens are issued."})
    review_note = fields.String()
    permissions = fields.List(fields.Nested(PermissionSchema))
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class AppListSchema(Schema):
    data = fields.List(fields.Nested(AppSchema), required=True)


class AppUpdateSchema(Schema):
    """Fields a developer may change; all optional (PATCH)."""

    name = fields.String(validate=validate.Length(min=1, max=64))
    description = fields.String(validate=validate.Length(max=2000))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    website = fields.String(validate=validate.Length(max=512))
    app_type = fields.String(validate=validate.OneOf(APP_TYPES))
    redirect_uris = fields.List(fields.String(validate=validate.Length(max=2000)),
                                validate=validate.Length(min=1, max=50))
    deauthorize_url = fields.String(validate=validate.Length(max=512))
    # Authorization requests only through PAR (RFC 9126); plain ones are refused.
    require_par = fields.Boolean()
    require_dpop = fields.Boolean()


class AppCreateSchema(AppUpdateSchema):
    """A new app: a name and at least one redirect URI."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    redirect_uris = fields.List(fields.String(validate=validate.Length(max=2000)),
                                required=True, validate=validate.Length(min=1, max=50))
    # The app's first webhook endpoint, subscribed to every event (more: /webhook-endpoints).
    webhook_url = fields.String(validate=validate.Length(max=512))


class CredentialsSchema(Schema):
    """The appkey, returned once after creation or rotation."""

    appid = fields.String(required=True)
    appkey = fields.String(required=True)
    previous_appkey_expires_at = fields.String(allow_none=True)
    # Only when the app is created: its first webhook signing secret (rotations show their own).
    webhook_secret = fields.String()
    app = fields.Nested(AppSchema)


class StatsQuerySchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @validates_schema
    def check_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start and end and end < start:
            raise ValidationError(_("The end date is before the start date."), "to")
        if start and end and (end - start).days >= 366:
            raise ValidationError(_("Choose at most %(n)s days.", n=366), "to")


class StatsSchema(Schema):
    appid = fields.String(required=True)
    from_ = fields.String(data_key="from", required=True)
    to = fields.String(required=True)
    days = fields.List(fields.String(), required=True)
    series = fields.Dict(keys=fields.String(),
                         values=fields.Dict(keys=fields.String(),
                                            values=fields.List(fields.Integer())),
                         required=True)


class ErrorSchema(Schema):
    error = fields.String(required=True)
    error_description = fields.String(required=True)
    request_id = fields.String()
    # Errors that have a QQ Connect code carry it (e.g. app_not_found: 100008).
    ret = fields.Integer()
    fields_ = fields.Dict(data_key="fields", keys=fields.String(),
                          values=fields.List(fields.String()))


class EndpointSchema(Schema):
    """A webhook endpoint as the management API shows it (never its secret)."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    description = fields.String()
    event_types = fields.List(fields.String(), metadata={
        "description": "The event types sent here; empty: every type"})
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(metadata={"enum": ["", "developer", "failing"]})
    failing_since = fields.String(allow_none=True)
    previous_secret_expires_at = fields.String(allow_none=True)
    created_at = fields.String()


class EndpointCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(max=512))
    description = fields.String(validate=validate.Length(max=200))
    event_types = fields.List(fields.String(validate=validate.Length(max=48)),
                              validate=validate.Length(max=64))


class EndpointUpdateSchema(Schema):
    url = fields.String(validate=validate.Length(max=512))
    description = fields.String(validate=validate.Length(max=200))
    event_types = fields.List(fields.String(validate=validate.Length(max=48)),
                              validate=validate.Length(max=64))
    enabled = fields.Boolean(truthy={True}, falsy={False})


class EndpointSecretSchema(Schema):
    """An endpoint with its signing secret: after creation or a rotation, shown once."""

    endpoint = fields.Nested(EndpointSchema, required=True)
    secret = fields.String(required=True)
    standard_webhooks_secret = fields.String(required=True)
