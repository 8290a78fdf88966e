"""Receiving pages: scanning an order or tracking number at the dock, the receipts awaiting QC,
one receipt with its QC form and put-away labels, and returns of failed units."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import session
from core.errors import DomainError, NotFound
from core.inventory.service.warehouses import list_locations
from core.purchasing.schemas import receipt_views, return_views
from core.purchasing.service import RECEIPT_STATUSES, RETURN_STATUSES, labels, orders
from core.purchasing.service import receiving as receipts
from core.purchasing.service import returns as supplier_returns
from web.auth import login_required
from web.forms import Form
from web.pagination import paginate
from web.purchasing.views import bp, errors_to_rows, page_names, require, run_action, transition_failed

QC_FIELDS = ("sample_size", "passed_quantity", "failed_quantity", "defect_reasons", "location_id")


@bp.route("/receiving")
@login_required("purchasing:read")
def receiving() -> Any:
    """The dock: scan an order or tracking number; below, receipts waiting for QC."""
    code = request.args.get("code", "").strip()
    if code:
        try:
            found = orders.lookup(code)
        except NotFound:
            flash(_("No purchase order or tracking number %(code)s.", code=code), "error")
            return redirect(url_for(".receiving"))
        by_tracking = code.upper() not in {o.number.upper() for o in found}
        if len(found) == 1 and found[0].status in orders.RECEIVABLE:
            return redirect(url_for(".index_receive", order_id=found[0].id, tracking=code if by_tracking else ""))
        if len(found) == 1:
            return redirect(url_for(".index_detail", order_id=found[0].id))
        return render_template("purchasing/scan.html", code=code, found=found)
    status = request.args.get("status", "qc_pending")
    status = status if status in RECEIPT_STATUSES else None
    page = paginate(receipts.receipt_query(status=status))
    return render_template(
        "purchasing/receiving.html",
        page=page,
        views=receipt_views(page.items),
        status=status,
        statuses=RECEIPT_STATUSES,
    )


def _render_receipt(receipt: Any, form: Form, status: int = 200) -> Any:
    pending = [line for line in receipt.lines if line.qc_status == "pending"]
    bins = [("", _("SKU's home bin / none"))] + [
        (str(loc.id), loc.code) for loc in session.execute(list_locations(receipt.warehouse_id, active=True)).scalars()
    ]
    html = render_template(
        "purchasing/receipt.html",
        receipt=receipt,
        view=receipt_views([receipt])[0],
        pending=pending,
        bins=bins,
        form=form,
    )
    return html, status


@bp.route("/receiving/<uuid:receipt_id>")
@login_required("purchasing:read")
def receiving_detail(receipt_id: uuid.UUID) -> Any:
    receipt = receipts.get_receipt(receipt_id)
    defaults = {}
    for i, line in enumerate(line for line in receipt.lines if line.qc_status == "pending"):
        defaults[f"lines.{i}.sample_size"] = line.quantity
    return _render_receipt(receipt, Form(request.form, **defaults))


@bp.route("/receiving/<uuid:receipt_id>/inspect", methods=["POST"])
@login_required("purchasing:receive")
def receiving_inspect(receipt_id: uuid.UUID) -> Any:
    receipt = receipts.get_receipt(receipt_id)
    form = Form(request.form)
    pending = [line for line in receipt.lines if line.qc_status == "pending"]
    lines, rows = [], []
    for i, line in enumerate(pending):
        values = {f: form[f"lines.{i}.{f}"] for f in QC_FIELDS}
        if values["passed_quantity"] == "" and values["failed_quantity"] == "":
            continue  # not inspected yet
        lines.append(
            {
                "receipt_line_id": str(line.id),
                "passed_quantity": values["passed_quantity"] or 0,
                "failed_quantity": values["failed_quantity"] or 0,
                "sample_size": values["sample_size"] or None,
                "defect_reasons": values["defect_reasons"],
                "location_id": values["location_id"] or None,
            }
        )
        rows.append(i)
    try:
        receipts.inspect(receipt_id, lines=lines)
    except DomainError as exc:
        if "state" in (exc.errors or {}):
            return transition_failed(exc, url_for(".receiving_detail", receipt_id=receipt_id))
        form.fail(errors_to_rows(exc, rows))
        return _render_receipt(receipts.get_receipt(receipt_id), form, exc.status_code)
    flash(_("QC recorded: passed units are on hand, failed units unsellable."), "success")
    return redirect(url_for(".receiving_detail", receipt_id=receipt_id))


@bp.route("/receiving/<uuid:receipt_id>/labels.pdf")
@login_required("purchasing:read")
def receiving_labels(receipt_id: uuid.UUID) -> Any:
    receipt = receipts.get_receipt(receipt_id)
    per = "line" if request.args.get("per") == "line" else "unit"
    try:
        pdf = labels.putaway_labels_pdf(receipt.id, per=per)
    except DomainError as exc:
        return transition_failed(exc, url_for(".receiving_detail", receipt_id=receipt_id))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="putaway-{receipt.number}.pdf"'},
    )


# ---------------------------------------------------------------------------------------------
# Returns to suppliers


RETURN_ACTIONS = {
    "ship": ("purchasing:receive", _l("Shipped back: the units left unsellable stock.")),
    "cancel": ("purchasing:write", _l("Return cancelled.")),
}


@bp.route("/returns")
@login_required("purchasing:read")
def returns() -> str:
    status = request.args.get("status")
    status = status if status in RETURN_STATUSES else None
    page = paginate(supplier_returns.return_query(status=status))
    return render_template(
        "purchasing/returns.html", page=page, views=return_views(page.items), status=status, statuses=RETURN_STATUSES
    )


def _render_return_new(order: Any, form: Form, status: int = 200) -> Any:
    left = supplier_returns.returnable(order)
    names = page_names(sku_ids=[line.sku_id for line in order.lines])
    return render_template("purchasing/return_new.html", order=order, form=form, left=left, names=names), status


@bp.route("/returns/new/<uuid:order_id>", methods=["GET", "POST"])
@login_required("purchasing:write")
def returns_new(order_id: uuid.UUID) -> Any:
    order = orders.get_order(order_id)
    left = supplier_returns.returnable(order)
    form = Form(request.form, **{f"lines.{i}.quantity": max(left[line.id], 0) for i, line in enumerate(order.lines)})
    if request.method == "POST":
        lines, rows = [], []
        for i, line in enumerate(order.lines):
            qty = form[f"lines.{i}.quantity"]
            if qty and qty != "0":
                lines.append({"line_id": str(line.id), "quantity": qty})
                rows.append(i)
        try:
            ret = supplier_returns.create_return(
                purchase_order_id=order.id,
                lines=lines,
                reason=form["reason"],
                carrier=form["carrier"],
                tracking_number=form["tracking_number"],
            )
        except DomainError as exc:
            form.fail(errors_to_rows(exc, rows))
            return _render_return_new(orders.get_order(order_id), form, exc.status_code)
        flash(_("Return %(number)s prepared; ship it when the units leave.", number=ret.number), "success")
        return redirect(url_for(".returns_detail", return_id=ret.id))
    return _render_return_new(order, form)


@bp.route("/returns/<uuid:return_id>")
@login_required("purchasing:read")
def returns_detail(return_id: uuid.UUID) -> str:
    ret = supplier_returns.get_return(return_id)
    return render_template("purchasing/return.html", ret=ret, view=return_views([ret])[0])


@bp.route("/returns/<uuid:return_id>/do/<action>", methods=["POST"])
@login_required("purchasing:read")
def returns_do(return_id: uuid.UUID, action: str) -> Any:
    if action not in RETURN_ACTIONS:
        abort(404)
    permission, done = RETURN_ACTIONS[action]
    require(permission)
    supplier_returns.get_return(return_id)
    target = url_for(".returns_detail", return_id=return_id)
    if action == "ship":
        form = request.form
        return run_action(
            lambda: supplier_returns.ship_return(
                return_id, carrier=form.get("carrier"), tracking_number=form.get("tracking_number")
            ),
            target,
            str(done),
        )
    return run_action(lambda: supplier_returns.cancel_return(return_id), target, str(done))
