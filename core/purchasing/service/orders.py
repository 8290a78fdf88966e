"""Purchase orders: one supplier, one destination warehouse, one currency.

    draft --approve--> approved --receive--> partially_received --receive--> received
      |      \\                    \\                 \\
      |       +-- (total above the second-approval threshold) --> pending_second_approval
      |                                    --approve (someone else)--> approved
      +--cancel--> cancelled   (also from pending_second_approval, and from approved while
                                nothing has arrived)
    approved | partially_received --terminate the remaining quantity--> closed

Sending the order to the supplier and the supplier's confirmation are recorded on an approved
order without changing its status, as are the supplier's tracking numbers.

Stock: approval raises the destination's `inbound_ordered` (inventory.expect_inbound);
receipts lower it (inventory.receive_purchase, see receiving.py); terminating and cancelling
lower it by what is still expected (inventory.cancel_inbound). Every call carries an
idempotency key derived from this order's ids.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import func, or_, select

from core import validation as f
from core.db import locked, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.events import emit
from core.inventory import service as inventory
from core.inventory.service import Doc, Line
from core.messages import Msg
from core.money import RateNotFound, find_rate, round_money
from core.numbering import next_number
from core.purchasing import events
from core.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderTracking,
    StockingRequest,
)
from core.purchasing.service import requests as stocking
from core.purchasing.service.common import (
    actor_identity,
    actor_label,
    as_uuid,
    functional_currency,
    get,
    local_date,
    require_destination,
    require_separate_approver,
    scale,
    sku_names,
    supplier_labels,
    warehouse_codes,
)
from core.purchasing.service.settings import get_settings

RECEIVABLE = ("approved", "partially_received")
AWAITING_APPROVAL = ("draft", "pending_second_approval")
HEADER_FIELDS = ("expected_date", "supplier_reference", "note", "fx_rate", "fx_source", "fx_date")
TABLE_SOURCE = "rates table: "  # the source of a rate copied from the dated rates table


def doc(order: PurchaseOrder) -> Doc:
    return Doc("purchase_order", order.id, order.number)


def functional_total(order: PurchaseOrder) -> Decimal:
    """The order's total in the tenant's functional currency, at the order's rate."""
    return round_money(order.total * order.fx_rate, functional_currency())


# ---------------------------------------------------------------------------------------------
# Queries


def order_query(
    *,
    status: Iterable[str] | str | None = None,
    supplier_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
    q: str | None = None,
) -> Any:
    """Orders, newest first. `q` matches the order number, the supplier's reference and
    tracking numbers."""
    stmt = select(PurchaseOrder)
    if status:
        stmt = stmt.where(PurchaseOrder.status.in_([status] if isinstance(status, str) else list(status)))
    if supplier_id:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    if warehouse_id:
        stmt = stmt.where(PurchaseOrder.warehouse_id == warehouse_id)
    if q and q.strip():
        like = f"%{q.strip()}%"
        tracked = select(PurchaseOrderTracking.purchase_order_id).where(
            PurchaseOrderTracking.tracking_number.ilike(like)
        )
        stmt = stmt.where(
            or_(
                PurchaseOrder.number.ilike(like),
                PurchaseOrder.supplier_reference.ilike(like),
                PurchaseOrder.id.in_(tracked),
            )
        )
    return stmt.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())


def get_order(order_id: Any) -> PurchaseOrder:
    return get(PurchaseOrder, order_id, "purchase order")


def get_line(order: PurchaseOrder, line_id: Any, field: str = "line_id") -> PurchaseOrderLine:
    try:
        ident = as_uuid(line_id, "line")
    except NotFound:
        raise ValidationError.field(field, Msg("purchasing.not_line", line_id=line_id, number=order.number)) from None
    for line in order.lines:
        if line.id == ident:
            return line
    raise ValidationError.field(field, Msg("purchasing.not_line", line_id=line_id, number=order.number))


def lookup(code: str) -> list[PurchaseOrder]:
    """What a scanner finds: the order with that number, or the orders shipped under that
    supplier tracking number (one parcel may carry several orders)."""
    code = (code or "").strip()
    if not code:
        raise ValidationError.field("code", Msg("purchasing.scan_code"))
    by_number = select(PurchaseOrder.id).where(func.upper(PurchaseOrder.number) == code.upper())
    by_tracking = select(PurchaseOrderTracking.purchase_order_id).where(
        func.upper(PurchaseOrderTracking.tracking_number) == code.upper()
    )
    rows = list(
        session.execute(
            select(PurchaseOrder)
            .where(or_(PurchaseOrder.id.in_(by_number), PurchaseOrder.id.in_(by_tracking)))
            .order_by(PurchaseOrder.created_at.desc())
        ).scalars()
    )
    if not rows:
        raise NotFound("purchase order or tracking number", code)
    return rows


def order_numbers(ids: Iterable[Any]) -> dict[uuid.UUID, str]:
    """{id: number} of the tenant's documents among the ids (for bulk actions' results)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(
        session.execute(select(PurchaseOrder.id, PurchaseOrder.number).where(PurchaseOrder.id.in_(wanted))).all()
    )


def count_orders(status: str | Iterable[str]) -> int:
    statuses = [status] if isinstance(status, str) else list(status)
    return session.execute(
        select(func.count()).select_from(PurchaseOrder).where(PurchaseOrder.status.in_(statuses))
    ).scalar_one()


# ---------------------------------------------------------------------------------------------
# Payloads (events carry what the books need without reading back)


def payload(
    order: PurchaseOrder,
    lines: Iterable[PurchaseOrderLine] | None = None,
    cls: type[events.PurchaseOrderState] = events.PurchaseOrderState,
    **extra: Any,
) -> events.PurchaseOrderState:
    """The order's event payload: `cls` (declared for the event) with the `extra` fields it adds."""
    lines = list(order.lines if lines is None else lines)

    def money(amount: Decimal) -> Decimal:
        return round_money(amount, order.currency)

    names = sku_names(line.sku_id for line in lines)
    fields = {
        "purchase_order_id": order.id,
        "number": order.number,
        "status": order.status,
        "supplier_id": order.supplier_id,
        "supplier": supplier_labels([order.supplier_id]).get(order.supplier_id),
        "warehouse_id": order.warehouse_id,
        "warehouse_code": warehouse_codes([order.warehouse_id]).get(order.warehouse_id),
        "currency": order.currency,
        "fx_rate": order.fx_rate,
        "fx_source": order.fx_source,
        "fx_date": order.fx_date,
        "functional_currency": functional_currency(),
        "subtotal": money(order.subtotal),
        "tax_total": money(order.tax_total),
        "total": money(order.total),
        "total_functional": functional_total(order),
        "expected_date": order.expected_date,
        "lines": tuple(
            events.PurchaseOrderLine(
                line_id=line.id,
                sku_id=line.sku_id,
                sku_code=names.get(line.sku_id, ("",))[0],
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                amount=money(line.amount),
                tax_amount=money(line.tax_amount),
                received_quantity=line.received_quantity,
                terminated_quantity=line.terminated_quantity,
            )
            for line in lines
        ),
    }
    return cls(**fields, **extra)


def _emit(
    order: PurchaseOrder, event: str, cls: type[events.PurchaseOrderState] = events.PurchaseOrderState, **extra: Any
) -> None:
    emit(event, payload(order, cls=cls, **extra), entity_type="purchase_order", entity_id=order.id)


# ---------------------------------------------------------------------------------------------
# Creating and editing drafts


def _apply_fx(order: PurchaseOrder, data: dict[str, Any], errors: f.Errors) -> None:
    """An order in the functional currency has rate 1. In another currency it has the rate
    entered on it (an agreed or contract rate), or else the tenant's rate of its `fx_date`
    (default today) from the dated rates table (core.money.find_rate). Either way the rate,
    its date and its source are copied onto the order, which keeps them whatever later
    happens to the table. A table rate is read again when `fx_date` changes or the entered
    rate is cleared (`fx_rate: null`)."""
    functional = functional_currency()
    given = data.get("fx_rate") not in (None, "")
    rate = f.decimal(errors, "fx_rate", data["fx_rate"], places=10, max_digits=20) if given else None
    if "fx_date" in data:
        order.fx_date = f.a_date(errors, "fx_date", data["fx_date"]) or order.fx_date
    order.fx_date = order.fx_date or local_date()
    if order.currency == functional:
        if rate is not None and rate != 1:
            errors.add("fx_rate", Msg("purchasing.order_in_functional_currency", functional=functional))
        order.fx_rate, order.fx_source = scale(Decimal(1), 10), "functional currency"
        return
    from_table = (order.fx_source or "").startswith(TABLE_SOURCE)
    if given:
        if rate is not None and rate <= 0:
            errors.add("fx_rate", Msg("above_zero"))
        elif rate is not None:
            if from_table and scale(rate, 10) != order.fx_rate:
                order.fx_source = ""  # no longer the table's rate
            order.fx_rate = scale(rate, 10)
        if "fx_source" in data:
            order.fx_source = f.text(errors, "fx_source", data["fx_source"], max_len=100)
        order.fx_source = order.fx_source or "entered on the order"
    elif order.fx_rate is None or "fx_rate" in data or ("fx_date" in data and from_table):
        try:
            found = find_rate(order.currency, functional, order.fx_date)
        except RateNotFound as missing:
            errors.add("fx_rate", Msg("purchasing.required", missing=missing.message))
        else:
            order.fx_rate = scale(found.rate, 10)
            order.fx_source = (TABLE_SOURCE + found.describe())[:100]


def _apply_header(order: PurchaseOrder, data: dict[str, Any], errors: f.Errors) -> None:
    if "expected_date" in data:
        order.expected_date = f.a_date(errors, "expected_date", data["expected_date"])
    if "supplier_reference" in data:
        order.supplier_reference = f.text(errors, "supplier_reference", data["supplier_reference"], max_len=100)
    if "note" in data:
        order.note = f.text(errors, "note", data["note"], max_len=5000)


def _apply_lines(order: PurchaseOrder, items: Any, errors: f.Errors) -> None:
    """Replace the order's lines with `items`; an item with the `id` of an existing line
    changes that line. Returns the lines that were dropped."""
    from core.suppliers.service import supplier_price

    if not isinstance(items, list) or not items:
        errors.add("lines", Msg("purchasing.order_needs_line"))
        return
    existing = {line.id: line for line in order.lines}
    kept: list[PurchaseOrderLine] = []
    for i, item in enumerate(items):
        path = f"lines.{i}."
        if not isinstance(item, dict):
            errors.add(f"lines.{i}", Msg("purchasing.line_shape"))
            continue
        line = None
        if item.get("id") not in (None, ""):
            try:
                line = existing.get(as_uuid(item["id"], "line"))
            except NotFound:
                line = None
            if line is None:
                errors.add(path + "id", Msg("purchasing.not_line_2", number=order.number))
                continue
        sku = stocking.checked(
            errors,
            path + "sku_id",
            partial(stocking.require_purchasable_sku, field=path + "sku_id"),
            item.get("sku_id", line.sku_id if line else None),
            required=True,
        )
        if line is None:
            line = PurchaseOrderLine(
                received_quantity=0,
                terminated_quantity=0,
                passed_quantity=0,
                failed_quantity=0,
                returned_quantity=0,
                note="",
            )
        quantity = f.integer(
            errors,
            path + "quantity",
            item.get("quantity", line.quantity),
            minimum=1,
            maximum=100_000_000,
            required=True,
        )
        if item.get("currency") not in (None, "") and str(item["currency"]).strip().upper() != order.currency:
            errors.add(path + "currency", Msg("purchasing.order_has_one_currency", currency=order.currency))
        price = f.decimal(errors, path + "unit_price", item.get("unit_price", line.unit_price), places=6)
        if price is None and path + "unit_price" not in errors.errors and sku is not None:
            quote = supplier_price(order.supplier_id, sku.id)
            if quote is not None and quote.currency == order.currency:
                price = quote.price
            elif sku.purchase_price is not None and sku.purchase_currency == order.currency:
                price = sku.purchase_price
            else:
                errors.add(path + "unit_price", Msg("purchasing.required_no_price_this", currency=order.currency))
        tax = item.get("tax_rate", line.tax_rate)
        tax_rate = f.vat_rate(errors, path + "tax_rate", tax) if tax not in (None, "") else None
        if tax_rate is None and sku is not None and path + "tax_rate" not in errors.errors:
            tax_rate = sku.input_vat_rate or Decimal(0)
        note = f.text(errors, path + "note", item.get("note", line.note), max_len=500)
        if sku is None or quantity is None or price is None or tax_rate is None:
            continue
        line.sku_id, line.quantity, line.note = sku.id, quantity, note
        line.unit_price, line.tax_rate = scale(price, 6), scale(tax_rate, 4)
        kept.append(line)
    if errors:
        return
    dropped = [line for line in order.lines if line not in kept]
    if dropped:
        # Before the lines go: their requests are found through the lines' ids.
        stocking.release_from_order(order.id, [line.id for line in dropped])
    order.lines = kept
    for position, line in enumerate(kept, start=1):
        line.position = position
    _recompute(order)
    return dropped


def _recompute(order: PurchaseOrder) -> None:
    for line in order.lines:
        line.amount = scale(round_money(line.unit_price * line.quantity, order.currency), 4)
        line.tax_amount = scale(round_money(line.amount * line.tax_rate, order.currency), 4)
    order.subtotal = sum((line.amount for line in order.lines), Decimal(0))
    order.tax_total = sum((line.tax_amount for line in order.lines), Decimal(0))
    order.total = order.subtotal + order.tax_total


def create_order(
    *, supplier_id: Any, warehouse_id: Any, lines: Any, currency: Any = None, **header: Any
) -> PurchaseOrder:
    """A draft order. The currency defaults to the supplier's; a line's unit price to the
    supplier's quote for the SKU; its tax rate to the SKU's input VAT rate."""
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in sorted(unknown)})
    errors = f.Errors()
    supplier = stocking.checked(errors, "supplier_id", stocking.optional_supplier, supplier_id, required=True)
    warehouse = stocking.checked(errors, "warehouse_id", require_destination, warehouse_id, required=True)
    code = f.currency(errors, "currency", currency) if currency not in (None, "") else None
    errors.raise_if_any()
    order = PurchaseOrder(
        supplier_id=supplier.id,
        warehouse_id=warehouse.id,
        currency=code or supplier.currency,
        status="draft",
        fx_rate=None,
        fx_source="",
        supplier_reference="",
        note="",
        created_by=actor_label(),
        created_by_id=actor_identity(),
        second_approval_required=False,
        lines=[],
        trackings=[],
    )
    _apply_fx(order, header, errors)
    _apply_header(order, header, errors)
    _apply_lines(order, lines, errors)
    errors.raise_if_any()
    order.number = next_number("purchase_order", "PO")
    session.add(order)
    session.flush()
    _emit(order, "purchase_order.created")
    return order


def update_order(order_id: Any, **changes: Any) -> PurchaseOrder:
    """Change a draft: its header (dates, reference, note, exchange rate) and its lines
    (`lines` replaces them all; keep a line by giving its `id`)."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    if order.status != "draft":
        raise InvalidTransition("purchase order", order.status, "edit", Msg("purchasing.only_drafts_changed"))
    unknown = set(changes) - set(HEADER_FIELDS) - {"lines"}
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in sorted(unknown)})
    errors = f.Errors()
    _apply_fx(order, changes, errors)
    _apply_header(order, changes, errors)
    if "lines" in changes:
        _apply_lines(order, changes["lines"], errors)
    errors.raise_if_any()
    session.flush()
    _emit(order, "purchase_order.updated")
    return order


def create_orders_from_requests(request_ids: Any, *, supplier_id: Any = None, **header: Any) -> list[PurchaseOrder]:
    """Draft orders for approved stocking requests: one per supplier and destination, one
    line per SKU (requests for the same SKU are added up). Each request's supplier is the
    one it names, unless `supplier_id` is given for all of them."""
    if not isinstance(request_ids, (list, tuple)) or not request_ids:
        raise ValidationError.field("request_ids", Msg("purchasing.choose_request"))
    ids = []
    for value in dict.fromkeys(request_ids):
        try:
            ids.append(as_uuid(value, "stocking request"))
        except NotFound:
            raise ValidationError.field("request_ids", Msg("purchasing.not_stocking_request_id", value=value)) from None
    rows = {
        r.id: r
        for r in session.execute(
            select(StockingRequest)
            .where(StockingRequest.id.in_(ids))
            .order_by(StockingRequest.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }
    missing = [str(i) for i in ids if i not in rows]
    if missing:
        raise ValidationError.field("request_ids", Msg("purchasing.no_such_stocking_request", items=", ".join(missing)))
    override = stocking.optional_supplier(supplier_id)
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[StockingRequest]] = {}
    for req in sorted(rows.values(), key=lambda r: r.number):
        if req.status != "approved":
            raise InvalidTransition(
                Msg("purchasing.stocking_request", number=req.number),
                req.status,
                "put on a purchase order",
                Msg("purchasing.only_approved_ordered"),
            )
        chosen = override.id if override else req.supplier_id
        if chosen is None:
            raise ValidationError.field("supplier_id", Msg("purchasing.names_no_supplier_choose", number=req.number))
        groups.setdefault((chosen, req.warehouse_id), []).append(req)
    orders = []
    for (sup_id, wh_id), reqs in groups.items():
        quantities: dict[uuid.UUID, int] = {}
        for req in reqs:
            quantities[req.sku_id] = quantities.get(req.sku_id, 0) + req.quantity
        currency = _order_currency(sup_id, list(quantities))
        order = create_order(
            supplier_id=sup_id,
            warehouse_id=wh_id,
            currency=currency,
            lines=[{"sku_id": sku, "quantity": qty} for sku, qty in quantities.items()],
            **header,
        )
        by_sku = {line.sku_id: line.id for line in order.lines}
        stocking.mark_ordered(reqs, order.id, {req.id: by_sku[req.sku_id] for req in reqs})
        orders.append(order)
    return orders


def _order_currency(supplier_id: uuid.UUID, sku_ids: list[uuid.UUID]) -> str:
    """The supplier's currency, unless all its quotes for these SKUs are in another one."""
    from core.suppliers.service import get_supplier, supplier_price

    quoted = {q.currency for q in (supplier_price(supplier_id, s) for s in sku_ids) if q is not None}
    return quoted.pop() if len(quoted) == 1 else get_supplier(supplier_id).currency


# ---------------------------------------------------------------------------------------------
# Approval


def approve_order(order_id: Any) -> PurchaseOrder:
    """Approve a draft. When its total in the functional currency is above the tenant's
    threshold, a second approval by someone else is needed before it counts."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    if order.status == "draft":
        require_separate_approver(order.created_by_id, "purchase order")
        _check_orderable(order)
        threshold = get_settings().second_approval_threshold
        order.first_approver, order.first_approved_by, order.first_approved_at = (
            actor_identity(),
            actor_label(),
            utcnow(),
        )
        if threshold is not None and functional_total(order) > threshold:
            order.second_approval_required = True
            order.status = "pending_second_approval"
            session.flush()
            _emit(order, "purchase_order.first_approved", events.PurchaseOrderFirstApproved, threshold=threshold)
            return order
        return _approved(order)
    if order.status == "pending_second_approval":
        if actor_identity() == order.first_approver:
            raise PermissionDenied(Msg("purchasing.you_gave_first_approval", number=order.number))
        _check_orderable(order)
        return _approved(order)
    raise InvalidTransition(
        "purchase order",
        order.status,
        "approve",
        Msg("purchasing.only_drafts_second_approval"),
    )


def _check_orderable(order: PurchaseOrder) -> None:
    if not order.lines:
        raise ValidationError.field("lines", Msg("purchasing.order_needs_line"))
    stocking.optional_supplier(order.supplier_id)
    for i, line in enumerate(order.lines):
        stocking.require_purchasable_sku(line.sku_id, f"lines.{i}.sku_id")
    require_destination(order.warehouse_id)


def _approved(order: PurchaseOrder) -> PurchaseOrder:
    from core.suppliers.service import supplier_price

    order.status, order.approved_by, order.approved_at = "approved", actor_label(), utcnow()
    if order.expected_date is None:
        leads = [
            q.lead_time_days for q in (supplier_price(order.supplier_id, line.sku_id) for line in order.lines) if q
        ]
        if leads:
            order.expected_date = local_date() + timedelta(days=max(leads))
    inventory.expect_inbound(
        doc(order),
        [Line(str(line.id), line.sku_id, order.warehouse_id, line.quantity) for line in order.lines],
        key=f"po-approve:{order.id}",
    )
    session.flush()
    _emit(
        order,
        "purchase_order.approved",
        events.PurchaseOrderApproved,
        approved_by=order.approved_by,
        first_approved_by=order.first_approved_by,
    )
    return order


# ---------------------------------------------------------------------------------------------
# With the supplier


def _require(order: PurchaseOrder, allowed: tuple[str, ...], action: str, hint: str = "") -> None:
    if order.status not in allowed:
        raise InvalidTransition("purchase order", order.status, action, hint)


def send_order(order_id: Any) -> PurchaseOrder:
    """Record that the approved order went to the supplier."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    _require(order, RECEIVABLE, "send", Msg("purchasing.only_approved_sent"))
    order.sent_at, order.sent_by = utcnow(), actor_label()
    session.flush()
    _emit(order, "purchase_order.sent")
    return order


def confirm_order(order_id: Any, *, supplier_reference: Any = None, expected_date: Any = None) -> PurchaseOrder:
    """Record the supplier's confirmation, with its order reference and promised date."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    _require(order, RECEIVABLE, "confirm", Msg("purchasing.only_approved_confirmed"))
    errors = f.Errors()
    data = {
        k: v
        for k, v in (("supplier_reference", supplier_reference), ("expected_date", expected_date))
        if v not in (None, "")
    }
    _apply_header(order, data, errors)
    errors.raise_if_any()
    order.confirmed_at, order.confirmed_by = utcnow(), actor_label()
    session.flush()
    _emit(order, "purchase_order.confirmed", events.PurchaseOrderConfirmed, supplier_reference=order.supplier_reference)
    return order


def add_tracking(order_id: Any, *, tracking_number: Any, carrier: Any = "", note: Any = "") -> PurchaseOrderTracking:
    order = locked(PurchaseOrder, order_id, "purchase order")
    _require(order, RECEIVABLE, "add a tracking number to", Msg("purchasing.only_expecting_tracking"))
    errors = f.Errors()
    number = f.text(errors, "tracking_number", tracking_number, max_len=100, required=True)
    row = PurchaseOrderTracking(
        tracking_number=number,
        carrier=f.text(errors, "carrier", carrier, max_len=100),
        note=f.text(errors, "note", note, max_len=500),
    )
    errors.raise_if_any()
    if any(t.tracking_number.upper() == number.upper() for t in order.trackings):
        raise Conflict(
            Msg("purchasing.already_recorded_on", number=number, number_2=order.number),
            {"tracking_number": [Msg("purchasing.already_recorded")]},
        )
    order.trackings.append(row)
    session.flush()
    emit(
        "purchase_order.tracking_added",
        events.PurchaseOrderTracking(
            purchase_order_id=order.id, number=order.number, tracking_number=row.tracking_number, carrier=row.carrier
        ),
        entity_type="purchase_order",
        entity_id=order.id,
    )
    return row


def remove_tracking(order_id: Any, tracking_id: Any) -> None:
    order = locked(PurchaseOrder, order_id, "purchase order")
    row = next((t for t in order.trackings if str(t.id) == str(tracking_id)), None)
    if row is None:
        raise NotFound("tracking number", tracking_id)
    order.trackings.remove(row)
    session.flush()
    emit(
        "purchase_order.tracking_removed",
        events.PurchaseOrderTracking(
            purchase_order_id=order.id, number=order.number, tracking_number=row.tracking_number
        ),
        entity_type="purchase_order",
        entity_id=order.id,
    )


# ---------------------------------------------------------------------------------------------
# Ending an order


def cancel_order(order_id: Any, reason: Any = "") -> PurchaseOrder:
    """Cancel an order before anything arrived. Its stocking requests are to be purchased
    again; an approved order's expected inbound is withdrawn."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    hint = (
        Msg("purchasing.goods_arrived_terminate")
        if order.status == "partially_received"
        else Msg("purchasing.only_nothing_arrived_cancelled")
    )
    _require(order, (*AWAITING_APPROVAL, "approved"), "cancel", hint)
    errors = f.Errors()
    text = f.text(errors, "reason", reason, max_len=2000)
    errors.raise_if_any()
    if order.status == "approved":
        if any(line.received_quantity for line in order.lines):
            raise InvalidTransition("purchase order", order.status, "cancel", hint)
        inventory.cancel_inbound(doc(order), None, key=f"po-cancel:{order.id}")
    order.status, order.reason, order.finished_at = "cancelled", text or None, utcnow()
    session.flush()
    stocking.release_from_order(order.id)
    _emit(order, "purchase_order.cancelled", events.PurchaseOrderCancelled, reason=order.reason)
    return order


def terminate_order(order_id: Any, *, lines: Any = None, reason: Any = "") -> PurchaseOrder:
    """Stop waiting for quantities the supplier will not deliver (终止): `lines` as
    [{line_id, quantity}], or every line's remaining quantity when omitted. When nothing is
    left to come, the order is closed."""
    order = locked(PurchaseOrder, order_id, "purchase order")
    _require(order, RECEIVABLE, "terminate", Msg("purchasing.only_receivable_terminated"))
    errors = f.Errors()
    text = f.text(errors, "reason", reason, max_len=2000)
    cuts: dict[uuid.UUID, int] = {}
    if lines in (None, []):
        cuts = {line.id: line.open_quantity for line in order.lines if line.open_quantity}
    elif not isinstance(lines, list):
        errors.add("lines", Msg("purchasing.lines_shape"))
    else:
        for i, item in enumerate(lines):
            path = f"lines.{i}."
            if not isinstance(item, dict):
                errors.add(f"lines.{i}", Msg("use_line_quantity"))
                continue
            try:
                line = get_line(order, item.get("line_id"), path + "line_id")
            except ValidationError as exc:
                errors.add(path + "line_id", exc.errors[path + "line_id"][0])
                continue
            qty = f.integer(errors, path + "quantity", item.get("quantity", line.open_quantity), minimum=1)
            if qty is not None and qty + cuts.get(line.id, 0) > line.open_quantity:
                errors.add(
                    path + "quantity",
                    Msg("purchasing.only_line_are_still", open_quantity=line.open_quantity, position=line.position),
                )
            elif qty is not None:
                cuts[line.id] = cuts.get(line.id, 0) + qty
    if not errors and not cuts:
        errors.add("lines", Msg("purchasing.nothing_to_terminate"))
    errors.raise_if_any()
    by_id = {line.id: line for line in order.lines}
    for line_id, qty in cuts.items():
        by_id[line_id].terminated_quantity += qty
    state = ",".join(f"{line.id}={line.terminated_quantity}" for line in order.lines)
    key = f"po-terminate:{order.id}:{hashlib.sha256(state.encode()).hexdigest()[:24]}"
    inventory.cancel_inbound(
        doc(order), [Line(str(i), by_id[i].sku_id, order.warehouse_id, q) for i, q in cuts.items()], key=key
    )
    refresh_status(order)
    order.reason = text or order.reason
    session.flush()
    _emit(
        order,
        "purchase_order.terminated",
        events.PurchaseOrderTerminated,
        reason=text or None,
        terminated=tuple(events.TerminatedLine(line_id=i, sku_id=by_id[i].sku_id, quantity=q) for i, q in cuts.items()),
    )
    return order


def refresh_status(order: PurchaseOrder) -> None:
    """After a receipt or a termination: partially received, or finished when nothing is
    left to come (received in full, or closed short)."""
    if any(line.open_quantity for line in order.lines):
        if any(line.received_quantity for line in order.lines):
            order.status = "partially_received"
        return
    short = any(line.terminated_quantity for line in order.lines)
    order.status = "closed" if short else "received"
    order.finished_at = utcnow()
