"""Exports and bulk actions of the purchasing lists: CSV or XLSX of what the list's filters
select (web/exports.py) for purchase orders, stocking requests, goods receipts, returns to
suppliers and replenishment suggestions, and approve or send (POs) / approve
(requests) for the ticked rows, each on its own with its outcome (web/bulk.py). Turning
approved requests into purchase orders is the requests list's own form (requests.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import abort, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from core.errors import DomainError
from core.purchasing.schemas import receipt_views, return_views
from core.purchasing.service import (
    ORDER_STATUSES,
    RECEIPT_STATUSES,
    REQUEST_STATUSES,
    RETURN_STATUSES,
    SUGGESTION_STATUSES,
    replenishment,
)
from core.purchasing.service import orders as order_service
from core.purchasing.service import receiving as receipts
from core.purchasing.service import requests as request_service
from core.purchasing.service import returns as supplier_returns
from web import bulk, exports
from web.auth import login_required
from web.forms import action_failed
from web.purchasing.views import STATUS_LABELS, bp, page_names, require

ORDER_BULK = {
    "approve": (_l("Approve"), "purchasing:approve", order_service.approve_order),
    "send": (_l("Mark as sent to the supplier"), "purchasing:write", order_service.send_order),
}
REQUEST_BULK = {
    "approve": (_l("Approve"), "purchasing:approve", request_service.approve_request),
}


def bulk_actions(table: dict[str, tuple[Any, str, Any]]) -> list[tuple[str, str]]:
    return [(k, str(label)) for k, (label, permission, _f) in table.items() if g.principal.can(permission)]


def _status(allowed: tuple[str, ...]) -> str | None:
    status = request.args.get("status")
    return status if status in allowed else None


class _Names:
    """Names of each chunk's SKUs, warehouses and suppliers, loaded once per chunk."""

    def __init__(self, sku: str | None, warehouse: str, supplier: str) -> None:
        self.fields = (sku, warehouse, supplier)
        self.names = page_names()

    def load(self, chunk: list[Any]) -> None:
        sku, warehouse, supplier = self.fields
        self.names = page_names(
            [getattr(r, sku) for r in chunk] if sku else [],
            [getattr(r, warehouse) for r in chunk],
            [getattr(r, supplier) for r in chunk],
        )


@bp.route("/orders/export")
@login_required("purchasing:read")
def index_export() -> Any:
    """The purchase orders the list's filters select."""
    stmt = order_service.order_query(status=_status(ORDER_STATUSES), q=request.args.get("q"))
    names = _Names(None, "warehouse_id", "supplier_id")
    columns = [
        pgettext("purchase order", "Order"),
        _("Supplier"),
        _("Warehouse"),
        _("Total"),
        _("Currency"),
        _("Expected"),
        _("Status"),
        _("Created"),
    ]
    return exports.respond(
        "purchase-orders",
        columns,
        exports.rows_of(stmt, prepare=names.load),
        lambda o: (
            o.number,
            names.names.suppliers.get(o.supplier_id, ""),
            names.names.warehouses.get(o.warehouse_id, ""),
            o.total,
            o.currency,
            o.expected_date,
            str(STATUS_LABELS.get(o.status, o.status)),
            o.created_at,
        ),
    )


@bp.route("/requests/export")
@login_required("purchasing:read")
def requests_export() -> Any:
    """The stocking requests the list's filters select."""
    stmt = request_service.request_query(status=_status(REQUEST_STATUSES), q=request.args.get("q"))
    names = _Names("sku_id", "warehouse_id", "supplier_id")
    columns = [
        _("Request"),
        _("SKU"),
        _("Product"),
        _("Quantity"),
        _("Warehouse"),
        _("Needed by"),
        _("Supplier"),
        _("Status"),
    ]
    return exports.respond(
        "stocking-requests",
        columns,
        exports.rows_of(stmt, prepare=names.load),
        lambda r: (
            r.number,
            *names.names.sku(r.sku_id),
            r.quantity,
            names.names.warehouses.get(r.warehouse_id, ""),
            r.needed_by,
            names.names.suppliers.get(r.supplier_id, ""),
            str(STATUS_LABELS.get(r.status, r.status)),
        ),
    )


@bp.route("/receiving/export")
@login_required("purchasing:read")
def receiving_export() -> Any:
    """The goods receipts the list's status filter selects (waiting for QC unless it says)."""
    status = request.args.get("status", "qc_pending")
    stmt = receipts.receipt_query(status=status if status in RECEIPT_STATUSES else None)
    names = _Names(None, "warehouse_id", "supplier_id")
    columns = [
        _("Receipt"),
        _("Purchase order"),
        _("Supplier"),
        _("Warehouse"),
        _("Units"),
        _("Received"),
        _("Status"),
    ]

    def to_views(chunk: list[Any]) -> list[Any]:
        views = receipt_views(chunk)
        names.load([SimpleNamespace(**v) for v in views])
        return views

    return exports.respond(
        "goods-receipts",
        columns,
        exports.views_of(stmt, to_views),
        lambda r: (
            r["number"],
            r["purchase_order_number"],
            names.names.suppliers.get(r["supplier_id"], ""),
            r["warehouse_code"] or "",
            sum(line["quantity"] for line in r["lines"]),
            r["received_at"],
            str(STATUS_LABELS.get(r["status"], r["status"])),
        ),
    )


@bp.route("/returns/export")
@login_required("purchasing:read")
def returns_export() -> Any:
    """The returns to suppliers the list's status filter selects."""
    stmt = supplier_returns.return_query(status=_status(RETURN_STATUSES))
    columns = [
        _("Return"),
        _("Purchase order"),
        _("Supplier"),
        _("Units"),
        _("Credit due"),
        _("Currency"),
        _("Status"),
    ]
    return exports.respond(
        "purchase-returns",
        columns,
        exports.views_of(stmt, return_views),
        lambda r: (
            r["number"],
            r["purchase_order_number"],
            r["supplier"],
            sum(line["quantity"] for line in r["lines"]),
            r["amount"],
            r["currency"],
            str(STATUS_LABELS.get(r["status"], r["status"])),
        ),
    )


@bp.route("/replenishment/export")
@login_required("purchasing:read")
def replenishment_export() -> Any:
    """The replenishment suggestions the list's status filter selects (open unless it says),
    with the figures the page shows."""
    status = request.args.get("status", "open")
    stmt = replenishment.suggestion_query(status=status if status in SUGGESTION_STATUSES else None)
    names = _Names("sku_id", "warehouse_id", "supplier_id")
    columns = [
        _("SKU"),
        _("Product"),
        _("Warehouse"),
        _("Supplier"),
        _("Daily sales"),
        _("Stock position"),
        _("Reorder point"),
        _("Suggested"),
        _("Runs out"),
        _("Status"),
    ]

    def row(s: Any) -> tuple[Any, ...]:
        i = replenishment.inputs_of(s)
        return (
            *names.names.sku(s.sku_id),
            names.names.warehouses.get(s.warehouse_id, ""),
            names.names.suppliers.get(s.supplier_id, ""),
            s.daily_sales,
            i.stock_position,
            replenishment.round4(i.reorder_point),
            s.quantity,
            s.stockout_date,
            str(STATUS_LABELS.get(s.status, s.status)),
        )

    return exports.respond("replenishment", columns, exports.rows_of(stmt, prepare=names.load), row)


def _run(table: dict[str, tuple[Any, str, Any]], field: str, labels: Any, back: str, link: Any) -> Any:
    action = request.form.get("action", "")
    if action not in table:
        abort(404)
    label, permission, func = table[action]
    require(permission)
    try:
        ids = bulk.parse_ids(request.form.getlist(field), field)
    except DomainError as exc:
        return action_failed(exc, back)
    results = bulk.run(ids, labels, func, states=STATUS_LABELS)
    return bulk.render(results, str(label), back=back, link=link)


@bp.route("/orders/bulk", methods=["POST"])
@login_required("purchasing:read")
def index_bulk() -> Any:
    """Approve or send the ticked purchase orders (each checks its own permission)."""
    return _run(
        ORDER_BULK,
        "order_ids",
        order_service.order_numbers,
        url_for(".index"),
        lambda i: url_for(".index_detail", order_id=i),
    )


@bp.route("/requests/bulk", methods=["POST"])
@login_required("purchasing:read")
def requests_bulk() -> Any:
    """Approve the ticked stocking requests."""
    return _run(
        REQUEST_BULK,
        "request_ids",
        request_service.request_numbers,
        url_for(".requests"),
        lambda i: url_for(".requests_detail", request_id=i),
    )
