"""Returns to the supplier (采购退货) of units that failed QC.

    draft --ship--> shipped
      +--cancel--> cancelled

A draft names the order lines and quantities going back; it may hold at most the line's
failed units not yet returned nor held by another draft. Shipping takes the units out of
`unsellable` at their book cost (inventory.return_to_supplier) and emits
`purchase_return.shipped` with the credit due from the supplier in the order's currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core import validation as f
from core.db import locked, session, utcnow
from core.errors import InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.inventory import service as inventory
from core.inventory.service import Doc, Line
from core.messages import Msg
from core.money import round_money
from core.numbering import next_number
from core.purchasing import events
from core.purchasing.models import PurchaseOrder, SupplierReturn, SupplierReturnLine
from core.purchasing.service import orders
from core.purchasing.service.common import (
    actor_label,
    as_uuid,
    functional_currency,
    get,
    scale,
    sku_names,
    supplier_labels,
    warehouse_codes,
)


def return_query(
    *,
    status: Iterable[str] | str | None = None,
    purchase_order_id: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
) -> Any:
    stmt = select(SupplierReturn)
    if status:
        stmt = stmt.where(SupplierReturn.status.in_([status] if isinstance(status, str) else list(status)))
    if purchase_order_id:
        stmt = stmt.where(SupplierReturn.purchase_order_id == purchase_order_id)
    if supplier_id:
        stmt = stmt.where(SupplierReturn.supplier_id == supplier_id)
    return stmt.order_by(SupplierReturn.created_at.desc(), SupplierReturn.id.desc())


def get_return(return_id: Any) -> SupplierReturn:
    return get(SupplierReturn, return_id, "supplier return")


def held_by_drafts(order_id: uuid.UUID, except_return: uuid.UUID | None = None) -> dict[uuid.UUID, int]:
    """Units per order line that draft returns hold."""
    stmt = (
        select(SupplierReturnLine.purchase_order_line_id, func.sum(SupplierReturnLine.quantity))
        .join(SupplierReturn, SupplierReturn.id == SupplierReturnLine.return_id)
        .where(SupplierReturn.purchase_order_id == order_id, SupplierReturn.status == "draft")
        .group_by(SupplierReturnLine.purchase_order_line_id)
    )
    if except_return is not None:
        stmt = stmt.where(SupplierReturn.id != except_return)
    return {line_id: int(q) for line_id, q in session.execute(stmt).all()}


def returnable(order: PurchaseOrder, except_return: uuid.UUID | None = None) -> dict[uuid.UUID, int]:
    """Failed units per order line that can still go back to the supplier."""
    held = held_by_drafts(order.id, except_return)
    return {line.id: line.failed_quantity - line.returned_quantity - held.get(line.id, 0) for line in order.lines}


def create_return(
    *, purchase_order_id: Any, lines: Any, reason: Any, carrier: Any = "", tracking_number: Any = ""
) -> SupplierReturn:
    """A draft return of failed units: `lines` as [{line_id, quantity}] of the order."""
    errors = f.Errors()
    try:
        order = locked(PurchaseOrder, as_uuid(purchase_order_id, "purchase order"), "purchase order")
    except NotFound:
        raise ValidationError.field("purchase_order_id", Msg("no_such_purchase_order")) from None
    text = f.text(errors, "reason", reason, max_len=2000, required=True)
    ret = SupplierReturn(
        number="",
        status="draft",
        purchase_order_id=order.id,
        supplier_id=order.supplier_id,
        warehouse_id=order.warehouse_id,
        reason=text,
        created_by=actor_label(),
        carrier=f.text(errors, "carrier", carrier, max_len=100),
        tracking_number=f.text(errors, "tracking_number", tracking_number, max_len=100),
        lines=[],
    )
    left = returnable(order)
    if not isinstance(lines, list) or not lines:
        errors.add("lines", Msg("purchasing.give_return_line"))
    else:
        for i, item in enumerate(lines):
            path = f"lines.{i}."
            if not isinstance(item, dict):
                errors.add(f"lines.{i}", Msg("use_line_quantity"))
                continue
            try:
                line = orders.get_line(order, item.get("line_id"), path + "line_id")
            except ValidationError as exc:
                errors.add(path + "line_id", exc.errors[path + "line_id"][0])
                continue
            qty = f.integer(errors, path + "quantity", item.get("quantity"), minimum=1, required=True)
            if qty is None:
                continue
            if qty > left[line.id]:
                errors.add(
                    path + "quantity",
                    Msg("purchasing.line_has_failed_units", position=line.position, left=max(left[line.id], 0)),
                )
                continue
            left[line.id] -= qty
            ret.lines.append(
                SupplierReturnLine(
                    position=len(ret.lines) + 1,
                    purchase_order_line_id=line.id,
                    sku_id=line.sku_id,
                    quantity=qty,
                    unit_price=line.unit_price,
                )
            )
    errors.raise_if_any()
    ret.number = next_number("purchase_return", "RT")
    session.add(ret)
    session.flush()
    emit("purchase_return.created", _payload(ret, order), entity_type="purchase_return", entity_id=ret.id)
    return ret


def ship_return(return_id: Any, *, carrier: Any = None, tracking_number: Any = None) -> SupplierReturn:
    """The units left for the supplier: out of unsellable stock at book cost."""
    ret = locked(SupplierReturn, return_id, "supplier return")
    if ret.status != "draft":
        raise InvalidTransition("supplier return", ret.status, "ship", Msg("purchasing.only_drafts_shipped"))
    errors = f.Errors()
    if carrier is not None:
        ret.carrier = f.text(errors, "carrier", carrier, max_len=100)
    if tracking_number is not None:
        ret.tracking_number = f.text(errors, "tracking_number", tracking_number, max_len=100)
    errors.raise_if_any()
    order = locked(PurchaseOrder, ret.purchase_order_id, "purchase order")
    left = returnable(order, except_return=ret.id)
    by_id = {line.id: line for line in order.lines}
    for rl in ret.lines:
        if rl.quantity > left[rl.purchase_order_line_id]:
            raise ValidationError.field(
                "lines",
                Msg(
                    "purchasing.line_returns_but_only",
                    position=rl.position,
                    quantity=rl.quantity,
                    left=left[rl.purchase_order_line_id],
                ),
            )
        left[rl.purchase_order_line_id] -= rl.quantity
    posting = inventory.return_to_supplier(
        Doc("purchase_return", ret.id, ret.number),
        [Line(str(rl.id), rl.sku_id, ret.warehouse_id, rl.quantity) for rl in ret.lines],
        key=f"po-return:{ret.id}",
        from_bucket="unsellable",
        reason=ret.reason[:500],
    )
    for rl in ret.lines:
        rl.value = scale(posting.line(str(rl.id)).value, 4)
        by_id[rl.purchase_order_line_id].returned_quantity += rl.quantity
    ret.status, ret.shipped_at, ret.shipped_by = "shipped", utcnow(), actor_label()
    session.flush()
    emit(
        "purchase_return.shipped",
        _payload(ret, order, events.PurchaseReturnShipped, stock_operation_id=posting.operation_id),
        entity_type="purchase_return",
        entity_id=ret.id,
    )
    return ret


def cancel_return(return_id: Any) -> SupplierReturn:
    ret = locked(SupplierReturn, return_id, "supplier return")
    if ret.status != "draft":
        raise InvalidTransition("supplier return", ret.status, "cancel", Msg("purchasing.only_drafts_cancelled"))
    ret.status, ret.cancelled_at = "cancelled", utcnow()
    session.flush()
    order = orders.get_order(ret.purchase_order_id)
    emit("purchase_return.cancelled", _payload(ret, order), entity_type="purchase_return", entity_id=ret.id)
    return ret


def _payload(
    ret: SupplierReturn,
    order: PurchaseOrder,
    cls: type[events.PurchaseReturnState] = events.PurchaseReturnState,
    **extra: Any,
) -> events.PurchaseReturnState:
    """The credit due from the supplier (order currency, before tax and with it) and the
    book value that left stock (functional currency, once shipped)."""
    names = sku_names(rl.sku_id for rl in ret.lines)
    tax = {line.id: line.tax_rate for line in order.lines}
    lines: list[events.ReturnLine] = []
    for rl in ret.lines:
        amount = round_money(rl.unit_price * rl.quantity, order.currency)
        lines.append(
            events.ReturnLine(
                return_line_id=rl.id,
                purchase_order_line_id=rl.purchase_order_line_id,
                sku_id=rl.sku_id,
                sku_code=names.get(rl.sku_id, ("",))[0],
                quantity=rl.quantity,
                unit_price=rl.unit_price,
                amount=amount,
                tax_rate=tax[rl.purchase_order_line_id],
                tax_amount=round_money(amount * tax[rl.purchase_order_line_id], order.currency),
                value=None if rl.value is None else round_money(rl.value, functional_currency()),
            )
        )
    return cls(
        return_id=ret.id,
        number=ret.number,
        status=ret.status,
        reason=ret.reason,
        purchase_order_id=order.id,
        purchase_order_number=order.number,
        supplier_id=ret.supplier_id,
        supplier=supplier_labels([ret.supplier_id]).get(ret.supplier_id),
        warehouse_id=ret.warehouse_id,
        warehouse_code=warehouse_codes([ret.warehouse_id]).get(ret.warehouse_id),
        currency=order.currency,
        fx_rate=order.fx_rate,
        fx_source=order.fx_source,
        functional_currency=functional_currency(),
        carrier=ret.carrier,
        tracking_number=ret.tracking_number,
        quantity=sum(rl.quantity for rl in ret.lines),
        amount=sum((x.amount for x in lines), Decimal(0)),
        tax_amount=sum((x.tax_amount for x in lines), Decimal(0)),
        value=sum((x.value for x in lines), Decimal(0)) if ret.status == "shipped" else None,
        lines=tuple(lines),
        **extra,
    )


def return_payload(ret: SupplierReturn) -> events.PurchaseReturnState:
    return _payload(ret, orders.get_order(ret.purchase_order_id))
