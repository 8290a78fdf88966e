"""REST endpoints: sign-up and login, the tenant, users, API keys and plugin connections."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask.views import MethodView
from flask_wtf.csrf import generate_csrf

from core import connections
from core.http import Blueprint, login, logout, paged, public, requires, secret_fields
from core.messages import Msg
from core.ratelimit import rate_limited
from tenants import service
from tenants.models import PluginConnection
from tenants.schemas import (
    ApiKeyCreatedSchema,
    ApiKeyCreateSchema,
    ApiKeySchema,
    ConnectionCreateSchema,
    ConnectionQuerySchema,
    ConnectionSchema,
    ConnectionUpdateSchema,
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
    SignupSchema,
    TenantSchema,
    TenantUpdateSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("tenants", __name__, url_prefix="/api/v1", description="Tenant, users, API keys, connections")


def _me() -> dict[str, Any]:
    principal = g.principal
    user = service.get_user(principal.id) if principal.kind == "user" else None
    # Cookie sessions need this token in X-CSRFToken for writes; logging in issues a new one.
    csrf_token = generate_csrf() if principal.kind == "user" and g.get("auth_kind") != "bearer" else None
    return {
        "user": user,
        "tenant": service.current_tenant(),
        "principal": principal.label,
        "permissions": sorted(principal.permissions),
        "csrf_token": csrf_token,
    }


@blp.route("/auth/signup", methods=["POST"])
@rate_limited("signup")
@blp.arguments(SignupSchema)
@blp.response(201, MeSchema)
@public
def signup(data: dict[str, Any]) -> Any:
    """Create a tenant and its owner, and log the owner in."""
    _tenant, user = service.signup(**data)
    login(service.principal_for_user(user))
    return _me()


@blp.route("/auth/login", methods=["POST"])
@rate_limited("login")
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
@public
def login_view(data: dict[str, Any]) -> Any:
    """Log in with e-mail and password; sets the session cookie."""
    principal = service.authenticate(data["email"], data["password"])
    login(principal)
    return _me()


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
@requires("authenticated")
def logout_view() -> None:
    logout()


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@requires("authenticated")
def me() -> Any:
    return _me()


@blp.route("/me/password", methods=["POST"])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@requires("authenticated")
def change_password(data: dict[str, Any]) -> None:
    """Change your password; every other session of yours is logged out."""
    if g.principal.kind != "user":
        from core.errors import PermissionDenied

        raise PermissionDenied(Msg("tenants.key_has_no_password"))
    user = service.change_password(g.principal.id, data["current_password"], data["new_password"])
    login(service.principal_for_user(user))


@blp.route("/tenant")
class TenantView(MethodView):
    @blp.response(200, TenantSchema)
    @requires("settings:read")
    def get(self) -> Any:
        return service.current_tenant()

    @blp.arguments(TenantUpdateSchema)
    @blp.response(200, TenantSchema)
    @requires("settings:write")
    def patch(self, data: dict[str, Any]) -> Any:
        return service.update_tenant(**data)


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    @requires("settings:read")
    def get(self, pagination_parameters: Any) -> Any:
        return paged(service.list_users(), pagination_parameters)

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @requires("settings:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a user to your tenant with an initial password they change after login."""
        return service.create_user(g.principal, **data)


@blp.route("/users/<uuid:user_id>")
class UserView(MethodView):
    @blp.response(200, UserSchema)
    @requires("settings:read")
    def get(self, user_id: uuid.UUID) -> Any:
        return service.get_user(user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @requires("settings:write")
    def patch(self, data: dict[str, Any], user_id: uuid.UUID) -> Any:
        return service.update_user(g.principal, user_id, **data)


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.response(200, ApiKeySchema(many=True))
    @blp.paginate()
    @requires("settings:read")
    def get(self, pagination_parameters: Any) -> Any:
        return paged(service.list_api_keys(), pagination_parameters)

    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    @requires("settings:write")
    @secret_fields("key")
    def post(self, data: dict[str, Any]) -> Any:
        """Create an API key. The key is in this response only; store it now."""
        key, plaintext = service.create_api_key(g.principal, **data)
        fields = ("id", "name", "prefix", "roles", "created_at", "last_used_at", "revoked_at")
        return {**{f: getattr(key, f) for f in fields}, "key": plaintext}


@blp.route("/api-keys/<uuid:key_id>", methods=["DELETE"])
@blp.response(204)
@requires("settings:write")
def revoke_api_key(key_id: uuid.UUID) -> None:
    """Revoke a key; requests with it are refused from now on."""
    service.revoke_api_key(g.principal, key_id)


def _connection_out(conn: PluginConnection) -> dict[str, Any]:
    out = {
        c: getattr(conn, c)
        for c in (
            "id",
            "kind",
            "plugin",
            "display_name",
            "settings",
            "enabled",
            "status",
            "account",
            "last_checked_at",
            "last_error",
            "created_at",
        )
    }
    out["credentials"] = service.masked_credentials(conn)
    return out


@blp.route("/connections")
class Connections(MethodView):
    @blp.arguments(ConnectionQuerySchema, location="query")
    @blp.response(200, ConnectionSchema(many=True))
    @blp.paginate()
    @requires("connections:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return [_connection_out(c) for c in paged(service.list_connections(args.get("kind")), pagination_parameters)]

    @blp.arguments(ConnectionCreateSchema)
    @blp.response(201, ConnectionSchema)
    @requires("connections:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Connect an account. Secret settings are encrypted at rest and never returned."""
        return _connection_out(service.create_connection(**data))


@blp.route("/connections/<uuid:connection_id>")
class ConnectionView(MethodView):
    @blp.response(200, ConnectionSchema)
    @requires("connections:read")
    def get(self, connection_id: uuid.UUID) -> Any:
        return _connection_out(service.get_connection(connection_id))

    @blp.arguments(ConnectionUpdateSchema)
    @blp.response(200, ConnectionSchema)
    @requires("connections:write")
    def patch(self, data: dict[str, Any], connection_id: uuid.UUID) -> Any:
        """Change settings; a secret left blank keeps its stored value."""
        return _connection_out(service.update_connection(connection_id, **data))

    @blp.response(204)
    @requires("connections:write")
    def delete(self, connection_id: uuid.UUID) -> None:
        service.delete_connection(connection_id)


@blp.route("/connections/<uuid:connection_id>/test", methods=["POST"])
@blp.response(200, ConnectionSchema)
@requires("connections:write")
def test_connection(connection_id: uuid.UUID) -> Any:
    """Call the remote API once with the stored credentials and record the outcome."""
    return _connection_out(connections.test(connection_id))
