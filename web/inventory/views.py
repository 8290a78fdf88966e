"""Inventory pages: stock by warehouse with every bucket, one SKU's ledger, low stock,
warehouses and bins, transfers, first-leg shipments, stocktakes (counting works on a phone)
and kit orders. Every rule lives in core.inventory.service; these views parse forms, call it
and render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import session
from core.errors import DomainError, InvalidTransition, ValidationError
from core.inventory.models import WAREHOUSE_TYPES, Location, Transfer, Warehouse
from core.inventory.service import kits, reports, stocktakes, transfers, warehouses
from core.inventory.service import skus as sku_lookup
from core.inventory.service.labels import box_labels_pdf
from core.money import Money, is_currency
from web.auth import current_tenant, login_required
from web.forms import Form, action_failed
from web.pagination import paginate
from web.portal import current_locale_is_chinese

bp = Blueprint("inventory", __name__, url_prefix="/inventory", template_folder="templates")

TYPE_LABELS = {
    "domestic": _l("Domestic (self-run)"),
    "overseas_3pl": _l("Overseas 3PL"),
    "platform": _l("Platform (e.g. Amazon FBA)"),
    "virtual": _l("Virtual"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "allocated": _l("Allocated"),
    "shipped": _l("Shipped"),
    "partially_received": _l("Partially received"),
    "received": _l("Received"),
    "cancelled": _l("Cancelled"),
    "counting": _l("Counting"),
    "posted": _l("Posted"),
    "open": _l("Open"),
    "completed": _l("Completed"),
}
STATUS_TONES = {
    "draft": "draft",
    "allocated": "queued",
    "shipped": "running",
    "partially_received": "retrying",
    "received": "succeeded",
    "cancelled": "inactive",
    "counting": "running",
    "posted": "succeeded",
    "open": "queued",
    "completed": "succeeded",
}
KIND_LABELS = {"transfer": _l("Transfer"), "first_leg": _l("First-leg shipment")}
BUCKET_LABELS = {
    "on_hand": _l("On hand"),
    "qc_pending": _l("In QC"),
    "unsellable": _l("Unsellable"),
    "inbound_ordered": lazy_pgettext("stock", "On order"),
    "in_transit": _l("In transit"),
    None: _l("outside"),
}
MOVEMENT_LABELS = {
    "po_ordered": _l("Purchase order approved"),
    "po_cancelled": _l("Purchase order cancelled"),
    "purchase_receipt": _l("Purchase receipt"),
    "qc_pass": _l("QC passed"),
    "qc_reject": _l("QC rejected"),
    "return_to_supplier": _l("Returned to supplier"),
    "order_shipment": _l("Order shipped"),
    "customer_return": _l("Customer return"),
    "transfer_out": _l("Transfer shipped"),
    "transfer_in": _l("Transfer received"),
    "transfer_shortfall": _l("Transfer shortfall"),
    "first_leg_out": _l("First leg shipped"),
    "first_leg_in": _l("First leg received"),
    "first_leg_shortfall": _l("First leg shortfall"),
    "stocktake_gain": _l("Stocktake gain"),
    "stocktake_loss": _l("Stocktake loss"),
    "kit_assembly": _l("Kit assembly"),
    "kit_disassembly": _l("Kit disassembly"),
    "borrow_out": _l("Lent out"),
    "borrow_return": _l("Returned by borrower"),
    "requisition": _l("Requisition"),
    "scrap": _l("Scrapped"),
    "platform_reconciliation": _l("Platform reconciliation"),
    "opening_balance": _l("Opening balance"),
}
LINE_ROWS = 6
BOX_ROWS = 4
WAREHOUSE_FIELDS = (
    "code",
    "name",
    "type",
    "operator",
    "marketplace",
    "country",
    "priority",
    "contact_name",
    "company",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "note",
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    def label(table: dict[Any, Any]) -> Callable[[Any], str]:
        return lambda code: str(table.get(code, code or "—"))

    return {
        "type_label": label(TYPE_LABELS),
        "status_label": label(STATUS_LABELS),
        "status_tone": lambda s: STATUS_TONES.get(s, s),
        "bucket_label": label(BUCKET_LABELS),
        "movement_label": label(MOVEMENT_LABELS),
        "kind_label": label(KIND_LABELS),
    }


def _warehouse_options(blank: str | None = None, active_only: bool = True) -> list[tuple[str, str]]:
    rows = session.execute(warehouses.list_warehouses(active=True if active_only else None)).scalars()
    out = [("", blank)] if blank is not None else []
    return out + [(str(w.id), f"{w.code} · {w.name}") for w in rows]


def _warehouse_codes() -> dict[uuid.UUID, str]:
    return dict(session.execute(select(Warehouse.id, Warehouse.code)).all())


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _sku_id(code: str, field: str, errors: dict[str, list[str]]) -> uuid.UUID | None:
    """A SKU typed by its code (or pasted as an id)."""
    code = (code or "").strip()
    if not code:
        return None
    found = sku_lookup.id_by_code(code)
    if found is not None:
        return found
    sku_id = _uuid(code)
    if sku_id is not None:
        try:
            sku_lookup.kit_types([sku_id])
            return sku_id
        except DomainError:
            pass
    errors.setdefault(field, []).append(_("No SKU with this code."))
    return None


def _int(value: str, field: str, errors: dict[str, list[str]], minimum: int = 0) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return None
    if number < minimum:
        errors.setdefault(field, []).append(_("Must be at least %(n)s.", n=minimum))
        return None
    return number


def _decimal(value: str, field: str, errors: dict[str, list[str]], required: bool = True) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        if required:
            errors.setdefault(field, []).append(_("Required."))
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _state_failed(exc: InvalidTransition, target: str) -> Any:
    session.rollback()
    flash(_("Not possible while it is %(state)s.", state=STATUS_LABELS.get(exc.current, exc.current)), "error")
    return redirect(target)


# ---------------------------------------------------------------------------------------------
# Stock


@bp.route("/")
@login_required("inventory:read")
def index() -> str:
    from core.catalog.service import sku_titles

    filters = _stock_filters()
    page = paginate(reports.stock_query(**filters), scalars=False)
    page.items = [reports.stock_row(r) for r in page.items]
    currency = current_tenant().functional_currency
    return render_template(
        "inventory/index.html",
        page=page,
        args=request.args,
        currency=currency,
        titles=sku_titles({r["sku_id"] for r in page.items}, chinese=current_locale_is_chinese()),
        totals=reports.stock_totals(**filters),
        warehouse_options=_warehouse_options(str(_("All warehouses")), active_only=False),
    )


def _stock_filters() -> dict[str, Any]:
    args = request.args
    return {
        "warehouse_id": _uuid(args.get("warehouse_id")),
        "q": args.get("q") or None,
        "low_stock": args.get("low") == "1",
    }


STOCK_COLUMNS = (
    _l("SKU"),
    _l("Product"),
    _l("Warehouse"),
    _l("On hand"),
    _l("Reserved"),
    _l("Available"),
    _l("In QC"),
    _l("Unsellable"),
    lazy_pgettext("stock", "On order"),
    _l("In transit"),
    _l("Projected"),
    _l("Safety stock"),
    _l("Unit cost"),
    _l("Value"),
    _l("Currency"),
)


@bp.route("/export")
@login_required("inventory:read")
def index_export() -> Any:
    """The stock rows the page's filters select, with product names, as CSV or XLSX."""
    from core.catalog.service import sku_titles
    from web import exports

    titles: dict[uuid.UUID, tuple[str, str]] = {}

    def prepare(chunk: list[Any]) -> None:
        titles.clear()
        titles.update(sku_titles({r[0].sku_id for r in chunk}, chinese=current_locale_is_chinese()))

    def row(r: Any) -> tuple[Any, ...]:
        x = reports.stock_row(r)
        name = titles.get(x["sku_id"], ("", ""))[1]
        return (
            x["sku_code"], name, x["warehouse_code"], x["on_hand"], x["reserved"], x["available"], x["qc_pending"],
            x["unsellable"], x["inbound_ordered"], x["in_transit"], x["projected"], x["safety_stock"],
            x["unit_cost"], x["stock_value"], x["currency"],
        )  # fmt: skip

    return exports.respond(
        "stock",
        [str(c) for c in STOCK_COLUMNS],
        exports.rows_of(reports.stock_query(**_stock_filters()), scalars=False, prepare=prepare),
        row,
    )


@bp.route("/ledger/<uuid:sku_id>")
@login_required("inventory:read")
def index_ledger(sku_id: uuid.UUID) -> str:
    code = sku_lookup.codes([sku_id]).get(sku_id)
    if code is None:
        abort(404)
    warehouse_id = _uuid(request.args.get("warehouse_id"))
    page = paginate(reports.ledger_query(sku_id, warehouse_id=warehouse_id), per_page=50, scalars=False)
    page.items = [reports.ledger_row(r) for r in page.items]
    return render_template(
        "inventory/ledger.html",
        page=page,
        sku_id=sku_id,
        sku_code=code,
        args=request.args,
        warehouse_options=_warehouse_options(str(_("All warehouses")), active_only=False),
    )


@bp.route("/low")
@login_required("inventory:read")
def low() -> str:
    warehouse_id = _uuid(request.args.get("warehouse_id"))
    rows = reports.low_stock(warehouse_id=warehouse_id)
    return render_template(
        "inventory/low.html",
        rows=rows,
        args=request.args,
        warehouse_options=_warehouse_options(str(_("All warehouses")), active_only=False),
    )


@bp.route("/age")
@login_required("inventory:read")
def age() -> str:
    rows = reports.stock_age(warehouse_id=_uuid(request.args.get("warehouse_id")))
    return render_template(
        "inventory/age.html",
        rows=rows,
        args=request.args,
        bands=[b[2] for b in reports.AGE_BANDS],
        warehouse_options=_warehouse_options(str(_("All warehouses")), active_only=False),
    )


# ---------------------------------------------------------------------------------------------
# Warehouses and bins


@bp.route("/warehouses", endpoint="warehouses")
@login_required("inventory:read")
def warehouse_list() -> str:
    return render_template(
        "inventory/warehouses.html",
        page=paginate(warehouses.list_warehouses(q=request.args.get("q") or None)),
        args=request.args,
    )


def _warehouse_form_options() -> dict[str, Any]:
    return {"type_options": [(t, str(TYPE_LABELS[t])) for t in WAREHOUSE_TYPES]}


def _warehouse_payload(form: Form) -> dict[str, Any]:
    data = {k: form[k] for k in WAREHOUSE_FIELDS}
    errors: dict[str, list[str]] = {}
    data["priority"] = _int(form["priority"] or "100", "priority", errors)
    _raise(errors)
    data["active"] = form.checked("active")
    return data


@bp.route("/warehouses/new", methods=["GET", "POST"])
@login_required("inventory:write")
def warehouses_new() -> Any:
    form = Form(request.form, type="domestic", country="CN", priority="100", active="on")
    if request.method == "POST":
        try:
            wh = warehouses.create_warehouse(**_warehouse_payload(form))
        except DomainError as exc:
            return form.failed(exc, "inventory/warehouse_form.html", warehouse=None, **_warehouse_form_options())
        flash(_("Warehouse %(code)s added.", code=wh.code), "success")
        return redirect(url_for(".warehouses_detail", warehouse_id=wh.id))
    return render_template("inventory/warehouse_form.html", form=form, warehouse=None, **_warehouse_form_options())


def _render_warehouse(
    warehouse_id: uuid.UUID, form: Form | None = None, bin_form: Form | None = None, status: int = 200
) -> Any:
    wh = warehouses.get_warehouse(warehouse_id)
    if form is None:
        defaults = {k: "" if getattr(wh, k) is None else str(getattr(wh, k)) for k in WAREHOUSE_FIELDS}
        defaults["active"] = "on" if wh.active else ""
        form = Form(None, **defaults)
    bins = list(session.execute(warehouses.list_locations(warehouse_id)).scalars())
    return render_template(
        "inventory/warehouse.html",
        warehouse=wh,
        form=form,
        bins=bins,
        bin_form=bin_form or Form(None),
        **_warehouse_form_options(),
    ), status


@bp.route("/warehouses/<uuid:warehouse_id>", methods=["GET"])
@login_required("inventory:read")
def warehouses_detail(warehouse_id: uuid.UUID) -> Any:
    return _render_warehouse(warehouse_id)


@bp.route("/warehouses/<uuid:warehouse_id>", methods=["POST"])
@login_required("inventory:write")
def warehouses_save(warehouse_id: uuid.UUID) -> Any:
    form = Form(request.form)
    try:
        warehouses.update_warehouse(warehouse_id, **_warehouse_payload(form))
    except DomainError as exc:
        form.fail(exc)
        return _render_warehouse(warehouse_id, form=form, status=exc.status_code)
    flash(_("Warehouse saved."), "success")
    return redirect(url_for(".warehouses_detail", warehouse_id=warehouse_id))


@bp.route("/warehouses/<uuid:warehouse_id>/bins", methods=["POST"])
@login_required("inventory:write")
def warehouses_bins(warehouse_id: uuid.UUID) -> Any:
    form = Form(request.form)
    try:
        loc = warehouses.create_location(warehouse_id, code=form["code"], name=form["name"])
    except DomainError as exc:
        form.fail(exc)
        return _render_warehouse(warehouse_id, bin_form=form, status=exc.status_code)
    flash(_("Bin %(code)s added.", code=loc.code), "success")
    return redirect(url_for(".warehouses_detail", warehouse_id=warehouse_id))


# ---------------------------------------------------------------------------------------------
# Transfers and first-leg shipments: one document, two lists


def _kind_views(kind: str) -> dict[str, str]:
    base = "transfers" if kind == "transfer" else "first_leg"
    return {
        "list": base,
        "new": f"{base}_new",
        "detail": f"{base}_detail",
        "action": f"{base}_action",
        "export": f"{base}_export",
    }


def _transfer_list(kind: str) -> str:
    args = request.args
    stmt = transfers.list_transfers(kind, status=args.get("status") or None, q=args.get("q") or None)
    # The list shows each transfer's total quantity: load the page's lines in one query.
    stmt = stmt.options(selectinload(Transfer.lines))
    return render_template(
        "inventory/transfers.html",
        page=paginate(stmt),
        kind=kind,
        views=_kind_views(kind),
        args=args,
        codes=_warehouse_codes(),
    )


@bp.route("/transfers", endpoint="transfers")
@login_required("inventory:read")
def transfer_list() -> str:
    return _transfer_list("transfer")


@bp.route("/first-leg")
@login_required("inventory:read")
def first_leg() -> str:
    return _transfer_list("first_leg")


def _lines_from(form: Form, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    lines = []
    for n in range(1, LINE_ROWS + 1):
        sku = _sku_id(form[f"sku_{n}"], f"sku_{n}", errors)
        if sku is None:
            continue
        qty = _int(form[f"qty_{n}"], f"qty_{n}", errors, minimum=1)
        if qty:
            lines.append({"sku_id": sku, "quantity": qty})
    if not lines and not errors:
        errors["sku_1"] = [_("Add at least one SKU and quantity.")]
    return lines


def _transfer_new(kind: str) -> Any:
    form = Form(request.form)
    context = {
        "kind": kind,
        "views": _kind_views(kind),
        "rows": range(1, LINE_ROWS + 1),
        "warehouse_options": _warehouse_options("—"),
    }
    if request.method == "POST":
        try:
            errors: dict[str, list[str]] = {}
            lines = _lines_from(form, errors)
            _raise(errors)
            extra = {"note": form["note"]}
            if kind == "first_leg":
                extra.update(platform_reference=form["platform_reference"], shipping_method=form["shipping_method"])
            t = transfers.create_transfer(
                kind=kind,
                source_warehouse_id=_uuid(form["source_warehouse_id"]),
                destination_warehouse_id=_uuid(form["destination_warehouse_id"]),
                lines=lines,
                **extra,
            )
        except DomainError as exc:
            return form.failed(exc, "inventory/transfer_form.html", **context)
        flash(_("%(number)s created as a draft.", number=t.number), "success")
        return redirect(url_for(f".{_kind_views(kind)['detail']}", transfer_id=t.id))
    return render_template("inventory/transfer_form.html", form=form, **context)


@bp.route("/transfers/new", methods=["GET", "POST"])
@login_required("inventory:write")
def transfers_new() -> Any:
    return _transfer_new("transfer")


@bp.route("/first-leg/new", methods=["GET", "POST"])
@login_required("inventory:write")
def first_leg_new() -> Any:
    return _transfer_new("first_leg")


def _render_transfer(kind: str, transfer_id: uuid.UUID, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    t = transfers.get_transfer(transfer_id, kind)
    forms = forms or {}
    codes = sku_lookup.codes(
        [*(ln.sku_id for ln in t.lines), *(uuid.UUID(i["sku_id"]) for b in t.boxes for i in b.contents)]
    )
    return render_template(
        "inventory/transfer.html",
        t=t,
        kind=kind,
        views=_kind_views(kind),
        codes=codes,
        whs=_warehouse_codes(),
        box_codes={str(k): v for k, v in codes.items()},
        ship_form=forms.get("ship")
        or Form(
            None,
            carrier=t.carrier,
            tracking_number=t.tracking_number,
            shipping_method=t.shipping_method,
            freight_currency="USD",
            duty_currency="USD",
        ),
        receive_form=forms.get("receive") or Form(None, **{f"recv_{ln.id}": ln.outstanding for ln in t.lines}),
        box_form=forms.get("boxes") or _box_defaults(t, codes),
        box_rows=range(1, BOX_ROWS + 1),
        boxed=transfers.boxed_quantities(t) if kind == "first_leg" else {},
    ), status


def _box_defaults(t: Transfer, codes: dict[uuid.UUID, str]) -> Form:
    defaults: dict[str, Any] = {}
    for n, box in enumerate(t.boxes[:BOX_ROWS], start=1):
        item = box.contents[0] if box.contents else {}
        defaults.update(
            {
                f"count_{n}": box.count,
                f"length_{n}": box.length_cm,
                f"width_{n}": box.width_cm,
                f"height_{n}": box.height_cm,
                f"weight_{n}": box.weight_kg,
                f"box_sku_{n}": codes.get(uuid.UUID(item["sku_id"])) if item else "",
                f"box_qty_{n}": item.get("quantity", ""),
            }
        )
    return Form(None, **defaults)


@bp.route("/transfers/<uuid:transfer_id>")
@login_required("inventory:read")
def transfers_detail(transfer_id: uuid.UUID) -> Any:
    return _render_transfer("transfer", transfer_id)


@bp.route("/first-leg/<uuid:transfer_id>")
@login_required("inventory:read")
def first_leg_detail(transfer_id: uuid.UUID) -> Any:
    return _render_transfer("first_leg", transfer_id)


def _money(form: Form, amount: str, currency: str, errors: dict[str, list[str]]) -> Money | None:
    value = _decimal(form[amount], amount, errors, required=False)
    if value is None:
        return None
    if not is_currency(form[currency]):
        errors.setdefault(currency, []).append(_("Use an ISO 4217 code such as USD."))
        return None
    return Money(value, form[currency])


def _transfer_action(kind: str, transfer_id: uuid.UUID, action: str) -> Any:
    target = url_for(f".{_kind_views(kind)['detail']}", transfer_id=transfer_id)
    form = Form(request.form)
    try:
        if action == "allocate":
            transfers.allocate(transfer_id, kind)
            flash(_("Allocated: the units are reserved at the source."), "success")
        elif action == "cancel":
            transfers.cancel(transfer_id, kind, form["reason"])
            flash(_("Cancelled."), "success")
        elif action == "ship":
            errors: dict[str, list[str]] = {}
            freight = _money(form, "freight_amount", "freight_currency", errors) if kind == "first_leg" else None
            duty = _money(form, "duty_amount", "duty_currency", errors) if kind == "first_leg" else None
            _raise(errors)
            transfers.ship(
                transfer_id,
                kind,
                carrier=form["carrier"],
                tracking_number=form["tracking_number"],
                shipping_method=form["shipping_method"] or None,
                freight_cost=freight,
                duty=duty,
            )
            flash(_("Shipped: the units are in transit."), "success")
        elif action == "receive":
            t = transfers.get_transfer(transfer_id, kind)
            errors = {}
            receipts = []
            for ln in t.lines:
                if not ln.outstanding:
                    continue
                qty = _int(form[f"recv_{ln.id}"] or "0", f"recv_{ln.id}", errors)
                if qty is not None:
                    receipts.append(transfers.Receipt(ln.sku_id, qty, form[f"note_{ln.id}"]))
            _raise(errors)
            t = transfers.receive(
                transfer_id,
                kind,
                receipts,
                key=f"portal:{kind}:{transfer_id}:{uuid.uuid4()}",
                complete=form.checked("complete"),
                shortfall_reason=form["shortfall_reason"],
                to_qc=form.checked("to_qc"),
            )
            flash(_("Receipt posted: %(status)s.", status=STATUS_LABELS[t.status]), "success")
        elif action == "boxes" and kind == "first_leg":
            _save_boxes(transfer_id, form)
            flash(_("Box plan saved."), "success")
        else:
            abort(404)
    except InvalidTransition as exc:
        return _state_failed(exc, target)
    except DomainError as exc:
        if action in ("ship", "receive", "boxes"):
            form.fail(exc)
            return _render_transfer(kind, transfer_id, forms={action: form}, status=exc.status_code)
        return action_failed(exc, target)
    return redirect(target)


def _save_boxes(transfer_id: uuid.UUID, form: Form) -> None:
    errors: dict[str, list[str]] = {}
    plans = []
    for n in range(1, BOX_ROWS + 1):
        if not form[f"box_sku_{n}"]:
            continue
        sku = _sku_id(form[f"box_sku_{n}"], f"box_sku_{n}", errors)
        qty = _int(form[f"box_qty_{n}"], f"box_qty_{n}", errors, minimum=1)
        count = _int(form[f"count_{n}"] or "1", f"count_{n}", errors, minimum=1)
        dims = [_decimal(form[f"{d}_{n}"], f"{d}_{n}", errors) for d in ("length", "width", "height", "weight")]
        if sku and qty and count and all(d is not None for d in dims):
            plans.append(transfers.BoxPlan(dims[0], dims[1], dims[2], dims[3], {sku: qty}, count))
    if not plans and not errors:
        errors["box_sku_1"] = [_("Describe at least one carton.")]
    _raise(errors)
    transfers.set_boxes(transfer_id, plans)


@bp.route("/transfers/<uuid:transfer_id>/do/<action>", methods=["POST"])
@login_required("inventory:write")
def transfers_action(transfer_id: uuid.UUID, action: str) -> Any:
    return _transfer_action("transfer", transfer_id, action)


@bp.route("/first-leg/<uuid:transfer_id>/do/<action>", methods=["POST"])
@login_required("inventory:write")
def first_leg_action(transfer_id: uuid.UUID, action: str) -> Any:
    return _transfer_action("first_leg", transfer_id, action)


@bp.route("/first-leg/<uuid:transfer_id>/labels.pdf")
@login_required("inventory:read")
def first_leg_labels(transfer_id: uuid.UUID) -> Response:
    t = transfers.get_transfer(transfer_id, "first_leg")
    return Response(
        box_labels_pdf(t),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{t.number}-labels.pdf"'},
    )


# ---------------------------------------------------------------------------------------------
# Stocktakes


@bp.route("/stocktakes", endpoint="stocktakes")
@login_required("inventory:read")
def stocktake_list() -> str:
    stmt = stocktakes.list_stocktakes(status=request.args.get("status") or None)
    return render_template(
        "inventory/stocktakes.html", page=paginate(stmt), codes=_warehouse_codes(), args=request.args
    )


@bp.route("/stocktakes/new", methods=["GET", "POST"])
@login_required("inventory:write")
def stocktakes_new() -> Any:
    form = Form(request.form, scope="cycle")
    context = {"warehouse_options": _warehouse_options("—")}
    if request.method == "POST":
        try:
            errors: dict[str, list[str]] = {}
            sku_ids = [_sku_id(code, "sku_codes", errors) for code in form["sku_codes"].split()]
            sku_ids = [s for s in sku_ids if s is not None]
            bins = []
            bin_codes = form["bin_codes"].split()
            known = (
                dict(
                    session.execute(
                        select(Location.code, Location.id).where(
                            Location.warehouse_id == _uuid(form["warehouse_id"]), Location.code.in_(bin_codes)
                        )
                    ).all()
                )
                if bin_codes
                else {}
            )
            for code in bin_codes:
                if code not in known:
                    errors.setdefault("bin_codes", []).append(_("No bin %(code)s in this warehouse.", code=code))
                else:
                    bins.append(known[code])
            _raise(errors)
            st = stocktakes.create_stocktake(
                warehouse_id=_uuid(form["warehouse_id"]),
                scope=form["scope"],
                sku_ids=sku_ids,
                location_ids=bins,
                note=form["note"],
            )
        except DomainError as exc:
            return form.failed(exc, "inventory/stocktake_form.html", **context)
        flash(_("Stocktake %(number)s created.", number=st.number), "success")
        return redirect(url_for(".stocktakes_detail", stocktake_id=st.id))
    return render_template("inventory/stocktake_form.html", form=form, **context)


def _render_stocktake(stocktake_id: uuid.UUID, form: Form | None = None, status: int = 200) -> Any:
    var = stocktakes.variance(stocktake_id)
    st = var.stocktake
    codes = sku_lookup.codes(ln.sku_id for ln in st.lines)
    bins = dict(
        session.execute(select(Location.id, Location.code).where(Location.warehouse_id == st.warehouse_id)).all()
    )
    if form is None:
        form = Form(
            None, **{f"count_{v.line.sku_id}": "" if v.line.counted is None else v.line.counted for v in var.lines}
        )
    return render_template(
        "inventory/stocktake.html",
        st=st,
        var=var,
        codes=codes,
        bins=bins,
        form=form,
        warehouse=warehouses.get_warehouse(st.warehouse_id),
    ), status


@bp.route("/stocktakes/<uuid:stocktake_id>")
@login_required("inventory:read")
def stocktakes_detail(stocktake_id: uuid.UUID) -> Any:
    return _render_stocktake(stocktake_id)


@bp.route("/stocktakes/<uuid:stocktake_id>/do/<action>", methods=["POST"])
@login_required("inventory:write")
def stocktakes_action(stocktake_id: uuid.UUID, action: str) -> Any:
    target = url_for(".stocktakes_detail", stocktake_id=stocktake_id)
    form = Form(request.form)
    try:
        if action == "start":
            stocktakes.start_counting(stocktake_id)
            flash(_("Counting started: the book is snapshotted."), "success")
        elif action == "counts":
            errors: dict[str, list[str]] = {}
            counts = []
            st = stocktakes.get_stocktake(stocktake_id)
            for ln in st.lines:
                raw = form[f"count_{ln.sku_id}"]
                if raw == "":
                    continue
                qty = _int(raw, f"count_{ln.sku_id}", errors)
                if qty is not None:
                    counts.append(stocktakes.Count(ln.sku_id, qty))
            if form["extra_sku"]:
                sku = _sku_id(form["extra_sku"], "extra_sku", errors)
                qty = _int(form["extra_count"], "extra_count", errors)
                if sku and qty is not None:
                    counts.append(stocktakes.Count(sku, qty))
            _raise(errors)
            if not counts:
                raise ValidationError.field("counts", _("Enter at least one count."))
            stocktakes.enter_counts(stocktake_id, counts)
            flash(_("Counts saved: %(n)s.", n=len(counts)), "success")
        elif action == "csv":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise ValidationError.field("file", _("Choose a CSV file."))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError.field("file", _("Save the CSV as UTF-8.")) from None
            stocktakes.import_counts_csv(stocktake_id, text)
            flash(_("Counts imported."), "success")
        elif action == "post":
            stocktakes.post_stocktake(stocktake_id)
            flash(_("Posted: gains and losses are in the ledger."), "success")
        elif action == "cancel":
            stocktakes.cancel_stocktake(stocktake_id)
            flash(_("Cancelled."), "success")
        else:
            abort(404)
    except InvalidTransition as exc:
        return _state_failed(exc, target)
    except DomainError as exc:
        if action in ("counts", "csv"):
            form.fail(exc)
            return _render_stocktake(stocktake_id, form=form, status=exc.status_code)
        return action_failed(exc, target)
    return redirect(target + ("#variance" if action == "counts" else ""))


# ---------------------------------------------------------------------------------------------
# Kit orders


@bp.route("/kits", methods=["GET"], endpoint="kits")
@login_required("inventory:read")
def kit_list() -> Any:
    return _render_kits(Form(None, kind="assembly", quantity="1"))


def _render_kits(form: Form, status: int = 200) -> Any:
    page = paginate(kits.list_kit_orders(status=request.args.get("status") or None))
    codes = sku_lookup.codes(o.kit_sku_id for o in page.items)
    return render_template(
        "inventory/kits.html",
        page=page,
        form=form,
        codes=codes,
        whs=_warehouse_codes(),
        warehouse_options=_warehouse_options("—"),
        args=request.args,
    ), status


@bp.route("/kits", methods=["POST"])
@login_required("inventory:write")
def kits_new() -> Any:
    form = Form(request.form)
    try:
        errors: dict[str, list[str]] = {}
        kit = _sku_id(form["kit_sku"], "kit_sku", errors)
        qty = _int(form["quantity"], "quantity", errors, minimum=1)
        _raise(errors)
        order = kits.create_kit_order(
            kind=form["kind"], kit_sku_id=kit, warehouse_id=_uuid(form["warehouse_id"]), quantity=qty, note=form["note"]
        )
    except DomainError as exc:
        if isinstance(exc, ValidationError) and "kit_sku_id" in exc.errors:
            exc.errors["kit_sku"] = exc.errors.pop("kit_sku_id")
        form.fail(exc)
        return _render_kits(form, status=exc.status_code)
    flash(_("Kit order %(number)s opened; what it uses is reserved.", number=order.number), "success")
    return redirect(url_for(".kits"))


@bp.route("/kits/<uuid:order_id>/do/<action>", methods=["POST"])
@login_required("inventory:write")
def kits_action(order_id: uuid.UUID, action: str) -> Any:
    target = url_for(".kits")
    try:
        if action == "complete":
            order = kits.complete_kit_order(order_id)
            flash(_("%(number)s completed.", number=order.number), "success")
        elif action == "cancel":
            order = kits.cancel_kit_order(order_id)
            flash(_("%(number)s cancelled.", number=order.number), "success")
        else:
            abort(404)
    except InvalidTransition as exc:
        return _state_failed(exc, target)
    except DomainError as exc:
        return action_failed(exc, target)
    return redirect(target)


from web.inventory import adjustments, downloads  # noqa: E402, F401 - pages on this blueprint
