"""Fulfilment: labels and pick lists produced, shipment recorded (stock leaves at book cost),
delivery. Platform-fulfilled orders are shipped by the platform: when the channel says so,
the platform warehouse's stock goes out instead of ours."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from core import validation as f
from core.db import utcnow, uuid7
from core.errors import InvalidTransition
from core.inventory import service as inventory
from core.inventory.service import InsufficientStock, Posting
from core.messages import Msg
from core.orders.events import LineCost, OrderDelivered, OrderPrinted, OrderShipped, ShippedLine
from core.orders.models import BEFORE_SHIPMENT, Order, OrderShipment
from core.orders.service import holds
from core.orders.service.base import (
    add,
    emit,
    line_payload,
    lock_order,
    open_hold,
    record,
    require_status,
    set_status,
    stock_doc,
    stock_key,
    stock_lines,
)

DOCUMENTS = ("label", "pick_list", "packing_slip")


def _merchant_only(order: Order, action: str) -> None:
    if order.fulfilment == "platform":
        raise InvalidTransition(f"order {order.number}", order.status, action, Msg("orders.platform_ships_it"))


def mark_printed(order_id: uuid.UUID, document: str = "label") -> Order:
    """A label or pick list was produced: the allocated order now awaits shipment."""
    errors = f.Errors()
    document = f.choice(errors, "document", document, DOCUMENTS, required=True) or "label"
    errors.raise_if_any()
    order = lock_order(order_id)
    require_status(
        order,
        ("allocated", "awaiting_shipment"),
        "print documents for",
        Msg("orders.allocate_first") if order.status == "approved" else "",
    )
    _merchant_only(order, "print documents for")
    if order.status == "allocated":
        set_status(
            order, "awaiting_shipment", "printed", Msg("order.document_printed", document=document), document=document
        )
        emit("order.printed", order, OrderPrinted, document=document)
    else:
        record(order, "printed", Msg("order.document_reprinted", document=document), document=document)
    return order


def ship(
    order_id: uuid.UUID,
    *,
    carrier: str,
    service: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    weight_g: Any = None,
    length_cm: Any = None,
    width_cm: Any = None,
    height_cm: Any = None,
    shipped_at: datetime | None = None,
) -> Order:
    """Record the shipment: the reserved stock leaves the warehouse at book cost (the cost
    basis goes on `order.shipped`), and the channel is told through that event."""
    errors = f.Errors()
    carrier = f.text(errors, "carrier", carrier, max_len=64, required=True)
    service = f.text(errors, "service", service, max_len=100)
    tracking_number = f.text(errors, "tracking_number", tracking_number, max_len=100)
    tracking_url = f.text(errors, "tracking_url", tracking_url, max_len=500)
    weight = f.integer(errors, "weight_g", weight_g, minimum=0)
    dims = {
        name: f.decimal(errors, name, value, places=2)
        for name, value in (("length_cm", length_cm), ("width_cm", width_cm), ("height_cm", height_cm))
    }
    if shipped_at is not None and (not isinstance(shipped_at, datetime) or shipped_at.tzinfo is None):
        errors.add("shipped_at", Msg("orders.aware_date_time"))
    errors.raise_if_any()
    order = lock_order(order_id)
    require_status(
        order,
        ("allocated", "awaiting_shipment"),
        "ship",
        Msg("orders.allocate_first") if order.status == "approved" else "",
    )
    _merchant_only(order, "ship")
    posting = inventory.ship(stock_doc(order), key=stock_key(order, "ship"))
    _shipped(
        order,
        posting,
        carrier=carrier,
        service=service,
        tracking_number=tracking_number,
        tracking_url=tracking_url or "",
        weight_g=weight,
        shipped_at=shipped_at or utcnow(),
        by_platform=False,
        **dims,
    )
    return order


def _shipped(
    order: Order,
    posting: Posting | None,
    *,
    carrier: str,
    service: str,
    tracking_number: str,
    shipped_at: datetime,
    by_platform: bool,
    tracking_url: str = "",
    weight_g: int | None = None,
    length_cm: Decimal | None = None,
    width_cm: Decimal | None = None,
    height_cm: Decimal | None = None,
) -> OrderShipment:
    posted = {pl.ref: pl for pl in (posting.lines if posting else ())}
    currency = next(iter(posted.values())).currency if posted else ""
    shipped_lines, payload_lines = [], []
    for line in order.lines:
        qty = line.open_quantity
        if qty <= 0:
            continue
        pl = posted.get(str(line.id))
        value = pl.value if pl else Decimal(0)
        unit_cost = pl.unit_cost if pl else Decimal(0)
        payload = line_payload(order, line, qty)
        line.quantity_shipped += qty
        line.cost_value += value
        shipped_lines.append(
            {
                "line_id": str(line.id),
                "quantity": qty,
                "stock_quantity": qty * line.units_per_item,
                "sku_id": str(line.sku_id) if line.sku_id else None,
                "unit_cost": str(unit_cost),
                "value": str(value),
            }
        )
        payload_lines.append(
            {**payload, "cost": {"unit_cost": unit_cost, "value": value, "currency": currency, "moved": pl is not None}}
        )
    cost = sum((Decimal(x["value"]) for x in shipped_lines), Decimal(0))
    shipment = OrderShipment(
        id=uuid7(),
        order_id=order.id,
        warehouse_id=order.warehouse_id,
        carrier=carrier,
        service=service,
        tracking_number=tracking_number,
        weight_g=weight_g,
        length_cm=length_cm,
        width_cm=width_cm,
        height_cm=height_cm,
        shipped_at=shipped_at,
        by_platform=by_platform,
        lines=shipped_lines,
        cost_value=cost,
        cost_currency=currency,
    )
    add(shipment)
    order.stock_reserved = False
    order.shipped_at = shipped_at
    how = f"{carrier} {service}" if service else carrier
    message = (
        Msg("order.shipped_by_platform")
        if by_platform
        else Msg("order.shipped_tracking", carrier=how, tracking=tracking_number)
        if tracking_number
        else Msg("order.shipped_with", carrier=how)
    )
    set_status(
        order, "shipped", "shipped", message, shipment_id=shipment.id, carrier=carrier, tracking_number=tracking_number
    )
    channel_orders: dict[str, list[dict[str, Any]]] = {}
    for item in payload_lines:
        if item["external_order_id"]:
            channel_orders.setdefault(item["external_order_id"], []).append(
                {"external_line_id": item["external_line_id"], "quantity": item["quantity"]}
            )
    amounts = {
        k: sum((Decimal(str(x[k])) for x in payload_lines), Decimal(0))
        for k in ("item_amount", "item_tax", "shipping", "shipping_tax", "discount", "promotion", "total")
    }
    emit(
        "order.shipped",
        order,
        OrderShipped,
        lines=tuple(ShippedLine(**{**x, "cost": LineCost(**x["cost"])}) for x in payload_lines),
        shipment_id=shipment.id,
        carrier=carrier,
        service=service,
        tracking_number=tracking_number,
        shipped_at=shipped_at,
        by_platform=by_platform,
        shipped_amounts=amounts,
        cost_value=cost,
        cost_currency=currency,
        channel_orders=tuple({"external_order_id": k, "lines": v} for k, v in channel_orders.items()),
        tracking_url=tracking_url,
    )
    return shipment


def ship_by_platform(order: Order, shipped_at: datetime | None = None) -> None:
    """The channel reports a platform-fulfilled order shipped: its stock leaves the platform
    warehouse (what was reserved there, else what is available), or, with no platform
    warehouse or too little stock there, the order is marked shipped and the timeline says
    that no stock moved."""
    from core.orders.service.allocation import platform_warehouse

    if order.status not in BEFORE_SHIPMENT:
        return
    if order.status == "on_hold":
        current = open_hold(order)
        if current is not None:
            holds.close(order, current, Msg("orders.hold_closed_platform_shipped"))
    posting = None
    if order.stock_reserved:
        posting = inventory.ship(stock_doc(order), key=stock_key(order, "platform-ship"))
    else:
        wh = platform_warehouse(order)
        if wh is None:
            record(order, "stock_not_moved", Msg("order.platform_not_moved"))
        else:
            lines = stock_lines(order, wh.id)
            try:
                posting = (
                    inventory.ship(stock_doc(order), lines, key=stock_key(order, "platform-ship")) if lines else None
                )
                order.warehouse_id = wh.id
            except InsufficientStock as exc:
                record(
                    order, "stock_not_moved", Msg("order.platform_stock_short", warehouse=wh.code, detail=exc.message)
                )
    unmapped = [ln.seller_sku for ln in order.lines if ln.sku_id is None and ln.open_quantity]
    if unmapped:
        record(order, "stock_not_moved", Msg("order.unmapped_not_moved", skus=unmapped))
    _shipped(
        order,
        posting,
        carrier=order.channel,
        service="platform",
        tracking_number="",
        shipped_at=shipped_at or utcnow(),
        by_platform=True,
    )


def deliver(order_id: uuid.UUID, delivered_at: datetime | None = None) -> Order:
    order = lock_order(order_id)
    require_status(order, ("shipped",), "mark delivered")
    order.delivered_at = delivered_at or utcnow()
    set_status(order, "delivered", "delivered", Msg("order.delivered"))
    emit("order.delivered", order, OrderDelivered, delivered_at=order.delivered_at)
    return order


def warehouse_code(warehouse_id: uuid.UUID | None) -> str:
    if warehouse_id is None:
        return ""
    return inventory.warehouse_codes([warehouse_id]).get(warehouse_id, "")
