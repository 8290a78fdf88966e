"""Purchase order pages: the list, a new order, its detail with every step (approve, send,
confirm, track, cancel, terminate) and receiving against it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import session
from core.errors import DomainError, ValidationError
from core.inventory import service as inventory
from core.purchasing.schemas import order_views
from core.purchasing.service import ORDER_STATUSES, receiving
from core.purchasing.service import orders as service
from core.purchasing.service.common import functional_currency
from core.purchasing.service.returns import return_query, returnable
from web.auth import login_required
from web.forms import Form
from web.pagination import paginate
from web.purchasing.views import (
    bp,
    errors_to_rows,
    num,
    page_names,
    require,
    run_action,
    sku_codes,
    sku_id_for,
    supplier_options,
    transition_failed,
    warehouse_options,
)

LINE_ROWS = 8  # blank line rows of the order form (an edit adds as many as it has lines)
LINE_FIELDS = ("sku_id", "quantity", "unit_price", "tax_rate")

ACTIONS = {
    "approve": ("purchasing:approve", service.approve_order, _l("Approved.")),
    "send": ("purchasing:write", service.send_order, _l("Recorded as sent to the supplier.")),
    "cancel": ("purchasing:write", service.cancel_order, _l("Order cancelled.")),
    "terminate": ("purchasing:write", service.terminate_order, _l("The remaining quantity is terminated.")),
}


@bp.route("/")
@login_required("purchasing:read")
def index() -> str:
    args = request.args
    status = args.get("status") if args.get("status") in ORDER_STATUSES else None
    page = paginate(service.order_query(status=status, q=args.get("q")))
    names = page_names(
        warehouse_ids=[o.warehouse_id for o in page.items], supplier_ids=[o.supplier_id for o in page.items]
    )
    from web.purchasing.lists import ORDER_BULK, bulk_actions

    return render_template(
        "purchasing/orders.html",
        page=page,
        names=names,
        args=args,
        statuses=ORDER_STATUSES,
        bulk_actions=bulk_actions(ORDER_BULK),
    )


# ---------------------------------------------------------------------------------------------
# A new order


def _lines_from(form: Form, rows_count: int) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled line rows as service lines, and the row each came from (blank rows are
    skipped, so the service's line index is mapped back to the row for its errors). A row
    that keeps an existing line carries its id; emptying it drops the line."""
    lines, rows = [], []
    for row in range(rows_count):
        values = {f: form[f"lines.{row}.{f}"] for f in LINE_FIELDS}
        if not any(values.values()):
            continue
        line: dict[str, Any] = {"sku_id": sku_id_for(values["sku_id"]), "quantity": values["quantity"]}
        for name in ("unit_price", "tax_rate"):
            if values[name]:
                line[name] = values[name]
        if form[f"lines.{row}.id"]:
            line["id"] = form[f"lines.{row}.id"]
        lines.append(line)
        rows.append(row)
    return lines, rows


def _render_form(form: Form, order: Any = None) -> str:
    count = LINE_ROWS + (len(order.lines) if order else 0)
    return render_template(
        "purchasing/order_form.html",
        form=form,
        order=order,
        suppliers=supplier_options(_("Choose…")),
        warehouses=warehouse_options(_("Choose…")),
        sku_codes=sku_codes(),
        rows=range(count),
        functional=functional_currency(),
    )


@bp.route("/orders/new", methods=["GET", "POST"])
@login_required("purchasing:write")
def index_new() -> Any:
    form = Form(request.form, supplier_id=request.args.get("supplier_id", ""))
    if request.method == "POST":
        lines, rows = _lines_from(form, LINE_ROWS)
        header = {k: form[k] for k in ("expected_date", "supplier_reference", "note") if form[k]}
        for k in ("fx_rate", "fx_source"):
            if form[k]:
                header[k] = form[k]
        try:
            if not lines:
                raise ValidationError.field("lines.0.sku_id", "an order needs at least one line")
            order = service.create_order(
                supplier_id=form["supplier_id"] or None,
                warehouse_id=form["warehouse_id"] or None,
                currency=form["currency"] or None,
                lines=lines,
                **header,
            )
        except DomainError as exc:
            form.fail(errors_to_rows(exc, rows))
            return _render_form(form), exc.status_code
        flash(_("Purchase order %(number)s saved as a draft.", number=order.number), "success")
        return redirect(url_for(".index_detail", order_id=order.id))
    return _render_form(form)


@bp.route("/orders/<uuid:order_id>/edit", methods=["GET", "POST"])
@login_required("purchasing:write")
def index_edit(order_id: uuid.UUID) -> Any:
    """Change a draft: dates, references, rate and lines (an emptied row drops its line)."""
    order = service.get_order(order_id)
    defaults: dict[str, Any] = {
        "expected_date": order.expected_date or "",
        "supplier_reference": order.supplier_reference,
        "note": order.note,
        "fx_source": order.fx_source,
        "fx_rate": num(order.fx_rate) if order.currency != functional_currency() else "",
    }
    codes = page_names(sku_ids=[line.sku_id for line in order.lines])
    for i, line in enumerate(order.lines):
        defaults.update(
            {
                f"lines.{i}.id": str(line.id),
                f"lines.{i}.sku_id": codes.sku(line.sku_id)[0],
                f"lines.{i}.quantity": line.quantity,
                f"lines.{i}.unit_price": num(line.unit_price),
                f"lines.{i}.tax_rate": num(line.tax_rate),
            }
        )
    form = Form(request.form, **defaults)
    if request.method == "POST":
        lines, rows = _lines_from(form, LINE_ROWS + len(order.lines))
        changes = {k: form[k] for k in ("expected_date", "supplier_reference", "note")}
        changes["expected_date"] = changes["expected_date"] or None
        if order.currency != functional_currency():
            changes["fx_rate"] = form["fx_rate"]  # emptied: the rate of the day from the rates table
            if form["fx_source"] != order.fx_source:
                changes["fx_source"] = form["fx_source"]
        try:
            service.update_order(order_id, lines=lines, **changes)
        except DomainError as exc:
            if "state" in (exc.errors or {}):
                return transition_failed(exc, url_for(".index_detail", order_id=order_id))
            form.fail(errors_to_rows(exc, rows))
            return _render_form(form, service.get_order(order_id)), exc.status_code
        flash(_("Draft %(number)s saved.", number=order.number), "success")
        return redirect(url_for(".index_detail", order_id=order_id))
    return _render_form(form, order)


# ---------------------------------------------------------------------------------------------
# One order


@bp.route("/orders/<uuid:order_id>")
@login_required("purchasing:read")
def index_detail(order_id: uuid.UUID) -> str:
    order = service.get_order(order_id)
    receipts = session.execute(receiving.receipt_query(purchase_order_id=order.id)).scalars().all()
    returns = session.execute(return_query(purchase_order_id=order.id)).scalars().all()
    sku_ids = [line.sku_id for line in order.lines]
    found = {b.sku_id: b for b in inventory.list_buckets(sku_ids, [order.warehouse_id])}
    stock = {s: found.get(s) or inventory.Buckets(sku_id=s, warehouse_id=order.warehouse_id) for s in sku_ids}
    return render_template(
        "purchasing/order.html",
        order=order,
        view=order_views([order])[0],
        stock=stock,
        receipts=receipts,
        returns=returns,
        can_return=any(q > 0 for q in returnable(order).values()),
    )


@bp.route("/orders/<uuid:order_id>/do/<action>", methods=["POST"])
@login_required("purchasing:read")
def index_do(order_id: uuid.UUID, action: str) -> Any:
    """The order's steps; each checks its own permission."""
    from flask import abort

    if action not in ACTIONS:
        abort(404)
    permission, func, done = ACTIONS[action]
    require(permission)
    service.get_order(order_id)
    target = url_for(".index_detail", order_id=order_id)
    reason = request.form.get("reason", "")
    if action == "cancel":
        return run_action(lambda: func(order_id, reason), target, str(done))
    if action == "terminate":
        return run_action(lambda: func(order_id, reason=reason), target, str(done))
    return run_action(lambda: func(order_id), target, str(done))


@bp.route("/orders/<uuid:order_id>/confirm", methods=["POST"])
@login_required("purchasing:write")
def index_confirm(order_id: uuid.UUID) -> Any:
    service.get_order(order_id)
    form = request.form
    return run_action(
        lambda: service.confirm_order(
            order_id, supplier_reference=form.get("supplier_reference"), expected_date=form.get("expected_date")
        ),
        url_for(".index_detail", order_id=order_id),
        _("The supplier's confirmation is recorded."),
    )


@bp.route("/orders/<uuid:order_id>/tracking", methods=["POST"])
@login_required("purchasing:write")
def index_tracking(order_id: uuid.UUID) -> Any:
    service.get_order(order_id)
    form = request.form
    return run_action(
        lambda: service.add_tracking(
            order_id, tracking_number=form.get("tracking_number", ""), carrier=form.get("carrier", "")
        ),
        url_for(".index_detail", order_id=order_id),
        _("Tracking number added."),
    )


# ---------------------------------------------------------------------------------------------
# Receiving against the order


def _render_receive(order: Any, form: Form) -> str:
    return render_template(
        "purchasing/receive.html",
        order=order,
        form=form,
        names=page_names(sku_ids=[line.sku_id for line in order.lines]),
        tolerance=service.get_settings().receipt_tolerance_percent,
    )


@bp.route("/orders/<uuid:order_id>/receive", methods=["GET", "POST"])
@login_required("purchasing:receive")
def index_receive(order_id: uuid.UUID) -> Any:
    order = service.get_order(order_id)
    form = Form(
        request.form,
        tracking_number=request.args.get("tracking", ""),
        **{f"lines.{i}.quantity": line.open_quantity for i, line in enumerate(order.lines)},
    )
    if request.method == "POST":
        lines = [
            {"line_id": str(line.id), "quantity": form[f"lines.{i}.quantity"] or 0}
            for i, line in enumerate(order.lines)
        ]
        try:
            receipt = receiving.receive(
                order_id, lines=lines, tracking_number=form["tracking_number"], note=form["note"]
            )
        except DomainError as exc:
            if not exc.errors or "state" in exc.errors:
                return transition_failed(exc, url_for(".index_detail", order_id=order_id))
            form.fail(exc)
            return _render_receive(service.get_order(order_id), form), exc.status_code
        flash(_("Receipt %(number)s recorded: the goods wait for QC.", number=receipt.number), "success")
        return redirect(url_for(".receiving_detail", receipt_id=receipt.id))
    return _render_receive(order, form)
