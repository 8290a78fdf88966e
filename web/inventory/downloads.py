"""Exports of the inventory lists (web/exports.py): transfers and first legs, low stock, stock
age, stocktakes, kit orders, borrowings, safety stock, platform stock reconciliations and
warehouses, as CSV or XLSX of what the list's filters select,
with the page's column headers in the reader's language. Names of SKUs are looked up a chunk
at a time; quantities and amounts stay numbers."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import pgettext

from core.catalog.service import sku_titles
from core.inventory.service import adjustments, kits, reports, stocktakes, transfers, warehouses
from core.money import round_money
from web import exports
from web.auth import current_tenant, login_required
from web.inventory.adjustments import BORROWING_STATUSES
from web.inventory.views import BUCKET_LABELS, STATUS_LABELS, TYPE_LABELS, _uuid, _warehouse_codes, bp
from web.portal import current_locale_is_chinese


class _Names:
    """Code and name of each chunk's SKUs (in the reader's language), loaded once per chunk."""

    def __init__(self, field: str = "sku_id") -> None:
        self.field = field
        self.titles: dict[Any, tuple[str, str]] = {}
        self.chinese = current_locale_is_chinese()

    def load(self, chunk: list[Any]) -> None:
        self.titles = sku_titles({getattr(r, self.field) for r in chunk}, chinese=self.chinese)

    def of(self, sku_id: Any) -> tuple[str, str]:
        return self.titles.get(sku_id, (str(sku_id), ""))


def _status(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


def _transfers(kind: str) -> Any:
    args = request.args
    stmt = transfers.list_transfers(kind, status=args.get("status") or None, q=args.get("q") or None)
    codes = _warehouse_codes()
    columns = [
        _("Number"),
        pgettext("warehouse", "From"),
        pgettext("warehouse", "To"),
        _("Units"),
        _("Carrier"),
        pgettext("transfer", "Tracking"),
        _("Status"),
        _("Created"),
    ]
    if kind == "first_leg":
        columns += [_("Platform shipment id"), _("Shipping method")]

    def row(t: Any) -> list[Any]:
        cells = [
            t.number,
            codes.get(t.source_warehouse_id, ""),
            codes.get(t.destination_warehouse_id, ""),
            sum(line.quantity for line in t.lines),
            t.carrier,
            t.tracking_number,
            _status(t.status),
            t.created_at,
        ]
        return cells + ([t.platform_reference, t.shipping_method] if kind == "first_leg" else [])

    name = "transfers" if kind == "transfer" else "first-legs"
    return exports.respond(name, columns, exports.rows_of(stmt), row)


@bp.route("/transfers/export")
@login_required("inventory:read")
def transfers_export() -> Any:
    """The transfers the list's filters (status, search) select."""
    return _transfers("transfer")


@bp.route("/first-leg/export")
@login_required("inventory:read")
def first_leg_export() -> Any:
    """The first-leg shipments the list's filters select."""
    return _transfers("first_leg")


@bp.route("/low/export")
@login_required("inventory:read")
def low_export() -> Any:
    """The low-stock rows of the chosen warehouse (or all), fewest days of cover first."""
    rows = reports.low_stock(warehouse_id=_uuid(request.args.get("warehouse_id")))
    names = _Names()
    names.load(rows)
    columns = [
        _("SKU"),
        _("Product"),
        _("Warehouse"),
        _("Available"),
        _("Safety stock"),
        _("Inbound"),
        _("Sold per day"),
        _("Days of cover"),
    ]
    return exports.respond(
        "low-stock",
        columns,
        iter(rows),
        lambda r: (
            r.sku_code,
            names.of(r.sku_id)[1],
            r.warehouse_code,
            r.available,
            r.safety_stock,
            r.inbound,
            r.per_day,
            r.days_of_cover,
        ),
    )


@bp.route("/age/export")
@login_required("inventory:read")
def age_export() -> Any:
    """Units and value by age band (0-30, 31-60, 61-90, over 90 days) per SKU and warehouse."""
    rows = reports.stock_age(warehouse_id=_uuid(request.args.get("warehouse_id")))
    names = _Names()
    names.load(rows)
    currency = current_tenant().functional_currency
    bands = [b[2] for b in reports.AGE_BANDS]
    band_labels = [_("0–30 days"), _("31–60 days"), _("61–90 days"), _("over 90 days")]
    value = _("Value")
    columns = [_("SKU"), _("Product"), _("Warehouse"), _("Units"), value, _("Currency")]
    for label in band_labels:
        columns += [label, f"{label}: {value}"]

    def row(r: Any) -> list[Any]:
        cells = [r.sku_code, names.of(r.sku_id)[1], r.warehouse_code, r.quantity, r.value, currency]
        for band in bands:
            cells += list(r.bands[band])
        return cells

    return exports.respond("stock-age", columns, iter(rows), row)


@bp.route("/stocktakes/export")
@login_required("inventory:read")
def stocktakes_export() -> Any:
    """The stocktakes the list's status filter selects."""
    stmt = stocktakes.list_stocktakes(status=request.args.get("status") or None)
    codes = _warehouse_codes()
    cycle, spot = _("Cycle (whole warehouse)"), _("Spot")
    return exports.respond(
        "stocktakes",
        [_("Number"), _("Warehouse"), _("Scope"), _("Status"), _("Started"), _("Posted")],
        exports.rows_of(stmt),
        lambda st: (
            st.number,
            codes.get(st.warehouse_id, ""),
            cycle if st.scope == "cycle" else spot,
            _status(st.status),
            st.started_at,
            st.posted_at,
        ),
    )


@bp.route("/kits/export")
@login_required("inventory:read")
def kits_export() -> Any:
    """The kit orders (assembly and disassembly) the list's status filter selects."""
    stmt = kits.list_kit_orders(status=request.args.get("status") or None)
    codes = _warehouse_codes()
    names = _Names("kit_sku_id")
    currency = current_tenant().functional_currency
    assembly, disassembly = _("Assembly"), _("Disassembly")
    columns = [
        _("Number"),
        pgettext("kit order", "Order"),
        _("Kit"),
        _("Product"),
        _("Warehouse"),
        _("Kits"),
        _("Unit cost"),
        _("Currency"),
        _("Status"),
    ]
    return exports.respond(
        "kit-orders",
        columns,
        exports.rows_of(stmt, prepare=names.load),
        lambda o: (
            o.number,
            assembly if o.kind == "assembly" else disassembly,
            *names.of(o.kit_sku_id),
            codes.get(o.warehouse_id, ""),
            o.quantity,
            o.unit_cost,
            currency,
            _status(o.status),
        ),
    )


@bp.route("/borrowings/export")
@login_required("inventory:read")
def borrowings_export() -> Any:
    """The borrowings the list's filters (status, warehouse) select."""
    wanted = request.args.get("status")
    stmt = adjustments.list_borrowings(
        status=wanted if wanted in BORROWING_STATUSES else None, warehouse_id=_uuid(request.args.get("warehouse_id"))
    )
    codes = _warehouse_codes()
    names = _Names()
    columns = [
        _("Number"),
        _("Borrower"),
        _("SKU"),
        _("Product"),
        _("Warehouse"),
        _("Lent"),
        pgettext("borrowing", "Returned"),
        _("Written off"),
        pgettext("borrowing", "Due"),
        _("Status"),
    ]
    return exports.respond(
        "borrowings",
        columns,
        exports.rows_of(stmt, prepare=names.load),
        lambda b: (
            b.number,
            b.borrower,
            *names.of(b.sku_id),
            codes.get(b.warehouse_id, ""),
            b.quantity,
            b.returned_quantity,
            b.written_off_quantity,
            b.due_date,
            str(BORROWING_STATUSES.get(b.status, b.status)),
        ),
    )


@bp.route("/safety-stock/export")
@login_required("inventory:read")
def safety_export() -> Any:
    """The safety stock settings the page's filters (warehouse, SKU) select, with what is
    available beside each."""
    stmt = reports.safety_stock_query(warehouse_id=_uuid(request.args.get("warehouse_id")), q=request.args.get("q"))
    names = _Names()

    def prepare(chunk: list[Any]) -> None:
        names.load([r[0] for r in chunk])

    return exports.respond(
        "safety-stock",
        [_("SKU"), _("Product"), _("Warehouse"), _("Safety stock"), _("Available")],
        exports.rows_of(stmt, scalars=False, prepare=prepare),
        lambda r: (
            r.sku_code,
            names.of(r[0].sku_id)[1],
            r.warehouse_code,
            r[0].safety_stock,
            r.on_hand - r.reserved,
        ),
    )


@bp.route("/platform-stock/export")
@login_required("inventory:read")
def platform_export() -> Any:
    """The adjustments platform stock reconciliations posted (the list's filter: warehouse),
    newest first: one row per ledger line, its buckets named as the page names them."""
    stmt = reports.reconciliation_query(warehouse_id=_uuid(request.args.get("warehouse_id")))
    names = _Names()

    def prepare(chunk: list[Any]) -> None:
        names.load([r[0] for r in chunk])

    def bucket(code: str | None) -> str:
        return str(BUCKET_LABELS.get(code, code))

    columns = [
        _("Time"),
        _("Document"),
        _("Warehouse"),
        _("SKU"),
        _("Product"),
        _("From → to"),
        _("Quantity"),
        _("Value"),
        _("Currency"),
        _("Reason"),
        _("By"),
    ]
    return exports.respond(
        "platform-reconciliations",
        columns,
        exports.rows_of(stmt, scalars=False, prepare=prepare),
        lambda r: (
            r[0].created_at,
            r[0].doc_number,
            r.warehouse_code,
            *names.of(r[0].sku_id),
            f"{bucket(r[0].from_bucket)} → {bucket(r[0].to_bucket)}",
            r[0].quantity,
            round_money(r[0].value, r[0].currency),
            r[0].currency,
            r[0].reason,
            r[0].actor,
        ),
    )


@bp.route("/warehouses/export")
@login_required("inventory:read")
def warehouses_export() -> Any:
    """The warehouses the list's search selects."""
    active, inactive = _("Active"), _("Inactive")
    columns = [
        _("Code"),
        _("Name"),
        _("Type"),
        _("Country"),
        _("City"),
        _("Priority"),
        _("Status"),
    ]
    return exports.respond(
        "warehouses",
        columns,
        exports.rows_of(warehouses.list_warehouses(q=request.args.get("q") or None)),
        lambda w: (
            w.code,
            w.name,
            str(TYPE_LABELS.get(w.type, w.type)),
            w.country,
            w.city or "",
            w.priority,
            active if w.active else inactive,
        ),
    )
