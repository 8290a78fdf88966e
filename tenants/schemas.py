"""Request and response schemas of the tenants API."""

from __future__ import annotations

from marshmallow import fields, validate

from core.http import Schema
from tenants.models import ApiKey, PluginConnection, Tenant, User
from tenants.roles import ROLES


class SignupSchema(Schema):
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="")
    currency = fields.String(load_default="CNY")
    timezone = fields.String(load_default="Asia/Shanghai")
    locale = fields.String(load_default="zh_CN")


class LoginSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)


class TenantSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String()
    functional_currency = fields.String()
    timezone = fields.String()
    default_locale = fields.String()
    separate_approver = fields.Boolean()
    created_at = fields.DateTime(dump_only=True)


class TenantUpdateSchema(Schema):
    __model__ = Tenant

    name = fields.String()
    functional_currency = fields.String()
    timezone = fields.String()
    default_locale = fields.String()
    separate_approver = fields.Boolean(
        metadata={"description": "approvals of products, suppliers, POs and stocking requests need a second person"}
    )


class UserSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String()
    roles = fields.List(fields.String())
    locale = fields.String(allow_none=True)
    active = fields.Boolean()
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class MeSchema(Schema):
    user = fields.Nested(UserSchema, allow_none=True)
    tenant = fields.Nested(TenantSchema)
    principal = fields.String()
    permissions = fields.List(fields.String())
    csrf_token = fields.String(
        allow_none=True, metadata={"description": "For cookie sessions: send it as X-CSRFToken on writes."}
    )


class UserCreateSchema(Schema):
    __model__ = User

    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="")
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    locale = fields.String(load_default=None, allow_none=True)


class UserUpdateSchema(Schema):
    __model__ = User

    name = fields.String()
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)))
    active = fields.Boolean()
    locale = fields.String()


class ApiKeySchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String()
    prefix = fields.String(dump_only=True)
    roles = fields.List(fields.String())
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(dump_only=True, metadata={"description": "The key itself; shown only in this response."})


class ApiKeyCreateSchema(Schema):
    __model__ = ApiKey

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)


class ConnectionSchema(Schema):
    id = fields.UUID(dump_only=True)
    kind = fields.String()
    plugin = fields.String()
    display_name = fields.String()
    settings = fields.Dict()
    credentials = fields.Dict(dump_only=True, metadata={"description": "Secret fields, masked."})
    enabled = fields.Boolean()
    status = fields.String(dump_only=True)
    account = fields.String(dump_only=True, metadata={"description": "What the remote API says the account is."})
    last_checked_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class ConnectionCreateSchema(Schema):
    __model__ = PluginConnection

    kind = fields.String(required=True, validate=validate.OneOf(("channel", "carrier", "accounting", "payment")))
    plugin = fields.String(required=True)
    display_name = fields.String(required=True)
    settings = fields.Dict(load_default=dict)
    enabled = fields.Boolean(load_default=True)


class ConnectionUpdateSchema(Schema):
    __model__ = PluginConnection

    display_name = fields.String()
    settings = fields.Dict()
    enabled = fields.Boolean()


class ConnectionQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(("channel", "carrier", "accounting", "payment")))
