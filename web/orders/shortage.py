"""The short-order panel of the order page (缺货订单): what the order's open lines miss in a
warehouse, and one-step buttons to raise stocking requests or draft a transfer for exactly
those units (core.orders.service.shortage does both, through purchasing and inventory)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import DomainError, NotFound
from core.inventory import service as inventory
from core.orders.service import shortage
from web.auth import can, login_required
from web.forms import action_failed
from web.messages import N_
from web.orders.views import bp

OPEN = ("pending_review", "approved", "on_hold")  # not yet holding its stock

# What core.orders.service.shortage refuses with, for the catalogue (the flash translates them).
MESSAGES = (
    N_("nothing is missing: the warehouse has every unit the order needs"),
    N_("choose another warehouse than the one short of stock"),
    N_("choose a warehouse"),
)


def panel(order: Any) -> str:
    """The panel's HTML for an order that may be short, or "" (nothing to offer)."""
    if order.status not in OPEN or order.stock_reserved or not (can("purchasing:write") or can("inventory:write")):
        return ""
    sites = inventory.sites()
    if not sites:
        return ""
    wanted = request.args.get("short_warehouse_id") or (str(order.warehouse_id) if order.warehouse_id else "")
    site = next((s for s in sites if str(s.id) == wanted), sites[0])
    missing = shortage.shortfall(order.id, site.id)
    if not missing:
        return ""
    from core.purchasing.service.common import local_date

    others = inventory.warehouse_facts(active=True)
    return render_template(
        "orders/_short.html",
        order=order,
        site=site,
        sites=sites,
        missing=missing,
        sources=[w for w in others if w.id != site.id and w.type != "virtual"],
        needed_by=(local_date() + timedelta(days=14)).isoformat(),
    )


def _back(order_id: uuid.UUID) -> str:
    return url_for(".detail", order_id=order_id)


@bp.route("/<uuid:order_id>/short/request", methods=["POST"])
@login_required("purchasing:write")
def detail_short_request(order_id: uuid.UUID) -> Any:
    try:
        made = shortage.request_stock(
            order_id, warehouse_id=request.form.get("warehouse_id"), needed_by=request.form.get("needed_by")
        )
    except NotFound:
        raise
    except DomainError as exc:
        return action_failed(exc, _back(order_id))
    flash(
        _("Stocking requests raised for the missing units: %(numbers)s", numbers=", ".join(r.number for r in made)),
        "success",
    )
    return redirect(_back(order_id))


@bp.route("/<uuid:order_id>/short/transfer", methods=["POST"])
@login_required("inventory:write")
def detail_short_transfer(order_id: uuid.UUID) -> Any:
    try:
        transfer = shortage.transfer_stock(
            order_id,
            source_warehouse_id=request.form.get("source_warehouse_id"),
            warehouse_id=request.form.get("warehouse_id"),
        )
    except NotFound:
        raise
    except DomainError as exc:
        return action_failed(exc, _back(order_id))
    flash(_("Transfer %(number)s drafted for the missing units.", number=transfer.number), "success")
    return redirect(url_for("web.inventory.transfers_detail", transfer_id=transfer.id))
