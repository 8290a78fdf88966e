"""Purchasing's business events (contracts: docs/events.md, "purchasing").

Amounts are in the order's `currency` unless named `value` (book value in the
`functional_currency`); `fx_rate` converts one unit of the order currency into the functional one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from core.event_types import Payload, declare

# ---------------------------------------------------------------------------------------------
# Purchase orders


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderLine:
    line_id: uuid.UUID
    sku_id: uuid.UUID
    sku_code: str | None
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax_amount: Decimal
    received_quantity: int
    terminated_quantity: int


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderState(Payload):
    """A purchase order after the change: supplier, warehouse, rate, totals and lines."""

    purchase_order_id: uuid.UUID
    number: str
    status: str
    supplier_id: uuid.UUID
    supplier: str | None
    warehouse_id: uuid.UUID
    warehouse_code: str | None
    currency: str
    fx_rate: Decimal
    fx_source: str | None
    fx_date: date | None
    functional_currency: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    total_functional: Decimal
    expected_date: date | None
    lines: tuple[PurchaseOrderLine, ...]


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderFirstApproved(PurchaseOrderState):
    threshold: Decimal


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderApproved(PurchaseOrderState):
    approved_by: str | None
    first_approved_by: str | None


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderConfirmed(PurchaseOrderState):
    supplier_reference: str | None


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderCancelled(PurchaseOrderState):
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class TerminatedLine:
    line_id: uuid.UUID
    sku_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderTerminated(PurchaseOrderState):
    reason: str | None
    terminated: tuple[TerminatedLine, ...]


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderTracking(Payload):
    purchase_order_id: uuid.UUID
    number: str
    tracking_number: str | None
    carrier: str | None = None


# ---------------------------------------------------------------------------------------------
# Receipts


@dataclass(frozen=True, kw_only=True)
class ReceivedLine:
    receipt_line_id: uuid.UUID
    purchase_order_line_id: uuid.UUID
    sku_id: uuid.UUID
    sku_code: str | None
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    value: Decimal


@dataclass(frozen=True, kw_only=True)
class PurchaseReceived(Payload):
    """Goods received against a purchase order (not yet invoiced: 暂估), and the book value
    that entered stock."""

    receipt_id: uuid.UUID
    receipt_number: str
    received_at: datetime
    purchase_order_id: uuid.UUID
    purchase_order_number: str
    order_status: str
    supplier_id: uuid.UUID
    supplier: str | None
    warehouse_id: uuid.UUID
    warehouse_code: str | None
    currency: str
    fx_rate: Decimal
    fx_source: str | None
    fx_date: date | None
    functional_currency: str
    tracking_number: str | None
    quantity: int
    amount: Decimal
    tax_amount: Decimal
    value: Decimal
    stock_operation_id: uuid.UUID
    lines: tuple[ReceivedLine, ...]


@dataclass(frozen=True, kw_only=True)
class InspectedLine:
    receipt_line_id: uuid.UUID
    purchase_order_line_id: uuid.UUID
    sku_id: uuid.UUID
    sku_code: str | None
    sample_size: int
    passed_quantity: int
    failed_quantity: int
    defect_reasons: tuple[str, ...]
    location_id: uuid.UUID | None
    passed_value: Decimal
    failed_value: Decimal


@dataclass(frozen=True, kw_only=True)
class ReceiptInspected(Payload):
    """Quality check of a receipt: what passed into sellable stock and what failed, valued
    in the functional currency."""

    receipt_id: uuid.UUID
    receipt_number: str
    purchase_order_id: uuid.UUID
    purchase_order_number: str
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    functional_currency: str
    receipt_status: str
    lines: tuple[InspectedLine, ...]


# ---------------------------------------------------------------------------------------------
# Returns to suppliers


@dataclass(frozen=True, kw_only=True)
class ReturnLine:
    return_line_id: uuid.UUID
    purchase_order_line_id: uuid.UUID
    sku_id: uuid.UUID
    sku_code: str | None
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    value: Decimal | None


@dataclass(frozen=True, kw_only=True)
class PurchaseReturnState(Payload):
    """A return to the supplier: the credit due (order currency) and, once shipped, the book
    value that left stock (functional currency)."""

    return_id: uuid.UUID
    number: str
    status: str
    reason: str | None
    purchase_order_id: uuid.UUID
    purchase_order_number: str
    supplier_id: uuid.UUID
    supplier: str | None
    warehouse_id: uuid.UUID
    warehouse_code: str | None
    currency: str
    fx_rate: Decimal
    fx_source: str | None
    functional_currency: str
    carrier: str | None
    tracking_number: str | None
    quantity: int
    amount: Decimal
    tax_amount: Decimal
    value: Decimal | None
    lines: tuple[ReturnLine, ...]


@dataclass(frozen=True, kw_only=True)
class PurchaseReturnShipped(PurchaseReturnState):
    stock_operation_id: uuid.UUID


# ---------------------------------------------------------------------------------------------
# Stocking requests and replenishment


@dataclass(frozen=True, kw_only=True)
class StockingRequestState(Payload):
    stocking_request_id: uuid.UUID
    number: str
    status: str
    source: str
    sku_id: uuid.UUID
    sku_code: str | None
    warehouse_id: uuid.UUID
    warehouse_code: str | None
    supplier_id: uuid.UUID | None
    quantity: int
    needed_by: date | None
    purchase_order_id: uuid.UUID | None
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class ReplenishmentCompleted(Payload):
    run_id: uuid.UUID
    run_date: date
    evaluated: int
    suggested: int


declare("purchase_order.created", PurchaseOrderState, "A purchase order was created as a draft.")
declare("purchase_order.updated", PurchaseOrderState, "A draft purchase order changed.")
declare(
    "purchase_order.first_approved",
    PurchaseOrderFirstApproved,
    "A purchase order above the tenant's `threshold` (functional currency) got its first approval; a second is due.",
)
declare("purchase_order.approved", PurchaseOrderApproved, "A purchase order was approved (by one or two people).")
declare("purchase_order.sent", PurchaseOrderState, "An approved purchase order was sent to the supplier.")
declare("purchase_order.confirmed", PurchaseOrderConfirmed, "The supplier confirmed a purchase order.")
declare("purchase_order.cancelled", PurchaseOrderCancelled, "A purchase order was cancelled before anything arrived.")
declare(
    "purchase_order.terminated",
    PurchaseOrderTerminated,
    "Quantities still due on a purchase order were terminated (closed short); `terminated` lists them.",
)
declare("purchase_order.tracking_added", PurchaseOrderTracking, "A tracking number was added to a purchase order.")
declare(
    "purchase_order.tracking_removed", PurchaseOrderTracking, "A tracking number was removed from a purchase order."
)
declare("purchase.received", PurchaseReceived, "Goods arrived against a purchase order and entered stock (QC pending).")
declare("purchase_receipt.inspected", ReceiptInspected, "A receipt's quality check was recorded.")
declare("purchase_return.created", PurchaseReturnState, "A return of goods to the supplier was created.")
declare("purchase_return.shipped", PurchaseReturnShipped, "A return left the warehouse: stock and its value went out.")
declare("purchase_return.cancelled", PurchaseReturnState, "A return to the supplier was cancelled.")
declare("stocking_request.submitted", StockingRequestState, "A stocking request was submitted.")
declare("stocking_request.updated", StockingRequestState, "A stocking request changed.")
declare("stocking_request.approved", StockingRequestState, "A stocking request was approved.")
declare("stocking_request.rejected", StockingRequestState, "A stocking request was rejected.")
declare("stocking_request.terminated", StockingRequestState, "A stocking request was terminated.")
declare("stocking_request.ordered", StockingRequestState, "A stocking request was put on a purchase order.")
declare("stocking_request.released", StockingRequestState, "A stocking request was released from its purchase order.")
declare(
    "replenishment.completed", ReplenishmentCompleted, "A replenishment run finished; `suggested` SKUs need buying."
)
