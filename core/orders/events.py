"""Orders' business events (contracts: docs/events.md, "orders").

Most order events carry the order's summary (`OrderSummary`: ids, channel, status, currency
and the order's amounts); those that move money or goods carry its live lines too. The events
every imported order gets carry ids and amounts only, since there are millions of them:
`OrderPlaced` (imported or entered, its lines as ids, units and totals), `OrderApproved` and
`OrderAllocated` (the order's id and what changed). Amounts are in the order's `currency`,
rounded to its minor unit; no buyer personal data, since every integration may read events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from core.event_types import Payload, declare


@dataclass(frozen=True, kw_only=True)
class SoldLine:
    """A line's live quantity and its money: item amount, item tax, shipping, shipping tax,
    discount and promotion (each for the quantity), and the buyer's `total`."""

    line_id: uuid.UUID
    external_order_id: str | None
    external_line_id: str | None
    seller_sku: str | None
    sku_id: uuid.UUID | None
    sku_code: str | None
    kit_type: str | None
    quantity: int
    stock_quantity: int
    unit_price: Decimal
    item_amount: Decimal
    item_tax: Decimal
    shipping: Decimal
    shipping_tax: Decimal
    discount: Decimal
    promotion: Decimal
    total: Decimal


@dataclass(frozen=True, kw_only=True)
class OrderSummary(Payload):
    order_id: uuid.UUID
    number: str
    channel: str | None
    connection_id: uuid.UUID | None
    marketplace: str | None
    external_order_id: str | None
    fulfilment: str
    status: str
    parent_id: uuid.UUID | None
    purchased_at: datetime | None
    ship_country: str | None
    currency: str
    prices_include_tax: bool
    amounts: dict[str, Decimal]  # goods, tax, shipping, discount, total, refunded
    warehouse_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class OrderWithLines(OrderSummary):
    lines: tuple[SoldLine, ...]


@dataclass(frozen=True, kw_only=True)
class PlacedLine:
    """A line as the order was placed: its id, its SKU (left out while unmapped), the units
    ordered and the buyer's `total` for them."""

    line_id: uuid.UUID
    sku_id: uuid.UUID | None = None
    quantity: int
    total: Decimal


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(Payload):
    """A new order (imported or entered): what identifies it, its money and its lines as ids,
    units and totals. `amounts`: goods, tax, shipping, discount and total.

    Version 1 (stored before) was `OrderWithLines`: the summary plus `SoldLine`s with codes
    and every amount of a line; `upgrade` reads it as this shape."""

    version: ClassVar[int] = 2

    order_id: uuid.UUID
    number: str
    channel: str | None
    connection_id: uuid.UUID | None
    marketplace: str | None
    external_order_id: str | None
    fulfilment: str
    status: str
    purchased_at: datetime | None
    ship_country: str | None
    currency: str
    prices_include_tax: bool
    amounts: dict[str, Decimal]
    lines: tuple[PlacedLine, ...]
    parent_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version == 1:
            keep = set(cls.__dataclass_fields__)
            data = {k: v for k, v in data.items() if k in keep}
            data["amounts"] = {k: v for k, v in (data.get("amounts") or {}).items() if k != "refunded"}
            data["lines"] = [
                {"line_id": ln["line_id"], "sku_id": ln.get("sku_id"), "quantity": ln["quantity"], "total": ln["total"]}
                for ln in data.get("lines") or ()
            ]
        return data


@dataclass(frozen=True, kw_only=True)
class OrderApproved(Payload):
    """The order passed review: by `rule` (its name), or by staff (with their `note`, if any).

    Version 1 (stored before) carried the order's summary beside `rule` and `note`;
    `upgrade` keeps what this version has of it."""

    version: ClassVar[int] = 2

    order_id: uuid.UUID
    status: str
    rule: str | None = None
    note: str | None = None

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version == 1:
            data = {k: data.get(k) or None for k in ("order_id", "status", "rule", "note")}
        return data


@dataclass(frozen=True, kw_only=True)
class OrderHeld(OrderSummary):
    hold: dict[str, Any]  # type, source, reason, problems


@dataclass(frozen=True, kw_only=True)
class OrderReleased(OrderHeld):
    note: str | None


@dataclass(frozen=True, kw_only=True)
class OrderUpdated(OrderSummary):
    source: str  # channel | staff
    changes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class WarehouseRef:
    id: uuid.UUID
    code: str


@dataclass(frozen=True, kw_only=True)
class OrderAllocated(Payload):
    """The order was allocated to `warehouse`; `stock_reserved` says whether stock was held
    there (false when no line needs stock).

    Version 1 (stored before) carried the order's summary beside `warehouse`; `upgrade` keeps
    what this version has of it (`stock_reserved` is unknown for those: None)."""

    version: ClassVar[int] = 2

    order_id: uuid.UUID
    status: str
    warehouse: WarehouseRef
    stock_reserved: bool | None = None

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version == 1:
            data = {k: data.get(k) for k in ("order_id", "status", "warehouse")}
        return data


@dataclass(frozen=True, kw_only=True)
class OrderPrinted(OrderSummary):
    document: str


@dataclass(frozen=True, kw_only=True)
class OrderDelivered(OrderSummary):
    delivered_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class OrderSplit(OrderWithLines):
    kind: str
    reason: str | None
    children: tuple[OrderWithLines, ...]


@dataclass(frozen=True, kw_only=True)
class MergedSource:
    order_id: uuid.UUID
    number: str
    external_order_id: str | None


@dataclass(frozen=True, kw_only=True)
class OrderMerged(OrderWithLines):
    sources: tuple[MergedSource, ...]
    note: str | None


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(OrderWithLines):
    reason: str | None
    source: str | None
    cancelled_lines: tuple[SoldLine, ...]
    cancelled_amount: Decimal


@dataclass(frozen=True, kw_only=True)
class LineCost:
    unit_cost: Decimal
    value: Decimal
    currency: str | None
    moved: bool


@dataclass(frozen=True, kw_only=True)
class ShippedLine(SoldLine):
    cost: LineCost  # the book value that left stock, in the functional currency


@dataclass(frozen=True, kw_only=True)
class OrderShipped(OrderSummary):
    """The order shipped: `lines` are the shipped quantities with their money and stock cost;
    `shipped_amounts` their sums; `channel_orders` the lines per channel order to confirm."""

    lines: tuple[ShippedLine, ...]
    shipment_id: uuid.UUID
    carrier: str | None
    service: str | None
    tracking_number: str | None
    shipped_at: datetime
    by_platform: bool
    shipped_amounts: dict[str, Decimal]
    cost_value: Decimal
    cost_currency: str | None
    channel_orders: tuple[dict[str, Any], ...]  # {external_order_id, lines: [{external_line_id, quantity}]}
    tracking_url: str = ""  # the buyer's tracking page, for channels that take one


@dataclass(frozen=True, kw_only=True)
class Refund:
    """`lines`: what each refunded line got back ({line_id, quantity, amount, ...}, as stored
    on the refund)."""

    refund_id: uuid.UUID
    method: str
    type: str
    stage: str  # before_shipment | after_shipment
    amount: Decimal
    currency: str
    reason: str | None
    lines: tuple[dict[str, Any], ...]
    evidence: tuple[Any, ...]
    return_id: uuid.UUID | None
    return_number: str | None
    external_refund_id: str | None


@dataclass(frozen=True, kw_only=True)
class OrderRefunded(OrderWithLines):
    refund: Refund


@dataclass(frozen=True, kw_only=True)
class ReturnState(OrderSummary):
    """A return (RMA) of the order. `lines`: {line_id, quantity, sku_id, sku_code, seller_sku,
    external_order_id, external_line_id, stock_quantity} and, once inspected, restock, damaged,
    restock_value and damaged_value; values in `cost_currency`."""

    return_id: uuid.UUID
    return_number: str
    reason: str | None
    carrier: str | None
    tracking_number: str | None
    lines: tuple[dict[str, Any], ...]
    value_restocked: Decimal | None
    value_damaged: Decimal | None
    cost_currency: str | None
    order_status: str


@dataclass(frozen=True, kw_only=True)
class OrderSettingsUpdated(Payload):
    changed: tuple[str, ...]


declare("order.imported", OrderPlaced, "An order was imported from a sales channel.")
declare("order.created", OrderPlaced, "An order was entered by hand.")
declare("order.approved", OrderApproved, "An order passed review (by staff, or by `rule`).")
declare("order.held", OrderHeld, "An order was put on hold; `hold` says why and by whom.")
declare("order.released", OrderReleased, "An order's hold was released.")
declare("order.updated", OrderUpdated, "An order changed (from the channel or by staff); `changes` lists what.")
declare("order.allocated", OrderAllocated, "An order was allocated to a warehouse and its stock reserved there.")
declare("order.split", OrderSplit, "An order was split into `children`.")
declare("order.merged", OrderMerged, "Orders (`sources`) were merged into this one.")
declare("order.printed", OrderPrinted, "A label or pick list was produced: the order awaits shipment.")
declare("order.shipped", OrderShipped, "An order shipped: revenue is earned and its stock left at cost.")
declare("order.delivered", OrderDelivered, "The carrier delivered the order.")
declare("order.cancelled", OrderCancelled, "The whole order was cancelled before shipment.")
declare("order.lines_cancelled", OrderCancelled, "Some lines (or quantities) of an order were cancelled.")
declare("order.refunded", OrderRefunded, "Money went back to the buyer (before or after shipment).")
declare("return.created", ReturnState, "A return (RMA) was opened for a shipped order.")
declare("return.received", ReturnState, "A return arrived and was inspected: restocked and damaged units valued.")
declare("order_settings.updated", OrderSettingsUpdated, "The tenant's order settings changed; `changed` names them.")
