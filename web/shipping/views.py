"""Shipping pages: the shipments list (filters, pagination), the orders awaiting labels with
bulk "buy labels", label batches with live progress and one print file, a shipment with its
quotes, label, customs documents, pick and pack steps and tracking timeline, pick lists, and
the rate rules and customs settings."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import DomainError, PermissionDenied, ValidationError
from core.messages import Msg
from core.orders import service as orders
from core.orders import views as order_views
from core.shipping import service
from web.auth import can, login_required
from web.forms import Form, action_failed
from web.i18n import current_locale
from web.labels import channel_label
from web.pagination import paginate

bp = Blueprint("shipping", __name__, url_prefix="/shipping", template_folder="templates")


def _file(content: bytes, mimetype: str, name: str) -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'inline; filename="{name}"'})


def _shipment_filters() -> tuple[dict[str, str], Any]:
    """The list's filters as the page shows them, and the query they select."""
    args = {k: request.args.get(k, "") for k in ("status", "tracking_status", "carrier", "q")}
    stmt = service.shipment_query(
        status=args["status"] if args["status"] in service.STATUSES else None,
        tracking_status=args["tracking_status"] if args["tracking_status"] in service.TRACKING_STATUSES else None,
        carrier=args["carrier"] or None,
        q=args["q"] or None,
    )
    return args, stmt


@bp.route("/")
@login_required("shipping:read")
def index() -> str:
    args, stmt = _shipment_filters()
    return render_template(
        "shipping/index.html",
        page=paginate(stmt),
        args=args,
        statuses=service.STATUSES,
        tracking_statuses=service.TRACKING_STATUSES,
    )


@bp.route("/export")
@login_required("shipping:read")
def index_export() -> Any:
    """The shipments the list's filters (status, tracking, carrier, search) select."""
    from flask import get_template_attribute

    from web import exports

    _args, stmt = _shipment_filters()
    # The labels the list shows, from the one place they are written.
    status = get_template_attribute("shipping/_labels.html", "STATUS")
    tracking = get_template_attribute("shipping/_labels.html", "TRACKING")
    columns = [
        _("Shipment"),
        _("Order"),
        _("Carrier"),
        _("Service"),
        _("Status"),
        _("Tracking number"),
        _("Tracking"),
        _("Cost"),
        _("Currency"),
        _("Created at"),
    ]
    return exports.respond(
        "shipments",
        columns,
        exports.rows_of(stmt),
        lambda s: (
            s.number,
            s.order_number,
            s.carrier,
            s.service,
            str(status.get(s.status, s.status)),
            s.tracking_number or "",
            str(tracking.get(s.tracking_status or "", s.tracking_status)),
            s.amount,
            s.currency if s.amount is not None else "",
            s.created_at,
        ),
    )


# A label batch's own states (LabelBatch.status), as the batches list and its export name them.
BATCH_STATUSES = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done")}


def _awaiting_query() -> Any:
    """Merchant orders allocated to a warehouse and still without a label, oldest first as they
    are to be shipped; `?country=` narrows them to one destination."""
    country = (request.args.get("country") or "").strip().upper()
    return orders.order_query(status=["allocated"], fulfilment="merchant", country=country or None)


def _reveal() -> bool:
    """Whether the reader may see the recipients' names and street addresses (orders:pii), as
    on the orders pages; without it they are masked (core.orders.views)."""
    return can("orders:pii")


@bp.route("/awaiting")
@login_required("shipping:read")
def awaiting() -> str:
    reveal = _reveal()
    form = Form(request.args)
    try:
        stmt = _awaiting_query()
    except DomainError as exc:  # a country that is none: said beside the filter, the whole list shown
        form.fail(exc)
        stmt = orders.order_query(status=["allocated"], fulfilment="merchant")
    return render_template(
        "shipping/awaiting.html",
        page=paginate(stmt, per_page=50),
        form=form,
        reveal=reveal,
        personal=lambda o: order_views.personal(o, reveal),
    )


@bp.route("/awaiting/export")
@login_required("shipping:read")
def awaiting_export() -> Any:
    """The orders awaiting a label (the list's filter), one row each. Recipients' names and
    street addresses are masked unless the reader asks for them with `personal=1`, which
    needs orders:pii (docs/decisions/0016-personal-data-in-exports.md)."""
    from web import exports

    personal = request.args.get("personal") == "1"
    if personal and not _reveal():
        raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission="orders:pii"))
    columns = [
        _("Order"),
        _("Shop"),
        _("Recipient"),
        _("Address"),
        _("City"),
        _("State"),
        _("Postal code"),
        _("Destination"),
        _("Purchased at"),
    ]

    def row(o: Any) -> list[Any]:
        p = order_views.personal(o, personal)
        street = ", ".join(x for x in (p["ship_line1"], p["ship_line2"], p["ship_line3"]) if x)
        return [
            o.number,
            channel_label(o.channel),
            p["ship_name"],
            street,
            o.ship_city,
            o.ship_state,
            o.ship_postal_code,
            o.ship_country,
            o.purchased_at,
        ]

    name = "awaiting-labels-personal" if personal else "awaiting-labels"
    return exports.respond(name, columns, exports.rows_of(_awaiting_query()), row)


def _selected() -> list[str]:
    return [v for v in request.form.getlist("order_id") if v]


@bp.route("/batches", methods=["POST"])
@login_required("shipping:write")
def start_batch() -> Any:
    ids = _selected()
    try:
        batch = service.start_batch(ids, label_format=request.form.get("label_format") or None)
    except DomainError as exc:
        return action_failed(exc, url_for("web.shipping.awaiting"))
    flash(_("Buying labels for %(n)s orders.", n=len(ids)), "success")
    return redirect(url_for("web.shipping.batch", batch_id=batch.id))


@bp.route("/pick-list", methods=["POST"])
@login_required("shipping:read")
def pick_list() -> Any:
    ids = _selected()
    try:
        if not ids:
            raise ValidationError.field("order_ids", Msg("orders.choose_at_least_one"))
        pdf = service.pick_list_pdf(ids)
    except DomainError as exc:
        return action_failed(exc, request.referrer or url_for("web.shipping.index"))
    return _file(pdf, "application/pdf", "pick-list.pdf")


def _slip_locale() -> str:
    chosen = request.form.get("locale") or current_locale()
    return "zh-CN" if chosen.replace("_", "-") == "zh-CN" else chosen


@bp.route("/packing-slips", methods=["POST"])
@login_required("shipping:read")
def packing_slips() -> Any:
    """Packing slips (出库单) of the chosen orders, one page each, in the chosen language (the
    reader's own by default)."""
    try:
        pdf = service.packing_slips_pdf(_selected(), _slip_locale())
    except DomainError as exc:
        return action_failed(exc, request.referrer or url_for("web.shipping.index"))
    return _file(pdf, "application/pdf", "packing-slips.pdf")


@bp.route("/orders/<uuid:order_id>/label")
@login_required("shipping:read")
def order_label(order_id: uuid.UUID) -> Any:
    """The label of the order's live shipment, as it prints (the orders pages' "Print label")."""
    found = orders.get_order(order_id)
    shipment = service.live_shipment(found.id)
    label = service.label_of(shipment) if shipment is not None else None
    if shipment is None or label is None or label.voided_at is not None:
        exc = ValidationError.field("order_id", f"order {found.number} has no label yet: buy it first")
        return action_failed(exc, url_for("web.orders.detail", order_id=found.id))
    content, mimetype, ext = service.print_file([label], label.print_format)
    service.mark_label_printed(shipment)
    return _file(content, mimetype, f"{shipment.number}.{ext}")


def _batch_status() -> str | None:
    wanted = request.args.get("status") or None
    return wanted if wanted in BATCH_STATUSES else None


@bp.route("/batches")
@login_required("shipping:read")
def batches() -> str:
    page = paginate(service.batch_query(status=_batch_status()))
    page.items = service.batch_views(page.items)
    return render_template(
        "shipping/batches.html", page=page, statuses=BATCH_STATUSES, status=request.args.get("status", "")
    )


@bp.route("/batches/export")
@login_required("shipping:read")
def batches_export() -> Any:
    """The label batches the list's filter (status) selects, newest first, with their counts."""
    from web import exports

    columns = [_("Batch"), _("Status"), _("Label format"), _("Orders"), _("Bought"), _("Failed"), _("Created at")]
    return exports.respond(
        "label-batches",
        columns,
        exports.views_of(service.batch_query(status=_batch_status()), service.batch_views),
        lambda b: (
            b["number"],
            str(BATCH_STATUSES.get(b["status"], b["status"])),
            b["label_format"],
            b["summary"]["orders"],
            b["summary"]["bought"],
            b["summary"]["failed"],
            b["created_at"],
        ),
    )


def _batch_context(batch_id: uuid.UUID) -> dict[str, Any]:
    return {"batch": service.batch_view(service.get_batch(batch_id))}


@bp.route("/batches/<uuid:batch_id>")
@login_required("shipping:read")
def batch(batch_id: uuid.UUID) -> str:
    return render_template("shipping/batch.html", **_batch_context(batch_id))


@bp.route("/batches/<uuid:batch_id>/progress")
@login_required("shipping:read")
def batch_progress(batch_id: uuid.UUID) -> str:
    """The batch's progress panel, polled by htmx while it runs."""
    return render_template("shipping/_batch.html", **_batch_context(batch_id))


@bp.route("/batches/<uuid:batch_id>/labels.<fmt>")
@login_required("shipping:read")
def batch_labels(batch_id: uuid.UUID, fmt: str) -> Any:
    batch = service.get_batch(batch_id)
    try:
        content, mimetype, ext = service.print_file(service.batch_labels(batch), fmt.upper())
    except DomainError as exc:
        return action_failed(exc, url_for("web.shipping.batch", batch_id=batch_id))
    return _file(content, mimetype, f"{batch.number}.{ext}")


@bp.route("/batches/<uuid:batch_id>/retry", methods=["POST"])
@login_required("shipping:write")
def batch_retry(batch_id: uuid.UUID) -> Any:
    try:
        service.retry_batch(batch_id)
    except DomainError as exc:
        return action_failed(exc, url_for("web.shipping.batch", batch_id=batch_id))
    flash(_("The failed orders are queued again."), "success")
    return redirect(url_for("web.shipping.batch", batch_id=batch_id))


@bp.route("/orders/<uuid:order_id>")
@login_required("shipping:read")
def order(order_id: uuid.UUID) -> Any:
    """An order's shipping: its live shipment, or the button that buys its label."""
    found = orders.get_order(order_id)
    shipment = service.live_shipment(found.id)
    if shipment is not None:
        return redirect(url_for("web.shipping.detail", shipment_id=shipment.id))
    return render_template("shipping/order.html", order=found, history=service.shipments_of(found.id))


@bp.route("/orders/<uuid:order_id>/label", methods=["POST"])
@login_required("shipping:write")
def buy(order_id: uuid.UUID) -> Any:
    try:
        shipment = service.buy_label(order_id, label_format=request.form.get("label_format") or None)
    except DomainError as exc:
        return action_failed(exc, url_for("web.shipping.order", order_id=order_id))
    flash(_("Label bought: %(number)s.", number=shipment.tracking_number), "success")
    return redirect(url_for("web.shipping.detail", shipment_id=shipment.id))


@bp.route("/orders/<uuid:order_id>/quotes", methods=["POST"])
@login_required("shipping:write")
def quote(order_id: uuid.UUID) -> Any:
    try:
        shipment = service.quote_order(order_id)
    except DomainError as exc:
        return action_failed(exc, url_for("web.shipping.order", order_id=order_id))
    return redirect(url_for("web.shipping.detail", shipment_id=shipment.id))


@bp.route("/<uuid:shipment_id>")
@login_required("shipping:read")
def detail(shipment_id: uuid.UUID) -> str:
    d = service.detail(service.get_shipment(shipment_id))
    return render_template("shipping/detail.html", s=d)


@bp.route("/<uuid:shipment_id>/label.<fmt>")
@login_required("shipping:read")
def label(shipment_id: uuid.UUID, fmt: str) -> Any:
    shipment = service.get_shipment(shipment_id)
    try:
        content, mimetype, ext = service.print_file(service.labels_of([shipment.id]), fmt.upper())
    except DomainError as exc:
        return action_failed(exc, url_for("web.shipping.detail", shipment_id=shipment_id))
    service.mark_label_printed(shipment)
    return _file(content, mimetype, f"{shipment.number}.{ext}")


@bp.route("/<uuid:shipment_id>/documents/<kind>.pdf")
@login_required("shipping:read")
def document(shipment_id: uuid.UUID, kind: str) -> Any:
    doc = service.get_document(service.get_shipment(shipment_id), kind)
    return _file(doc.content, "application/pdf", f"{doc.number}.pdf")


def _action(name: str, call: Any, message: Any) -> None:
    def view(shipment_id: uuid.UUID) -> Any:
        try:
            call(shipment_id)
        except DomainError as exc:
            return action_failed(exc, url_for("web.shipping.detail", shipment_id=shipment_id))
        flash(str(message), "success")
        return redirect(url_for("web.shipping.detail", shipment_id=shipment_id))

    view.__name__ = f"detail_{name.replace('-', '_')}"
    bp.route(f"/<uuid:shipment_id>/{name}", methods=["POST"], endpoint=view.__name__)(
        login_required("shipping:write")(view)
    )


def _scans() -> list[str]:
    return [s.strip() for s in request.form.get("scans", "").replace(",", "\n").splitlines() if s.strip()]


def _picked() -> dict[str, Any]:
    return {k[len("picked.") :]: (v.strip() or "0") for k, v in request.form.items() if k.startswith("picked.")}


def _weight() -> Any:
    return request.form.get("weight_g") or None


_action("void", lambda sid: service.void(sid), _l("The label is voided."))
_action("pick", lambda sid: service.record_pick(sid, _picked()), _l("The pick is recorded."))
_action(
    "pack", lambda sid: service.pack(sid, _scans(), weight_g=_weight()), _l("Packed: the parcel matches the order.")
)
_action("hand-over", lambda sid: service.hand_over(sid, weight_g=_weight()), _l("Handed over: the order is shipped."))
_action("track", lambda sid: service.track([service.get_shipment(sid)]), _l("Tracking updated."))


@bp.route("/settings")
@login_required("shipping:read")
def settings() -> str:
    row = service.get_settings()
    return render_template(
        "shipping/settings.html", s=service.settings_view(row), rules=json.dumps(row.rate_rules, indent=2)
    )


@bp.route("/settings", methods=["POST"])
@login_required("shipping:write")
def save_settings() -> Any:
    try:
        rules = json.loads(request.form.get("rate_rules") or "[]")
    except ValueError:
        return action_failed(ValidationError.field("rate_rules", "is not valid JSON"), url_for(".settings"))
    try:
        service.update_settings(
            rate_rules=rules,
            **{k: request.form.get(k, "") for k in ("label_format", "incoterm", "export_reason")},
            **{k: request.form.get(k, "") for k in ("eori", "ioss", "vat_number")},
        )
    except DomainError as exc:
        return action_failed(exc, url_for(".settings"))
    flash(_("Shipping settings saved."), "success")
    return redirect(url_for(".settings"))
