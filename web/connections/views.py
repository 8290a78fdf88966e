"""Connections: the tenant's accounts at channels, carriers and accounting systems. Add one
with a form built from its plugin's settings schema (secrets masked), test it, switch it on
and off; for sales channels also sync now, the sync and stock rules, listings with the
quantities they publish and their mappings, sync history with live progress and errors,
webhook deliveries, and the push-back log. Rules live in tenants.service and core.sync."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, select

from core import connections, jobs
from core.db import session
from core.errors import DomainError, NotFound, ValidationError
from core.plugins import AdapterInfo, registry
from core.ports import ChannelCapability as Cap
from core.sync import rules as sync_rules
from core.sync import service as sync
from core.sync.models import SyncRun
from tenants import service as tenants
from tenants.models import PluginConnection
from web.auth import login_required
from web.forms import Form, action_failed
from web.jobs.views import live_job
from web.pagination import Page, paginate

bp = Blueprint("connections", __name__, url_prefix="/connections", template_folder="templates")

KINDS = {
    "channel": _l("Sales channel"),
    "carrier": _l("Carrier"),
    "accounting": _l("Accounting"),
    "payment": _l("Payment source"),
}
CONNECTION_STATUSES = {"ok": _l("OK"), "error": _l("Error"), "untested": _l("Not tested")}
RUN_STATUSES = {
    "running": _l("Running"),
    "retrying": _l("Retrying"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "interrupted": _l("Interrupted"),
}
TRIGGERS = {"schedule": _l("Scheduled"), "manual": _l("Sync now"), "demo": _l("Demo")}
PUSH_STATUSES = {"ok": _l("OK"), "partial": _l("Partly refused"), "retrying": _l("Retrying"), "failed": _l("Failed")}
PUSH_KINDS = {"shipment": _l("Shipment confirmation"), "stock": _l("Stock quantities")}
WEBHOOK_OUTCOMES = {
    "queued": _l("Queued"),
    "created": _l("Order created"),
    "updated": _l("Order updated"),
    "unchanged": _l("No change"),
    "ignored": _l("Ignored"),
    "failed": _l("Failed"),
}
LISTING_PROBLEMS = {"unmapped": _l("Not mapped"), "not_sellable": _l("SKU cannot be sold")}
CAPABILITIES = {
    Cap.ORDERS: _l("orders"),
    Cap.SHIP_CONFIRM: _l("shipment confirmation"),
    Cap.PUSH_QUANTITY: _l("stock quantities"),
    Cap.WEBHOOKS: _l("webhooks"),
    Cap.PLATFORM_FULFILMENT: _l("platform fulfilment"),
    Cap.REFUNDS: _l("refunds"),
}
LIVE = ("running", "retrying")


@bp.app_template_global("connection_label")
def connection_label(table: str, code: str | None) -> str:
    """Translated name of a stored code, for this section's templates."""
    tables = {
        "kind": KINDS,
        "status": CONNECTION_STATUSES,
        "run": RUN_STATUSES,
        "trigger": TRIGGERS,
        "push": PUSH_STATUSES,
        "push_kind": PUSH_KINDS,
        "webhook": WEBHOOK_OUTCOMES,
        "problem": LISTING_PROBLEMS,
        "capability": CAPABILITIES,
    }
    return str(tables[table].get(code or "", code or "—"))


@bp.app_template_global("sync_run_progress")
def sync_run_progress(run: SyncRun) -> tuple[int, str]:
    return sync.run_progress(run)


def _connection(connection_id: uuid.UUID) -> PluginConnection:
    return tenants.get_connection(connection_id)


def _info(conn: PluginConnection) -> AdapterInfo | None:
    try:
        return registry().adapter(conn.kind, conn.plugin)
    except KeyError:
        return None


def _is_channel(conn: PluginConnection) -> bool:
    return conn.kind == "channel"


# ---------------------------------------------------------------------------------------------
# The list


@bp.route("/")
@login_required("connections:read")
def index() -> str:
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    stmt = tenants.list_connections(kind if kind in KINDS else None)
    if status in CONNECTION_STATUSES:
        stmt = stmt.where(PluginConnection.status == status)
    page = paginate(stmt)
    last_runs = _last_runs([c.id for c in page.items])
    return render_template("connections/index.html", page=page, status=status, kind=kind, last_runs=last_runs)


def _last_runs(ids: list[uuid.UUID]) -> dict[uuid.UUID, SyncRun]:
    if not ids:
        return {}
    newest = (
        select(SyncRun.connection_id, func.max(SyncRun.started_at).label("at"))
        .where(SyncRun.connection_id.in_(ids))
        .group_by(SyncRun.connection_id)
        .subquery()
    )
    rows = session.execute(
        select(SyncRun).join(
            newest, (SyncRun.connection_id == newest.c.connection_id) & (SyncRun.started_at == newest.c.at)
        )
    ).scalars()
    return {r.connection_id: r for r in rows}


# ---------------------------------------------------------------------------------------------
# Adding and editing: a form generated from the plugin's settings schema


def _installed() -> list[AdapterInfo]:
    reg = registry()
    return [
        info for kind in KINDS for info in sorted(reg.adapters.get(kind, {}).values(), key=lambda i: i.display_name)
    ]


@bp.route("/new")
@login_required("connections:write")
def index_new() -> str:
    return render_template("connections/new.html", installed=_installed())


@bp.context_processor
def _setting_options() -> dict[str, Any]:
    def setting_connections(field: Any) -> list[tuple[str, str]]:
        """The tenant's connections a `connection` setting may name (of its kinds), by name."""
        rows = session.execute(tenants.list_connections()).scalars()
        return [(str(c.id), c.display_name) for c in rows if not field.choices or c.kind in field.choices]

    return {"setting_connections": setting_connections}


def _settings_from(form: Form, info: AdapterInfo) -> dict[str, Any]:
    """Submitted setting values by name; a checkbox left unticked is false, a blank secret
    keeps the stored one."""
    out: dict[str, Any] = {}
    for field in info.cls.settings:
        if field.type == "bool":
            out[field.name] = form.checked(field.name)
        else:
            out[field.name] = form.get(field.name)
    return out


def _flat(exc: DomainError) -> DomainError:
    """tenants.service names bad settings under "settings"; the form's inputs are the settings."""
    if isinstance(exc, ValidationError) and isinstance(exc.errors.get("settings"), dict):
        errors = {k: v for k, v in exc.errors.items() if k != "settings"}
        errors.update(exc.errors["settings"])
        return ValidationError(errors, exc.message)
    return exc


def _adapter(kind: str, plugin: str) -> AdapterInfo:
    try:
        return registry().adapter(kind, plugin)
    except KeyError:
        raise NotFound(f"{kind} plugin", plugin) from None


@bp.route("/new/<kind>/<plugin>", methods=["GET", "POST"])
@login_required("connections:write")
def index_new_form(kind: str, plugin: str) -> Any:
    info = _adapter(kind, plugin)
    defaults = {f.name: f.default for f in info.cls.settings if f.default is not None and not f.secret}
    form = Form(request.form, display_name=info.display_name, **defaults)
    if request.method == "POST":
        try:
            conn = tenants.create_connection(
                kind=kind, plugin=plugin, display_name=form["display_name"], settings=_settings_from(form, info)
            )
        except DomainError as exc:
            return form.failed(_flat(exc), "connections/settings_form.html", info=info, conn=None)
        flash(_("%(name)s is connected. Test it to check the credentials.", name=conn.display_name), "success")
        return redirect(url_for(".index_detail", connection_id=conn.id))
    return render_template("connections/settings_form.html", form=form, info=info, conn=None)


@bp.route("/<uuid:connection_id>/edit", methods=["GET", "POST"])
@login_required("connections:write")
def index_edit(connection_id: uuid.UUID) -> Any:
    conn = _connection(connection_id)
    info = _info(conn)
    if info is None:
        raise NotFound(f"{conn.kind} plugin", conn.plugin)
    form = Form(request.form, display_name=conn.display_name, **dict(conn.settings))
    if request.method == "POST":
        try:
            tenants.update_connection(
                connection_id, display_name=form["display_name"], settings=_settings_from(form, info)
            )
        except DomainError as exc:
            return form.failed(
                _flat(exc),
                "connections/settings_form.html",
                info=info,
                conn=conn,
                stored=tenants.masked_credentials(conn),
            )
        flash(_("Settings of %(name)s saved. Test the connection to check them.", name=form["display_name"]), "success")
        return redirect(url_for(".index_detail", connection_id=connection_id))
    return render_template(
        "connections/settings_form.html", form=form, info=info, conn=conn, stored=tenants.masked_credentials(conn)
    )


# ---------------------------------------------------------------------------------------------
# One connection


def _rules_form(conn: PluginConnection, data: Any = None) -> Form:
    settings = sync.settings_for(conn.id)
    values = {name: getattr(settings, name) for name in sync_rules.FIELDS if name != "warehouse_ids"}
    values = {k: ("" if v is None else ("on" if v is True else v)) for k, v in values.items() if v is not False}
    return Form(data, warehouse_ids=list(settings.warehouse_ids or []), **values)


def _merchant_warehouses() -> list[Any]:
    from core.inventory.models import Warehouse

    return list(
        session.execute(
            select(Warehouse)
            .where(Warehouse.active.is_(True), Warehouse.type != "platform")
            .order_by(Warehouse.priority, Warehouse.code)
        ).scalars()
    )


def _detail_context(conn: PluginConnection) -> dict[str, Any]:
    info = _info(conn)
    context: dict[str, Any] = {
        "conn": conn,
        "info": info,
        "stored": tenants.masked_credentials(conn),
        "capabilities": info.capabilities if info else frozenset(),
    }
    if _is_channel(conn):
        context.update(
            state=sync.state_for(conn.id),
            last_run=_last_runs([conn.id]).get(conn.id),
            warehouses=_merchant_warehouses(),
            live=LIVE,
        )
    return context


@bp.route("/<uuid:connection_id>")
@login_required("connections:read")
def index_detail(connection_id: uuid.UUID) -> str:
    conn = _connection(connection_id)
    return render_template(
        "connections/detail.html", form=_rules_form(conn) if _is_channel(conn) else None, **_detail_context(conn)
    )


@bp.route("/<uuid:connection_id>/rules", methods=["POST"])
@login_required("connections:write")
def index_rules(connection_id: uuid.UUID) -> Any:
    conn = _connection(connection_id)
    form = _rules_form(conn, request.form)
    changes: dict[str, Any] = {name: form.get(name) for name in sync_rules.INTEGER_RULES}
    changes.update({name: form.checked(name) for name in sync_rules.BOOLEAN_RULES})
    chosen = form.getlist("warehouse_ids")
    changes["warehouse_ids"] = chosen or None
    try:
        sync.update_settings(connection_id, **changes)
    except DomainError as exc:
        form.fail(exc)
        return render_template("connections/detail.html", form=form, **_detail_context(conn)), exc.status_code
    flash(_("Sync rules of %(name)s saved.", name=conn.display_name), "success")
    return redirect(url_for(".index_detail", connection_id=connection_id))


@bp.route("/<uuid:connection_id>/test", methods=["POST"])
@login_required("connections:write")
def index_test(connection_id: uuid.UUID) -> Any:
    conn = connections.test(connection_id)
    if conn.status == "ok":
        flash(_("%(name)s answered: %(account)s", name=conn.display_name, account=conn.account), "success")
    else:
        flash(
            _("%(name)s did not accept the connection: %(error)s", name=conn.display_name, error=conn.last_error),
            "error",
        )
    return redirect(url_for(".index_detail", connection_id=connection_id))


@bp.route("/<uuid:connection_id>/enabled", methods=["POST"])
@login_required("connections:write")
def index_enabled(connection_id: uuid.UUID) -> Any:
    enabled = request.form.get("enabled") == "1"
    conn = tenants.update_connection(connection_id, enabled=enabled)
    if enabled:
        flash(_("%(name)s is enabled.", name=conn.display_name), "success")
    else:
        flash(
            _("%(name)s is disabled: nothing is synced or pushed until it is enabled.", name=conn.display_name),
            "success",
        )
    return redirect(url_for(".index_detail", connection_id=connection_id))


@bp.route("/<uuid:connection_id>/delete", methods=["POST"])
@login_required("connections:write")
def index_delete(connection_id: uuid.UUID) -> Any:
    conn = _connection(connection_id)
    name = conn.display_name
    tenants.delete_connection(connection_id)
    flash(_("%(name)s is removed. Its orders stay.", name=name), "success")
    return redirect(url_for(".index"))


@bp.route("/<uuid:connection_id>/sync", methods=["POST"])
@login_required("connections:sync")
def index_sync(connection_id: uuid.UUID) -> Any:
    try:
        job = sync.request_sync(connection_id, trigger="manual")
    except DomainError as exc:
        return action_failed(exc, url_for(".index_detail", connection_id=connection_id))
    flash(_("Sync queued. Its progress shows below."), "success")
    return redirect(url_for(".index_runs", connection_id=connection_id, job=job.id))


@bp.route("/<uuid:connection_id>/push-stock", methods=["POST"])
@login_required("connections:sync")
def index_push_stock(connection_id: uuid.UUID) -> Any:
    try:
        job = sync.request_stock_push(connection_id, force=True)
    except DomainError as exc:
        return action_failed(exc, url_for(".index_detail", connection_id=connection_id))
    flash(_("Every listing's quantity will be pushed again."), "success")
    return redirect(url_for(".pushes", connection_id=connection_id, job=job.id))


@bp.route("/<uuid:connection_id>/subscribe", methods=["POST"])
@login_required("connections:write")
def index_subscribe(connection_id: uuid.UUID) -> Any:
    try:
        state = sync.subscribe_webhooks(connection_id, current_app.config["PUBLIC_URL"])
    except DomainError as exc:
        return action_failed(exc, url_for(".index_detail", connection_id=connection_id))
    flash(_("The channel now sends order webhooks to %(url)s.", url=state.webhook_url), "success")
    return redirect(url_for(".index_detail", connection_id=connection_id))


# ---------------------------------------------------------------------------------------------
# Listings and their mappings


def _channel(connection_id: uuid.UUID) -> PluginConnection:
    return sync.channel_connection(connection_id)


def _render_listings(conn: PluginConnection, form: Form) -> str:
    items = sync.listing_stock(conn.id)
    problem = request.args.get("problem", "")
    unmapped = [x.seller_sku for x in items if x.problem == "unmapped"]
    if problem in LISTING_PROBLEMS:
        items = [x for x in items if x.problem == problem]
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    per_page = 50
    total = len(items)
    number = min(number, max(1, -(-total // per_page)))
    page = Page(items[(number - 1) * per_page : number * per_page], number, per_page, total)
    return render_template(
        "connections/listings.html", conn=conn, page=page, form=form, problem=problem, unmapped=unmapped
    )


@bp.route("/<uuid:connection_id>/listings")
@login_required("connections:read")
def index_listings(connection_id: uuid.UUID) -> str:
    return _render_listings(_channel(connection_id), Form(request.form, quantity="1"))


@bp.route("/<uuid:connection_id>/listings", methods=["POST"], endpoint="index_listings_map")
@login_required("catalog:map")
def index_listings_map(connection_id: uuid.UUID) -> Any:
    from core.catalog import service as catalog

    conn = _channel(connection_id)
    form = Form(request.form)
    try:
        sku = catalog.find_sku_by_code(form["sku_code"])
        if sku is None:
            raise ValidationError.field("sku_code", _("no SKU with code %(code)s", code=form["sku_code"] or "—"))
        catalog.create_mapping(
            connection_id=conn.id,
            seller_sku=form["seller_sku"],
            sku_id=sku.id,
            quantity=form["quantity"] or 1,
            note=form["note"],
        )
    except DomainError as exc:
        form.fail(exc)
        return _render_listings(conn, form), exc.status_code
    flash(_("Seller SKU %(seller)s now maps to %(code)s.", seller=form["seller_sku"], code=form["sku_code"]), "success")
    return redirect(url_for(".index_listings", connection_id=conn.id))


@bp.route("/<uuid:connection_id>/listings/<uuid:mapping_id>/delete", methods=["POST"])
@login_required("catalog:map")
def index_listings_unmap(connection_id: uuid.UUID, mapping_id: uuid.UUID) -> Any:
    from core.catalog import service as catalog

    conn = _channel(connection_id)
    target = url_for(".index_listings", connection_id=conn.id)
    mapping = catalog.get_mapping(mapping_id)
    if mapping.connection_id != conn.id:
        raise NotFound("listing mapping", mapping_id)
    try:
        catalog.delete_mapping(mapping_id)
    except DomainError as exc:
        return action_failed(exc, target)
    flash(_("Mapping of %(seller)s removed.", seller=mapping.seller_sku), "success")
    return redirect(target)


# ---------------------------------------------------------------------------------------------
# Sync history, webhooks and push-back


@bp.route("/<uuid:connection_id>/runs")
@login_required("connections:read")
def index_runs(connection_id: uuid.UUID) -> str:
    conn = _channel(connection_id)
    return render_template(
        "connections/runs.html",
        conn=conn,
        page=paginate(sync.runs_query(connection_id=conn.id)),
        live=LIVE,
        names={conn.id: conn.display_name},
        status="",
        job=live_job(request.args.get("job")),
        job_live=jobs.ACTIVE,
    )


@bp.route("/runs")
@login_required("connections:read")
def runs() -> str:
    status = request.args.get("status", "")
    page = paginate(sync.runs_query(status=status if status in RUN_STATUSES else None))
    names = dict(session.execute(select(PluginConnection.id, PluginConnection.display_name)).all())
    return render_template("connections/runs.html", conn=None, page=page, live=LIVE, names=names, status=status)


@bp.route("/runs/export")
@login_required("connections:read")
def runs_export() -> Any:
    """The sync runs the list's status filter selects, or one connection's (?connection_id=)."""
    from web import exports

    status = request.args.get("status", "")
    connection = request.args.get("connection_id") or None
    try:
        connection_id = _channel(uuid.UUID(connection)).id if connection else None
    except ValueError:
        connection_id = None
    stmt = sync.runs_query(status=status if status in RUN_STATUSES else None, connection_id=connection_id)
    names = dict(session.execute(select(PluginConnection.id, PluginConnection.display_name)).all())
    columns = [
        _("Started"),
        _("Connection"),
        _("Trigger"),
        _("Status"),
        pgettext("sync run", "Pages"),
        _("New"),
        pgettext("sync run", "Updated"),
        pgettext("sync run", "Rejected"),
        _("Duration"),
        _("Errors"),
    ]
    return exports.respond(
        "sync-runs",
        columns,
        exports.rows_of(stmt),
        lambda run: (
            run.started_at,
            names.get(run.connection_id, ""),
            connection_label("trigger", run.trigger),
            connection_label("run", run.status),
            run.pages,
            run.orders_created,
            run.orders_updated,
            run.orders_rejected,
            (Decimal(run.duration_ms or 0) / 1000).quantize(Decimal("0.1")),  # seconds
            run.error or (_("%(n)s errors", n=run.error_count) if run.error_count else ""),
        ),
    )


@bp.route("/runs/<uuid:run_id>")
@login_required("connections:read")
def runs_detail(run_id: uuid.UUID) -> str:
    run = sync.get_run(run_id)
    return render_template(
        "connections/run.html", run=run, conn=_connection(run.connection_id), live=LIVE, progress=sync.run_progress(run)
    )


@bp.route("/runs/<uuid:run_id>/row")
@login_required("connections:read")
def runs_row(run_id: uuid.UUID) -> str:
    """One history row, polled by htmx while the run is live."""
    run = sync.get_run(run_id)
    conn = _connection(run.connection_id)
    return render_template(
        "connections/_run_row.html",
        run=run,
        live=LIVE,
        names={conn.id: conn.display_name},
        progress=sync.run_progress(run),
        with_connection=request.args.get("all") == "1",
    )


@bp.route("/runs/<uuid:run_id>/status")
@login_required("connections:read")
def runs_status(run_id: uuid.UUID) -> str:
    """A run's status panel, polled by htmx while the run is live."""
    run = sync.get_run(run_id)
    return render_template("connections/_run_status.html", run=run, live=LIVE, progress=sync.run_progress(run))


@bp.route("/<uuid:connection_id>/webhooks")
@login_required("connections:read")
def index_webhooks(connection_id: uuid.UUID) -> str:
    conn = _channel(connection_id)
    return render_template(
        "connections/webhooks.html",
        conn=conn,
        page=paginate(sync.webhooks_query(conn.id)),
        state=sync.state_for(conn.id),
        info=_info(conn),
    )


@bp.route("/pushes")
@login_required("connections:read")
def pushes() -> str:
    args = request.args
    connection_id = None
    if args.get("connection_id"):
        try:
            connection_id = uuid.UUID(args["connection_id"])
        except ValueError:
            connection_id = None
    stmt = sync.pushes_query(
        connection_id=connection_id,
        kind=args.get("kind") if args.get("kind") in PUSH_KINDS else None,
        status=args.get("status") if args.get("status") in PUSH_STATUSES else None,
    )
    channels = list(session.execute(tenants.list_connections("channel")).scalars())
    return render_template(
        "connections/pushes.html",
        page=paginate(stmt),
        args=args,
        connections=channels,
        names={c.id: c.display_name for c in channels},
        job=live_job(args.get("job")),
        job_live=jobs.ACTIVE,
    )


@bp.route("/pushes/<uuid:push_id>/retry", methods=["POST"])
@login_required("connections:sync")
def pushes_retry(push_id: uuid.UUID) -> Any:
    try:
        sync.retry_push(push_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".pushes"))
    flash(_("The push is queued again."), "success")
    return redirect(url_for(".pushes"))
