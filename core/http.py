"""HTTP conventions shared by the REST API and the portal (DESIGN §8).

- The web door: each request resolves its principal from an API key (`Authorization: Bearer`)
  or the signed session cookie, never from a raw header, and enters the tenant and actor
  contexts for the rest of the request.
- Unit of work: a request whose response is below 400 commits; any other rolls back.
- Errors are JSON `{code, status, message, errors}` on the API and an HTML page in the portal.
- `Idempotency-Key` on POST, CSRF on cookie-authenticated writes, `X-Pagination` on lists.
"""
from __future__ import annotations

import json
import logging
import uuid
from contextlib import ExitStack
from functools import wraps
from typing import Any, Callable

import marshmallow as ma
from flask import Flask, Response, g, render_template, request
from flask import session as cookie
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from core import idempotency
from core.db import count, is_unique_violation, session
from core.errors import DomainError, PermissionDenied, TooManyAttempts, Unauthorized, summarize
from core.tenancy import Actor, actor_context, tenant_context

log = logging.getLogger("tradelane.http")

API_PREFIX = "/api/v1"
csrf = CSRFProtect()


class Api(SmorestApi):
    def handle_http_exception(self, error: HTTPException) -> Any:
        payload, code, headers = super().handle_http_exception(error)
        payload["errors"] = _flatten_location(payload.get("errors") or {})
        if "message" not in payload:
            # A validation error's message names its fields; others keep their description.
            payload["message"] = summarize(payload["errors"]) if payload["errors"] else (error.description or error.name)
        if not wants_json():
            return render_error(code, payload["message"]), code, headers
        return payload, code, headers


def _flatten_location(errors: dict[str, Any]) -> dict[str, Any]:
    """webargs groups errors by location ({"json": {"skus": {"0": {"barcode": [...]}}}});
    clients want the field paths services use: {"skus.0.barcode": [...]}."""
    if set(errors) and set(errors) <= {"json", "query", "form", "files", "headers", "path", "view_args"}:
        merged: dict[str, Any] = {}
        for part in errors.values():
            if isinstance(part, dict):
                merged.update(part)
        errors = merged
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat[prefix or "_schema"] = value

    walk("", errors)
    return flat


api = Api()


class Blueprint(SmorestBlueprint):
    """flask-smorest Blueprint with Tradelane's defaults."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 25, "max_page_size": 200}


class Schema(ma.Schema):
    """Base of request/response schemas: unknown fields are errors, named by field."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


def paged(stmt: Any, pagination_parameters: Any, *, scalars: bool = True) -> list[Any]:
    """Run one page of a select and record the total for the X-Pagination header."""
    pagination_parameters.item_count = count(stmt)
    result = session.execute(stmt.offset(pagination_parameters.first_item).limit(pagination_parameters.page_size))
    return list(result.scalars() if scalars else result)


def requires(permission: str) -> Callable:
    """Refuse the view unless the caller's roles grant `permission` ("orders:write");
    "authenticated" admits any logged-in user or API key."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = g.get("principal")
            if principal is None:
                raise Unauthorized("log in, or send Authorization: Bearer <API key>")
            if permission != "authenticated" and not principal.can(permission):
                raise PermissionDenied(f"your role does not allow {permission}")
            return view(*args, **kwargs)

        wrapper.tradelane_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


def public(view: Callable) -> Callable:
    """Mark a view as reachable without authentication (sign-up, login, webhooks)."""
    view.tradelane_permission = None  # type: ignore[attr-defined]
    return view


def wants_json() -> bool:
    path = request.path
    return path.startswith(API_PREFIX) or path.startswith("/webhooks") or path.startswith("/_emulators")


def render_error(code: int, message: str) -> str:
    try:
        return render_template("error.html", code=code, message=message)
    except Exception:  # noqa: BLE001 - templates may be missing in API-only deployments
        return f"<h1>{code}</h1><p>{message}</p>"


def json_error(code: int, status: str, message: str, errors: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> Response:
    body = {"code": code, "status": status, "message": message, "errors": errors or {}}
    resp = Response(json.dumps(body), status=code, mimetype="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


# ---------------------------------------------------------------------------------------------
# The web door: principal -> tenant and actor contexts


def enter_principal(principal: Any) -> None:
    """Enter the principal's tenant and actor contexts until the request ends."""
    stack: ExitStack = g.setdefault("_contexts", ExitStack())
    stack.enter_context(tenant_context(principal.tenant_id))
    actor = Actor("user" if principal.kind == "user" else "api_key", str(principal.id), principal.label)
    stack.enter_context(actor_context(actor))
    g.principal = principal


def login(principal: Any) -> None:
    # A fresh cookie on login (no session fixation); only the chosen language carries over.
    locale = cookie.get("locale")
    cookie.clear()
    if locale:
        cookie["locale"] = locale
    cookie["uid"] = str(principal.id)
    cookie["tid"] = str(principal.tenant_id)
    cookie["sv"] = principal.session_version
    cookie.permanent = True
    if g.get("principal") is None:
        enter_principal(principal)


def logout() -> None:
    locale = cookie.get("locale")
    cookie.clear()
    if locale:
        cookie["locale"] = locale


def _resolve_principal() -> None:
    from tenants.service import principal_for_api_key, principal_for_session

    g.principal = None
    g.auth_kind = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use Authorization: Bearer <API key>")
        principal = principal_for_api_key(token.strip())
        if principal is None:
            raise Unauthorized("the API key is invalid or revoked")
        g.auth_kind = "bearer"
        enter_principal(principal)
        return
    uid, tid, version = cookie.get("uid"), cookie.get("tid"), cookie.get("sv")
    if not (uid and tid):
        return
    try:
        tenant_id, user_id = uuid.UUID(tid), uuid.UUID(uid)
    except ValueError:
        cookie.clear()
        return
    stack: ExitStack = g.setdefault("_contexts", ExitStack())
    stack.enter_context(tenant_context(tenant_id))
    principal = principal_for_session(tenant_id, user_id, int(version or 0))
    if principal is None:
        cookie.clear()
        session.rollback()
        stack.close()
        g._contexts = ExitStack()
        return
    g.auth_kind = "cookie"
    enter_principal(principal)


# ---------------------------------------------------------------------------------------------
# Installing the conventions on the app


def install(app: Flask) -> None:
    csrf.init_app(app)
    api.init_app(app, spec_kwargs={
        "info": {"description": "Tradelane REST API. Authenticate with `Authorization: Bearer <API key>` "
                                "or the portal's session cookie (writes then need `X-CSRFToken`). "
                                "Errors are `{code, status, message, errors}`; lists are paginated "
                                "with `page`/`page_size` and described in the `X-Pagination` header; "
                                "POST accepts an `Idempotency-Key` header."},
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("cookieAuth", {"type": "apiKey", "in": "cookie", "name": "session"})
    api.spec.options["security"] = [{"bearerAuth": []}, {"cookieAuth": []}]

    @app.before_request
    def _open_request() -> Any:
        g._contexts = ExitStack()
        try:
            _resolve_principal()
            _check_permission(app)
        except DomainError as exc:
            return _domain_error_response(exc)
        if request.method not in ("GET", "HEAD", "OPTIONS") and _needs_csrf():
            csrf.protect()
        if request.method == "POST" and request.headers.get("Idempotency-Key") and wants_json():
            return _replay_idempotent()
        return None

    @app.after_request
    def _close_request(resp: Response) -> Response:
        if resp.status_code >= 400:
            session.rollback()
            return resp
        try:
            _store_idempotent(resp)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            if request.headers.get("Idempotency-Key") and "idempotency" in str(exc.orig).lower():
                return json_error(409, "Conflict", "a request with this Idempotency-Key is being processed; retry shortly")
            log.info("integrity error at commit: %s", exc.orig)
            return _integrity_response(exc)
        return resp

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        session.remove()
        stack = g.pop("_contexts", None)
        if stack is not None:
            stack.close()

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        return _domain_error_response(exc)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        message = "the form expired or its CSRF token is missing; reload the page and try again"
        if wants_json():
            return json_error(400, "Bad Request", message, {"csrf_token": [exc.description]})
        return render_error(400, message), 400

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Any:
        session.rollback()
        return _integrity_response(exc)

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Any:
        session.rollback()
        text = str(exc.orig).lower()
        if "could not serialize" in text or "deadlock" in text or "database is locked" in text:
            return json_error(409, "Conflict", "another change to the same records won; retry the request",
                              headers={"Retry-After": "1"})
        raise exc


def _check_permission(app: Flask) -> None:
    """Refuse before the body is even parsed: a caller without the role learns 401/403, not
    how its request would have been validated. (`requires` checks again inside the view.)"""
    if not request.path.startswith(API_PREFIX) or request.endpoint is None:
        return
    view = app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    permission = getattr(view, "tradelane_permission", None)
    if permission is None:
        return  # public, or not a Tradelane endpoint (the OpenAPI document)
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("log in, or send Authorization: Bearer <API key>")
    if permission != "authenticated" and not principal.can(permission):
        raise PermissionDenied(f"your role does not allow {permission}")


def _needs_csrf() -> bool:
    """Portal forms always carry a CSRF token. On the API only cookie sessions need one:
    API keys are not sent by browsers on their own, and sign-up/login create the session."""
    if request.path.startswith(("/webhooks/", "/_emulators/")):
        return False
    if request.path.startswith(API_PREFIX):
        return g.auth_kind == "cookie"
    return True


def _integrity_response(exc: IntegrityError) -> Any:
    if is_unique_violation(exc):
        message = "a record with the same unique values already exists"
    else:
        message = "the change conflicts with related records"
    if wants_json():
        return json_error(409, "Conflict", message)
    return render_error(409, message), 409


def _domain_error_response(exc: DomainError) -> Any:
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="tradelane"'
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    if wants_json():
        return json_error(exc.status_code, exc.status, exc.message, exc.errors, headers)
    return render_error(exc.status_code, exc.message), exc.status_code


def _idempotency_context() -> tuple[str, str] | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    principal = g.get("principal")
    if not key or principal is None:
        return None
    return key, idempotency.request_fingerprint(request.method, request.full_path, request.get_data(cache=True))


def _replay_idempotent() -> Response | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > idempotency.MAX_KEY_LENGTH:
        return json_error(422, "Unprocessable Entity", "Idempotency-Key is too long",
                          {"Idempotency-Key": [f"use at most {idempotency.MAX_KEY_LENGTH} characters"]})
    ctx = _idempotency_context()
    if ctx is None:
        return None
    key, fingerprint = ctx
    record = idempotency.find(key)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        return json_error(422, "Unprocessable Entity",
                          "this Idempotency-Key was already used for a different request",
                          {"Idempotency-Key": ["already used with another method, path or body"]})
    resp = Response(record.body, status=record.status_code, mimetype=record.content_type)
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _store_idempotent(resp: Response) -> None:
    if request.method != "POST" or not wants_json() or resp.headers.get("Idempotent-Replayed"):
        return
    ctx = _idempotency_context()
    if ctx is None or resp.direct_passthrough:
        return
    key, fingerprint = ctx
    principal = g.principal
    idempotency.store(key=key, principal=str(principal.id), method=request.method, path=request.full_path,
                      fingerprint=fingerprint, status_code=resp.status_code,
                      content_type=resp.mimetype or "application/json", body=resp.get_data(as_text=True))
