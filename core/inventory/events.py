"""Inventory's business events (contracts: docs/events.md, "inventory").

Stock values are book values in `currency`, the tenant's functional currency; quantities are
SKU units, signed where the event says so (a loss is negative)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.event_types import Payload, declare

# ---------------------------------------------------------------------------------------------
# Stock levels


@dataclass(frozen=True, kw_only=True)
class StockPair:
    sku_id: str | None
    warehouse_id: str | None


@dataclass(frozen=True, kw_only=True)
class StockChanged(Payload):
    """The (SKU, warehouse) pairs whose stock a transaction changed, and its stock operations
    (ids as text: the announcement is completed at commit)."""

    items: tuple[StockPair, ...]
    operations: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class StockBelowSafety(Payload):
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    available: int
    safety_stock: int


@dataclass(frozen=True, kw_only=True)
class DriftRepaired(Payload):
    """What the reconciler found and fixed: counters that disagreed with rows and ledger
    (`drifts`: sku_id, warehouse_id, field, stored, expected, all as text)."""

    balances: int
    fixed: bool
    reservations_closed: int
    drifts: tuple[dict[str, str], ...]


# ---------------------------------------------------------------------------------------------
# Adjustments and stocktakes


@dataclass(frozen=True, kw_only=True)
class DocumentRef:
    type: str
    id: uuid.UUID | str


@dataclass(frozen=True, kw_only=True)
class AdjustedLine:
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int
    unit_cost: Decimal | None
    value: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class StockAdjusted(Payload):
    """Stock gained or lost outside purchasing and sales (`kind`: opening_balance, scrap,
    requisition, borrow_out, borrow_return, borrow_write_off, platform_reconciliation,
    stocktake, ...), with signed quantities and values: what the books post as gain or loss.
    The optional fields appear only for the kinds that have them."""

    kind: str
    reason: str | None
    number: str
    document: DocumentRef
    lines: tuple[AdjustedLine, ...]
    operation_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None
    borrowing_id: uuid.UUID | None = None
    borrower: str | None = None
    rates: dict[str, dict[str, Any]] | None = None
    gain_value: Decimal | None = None
    loss_value: Decimal | None = None
    currency: str | None = None


# ---------------------------------------------------------------------------------------------
# Kits


@dataclass(frozen=True, kw_only=True)
class KitPart:
    sku_id: uuid.UUID
    quantity: int
    value: Decimal


@dataclass(frozen=True, kw_only=True)
class KitCompleted(Payload):
    """A kit order completed: `consumed` went out of stock and `produced` came in, at `value`."""

    id: uuid.UUID
    number: str
    operation_id: uuid.UUID
    warehouse_id: uuid.UUID
    kit_sku_id: uuid.UUID
    quantity: int
    unit_cost: Decimal
    value: Decimal
    currency: str
    consumed: tuple[KitPart, ...]
    produced: tuple[KitPart, ...]


# ---------------------------------------------------------------------------------------------
# Transfers and first legs


@dataclass(frozen=True, kw_only=True)
class TransferItem:
    sku_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, kw_only=True)
class TransferCreated(Payload):
    id: uuid.UUID
    number: str
    source_warehouse_id: uuid.UUID
    destination_warehouse_id: uuid.UUID
    lines: tuple[TransferItem, ...]


@dataclass(frozen=True, kw_only=True)
class TransferAllocated(Payload):
    id: uuid.UUID
    number: str
    source_warehouse_id: uuid.UUID
    lines: tuple[TransferItem, ...]


@dataclass(frozen=True, kw_only=True)
class TransferCancelled(Payload):
    id: uuid.UUID
    number: str
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class ShippedLine:
    sku_id: uuid.UUID
    quantity: int
    unit_cost: Decimal
    value: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class Box:
    count: int
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    weight_kg: Decimal
    contents: tuple[Any, ...]


@dataclass(frozen=True, kw_only=True)
class TransferShipped(Payload):
    """Stock left the source for the destination (in transit), at `value`. A first leg
    also carries its freight, duty (in `cost_currency`) and boxes; a transfer carries
    freight and duty only when it has them."""

    id: uuid.UUID
    number: str
    operation_id: uuid.UUID
    source_warehouse_id: uuid.UUID
    destination_warehouse_id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    shipping_method: str | None
    shipped_at: datetime | None
    expected_at: date | None
    lines: tuple[ShippedLine, ...]
    value: Decimal
    currency: str
    freight_cost: Decimal | None = None
    duty: Decimal | None = None
    cost_currency: str | None = None
    platform_reference: str | None = None
    boxes: tuple[Box, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class ReceivedPart:
    sku_id: uuid.UUID
    quantity: int
    value: Decimal
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Discrepancy:
    sku_id: uuid.UUID
    shipped: int
    received: int
    shortfall: int
    note: str | None


@dataclass(frozen=True, kw_only=True)
class TransferReceived(Payload):
    """Stock arrived at the destination (`received`), or was written off as lost on the way
    (`shortfall`), at book value."""

    id: uuid.UUID
    number: str
    operation_id: uuid.UUID
    status: str
    destination_warehouse_id: uuid.UUID
    received: tuple[ReceivedPart, ...]
    shortfall: tuple[ReceivedPart, ...]
    shortfall_reason: str
    currency: str
    discrepancies: tuple[Discrepancy, ...]


# ---------------------------------------------------------------------------------------------
# Warehouses


@dataclass(frozen=True, kw_only=True)
class WarehouseCreated(Payload):
    warehouse_id: uuid.UUID
    code: str
    type: str
    country: str | None


@dataclass(frozen=True, kw_only=True)
class WarehouseUpdated(Payload):
    warehouse_id: uuid.UUID
    changed: tuple[str, ...]


declare(
    "stock.changed",
    StockChanged,
    "Stock of some (SKU, warehouse) pairs changed; one per transaction, for pushes to channels and safety checks.",
)
declare("stock.below_safety", StockBelowSafety, "Available stock of a SKU in a warehouse fell below its safety stock.")
declare("stock.drift_repaired", DriftRepaired, "The reconciler rebuilt stock counters that had drifted.")
declare("stock.adjusted", StockAdjusted, "Stock was gained or lost outside purchasing and sales (see `kind`).")
declare("stocktake.posted", StockAdjusted, "A stocktake was posted: its gains and losses at book value.")
declare("kit.assembled", KitCompleted, "Kits were assembled from their components.")
declare("kit.disassembled", KitCompleted, "Kits were taken apart into their components.")
for _kind, _what in (("transfer", "A transfer between warehouses"), ("first_leg", "A first leg (头程) shipment")):
    declare(f"{_kind}.created", TransferCreated, f"{_what} was created.")
    declare(f"{_kind}.allocated", TransferAllocated, f"{_what} had its stock reserved at the source.")
    declare(f"{_kind}.cancelled", TransferCancelled, f"{_what} was cancelled before it shipped.")
    declare(f"{_kind}.shipped", TransferShipped, f"{_what} shipped: its stock is in transit at book value.")
    declare(
        f"{_kind}.received", TransferReceived, f"{_what} arrived (in part or whole), or its shortfall was written off."
    )
declare("warehouse.created", WarehouseCreated, "A warehouse was created.")
declare("warehouse.updated", WarehouseUpdated, "A warehouse's settings changed; `changed` names the fields.")
