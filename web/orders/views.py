"""Order pages: the list with its filters, saved views and bulk actions, and the order with its
lines, amounts, address, timeline, stock per warehouse and the dialogs of every step (hold,
split, merge, ship, refund, return). All rules live in core.orders.service."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core.db import session
from core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from core.orders import service, views
from core.orders.service import HOLD_TYPES, STATUSES, bulk, queries
from web.auth import can, login_required
from web.forms import Form, action_failed
from web.messages import PARAMETERS
from web.pagination import paginate

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")

STATUS_LABELS = {
    "pending_review": _l("Pending review"),
    "approved": _l("Approved"),
    "allocated": _l("Allocated"),
    "awaiting_shipment": _l("Awaiting shipment"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "on_hold": _l("On hold"),
    "cancelled": _l("Cancelled"),
    "partially_refunded": _l("Partially refunded"),
    "refunded": _l("Refunded"),
    "returned": _l("Returned"),
    "split": lazy_pgettext("status", "Split"),
    "merged": _l("Merged"),
}
STATUS_TONES = {
    "pending_review": "retrying",
    "approved": "queued",
    "allocated": "running",
    "awaiting_shipment": "running",
    "shipped": "succeeded",
    "delivered": "succeeded",
    "on_hold": "failed",
    "cancelled": "inactive",
    "partially_refunded": "retrying",
    "refunded": "inactive",
    "returned": "inactive",
    "split": "inactive",
    "merged": "inactive",
}
HOLD_LABELS = {
    "unmapped_sku": _l("Unmapped SKU"),
    "unsellable_sku": _l("SKU not for sale"),
    "out_of_stock": _l("Out of stock"),
    "awaiting_payment": _l("Awaiting payment"),
    "address_changed": _l("Address changed"),
    "shipped_on_channel": _l("Shipped on the channel"),
    "platform_cancelled": _l("Cancelled on the platform"),
    "manual": _l("Held by staff"),
}
SOURCE_LABELS = {"system": _l("System"), "channel": _l("Channel"), "staff": _l("Staff")}
REFUND_TYPES = {
    "cancellation": _l("Cancellation before shipment"),
    "refund_only": _l("Refund only"),
    "refund_without_return": _l("Refund without return"),
    "return": _l("Refund for a return"),
}
METHODS = {"platform": _l("Platform refund"), "offline": _l("Offline refund")}
# How the timeline's messages name these codes ("platform refund of 10.00 USD (Refund only)").
PARAMETERS.update(
    hold_type=lambda v: str(HOLD_LABELS.get(v, v)),
    hold_source=lambda v: str(SOURCE_LABELS.get(v, v)),
    order_status=lambda v: str(STATUS_LABELS.get(v, v)),
    refund_type=lambda v: str(REFUND_TYPES.get(v, v)),
    fulfilment=lambda v: str({"merchant": _l("merchant"), "platform": _l("platform")}.get(v, v)),
    refund_method=lambda v: str({"platform": _l("platform"), "offline": _l("offline")}.get(v, v)),
)
BULK_ACTIONS = {
    "approve": _l("Approve"),
    "hold": _l("Hold"),
    "release": _l("Release"),
    "allocate": _l("Allocate"),
    "cancel": _l("Cancel"),
}
FILTERS = (
    "status",
    "channel",
    "connection_id",
    "sku",
    "country",
    "date_from",
    "date_to",
    "buyer",
    "tag",
    "hold_type",
    "q",
)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "status_label": lambda s: str(STATUS_LABELS.get(s, s)),
        "status_tone": lambda s: STATUS_TONES.get(s, s),
        "hold_label": lambda s: str(HOLD_LABELS.get(s, s)),
        "source_label": lambda s: str(SOURCE_LABELS.get(s, s)),
        "refund_label": lambda s: str(REFUND_TYPES.get(s, s)),
        "method_label": lambda s: str(METHODS.get(s, s)),
    }


def _reveal() -> bool:
    return can("orders:pii")


def _owner() -> str:
    return str(g.principal.id)


def _filters() -> dict[str, Any]:
    out = {k: request.args.get(k, "").strip() for k in FILTERS if request.args.get(k, "").strip()}
    if "buyer" in out and not _reveal():
        out.pop("buyer")
    return out


def _shops() -> list[tuple[str, str]]:
    from tenants.service import connections_facts

    shops = sorted((c for c in connections_facts().values() if c.kind == "channel"), key=lambda c: c.display_name)
    return [(str(c.id), c.display_name) for c in shops]


# ---------------------------------------------------------------------------------------------
# The list


@bp.route("/")
@login_required("orders:read")
def index() -> Any:
    filters = _filters()
    reveal = _reveal()
    form = Form(request.args)
    try:
        stmt = service.order_query(**filters)
    except DomainError as exc:
        form.fail(exc)
        stmt = service.order_query()
        filters = {}
    page = paginate(stmt)
    holds = queries.open_holds([o.id for o in page.items])
    channels = service.channels_seen()
    return render_template(
        "orders/index.html",
        page=page,
        holds=holds,
        filters=filters,
        form=form,
        statuses=STATUSES,
        hold_types=HOLD_TYPES,
        channels=channels,
        shops=_shops(),
        views=session.execute(service.views_query(_owner())).scalars().all(),
        bulk_actions=BULK_ACTIONS,
        reveal=reveal,
        export_url=url_for(".export", **filters),
        personal=lambda o: views.personal(o, reveal),
    )


@bp.route("/export")
@login_required("orders:read")
def export() -> Any:
    try:
        return _csv(service.order_query(**_filters()))
    except DomainError as exc:
        return action_failed(exc, url_for(".index"))


def _csv(stmt: Any, fmt: str | None = None) -> Any:
    if stmt is None:
        flash(_("Choose the orders to export."), "error")
        return redirect(url_for(".index"))
    from web import exports

    fmt = fmt or exports.chosen_format()
    rows = views.export_order_rows(stmt, _reveal(), numbers=fmt == "xlsx")
    return exports.respond("orders", views.EXPORT_COLUMNS, rows, lambda row: row, fmt)


@bp.route("/bulk", methods=["POST"])
@login_required("orders:read")
def bulk_action() -> Any:
    action = request.form.get("action", "")
    ids = request.form.getlist("order_ids")
    if action in ("export", "export_xlsx"):
        return _csv(service.order_query(order_ids=ids) if ids else None, "xlsx" if action == "export_xlsx" else None)
    if not can("orders:write"):
        raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission="orders:write"))
    if action == "merge":
        return merge()
    try:
        results = bulk.run(action, ids, {"reason": request.form.get("reason", ""), "note": "", "type": "manual"})
    except DomainError as exc:
        return action_failed(exc, request.form.get("next") or url_for(".index"))
    return render_template(
        "orders/bulk.html",
        results=results,
        action=str(BULK_ACTIONS.get(action, action)),
        back=request.form.get("next") or url_for(".index"),
    )


@bp.route("/merge", methods=["POST"])
@login_required("orders:write")
def merge() -> Any:
    ids = request.form.getlist("order_ids")
    back = request.form.get("next") or url_for(".index")
    try:
        merged = service.merge(ids, request.form.get("note", ""))
    except DomainError as exc:
        return action_failed(exc, back)
    flash(_("Merged into order %(number)s.", number=merged.number), "success")
    return redirect(url_for(".detail", order_id=merged.id))


@bp.route("/views", methods=["POST"])
@login_required("orders:read")
def views_new() -> Any:
    raw = {k: v for k, v in request.form.items() if k in FILTERS and v.strip()}
    shared = request.form.get("shared") == "on"
    back = url_for(".index", **raw)
    try:
        if shared and not can("orders:write"):
            raise PermissionDenied(_("Sharing a view needs the orders:write permission."))
        service.create_view(owner=_owner(), name=request.form.get("name", ""), filters=raw, shared=shared)
    except DomainError as exc:
        return action_failed(exc, back)
    flash(_("View saved."), "success")
    return redirect(back)


@bp.route("/views/<uuid:order_view_id>/delete", methods=["POST"])
@login_required("orders:read")
def views_delete(order_view_id: uuid.UUID) -> Any:
    view = service.get_view(order_view_id, _owner())
    try:
        if view.owner == "" and not can("orders:write"):
            raise PermissionDenied(_("Deleting a shared view needs the orders:write permission."))
        service.delete_view(order_view_id, _owner())
    except DomainError as exc:
        return action_failed(exc, url_for(".index"))
    flash(_("View deleted."), "success")
    return redirect(url_for(".index"))


# ---------------------------------------------------------------------------------------------
# One order


def _page(order_id: uuid.UUID, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    order = service.get_order(order_id)
    reveal = _reveal()
    detail = views.detail_view(order, reveal)
    timeline = session.execute(service.timeline_query(order_id)).scalars().all()
    candidates = []
    if order.status in ("pending_review", "approved") and can("orders:write"):
        candidates = service.merge_candidates_for(order)
    from core.inventory import service as inventory

    warehouses = inventory.warehouse_codes()
    forms = forms or {}
    return render_template(
        "orders/detail.html",
        order=order,
        d=detail,
        timeline=timeline,
        stock=service.stock_for(order),
        candidates=candidates,
        warehouses=warehouses,
        forms=forms,
        form_for=lambda name: forms.get(name) or Form(),
        hold_options=[(code, str(HOLD_LABELS[code])) for code in HOLD_TYPES],
        return_options=[(str(r["id"]), r["number"]) for r in detail["returns"]],
        lines_by_id={str(ln.id): ln for ln in order.lines},
        methods=METHODS,
        short_panel=shortage.panel(order),
        parent_number=service.get_order(order.parent_id).number if order.parent_id else "",
        sku_names=_sku_names(order),
    ), status


def _sku_names(order: Any) -> dict[Any, str]:
    """The catalogue's name of each line's SKU in the reader's language (the channel's
    listing title is the shop's English)."""
    from core.catalog import service as catalog
    from web.portal import current_locale_is_chinese

    titles = catalog.sku_titles([ln.sku_id for ln in order.lines if ln.sku_id], chinese=current_locale_is_chinese())
    return {sku_id: title for sku_id, (_code, title) in titles.items() if title}


@bp.route("/<uuid:order_id>")
@login_required("orders:read")
def detail(order_id: uuid.UUID) -> Any:
    return _page(order_id)


def _done(order_id: uuid.UUID, message: str) -> Any:
    flash(message, "success")
    return redirect(url_for(".detail", order_id=order_id))


def _failed(exc: DomainError, order_id: uuid.UUID, dialog: str | None = None) -> Any:
    """A refused step: a dialog shows its form again with the errors; a button flashes why.
    An unknown order (or another tenant's) stays a 404."""
    if isinstance(exc, NotFound):
        raise exc
    if dialog is None:
        if isinstance(exc, InvalidTransition):
            session.rollback()
            flash(
                _("Not possible while the order is %(state)s.", state=STATUS_LABELS.get(exc.current, exc.current)),
                "error",
            )
            return redirect(url_for(".detail", order_id=order_id))
        return action_failed(exc, url_for(".detail", order_id=order_id))
    form = Form(request.form)
    form.fail(exc)
    # Each dialog prefixes its inputs (ids stay unique on the page): put errors beside them.
    prefix = dialog.split("-")[0]
    form.errors = {(f"{prefix}_{k}" if f"{prefix}_{k}" in request.form else k): v for k, v in form.errors.items()}
    html, _status = _page(order_id, {dialog: form})
    return html, exc.status_code


def _in(prefix: str, name: str, default: str = "") -> str:
    return request.form.get(f"{prefix}_{name}", default)


def _button(name: str, permission: str, call: Callable[[uuid.UUID], Any], message: Any) -> None:
    @login_required(permission)
    def view(order_id: uuid.UUID) -> Any:
        try:
            call(order_id)
        except DomainError as exc:
            return _failed(exc, order_id)
        return _done(order_id, str(message))

    view.__name__ = f"detail_{name}"
    bp.route(f"/<uuid:order_id>/{name}", methods=["POST"], endpoint=view.__name__)(view)


_button("approve", "orders:write", lambda oid: service.approve(oid, request.form.get("note", "")), _l("Approved."))
_button(
    "release",
    "orders:write",
    lambda oid: service.release_order(oid, note=request.form.get("note", "")),
    _l("Released from hold."),
)
_button("allocate", "orders:write", lambda oid: service.allocate(oid), _l("Allocation done."))
_button("deliver", "orders:fulfil", lambda oid: service.deliver(oid), _l("Marked as delivered."))


@bp.route("/<uuid:order_id>/hold", methods=["POST"])
@login_required("orders:write")
def detail_hold(order_id: uuid.UUID) -> Any:
    sku = _in("hold", "problem_sku")
    problems = [{"sku": sku, "quantity": _in("hold", "problem_quantity") or None}] if sku else []
    try:
        service.hold_order(
            order_id, reason=_in("hold", "reason"), type=_in("hold", "type") or "manual", problems=problems
        )
    except DomainError as exc:
        return _failed(exc, order_id, "hold")
    return _done(order_id, _("The order is on hold."))


@bp.route("/<uuid:order_id>/cancel", methods=["POST"])
@login_required("orders:write")
def detail_cancel(order_id: uuid.UUID) -> Any:
    try:
        service.cancel(order_id, _in("cancel", "reason"))
    except DomainError as exc:
        return _failed(exc, order_id, "cancel")
    return _done(order_id, _("The order is cancelled and its stock released."))


def _quantities(prefix: str) -> list[dict[str, Any]]:
    out = []
    for key, value in request.form.items():
        if key.startswith(prefix) and value.strip() not in ("", "0"):
            out.append({"line_id": key[len(prefix) :], "quantity": value.strip()})
    return out


@bp.route("/<uuid:order_id>/split", methods=["POST"])
@login_required("orders:write")
def detail_split(order_id: uuid.UUID) -> Any:
    try:
        children = service.split(order_id, [_quantities("split_units_")], _in("split", "reason"))
    except DomainError as exc:
        return _failed(exc, order_id, "split")
    return _done(order_id, _("Split into %(numbers)s.", numbers=", ".join(c.number for c in children)))


@bp.route("/<uuid:order_id>/ship", methods=["POST"])
@login_required("orders:fulfil")
def detail_ship(order_id: uuid.UUID) -> Any:
    try:
        service.ship(
            order_id,
            carrier=_in("ship", "carrier"),
            service=_in("ship", "service"),
            tracking_number=_in("ship", "tracking_number"),
            weight_g=_in("ship", "weight_g") or None,
            length_cm=_in("ship", "length_cm") or None,
            width_cm=_in("ship", "width_cm") or None,
            height_cm=_in("ship", "height_cm") or None,
        )
    except DomainError as exc:
        return _failed(exc, order_id, "ship")
    return _done(order_id, _("Shipment recorded."))


@bp.route("/<uuid:order_id>/refund", methods=["POST"])
@login_required("orders:write")
def detail_refund(order_id: uuid.UUID) -> Any:
    evidence = [x for x in _in("refund", "evidence").splitlines() if x.strip()]
    try:
        service.refund(
            order_id,
            method=_in("refund", "method"),
            reason=_in("refund", "reason"),
            amount=_in("refund", "amount") or None,
            lines=_quantities("refund_units_") or None,
            type=_in("refund", "type") or None,
            evidence=evidence,
            return_id=_in("refund", "return_id") or None,
        )
    except DomainError as exc:
        return _failed(exc, order_id, "refund")
    return _done(order_id, _("Refund recorded."))


@bp.route("/<uuid:order_id>/returns", methods=["POST"])
@login_required("orders:write")
def detail_return(order_id: uuid.UUID) -> Any:
    try:
        rma = service.create_return(
            order_id,
            lines=_quantities("return_units_"),
            reason=_in("return", "reason"),
            carrier=_in("return", "carrier"),
            tracking_number=_in("return", "tracking_number"),
        )
    except DomainError as exc:
        return _failed(exc, order_id, "return")
    return _done(order_id, _("Return %(number)s authorised.", number=rma.number))


@bp.route("/returns/<uuid:order_return_id>/receive", methods=["POST"])
@login_required("orders:fulfil")
def detail_receive(order_return_id: uuid.UUID) -> Any:
    rma = service.get_return(order_return_id)
    inspection = []
    for x in rma.lines:
        inspection.append(
            {
                "line_id": x["line_id"],
                "restock": request.form.get(f"restock_{x['line_id']}") or 0,
                "damaged": request.form.get(f"damaged_{x['line_id']}") or 0,
            }
        )
    try:
        service.receive_return(order_return_id, inspection=inspection)
    except DomainError as exc:
        return _failed(exc, rma.order_id, f"receive-{rma.id}")
    return _done(rma.order_id, _("Return %(number)s received.", number=rma.number))


from web.orders import manual, settings, shortage  # noqa: E402,F401 - the new-order form, settings, short orders
