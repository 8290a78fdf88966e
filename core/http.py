"""HTTP conventions shared by the REST API and the portal (DESIGN §8).

- The web door: each request resolves its principal from an API key (`Authorization: Bearer`)
  or the signed session cookie, never from a raw header, and enters the tenant and actor
  contexts for the rest of the request.
- Unit of work: a request whose response is below 400 commits; any other rolls back.
- Errors are JSON `{code, status, message, errors}` on the API and an HTML page in the portal.
- `Idempotency-Key` on POST, CSRF on cookie-authenticated writes, `X-Pagination` on lists.
"""

from __future__ import annotations

import http
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from copy import deepcopy
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import Flask, Response, current_app, g, render_template, request
from flask import session as cookie
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import pagination as smorest_pagination
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import unpack_tuple_response
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException

from core import idempotency, validation
from core import keyset as keyset_pages
from core.db import is_unique_violation, list_total, session
from core.errors import DomainError, PermissionDenied, TooManyAttempts, Unauthorized, summarize
from core.messages import Msg, detail
from core.tenancy import Actor, actor_context, current_tenant_id, tenant_context

log = logging.getLogger("tradelane.http")

API_PREFIX = "/api/v1"
csrf = CSRFProtect()


class PaginationMetadataSchema(smorest_pagination.PaginationMetadataSchema):
    """The X-Pagination header's JSON (documented as the header's schema in OpenAPI)."""

    page_size = ma.fields.Int(metadata={"description": "Items per page (on a page asked for by cursor)."})
    estimated = ma.fields.Bool(
        metadata={
            "description": "Present and true when `total` (and `total_pages`, `last_page`) is the planner's "
            "estimate: the list has more rows than are counted exactly (10,000)."
        }
    )
    next_cursor = ma.fields.Str(
        allow_none=True,
        metadata={
            "description": "Lists paged by keyset: the `cursor` of the next page, null on the last page. "
            'The same URL is in the `Link: <...>; rel="next"` header (RFC 8288).'
        },
    )


class Api(SmorestApi):
    def _register_pagination_header(self) -> None:
        # Registered before flask-smorest's own, whose schema knows neither `estimated` nor
        # `next_cursor`; the PAGINATION header every list refers to is this one.
        self.spec.components.header(
            "PAGINATION", {"description": "Pagination metadata (JSON)", "schema": PaginationMetadataSchema}, lazy=True
        )

    def handle_http_exception(self, error: HTTPException) -> Any:
        payload, code, headers = super().handle_http_exception(error)
        payload["errors"] = _flatten_location(payload.get("errors") or {})
        if "message" not in payload:
            # A validation error's message names its fields; others keep their description.
            payload["message"] = (
                summarize(payload["errors"]) if payload["errors"] else (error.description or error.name)
            )
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


# The last page a list may be asked for: its offset stays far inside PostgreSQL's bigint.
MAX_PAGE = 2**31 - 1


class Parser(FlaskParser):
    """webargs' Flask parser, reading a multipart/form-data body as one body."""

    def load_files(self, req: Any, schema: ma.Schema) -> Any:
        """The `files` location is the whole multipart body: its file parts and its text parts
        (an upload's `sku_id` beside its `file`), so one schema describes the request as one
        `multipart/form-data` body in OpenAPI. Two arguments, one for `files` and one for
        `form`, documented the file as an OpenAPI 2 `formData` parameter, invalid in OpenAPI 3."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class Paging(PaginationParameters):
    """What a list was asked for (`page`, `page_size`, `cursor`) and what it found, for the
    X-Pagination header: the total (and whether it is `estimated`) and the `next_cursor`."""

    def __init__(self, page: int, page_size: int, cursor: str | None = None, *, keyset: bool = False) -> None:
        super().__init__(page, page_size)
        self.cursor = cursor
        self.keyset = keyset
        self.estimated = False
        self.next_cursor: str | None = None


def _paging_schema(page: int, page_size: int, max_page_size: int, keyset: bool) -> type[ma.Schema]:
    fields: dict[str, ma.fields.Field] = {
        "page": ma.fields.Integer(load_default=page, validate=ma.validate.Range(min=1, max=MAX_PAGE)),
        "page_size": ma.fields.Integer(load_default=page_size, validate=ma.validate.Range(min=1, max=max_page_size)),
    }
    if keyset:
        fields["cursor"] = ma.fields.String(
            validate=ma.validate.Length(min=1, max=keyset_pages.MAX_CURSOR_LENGTH),
            metadata={
                "description": "Where the page starts: the `next_cursor` of the page before (X-Pagination, "
                'or the URL of its `Link: rel="next"` header). Opaque; not with `page`.'
            },
        )

    class PagingSchema(ma.Schema):
        class Meta:
            unknown = ma.EXCLUDE

        @ma.post_load
        def _make(self, data: dict[str, Any], **_: Any) -> Paging:
            return Paging(**data, keyset=keyset)

    return type("PagingSchema", (PagingSchema,), fields)


class Blueprint(SmorestBlueprint):
    """flask-smorest Blueprint with Tradelane's defaults."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 25, "max_page_size": 200}

    def paginate(self, pager: Any = None, *, keyset: bool = False, **kwargs: Any) -> Callable:
        """Pagination in the view (`paged`), as flask-smorest's, with `page` bounded (enforced
        and documented) and, for a list that sorts by a unique key (`keyset=True`), a `cursor`
        (core.keyset). The view receives a `Paging` as `pagination_parameters`."""
        if pager is not None:
            raise TypeError("Tradelane lists paginate in the view, with core.http.paged")
        defaults = {**self.DEFAULT_PAGINATION_PARAMETERS, **{k: v for k, v in kwargs.items() if v is not None}}
        schema = _paging_schema(defaults["page"], defaults["page_size"], defaults["max_page_size"], keyset)
        invalid = self.PAGINATION_ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS

        def decorator(func: Callable) -> Callable:
            @wraps(func)
            def wrapper(*args: Any, **kw: Any) -> Any:
                paging = self.PAGINATION_ARGUMENTS_PARSER.parse(schema, request, location="query")
                kw["pagination_parameters"] = paging
                result, status, headers = unpack_tuple_response(current_app.ensure_sync(func)(*args, **kw))
                if paging.item_count is None:
                    raise TypeError(f"{request.endpoint} is paginated but set no item_count (core.http.paged does)")
                result, headers = self._set_pagination_metadata(paging, result, headers)
                return result, status, headers

            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
            wrapper._apidoc["pagination"] = {
                "parameters": {"in": "query", "schema": schema},
                "response": {invalid: http.HTTPStatus(invalid).name},
                "keyset": keyset,
            }
            return wrapper

        return decorator

    def _prepare_pagination_doc(self, doc: dict, doc_info: dict, *, spec: Any, **kwargs: Any) -> dict:
        """A keyset list also documents its `Link` header."""
        doc = super()._prepare_pagination_doc(doc, doc_info, spec=spec, **kwargs)
        if doc_info.get("pagination", {}).get("keyset"):
            for code in doc_info.get("success_status_codes", []):
                doc["responses"][code].setdefault("headers", {})["Link"] = {
                    "description": 'The next page while rows follow: `<URL with cursor>; rel="next"` (RFC 8288).',
                    "schema": {"type": "string"},
                }
        return doc

    def _set_pagination_metadata(self, page_params: Any, result: Any, headers: Any) -> Any:
        """X-Pagination says `"estimated": true` when the total is the planner's estimate and
        gives the `next_cursor` of a keyset list (also as `Link: <...>; rel="next"`, RFC 8288)
        while rows follow. A page asked for by cursor has no page number: its header holds the
        total, the page size and the next cursor."""
        paging = page_params
        if paging.cursor:
            meta: dict[str, Any] = {"total": paging.item_count, "page_size": paging.page_size}
        else:
            meta = self._make_pagination_metadata(paging.page, paging.page_size, paging.item_count)
        if paging.estimated:
            meta["estimated"] = True
        if paging.keyset:
            meta["next_cursor"] = paging.next_cursor
        headers = {} if headers is None else headers
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(meta)
        if paging.next_cursor:
            headers["Link"] = f'<{_next_url(paging.next_cursor)}>; rel="next"'
        return result, headers


def _next_url(cursor: str) -> str:
    """This request's URL with its filters and page size, starting at `cursor`."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "page")]
    return request.base_url + "?" + urlencode([*args, ("cursor", cursor)])


class Schema(ma.Schema):
    """Base of request/response schemas: unknown fields are errors, named by field.

    Every number and text field a request may send is bounded by the column it is stored in
    (`validation.bound`): the column of the same name in `__model__`, or the one a field names
    with `metadata={"column": Model.attribute}`; without either, the widest column of its kind.
    A fraction sent to a whole-number field is refused, never truncated."""

    __model__: Any = None

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        if not field_obj.dump_only:
            validation.bound(field_obj, self._column(field_name, field_obj))

    def _column(self, field_name: str, field_obj: ma.fields.Field) -> Any:
        named = field_obj.metadata.get("column")
        if named is not None:
            return named.property.columns[0] if hasattr(named, "property") else named
        model = type(self).__model__
        if model is None:
            return None
        return model.__table__.c.get(field_obj.attribute or field_name)

    @ma.pre_load
    def _refuse_fractions(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping):
            bad = {
                field.data_key or name: [Msg("not_whole_number")]
                for name, field in self.load_fields.items()
                if validation.has_fraction(field, data.get(field.data_key or name))
            }
            if bad:
                raise ma.ValidationError(bad)
        return data


def paged(stmt: Any, pagination_parameters: Any, *, scalars: bool = True, keys: tuple[Any, ...] = ()) -> list[Any]:
    """Run one page of a select and record the total for the X-Pagination header (exact up to
    EXACT_COUNT_LIMIT, estimated beyond: `list_total`).

    With `keys` (the list's sort, the last key unique; the endpoint paginates with
    `keyset=True`) the select is sorted by them, a `cursor` starts the page after the row it
    names (core.keyset), and the page reports the `next_cursor` while rows follow, whether it
    was asked for by cursor or by page number."""
    paging = pagination_parameters
    if not keys:
        paging.item_count, paging.estimated = list_total(stmt)
        result = session.execute(stmt.offset(paging.first_item).limit(paging.page_size))
        return list(result.scalars() if scalars else result)
    if not paging.keyset:
        raise TypeError("a list paged by keys paginates with keyset=True")
    stmt = keyset_pages.order_by(stmt, keys)
    page = stmt.offset(paging.first_item)
    if paging.cursor:
        if "page" in request.args:
            raise DomainError(Msg("http.cursor_or_page"), {"cursor": [Msg("http.cursor_not_with_page")]})
        values = keyset_pages.decode(paging.cursor, secret=_cursor_secret(), bound_to=_cursor_scope(), size=len(keys))
        page = keyset_pages.after(stmt, keys, values)
    paging.item_count, paging.estimated = list_total(stmt)
    result = session.execute(page.limit(paging.page_size + 1))  # one more row: is there a next page?
    rows = list(result.scalars() if scalars else result)
    if len(rows) > paging.page_size:
        rows = rows[: paging.page_size]
        last = keyset_pages.values_of(rows[-1], keys)
        paging.next_cursor = keyset_pages.encode(last, secret=_cursor_secret(), bound_to=_cursor_scope())
    return rows


def _cursor_secret() -> str:
    return current_app.config["SECRET_KEY"]


def _cursor_scope() -> str:
    """What a cursor is bound to: the tenant, the list (its path) and the filters, so that a
    cursor names a position in this list alone."""
    filters = sorted((k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "page", "page_size"))
    return json.dumps([str(current_tenant_id()), request.path, filters])


def requires(permission: str) -> Callable:
    """Refuse the view unless the caller's roles grant `permission` ("orders:write");
    "authenticated" admits any logged-in user or API key."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = g.get("principal")
            if principal is None:
                raise Unauthorized(Msg("http.log_in"))
            if permission != "authenticated" and not principal.can(permission):
                raise PermissionDenied(Msg("http.your_role_does_not", permission=permission))
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


def message_codes(message: Any, errors: dict[str, Any]) -> dict[str, Any]:
    """The stable codes beside the English (core/messages.py): `message_code` and
    `message_params` of the message, and `error_codes` (field -> [{code, params}], null for a
    message without a code), present when some message has a code."""
    out: dict[str, Any] = {}
    top = detail(message)
    if top is not None:
        out["message_code"], out["message_params"] = top["code"], top["params"]
    coded = {
        field: [detail(m) for m in msgs]
        for field, msgs in errors.items()
        if isinstance(msgs, list) and any(detail(m) for m in msgs)
    }
    if coded:
        out["error_codes"] = coded
    return out


def json_error(
    code: int, status: str, message: str, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "status": status, "message": message, "errors": errors or {}}
    body.update(message_codes(message, errors or {}))
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
    """End the session on the server, so that no copy of the cookie works any more (the user's
    session generation moves on: every session of the user ends), then clear this one."""
    principal = g.get("principal")
    if principal is not None and principal.kind == "user" and g.get("auth_kind") == "cookie":
        from tenants.service import end_sessions

        end_sessions(principal.id)
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
            raise Unauthorized(Msg("http.use_bearer"))
        principal = principal_for_api_key(token.strip())
        if principal is None:
            raise Unauthorized(Msg("http.key_invalid"))
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
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "Tradelane REST API. Authenticate with `Authorization: Bearer <API key>` "
                "or the portal's session cookie (writes then need `X-CSRFToken`). "
                "Errors are `{code, status, message, errors}`; lists are paginated "
                "with `page`/`page_size` and described in the `X-Pagination` header; "
                "POST accepts an `Idempotency-Key` header."
            },
        },
    )
    api.ma_plugin.converter.add_attribute_function(_decimal_bounds_as_numbers)
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
        refused = _refuse_bad_input()
        if refused is not None:
            return refused
        if request.method == "POST" and "Idempotency-Key" in request.headers and wants_json():
            return _claim_idempotency_key(app)
        return None

    @app.after_request
    def _close_request(resp: Response) -> Response:
        if resp.status_code >= 400:
            session.rollback()
            return resp  # an idempotency claim is released at teardown
        try:
            _complete_idempotency_key(app, resp)
            session.commit()
            g.pop("idempotency_claim", None)
        except IntegrityError as exc:
            session.rollback()
            log.info("integrity error at commit: %s", exc.orig)
            return _integrity_response(exc)
        return resp

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        session.remove()
        claim = g.pop("idempotency_claim", None)
        if claim is not None:
            # The request failed: its key may be used again. Should this fail too, the claim
            # is in progress with no transaction holding it, and the next request takes it over.
            try:
                idempotency.release(claim)
            except Exception:  # noqa: BLE001 - never hide the request's own outcome
                log.exception("could not release Idempotency-Key claim %s", claim.id)
        stack = g.pop("_contexts", None)
        if stack is not None:
            stack.close()

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        return _domain_error_response(exc)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        message = Msg("http.csrf_expired")
        if wants_json():
            return json_error(400, "Bad Request", message, {"csrf_token": [exc.description]})
        return render_error(400, message), 400

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Any:
        session.rollback()
        return _integrity_response(exc)

    @app.errorhandler(DataError)
    def _data_error(exc: DataError) -> Any:
        # The last line of defence behind the field bounds: a value the database cannot hold
        # (a computed total beyond its Numeric column) is refused, and nothing is written.
        session.rollback()
        log.warning("value refused by the database: %s", str(exc.orig).splitlines()[0][:200])
        message = Msg("http.value_too_large")
        if wants_json():
            return json_error(422, "Unprocessable Entity", message, {"_schema": [message]})
        return render_error(422, message), 422

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Any:
        session.rollback()
        text = str(exc.orig).lower()
        if "could not serialize" in text or "deadlock" in text or "database is locked" in text:
            return json_error(
                409,
                "Conflict",
                Msg("http.retry_conflict"),
                headers={"Retry-After": "1"},
            )
        raise exc


def _view(app: Flask) -> Callable | None:
    """The function that serves this request (a MethodView's method for class-based views)."""
    if request.endpoint is None:
        return None
    view = app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return view


def _decimal_bounds_as_numbers(_converter: Any, field: ma.fields.Field, ret: dict, **_: Any) -> dict:
    """apispec writes a Decimal field's bounds as it serialises the field: strings ("0") for
    as_string fields, Decimal objects (which the JSON encoder writes as strings) for the others.
    OpenAPI wants numbers."""
    if not isinstance(field, ma.fields.Decimal):
        return {}
    out = {}
    for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(ret.get(name), str | Decimal):
            number = Decimal(ret[name])
            out[name] = int(number) if number == number.to_integral_value() else float(number)
    return out


def _check_permission(app: Flask) -> None:
    """Refuse before the body is even parsed: a caller without the role learns 401/403, not
    how its request would have been validated. (`requires` checks again inside the view.)"""
    if not request.path.startswith(API_PREFIX) or request.endpoint is None:
        return
    view = _view(app)
    permission = getattr(view, "tradelane_permission", None)
    if permission is None:
        return  # public, or not a Tradelane endpoint (the OpenAPI document)
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized(Msg("http.log_in"))
    if permission != "authenticated" and not principal.can(permission):
        raise PermissionDenied(Msg("http.your_role_does_not", permission=permission))


def _refuse_bad_input() -> Response | None:
    """Every decoded string of the request (query, form, path and JSON body) is text that can
    be stored and exported: no NUL, no lone surrogate, no control character (webhooks, whose
    payloads the platforms write, are only held to the first two). A JSON body is at most
    MAX_JSON_BYTES and MAX_JSON_DEPTH deep. Refused with the field named."""
    controls = not request.path.startswith("/webhooks/")
    errors: dict[str, list[str]] = {}
    sources: list[Any] = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for name, values in source.lists():
            for value in (name, *values):
                problem = validation.text_problem(value, controls=controls)
                if problem:
                    errors[validation.printable(name)] = [problem]
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (problem := validation.text_problem(value, controls=controls)):
            errors[name] = [problem]
    if request.is_json and not errors:
        if (request.content_length or 0) > validation.MAX_JSON_BYTES:
            return _body_refused(
                413, "Request Entity Too Large", f"a JSON body is at most {validation.MAX_JSON_BYTES} bytes"
            )
        request.max_content_length = validation.MAX_JSON_BYTES
        raw = request.get_data(cache=True)
        if raw.strip():
            try:
                data = json.loads(raw)
            except RecursionError:
                return _body_refused(
                    400, "Bad Request", f"the JSON is nested deeper than {validation.MAX_JSON_DEPTH} levels"
                )
            except ValueError:
                return _body_refused(400, "Bad Request", "the body is not valid JSON")
            errors.update(validation.check_strings(data, controls=controls))
    if not errors:
        return None
    message = summarize(errors)
    if wants_json():
        return json_error(422, "Unprocessable Entity", message, errors)
    return Response(render_error(422, message), status=422, mimetype="text/html")


def _body_refused(code: int, status: str, message: str) -> Response:
    if wants_json():
        return json_error(code, status, message, {"_schema": [message]})
    return Response(render_error(code, message), status=code, mimetype="text/html")


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
        message = Msg("http.duplicate")
    else:
        message = Msg("http.related_conflict")
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
    return render_error(exc.status_code, exc.message), exc.status_code, headers


# ---------------------------------------------------------------------------------------------
# Idempotency-Key (core/idempotency.py has the protocol)

_KEY_CHARS = re.compile(r"^[\x20-\x7e]+$")


def _claim_idempotency_key(app: Flask) -> Response | None:
    """Claim the key before the view runs, or answer with the response it already has."""
    principal = g.get("principal")
    if principal is None or _view(app) is None:
        return None  # unauthenticated (sign-up, webhooks) or no such endpoint: nothing to claim
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > idempotency.MAX_KEY_LENGTH or not _KEY_CHARS.match(key):
        return json_error(
            422,
            "Unprocessable Entity",
            "Idempotency-Key: use 1 to 200 printable ASCII characters",
            {"Idempotency-Key": [f"use 1 to {idempotency.MAX_KEY_LENGTH} printable ASCII characters"]},
        )
    in_progress = json_error(
        409,
        "Conflict",
        "a request with this Idempotency-Key is in progress; retry shortly",
        {"Idempotency-Key": ["a request with this key is in progress"]},
        headers={"Retry-After": "1"},
    )
    try:
        outcome = idempotency.claim(
            key=key,
            principal=str(principal.id),
            method=request.method,
            path=request.path,
            fingerprint=idempotency.request_fingerprint(
                request.method, request.full_path, request.get_data(cache=True)
            ),
            wait=app.config["IDEMPOTENCY_WAIT_SECONDS"],
        )
    except idempotency.InProgress:
        return in_progress
    except idempotency.KeyReused:
        return json_error(
            422,
            "Unprocessable Entity",
            "this Idempotency-Key was already used for a different request",
            {"Idempotency-Key": ["already used with another body or query"]},
        )
    if isinstance(outcome, idempotency.Replay):
        resp = Response(outcome.body, status=outcome.status_code, mimetype=outcome.content_type)
        resp.headers["Idempotent-Replayed"] = "true"
        return resp
    if not idempotency.hold(outcome):
        session.rollback()
        return in_progress  # taken over by a copy in the instant between the claim and the lock
    g.idempotency_claim = outcome
    return None


def _complete_idempotency_key(app: Flask, resp: Response) -> None:
    """Store a successful response in the claimed row, in the request's transaction."""
    claim = g.get("idempotency_claim")
    if claim is None or resp.direct_passthrough:
        return  # a streamed response cannot be replayed: the key is released at teardown
    body = resp.get_data(as_text=True)
    secret = getattr(_view(app), "tradelane_secret_fields", ())
    if secret and resp.is_json:
        data = json.loads(body)
        body = json.dumps(_masked(data, secret))
    idempotency.complete(claim, status_code=resp.status_code, content_type=resp.mimetype or "", body=body)


def _masked(data: Any, names: tuple[str, ...]) -> Any:
    """`tl_1a2b3c_s3cr3t` -> `tl_1a2b3c_****`: the part after the last underscore is the secret."""
    if isinstance(data, list):
        return [_masked(item, names) for item in data]
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name in names:
        if isinstance(out.get(name), str):
            head, sep, _secret = out[name].rpartition("_")
            out[name] = f"{head}{sep}****"
    return out


def secret_fields(*names: str) -> Callable:
    """Mark response fields that hold a secret shown once (a new API key's plaintext): the
    response stored for Idempotency-Key replays holds them masked, so a replay answers them
    masked and no secret is ever written to the idempotency table."""

    def decorate(view: Callable) -> Callable:
        view.tradelane_secret_fields = names  # type: ignore[attr-defined]
        return view

    return decorate
