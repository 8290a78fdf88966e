"""Cancellation, refunds and returns.

- Cancelling before shipment releases the stock. A refund before shipment cancels the lines
  it pays back (their stock is released too).
- After shipment: refund only (money, no goods), refund without return (the buyer destroys
  the goods; evidence is attached), or a return: an RMA with the return tracking number, then
  its receipt, where every unit is inspected and comes back into stock (restock) or into the
  unsellable bucket (damaged) at the cost it left with.
- Partial refunds go by line (units: each unit's share of the line, largest remainder, so
  refunding every unit refunds the line to the cent) or by amount (spread over the lines by
  what they still have to refund). Every money movement is an `order.refunded` event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import events
from core import validation as f
from core.db import get_or_none, locked, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.inventory import service as inventory
from core.inventory.service import Doc, Line
from core.messages import Msg
from core.money import Money, allocate, round_money
from core.numbering import next_number
from core.orders.events import OrderCancelled, OrderRefunded, Refund, ReturnState, SoldLine
from core.orders.models import AFTER_SHIPMENT, BEFORE_SHIPMENT, Order, OrderLine, OrderRefund, OrderReturn
from core.orders.service.base import (
    emit,
    line_live_total,
    line_payload,
    lock_order,
    open_hold,
    order_fields,
    recompute_totals,
    record,
    require_status,
    set_status,
    share,
    stock_doc,
    stock_key,
    stock_lines,
)

METHODS = ("platform", "offline")
AFTER_TYPES = ("refund_only", "refund_without_return", "return")


# ---------------------------------------------------------------------------------------------
# Cancellation


def cancel(order_id: uuid.UUID, reason: str, *, source: str = "staff") -> Order:
    """Cancel an order before shipment; its reserved stock is released."""
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    errors.raise_if_any()
    order = lock_order(order_id)
    require_status(order, BEFORE_SHIPMENT, "cancel")
    cancel_lines(order, {ln.id: ln.open_quantity for ln in order.lines if ln.open_quantity > 0}, reason, source=source)
    return order


def cancel_lines(
    order: Order, quantities: dict[uuid.UUID, int], reason: str, *, source: str = "staff"
) -> dict[uuid.UUID, Decimal]:
    """Cancel units of lines before shipment and release their stock; when nothing is left
    to ship the order is cancelled. Returns what each line's cancelled units were worth."""
    require_status(order, BEFORE_SHIPMENT, "cancel lines of")
    lines = {ln.id: ln for ln in order.lines}
    quantities = {k: v for k, v in quantities.items() if v > 0}
    if order.stock_reserved and order.warehouse_id is not None:
        everything = all(quantities.get(ln.id, 0) == ln.open_quantity for ln in order.lines if ln.open_quantity > 0)
        if everything:
            inventory.release(stock_doc(order), key=stock_key(order, "release"))
            order.stock_reserved = False
        else:
            held = stock_lines(order, order.warehouse_id, [lines[i] for i in quantities], quantities)
            if held:
                inventory.release(stock_doc(order), held, key=stock_key(order, "release-lines"))
    payload, values = [], {}
    for line_id, qty in quantities.items():
        line = lines[line_id]
        item = line_payload(order, line, qty) if qty != line.live_quantity else line_payload(order, line)
        before = line_live_total(order, line)
        line.quantity_cancelled += qty
        values[line_id] = round_money(before - line_live_total(order, line), order.currency)
        payload.append(SoldLine(**{**item, "total": values[line_id]}))
    recompute_totals(order)
    left = sum(ln.open_quantity for ln in order.lines)
    cancelled_value = sum(values.values(), Decimal(0))
    if left == 0:
        current = open_hold(order) if order.status == "on_hold" else None
        if current is not None:
            current.released_at = utcnow()
            current.release_note = Msg("orders.hold_released_cancelled")
        order.cancelled_at = utcnow()
        order.cancel_reason = reason
        order.stock_reserved = False
        set_status(order, "cancelled", "cancelled", reason, source=source)
        emit(
            "order.cancelled",
            order,
            OrderCancelled,
            reason=reason,
            source=source,
            cancelled_lines=tuple(payload),
            cancelled_amount=cancelled_value,
        )
    else:
        record(order, "lines_cancelled", reason, source=source, lines=[str(i) for i in quantities])
        emit(
            "order.lines_cancelled",
            order,
            OrderCancelled,
            reason=reason,
            source=source,
            cancelled_lines=tuple(payload),
            cancelled_amount=cancelled_value,
        )
    return values


# ---------------------------------------------------------------------------------------------
# Refunds


def _line_quantities(
    errors: f.Errors, order: Order, items: Sequence[dict[str, Any]] | None, available: Any, what: str
) -> dict[uuid.UUID, int]:
    lines = {str(ln.id): ln for ln in order.lines}
    out: dict[uuid.UUID, int] = {}
    for i, item in enumerate(items or []):
        line = lines.get(str(item.get("line_id")))
        if line is None:
            errors.add(f"lines.{i}.line_id", Msg("orders.not_line_of_order"))
            continue
        qty = f.integer(errors, f"lines.{i}.quantity", item.get("quantity"), minimum=1, required=True)
        if qty:
            out[line.id] = out.get(line.id, 0) + qty
            if out[line.id] > available(line):
                errors.add(
                    f"lines.{i}.quantity",
                    Msg("orders.line_has_only_units", position=line.position, available=available(line), what=what),
                )
    return out


def refund(
    order_id: uuid.UUID,
    *,
    method: str,
    reason: str,
    amount: Any = None,
    lines: Sequence[dict[str, Any]] | None = None,
    type: str | None = None,  # noqa: A002
    evidence: Sequence[Any] | None = None,
    return_id: uuid.UUID | str | None = None,
    external_refund_id: str | None = None,
) -> OrderRefund:
    """Record money paid back (method `platform` or `offline`) with its reason.

    Before shipment it cancels the lines it names (or the whole order when neither lines nor
    amount are given). After shipment `type` is refund_only (default), refund_without_return
    (lines and evidence required) or return (`return_id` of this order's RMA). `amount`
    defaults to what the lines are worth; with lines it may be less, never more."""
    errors = f.Errors()
    method = f.choice(errors, "method", method, METHODS, required=True) or ""
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    external_refund_id = f.text(errors, "external_refund_id", external_refund_id, max_len=100) or None
    errors.raise_if_any()
    order = lock_order(order_id)
    if external_refund_id:
        existing = session.execute(
            select(OrderRefund).where(
                OrderRefund.order_id == order.id, OrderRefund.external_refund_id == external_refund_id
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    if order.status in BEFORE_SHIPMENT:
        return _refund_before_shipment(order, method, reason, amount, lines, type, evidence, external_refund_id)
    require_status(order, AFTER_SHIPMENT, "refund")
    return _refund_after_shipment(order, method, reason, amount, lines, type, evidence, return_id, external_refund_id)


def _amount(errors: f.Errors, value: Any, order: Order) -> Decimal | None:
    if value in (None, ""):
        return None
    number = f.decimal(errors, "amount", value, places=4, minimum=Decimal("0.01"))
    if number is not None and number != number.quantize(Decimal(1).scaleb(-_minor(order.currency))):
        errors.add("amount", Msg("orders.has_decimal_places", currency=order.currency, places=_minor(order.currency)))
    return number


def _minor(currency: str) -> int:
    from core.money import minor_unit

    return minor_unit(currency)


def _refund_before_shipment(
    order: Order,
    method: str,
    reason: str,
    amount: Any,
    items: Any,
    type_: Any,
    evidence: Any,
    external_refund_id: str | None,
) -> OrderRefund:
    errors = f.Errors()
    if type_ not in (None, "", "cancellation"):
        errors.add("type", Msg("orders.refund_type_cancellation"))
    value = _amount(errors, amount, order)
    if items:
        quantities = _line_quantities(errors, order, items, lambda ln: ln.open_quantity, "left to ship")
    elif value is None:
        quantities = {ln.id: ln.open_quantity for ln in order.lines if ln.open_quantity > 0}
    else:
        quantities = {}
        errors.add("lines", Msg("orders.refund_names_lines"))
    errors.raise_if_any()
    if not quantities:
        raise Conflict(
            Msg("orders.order_has_nothing_left", number=order.number), {"lines": [Msg("orders.nothing_left_to_cancel")]}
        )
    values = cancel_lines(order, quantities, Msg("order.refund_reason", reason=reason), source="refund")
    worth = sum(values.values(), Decimal(0))
    if value is not None and value > worth:
        raise ValidationError.field(
            "amount", Msg("orders.lines_are_worth_refund", worth=worth, currency=order.currency)
        )
    total = worth if value is None else value
    shares = _spread(total, [values[i] for i in quantities], order.currency)
    refund_lines = [
        {"line_id": str(i), "quantity": q, "amount": str(a)} for (i, q), a in zip(quantities.items(), shares)
    ]
    return _record_refund(
        order,
        method,
        "cancellation",
        total,
        reason,
        refund_lines,
        evidence or [],
        None,
        external_refund_id,
        stage="before_shipment",
    )


def _spread(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    if not weights:
        return []
    return allocate(total, weights, currency)


def _refund_after_shipment(
    order: Order,
    method: str,
    reason: str,
    amount: Any,
    items: Any,
    type_: Any,
    evidence: Any,
    return_id: Any,
    external_refund_id: str | None,
) -> OrderRefund:
    errors = f.Errors()
    kind = f.choice(errors, "type", type_ or "refund_only", AFTER_TYPES, required=True)
    value = _amount(errors, amount, order)
    rma = None
    if kind == "return":
        rma = _find_return(order, return_id)
        if rma is None:
            errors.add("return_id", Msg("orders.return_id"))
        elif not items:
            items = [{"line_id": x["line_id"], "quantity": x["quantity"]} for x in rma.lines]
    evidence = [str(e).strip() for e in (evidence or []) if str(e).strip()]
    if kind == "refund_without_return":
        if not items:
            errors.add("lines", Msg("orders.kept_lines"))
        if not evidence:
            errors.add("evidence", Msg("orders.destroyed_evidence"))
    quantities = (
        _line_quantities(
            errors, order, items, lambda ln: ln.quantity_shipped - ln.quantity_refunded, "shipped and not yet refunded"
        )
        if items
        else {}
    )
    if not items and value is None:
        errors.add("amount", Msg("orders.amount_or_lines"))
    errors.raise_if_any()
    lines = {ln.id: ln for ln in order.lines}
    remaining = {
        ln.id: round_money(line_live_total(order, ln) - ln.refunded, order.currency)
        for ln in order.lines
        if ln.quantity_shipped
    }
    if quantities:
        worth = {}
        for line_id, qty in quantities.items():
            ln = lines[line_id]
            total = line_live_total(order, ln)
            part = share(total, ln.quantity_refunded + qty, ln.live_quantity, order.currency) - share(
                total, ln.quantity_refunded, ln.live_quantity, order.currency
            )
            worth[line_id] = round_money(min(part, remaining[line_id]), order.currency)
        full = sum(worth.values(), Decimal(0))
        if value is not None and value > full:
            raise ValidationError.field(
                "amount", Msg("orders.those_units_are_worth", full=full, currency=order.currency)
            )
        total_refund = full if value is None else value
        shares = _spread(total_refund, list(worth.values()), order.currency)
        for (line_id, qty), part in zip(quantities.items(), shares):
            lines[line_id].quantity_refunded += qty
            lines[line_id].refunded += part
        refund_lines = [
            {"line_id": str(i), "quantity": q, "amount": str(a)} for (i, q), a in zip(quantities.items(), shares)
        ]
    else:
        left = sum(remaining.values(), Decimal(0))
        if value > left:  # type: ignore[operator]
            raise ValidationError.field("amount", Msg("orders.only_left_refund", left=left, currency=order.currency))
        ids = [i for i, r in remaining.items() if r > 0]
        shares = _spread(value, [remaining[i] for i in ids], order.currency)  # type: ignore[arg-type]
        for line_id, part in zip(ids, shares):
            lines[line_id].refunded += part
        refund_lines = [{"line_id": str(i), "quantity": 0, "amount": str(a)} for i, a in zip(ids, shares) if a]
        total_refund = value  # type: ignore[assignment]
    return _record_refund(
        order,
        method,
        kind or "refund_only",
        total_refund,
        reason,
        refund_lines,
        evidence,
        rma,
        external_refund_id,
        stage="after_shipment",
    )


def _record_refund(
    order: Order,
    method: str,
    kind: str,
    amount: Decimal,
    reason: str,
    lines: list[dict[str, Any]],
    evidence: list[Any],
    rma: OrderReturn | None,
    external_refund_id: str | None,
    stage: str,
) -> OrderRefund:
    amount = round_money(amount, order.currency)
    row = OrderRefund(
        order_id=order.id,
        method=method,
        type=kind,
        amount=amount,
        currency=order.currency,
        reason=reason,
        lines=lines,
        evidence=list(evidence),
        return_id=rma.id if rma else None,
        external_refund_id=external_refund_id,
    )
    session.add(row)
    session.flush()
    order.refunded_amount = (order.refunded_amount or Decimal(0)) + amount
    by_id = {str(ln.id): ln for ln in order.lines}
    detailed = [
        {
            **x,
            **{
                k: line_payload(order, by_id[x["line_id"]])[k]
                for k in ("external_order_id", "external_line_id", "seller_sku", "sku_id", "sku_code")
            },
        }
        for x in lines
    ]
    message = Msg(
        "order.refunded", refund_method=method, amount=amount, currency=order.currency, refund_type=kind, reason=reason
    )
    if stage == "after_shipment":
        _after_sales_status(order, "refunded", message, refund_id=row.id)
    else:
        record(order, "refunded", message, refund_id=row.id)
    emit(
        "order.refunded",
        order,
        OrderRefunded,
        refund=Refund(
            refund_id=row.id,
            method=method,
            type=kind,
            stage=stage,
            amount=amount,
            currency=order.currency,
            reason=reason,
            lines=tuple(detailed),
            evidence=tuple(evidence),
            return_id=rma.id if rma else None,
            return_number=rma.number if rma else None,
            external_refund_id=external_refund_id,
        ),
    )
    return row


def _after_sales_status(order: Order, action: str, message: str, **data: Any) -> None:
    shipped = sum(ln.quantity_shipped for ln in order.lines)
    returned = sum(ln.quantity_returned for ln in order.lines)
    if shipped and returned >= shipped:
        status = "returned"
    elif order.total > 0 and order.refunded_amount >= order.total:
        status = "refunded"
    elif order.refunded_amount > 0:
        status = "partially_refunded"
    else:
        status = "delivered" if order.delivered_at else "shipped"
    if status != order.status:
        set_status(order, status, action, message, **data)
    else:
        record(order, action, message, **data)


# ---------------------------------------------------------------------------------------------
# Returns (RMA)


def _find_return(order: Order, return_id: Any) -> OrderReturn | None:
    rma = get_or_none(OrderReturn, return_id)
    return rma if rma is not None and rma.order_id == order.id else None


def get_return(return_id: uuid.UUID | str) -> OrderReturn:
    rma = get_or_none(OrderReturn, return_id)
    if rma is None:
        raise NotFound("return", return_id)
    return rma


def create_return(
    order_id: uuid.UUID,
    *,
    lines: Sequence[dict[str, Any]],
    reason: str,
    carrier: str = "",
    tracking_number: str = "",
    warehouse_id: uuid.UUID | str | None = None,
) -> OrderReturn:
    """Authorise a return (RMA) of shipped units, with the buyer's return tracking number."""
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    carrier = f.text(errors, "carrier", carrier, max_len=64)
    tracking_number = f.text(errors, "tracking_number", tracking_number, max_len=100)
    if not lines:
        errors.add("lines", Msg("orders.name_return_lines"))
    errors.raise_if_any()
    order = lock_order(order_id)
    require_status(order, AFTER_SHIPMENT, "authorise a return of", Msg("orders.not_shipped"))
    pending: dict[str, int] = {}
    for rma in session.execute(
        select(OrderReturn).where(OrderReturn.order_id == order.id, OrderReturn.status == "requested")
    ).scalars():
        for x in rma.lines:
            pending[x["line_id"]] = pending.get(x["line_id"], 0) + int(x["quantity"])
    quantities = _line_quantities(
        errors,
        order,
        lines,
        lambda ln: ln.quantity_shipped - ln.quantity_returned - pending.get(str(ln.id), 0),
        "shipped and not already coming back",
    )
    wh = _warehouse(errors, warehouse_id) if warehouse_id else order.warehouse_id
    errors.raise_if_any()
    rma = OrderReturn(
        order_id=order.id,
        number=next_number("order_return", "RMA"),
        status="requested",
        reason=reason,
        carrier=carrier,
        tracking_number=tracking_number,
        warehouse_id=wh,
        lines=[{"line_id": str(i), "quantity": q} for i, q in quantities.items()],
        inspection=[],
    )
    session.add(rma)
    session.flush()
    record(
        order,
        "return_requested",
        Msg("order.return_authorised_tracking", number=rma.number, reason=reason, tracking=tracking_number)
        if tracking_number
        else Msg("order.return_authorised", number=rma.number, reason=reason),
        return_id=rma.id,
    )
    events.emit("return.created", _return_payload(order, rma), entity_type="order_return", entity_id=rma.id)
    return rma


def update_return(
    return_id: uuid.UUID, *, carrier: str | None = None, tracking_number: str | None = None
) -> OrderReturn:
    """Add the buyer's return tracking number once it is known."""
    errors = f.Errors()
    rma = get_return(return_id)
    if rma.status != "requested":
        raise InvalidTransition(Msg("entity.return", ref=rma.number), rma.status, "change")
    if carrier is not None:
        rma.carrier = f.text(errors, "carrier", carrier, max_len=64)
    if tracking_number is not None:
        rma.tracking_number = f.text(errors, "tracking_number", tracking_number, max_len=100)
    errors.raise_if_any()
    order = lock_order(rma.order_id)
    message = Msg("order.return_tracking", number=rma.number, tracking=rma.tracking_number or "—")
    record(order, "return_updated", message, return_id=rma.id)
    return rma


def _warehouse(errors: f.Errors, warehouse_id: Any) -> uuid.UUID | None:
    from core.inventory import service as inventory

    wh = inventory.warehouse(warehouse_id)
    if wh is None:
        errors.add("warehouse_id", Msg("no_such_warehouse"))
        return None
    return wh.id


def receive_return(
    return_id: uuid.UUID, *, inspection: Sequence[dict[str, Any]], warehouse_id: uuid.UUID | str | None = None
) -> OrderReturn:
    """The return arrived and every unit was inspected: `restock` units go back on hand,
    `damaged` ones into the unsellable bucket, each at the cost it shipped at."""
    rma = get_return(return_id)
    order = lock_order(rma.order_id)
    rma = locked(OrderReturn, rma.id, "return")
    if rma.status != "requested":
        raise InvalidTransition(Msg("entity.return", ref=rma.number), rma.status, "receive")
    errors = f.Errors()
    wanted = {x["line_id"]: int(x["quantity"]) for x in rma.lines}
    seen: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(inspection or []):
        line_id = str(item.get("line_id"))
        if line_id not in wanted:
            errors.add(f"inspection.{i}.line_id", Msg("orders.not_line_of_return"))
            continue
        restock = f.integer(errors, f"inspection.{i}.restock", item.get("restock", 0), minimum=0) or 0
        damaged = f.integer(errors, f"inspection.{i}.damaged", item.get("damaged", 0), minimum=0) or 0
        if restock + damaged != wanted[line_id]:
            errors.add(f"inspection.{i}", Msg("orders.restock_damaged_must_units", wanted=wanted[line_id]))
        seen[line_id] = {
            "line_id": line_id,
            "restock": restock,
            "damaged": damaged,
            "note": f.text(errors, f"inspection.{i}.note", item.get("note"), max_len=500),
        }
    for line_id in wanted:
        if line_id not in seen and not errors:
            errors.add("inspection", Msg("orders.inspect_every_returned_line", line_id=line_id))
    wh = _warehouse(errors, warehouse_id) if warehouse_id else (rma.warehouse_id or order.warehouse_id)
    if wh is None and "warehouse_id" not in errors.errors:
        errors.add("warehouse_id", Msg("orders.return_warehouse"))
    errors.raise_if_any()
    lines = {str(ln.id): ln for ln in order.lines}
    doc = Doc("order_return", rma.id, rma.number)
    values: dict[str, dict[str, Decimal]] = {k: {"restock": Decimal(0), "damaged": Decimal(0)} for k in seen}
    currency = ""
    for condition in ("restock", "damaged"):
        batch = []
        for line_id, result in seen.items():
            ln = lines[line_id]
            qty = result[condition]
            if qty and ln.sku_id is not None:
                units = qty * ln.units_per_item
                shipped_units = ln.quantity_shipped * ln.units_per_item
                cost = _unit_cost(order, ln, shipped_units)
                batch.append(Line(line_id, ln.sku_id, wh, units, cost))  # type: ignore[arg-type]
        if batch:
            posting = inventory.customer_return(
                doc, batch, key=f"order-return:{rma.id}:{condition}", condition=condition
            )
            for pl in posting.lines:
                values[pl.ref][condition] += pl.value
                currency = pl.currency
    for line_id, result in seen.items():
        lines[line_id].quantity_returned += result["restock"] + result["damaged"]
        result["restock_value"] = str(values[line_id]["restock"])
        result["damaged_value"] = str(values[line_id]["damaged"])
    rma.inspection = list(seen.values())
    rma.status = "received"
    rma.received_at = utcnow()
    rma.warehouse_id = wh
    rma.value_restocked = sum((v["restock"] for v in values.values()), Decimal(0))
    rma.value_damaged = sum((v["damaged"] for v in values.values()), Decimal(0))
    rma.cost_currency = currency
    session.flush()
    restocked = sum(r["restock"] for r in seen.values())
    damaged = sum(r["damaged"] for r in seen.values())
    _after_sales_status(
        order,
        "return_received",
        Msg("order.return_received", number=rma.number, restocked=restocked, damaged=damaged),
        return_id=rma.id,
    )
    events.emit("return.received", _return_payload(order, rma), entity_type="order_return", entity_id=rma.id)
    return rma


def _unit_cost(order: Order, line: OrderLine, shipped_units: int) -> Money | None:
    """The book cost per unit the line shipped at, so returned units come back at it."""
    from core.orders.models import OrderShipment

    if not shipped_units:
        return None
    currency = (
        session.execute(
            select(OrderShipment.cost_currency).where(
                OrderShipment.order_id == order.id, OrderShipment.cost_currency != ""
            )
        )
        .scalars()
        .first()
    )
    if not currency:
        return None
    return Money((line.cost_value / shipped_units).quantize(Decimal("0.000001")), currency)


def _return_payload(order: Order, rma: OrderReturn) -> ReturnState:
    lines = {str(ln.id): ln for ln in order.lines}
    inspected = {x["line_id"]: x for x in rma.inspection or []}
    items = []
    for x in rma.lines:
        ln = lines[x["line_id"]]
        item = {
            "line_id": x["line_id"],
            "quantity": x["quantity"],
            "sku_id": ln.sku_id,
            "sku_code": ln.sku_code,
            "seller_sku": ln.seller_sku,
            "external_order_id": ln.external_order_id or order.external_order_id,
            "external_line_id": ln.external_line_id,
            "stock_quantity": x["quantity"] * ln.units_per_item,
        }
        if x["line_id"] in inspected:
            item.update(
                {k: inspected[x["line_id"]][k] for k in ("restock", "damaged", "restock_value", "damaged_value")}
            )
        items.append(item)
    summary = order_fields(order, lines=False)
    return ReturnState(
        **{
            **summary,
            "return_id": rma.id,
            "return_number": rma.number,
            "status": rma.status,
            "reason": rma.reason,
            "carrier": rma.carrier,
            "tracking_number": rma.tracking_number,
            "warehouse_id": rma.warehouse_id,
            "lines": tuple(items),
            "value_restocked": rma.value_restocked,
            "value_damaged": rma.value_damaged,
            "cost_currency": rma.cost_currency,
            "order_status": order.status,
        }
    )
