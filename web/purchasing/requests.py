"""Stocking request pages: the list (with the approval queue and the requests to purchase),
a new request, one request with its approval steps, and turning approved requests into
purchase orders."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from core.errors import DomainError
from core.purchasing.service import REQUEST_STATUSES, orders
from core.purchasing.service import requests as service
from web.auth import login_required
from web.forms import Form
from web.pagination import paginate
from web.purchasing.views import (
    bp,
    page_names,
    require,
    run_action,
    sku_codes,
    sku_id_for,
    supplier_options,
    transition_failed,
    warehouse_options,
)

ACTIONS = {
    "approve": ("purchasing:approve", _l("Approved: it is now to be purchased.")),
    "reject": ("purchasing:approve", _l("Rejected.")),
    "terminate": ("purchasing:write", _l("Terminated.")),
}


@bp.route("/requests")
@login_required("purchasing:read")
def requests() -> str:
    from web.purchasing.lists import REQUEST_BULK, bulk_actions

    args = request.args
    status = args.get("status") if args.get("status") in REQUEST_STATUSES else None
    page = paginate(service.request_query(status=status, q=args.get("q")))
    names = page_names(
        [r.sku_id for r in page.items], [r.warehouse_id for r in page.items], [r.supplier_id for r in page.items]
    )
    return render_template(
        "purchasing/requests.html",
        page=page,
        names=names,
        args=args,
        status=status,
        statuses=REQUEST_STATUSES,
        suppliers=supplier_options(_("Each request's own supplier")),
        bulk_actions=bulk_actions(REQUEST_BULK),
    )


def _render_new(form: Form) -> str:
    return render_template(
        "purchasing/request_new.html",
        form=form,
        sku_codes=sku_codes(),
        warehouses=warehouse_options(_("Choose…")),
        suppliers=supplier_options(pgettext("supplier", "None yet")),
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required("purchasing:write")
def requests_new() -> Any:
    form = Form(request.form)
    if request.method == "POST":
        try:
            req = service.create_request(
                sku_id=sku_id_for(form["sku_id"]),
                warehouse_id=form["warehouse_id"] or None,
                quantity=form["quantity"],
                needed_by=form["needed_by"],
                supplier_id=form["supplier_id"] or None,
                note=form["note"],
            )
        except DomainError as exc:
            form.fail(exc)
            return _render_new(form), exc.status_code
        flash(_("Stocking request %(number)s submitted for approval.", number=req.number), "success")
        return redirect(url_for(".requests_detail", request_id=req.id))
    return _render_new(form)


@bp.route("/requests/<uuid:request_id>")
@login_required("purchasing:read")
def requests_detail(request_id: uuid.UUID) -> str:
    req = service.get_request(request_id)
    names = page_names([req.sku_id], [req.warehouse_id], [req.supplier_id])
    order = orders.get_order(req.purchase_order_id) if req.purchase_order_id else None
    return render_template("purchasing/request.html", req=req, names=names, order=order)


@bp.route("/requests/<uuid:request_id>/do/<action>", methods=["POST"])
@login_required("purchasing:read")
def requests_do(request_id: uuid.UUID, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    permission, done = ACTIONS[action]
    require(permission)
    service.get_request(request_id)
    reason = request.form.get("reason", "")
    func = {
        "approve": lambda: service.approve_request(request_id),
        "reject": lambda: service.reject_request(request_id, reason),
        "terminate": lambda: service.terminate_request(request_id, reason),
    }[action]
    target = request.form.get("next") or url_for(".requests_detail", request_id=request_id)
    if not target.startswith("/") or target.startswith("//"):
        target = url_for(".requests_detail", request_id=request_id)
    return run_action(func, target, str(done))


@bp.route("/requests/order", methods=["POST"])
@login_required("purchasing:write")
def requests_order() -> Any:
    """Draft purchase orders for the approved requests ticked in the list."""
    ids = request.form.getlist("request_ids")
    target = url_for(".requests", status="approved")
    try:
        made = orders.create_orders_from_requests(ids, supplier_id=request.form.get("supplier_id") or None)
    except DomainError as exc:
        return transition_failed(exc, target)
    flash(
        _("%(n)s draft purchase order(s) created: %(numbers)s", n=len(made), numbers=", ".join(o.number for o in made)),
        "success",
    )
    if len(made) == 1:
        return redirect(url_for(".index_detail", order_id=made[0].id))
    return redirect(url_for(".index", status="draft"))
