"""Kit orders for physical kits: assembly turns components into kit units (the kit's cost is
the components' book value rolled up), disassembly turns kit units back into components (the
kit's value split over them in proportion to their book cost).

Opening an order reserves what it will consume, so the units cannot be sold meanwhile;
completing it consumes those reservations and posts the ledger; cancelling releases them.
Virtual bundles need no orders: they are never stocked (see `stock.needs_of`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import events
from core.db import locked, session, utcnow, uuid7
from core.errors import InvalidTransition, NotFound, ValidationError
from core.inventory.events import KitCompleted, KitPart
from core.inventory.models import KitOrder
from core.inventory.service import skus
from core.inventory.service.engine import require_warehouses, start
from core.inventory.service.stock import Need, release, reserve_needs, ship_taken, stock_event, take_from_reservations
from core.inventory.service.types import Doc, Line, Posting
from core.messages import Msg
from core.money import allocate
from core.numbering import next_number


def list_kit_orders(*, status: str | None = None, warehouse_id: uuid.UUID | None = None) -> Any:
    stmt = select(KitOrder).order_by(KitOrder.created_at.desc(), KitOrder.id.desc())
    if status:
        stmt = stmt.where(KitOrder.status == status)
    if warehouse_id:
        stmt = stmt.where(KitOrder.warehouse_id == warehouse_id)
    return stmt


def get_kit_order(order_id: uuid.UUID) -> KitOrder:
    row = session.execute(select(KitOrder).where(KitOrder.id == order_id)).scalar_one_or_none()
    if row is None:
        raise NotFound("kit order", order_id)
    return row


def _locked(order_id: uuid.UUID) -> KitOrder:
    return locked(KitOrder, order_id, "kit order")


def _doc(order: KitOrder) -> Doc:
    return Doc("kit_order", order.id, order.number)


def _consumed_lines(order: KitOrder) -> list[Line]:
    """What the order takes out of stock: components to assemble, kit units to disassemble."""
    if order.kind == "assembly":
        return [
            Line(c["sku_id"], uuid.UUID(c["sku_id"]), order.warehouse_id, c["quantity"] * order.quantity)
            for c in order.components
        ]
    return [Line("kit", order.kit_sku_id, order.warehouse_id, order.quantity)]


@stock_event
def create_kit_order(
    *, kind: str, kit_sku_id: uuid.UUID, warehouse_id: uuid.UUID, quantity: int, note: str = ""
) -> KitOrder:
    """Open an assembly or disassembly order, reserving what it will consume."""
    if kind not in ("assembly", "disassembly"):
        raise ValidationError.field("kind", Msg("stock.assembly_kind"))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError.field("quantity", Msg("positive_whole_number"))
    kinds = skus.kit_types([kit_sku_id])
    if kinds[kit_sku_id] != "physical":
        raise ValidationError.field(
            "kit_sku_id",
            Msg(
                "stock.not_physical_kit_virtual" if kinds[kit_sku_id] else "stock.not_physical_kit",
                sku=skus.code(kit_sku_id),
            ),
        )
    skus.require_for_stock([kit_sku_id])
    require_warehouses([warehouse_id], active=True)
    bom = skus.components([kit_sku_id])[kit_sku_id]
    if not bom:
        raise ValidationError.field("kit_sku_id", Msg("stock.kit_no_components"))
    order = KitOrder(
        id=uuid7(),
        number=next_number("inventory_kit_order", "KO"),
        kind=kind,
        kit_sku_id=kit_sku_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        note=note,
        components=[{"sku_id": str(c), "quantity": q} for c, q in bom],
    )
    session.add(order)
    session.flush()
    lines = _consumed_lines(order)
    entry = start(
        "reserve", _doc(order), f"kit_order:{order.id}:reserve", [[ln.ref, ln.sku_id, ln.quantity] for ln in lines]
    )
    assert not isinstance(entry, Posting)  # a new order's key is new
    reserve_needs(entry.op_id, _doc(order), [Need(ln, ln.sku_id, ln.quantity) for ln in lines])
    for ln in lines:
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0))
    entry.finish(touched={(ln.sku_id, ln.warehouse_id) for ln in lines})
    return order


@stock_event
def complete_kit_order(order_id: uuid.UUID) -> KitOrder:
    """Post the order: consume what it reserved and bring in what it makes."""
    order = _locked(order_id)
    if order.status != "open":
        raise InvalidTransition("kit order", order.status, "complete")
    doc = _doc(order)
    kind = f"kit_{order.kind}"
    entry = start(kind, doc, f"kit_order:{order.id}:complete", {"quantity": order.quantity})
    if isinstance(entry, Posting):
        return order
    consumed = _consumed_lines(order)
    taken = take_from_reservations(doc, consumed, mode="consume")
    components = [(uuid.UUID(c["sku_id"]), c["quantity"] * order.quantity) for c in order.components]
    wh = order.warehouse_id
    entry.lock({(order.kit_sku_id, wh)} | {(c, wh) for c, _ in components})
    values = ship_taken(entry, taken, kind)
    total = sum(values.values(), Decimal(0))
    made: list[KitPart] = []
    if order.kind == "assembly":
        entry.move(
            sku_id=order.kit_sku_id,
            warehouse_id=wh,
            quantity=order.quantity,
            from_bucket=None,
            to_bucket="on_hand",
            ref="kit",
            kind=kind,
            value=total,
        )
        entry.post("kit", order.kit_sku_id, wh, order.quantity, total)
        for ln in consumed:
            entry.post(ln.ref, ln.sku_id, wh, ln.quantity, values[(ln.ref, ln.sku_id, wh)])
        made.append(KitPart(sku_id=order.kit_sku_id, quantity=order.quantity, value=total))
    else:
        weights = []
        for comp, qty in components:
            b = entry.balance(comp, wh)
            weights.append((b.stock_value / b.valued_quantity if b.valued_quantity else Decimal(0)) * qty)
        shares = allocate(total, weights if any(weights) else [q for _, q in components], entry.currency)
        for (comp, qty), share in zip(components, shares):
            entry.move(
                sku_id=comp,
                warehouse_id=wh,
                quantity=qty,
                from_bucket=None,
                to_bucket="on_hand",
                ref=str(comp),
                kind=kind,
                value=share,
            )
            entry.post(str(comp), comp, wh, qty, share)
            made.append(KitPart(sku_id=comp, quantity=qty, value=share))
        entry.post("kit", order.kit_sku_id, wh, order.quantity, total)
    posting = entry.finish()
    order.status, order.completed_at = "completed", utcnow()
    order.unit_cost = (total / order.quantity).quantize(Decimal("0.000001"))
    session.flush()
    used = [KitPart(sku_id=ln.sku_id, quantity=ln.quantity, value=values[(ln.ref, ln.sku_id, wh)]) for ln in consumed]
    events.emit(
        f"kit.{'assembled' if order.kind == 'assembly' else 'disassembled'}",
        KitCompleted(
            id=order.id,
            number=order.number,
            operation_id=posting.operation_id,
            warehouse_id=wh,
            kit_sku_id=order.kit_sku_id,
            quantity=order.quantity,
            unit_cost=order.unit_cost,
            value=total,
            currency=entry.currency,
            consumed=tuple(used),
            produced=tuple(made),
        ),
        entity_type="kit_order",
        entity_id=order.id,
    )
    return order


@stock_event
def cancel_kit_order(order_id: uuid.UUID) -> KitOrder:
    order = _locked(order_id)
    if order.status != "open":
        raise InvalidTransition("kit order", order.status, "cancel")
    release(_doc(order), key=f"kit_order:{order.id}:cancel")
    order.status = "cancelled"
    session.flush()
    return order
