"""Finance's business events (contracts: docs/events.md, "finance").

Amounts are in the document's `currency`; `rate` converts one unit of it into the functional
currency (the rate the document was booked at)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.event_types import Payload, declare


@dataclass(frozen=True, kw_only=True)
class LandedCostApplied(Payload):
    """Freight, duty and insurance of a first leg (or transfer) added to the unit cost at the
    destination; `lines` is the allocation per SKU (as stored on the landed cost)."""

    landed_cost_id: uuid.UUID
    source: str  # leg | manual | bill
    transfer_id: uuid.UUID
    transfer_kind: str
    transfer_number: str | None
    destination_warehouse_id: uuid.UUID
    bill_id: uuid.UUID | None
    currency: str
    freight: Decimal
    duty: Decimal
    insurance: Decimal
    amount: Decimal
    basis: str
    cost_date: date
    rate: Decimal | None
    functional_total: Decimal | None
    lines: tuple[dict[str, Any], ...]


@dataclass(frozen=True, kw_only=True)
class BilledLine:
    line_id: uuid.UUID
    receipt_id: uuid.UUID | None
    purchase_order_id: uuid.UUID | None
    sku_id: uuid.UUID | None
    warehouse_id: uuid.UUID | None
    quantity: int
    amount: Decimal
    tax: Decimal
    accrued: Decimal
    accrued_value: Decimal
    capitalised: Decimal
    expensed: Decimal
    transfer_id: uuid.UUID | None
    transfer_number: str | None
    memo: str | None


@dataclass(frozen=True, kw_only=True)
class BillPosted(Payload):
    """A supplier's (or forwarder's) bill was posted: what is owed, by `due_date`."""

    bill_id: uuid.UUID
    number: str
    kind: str
    supplier_id: uuid.UUID
    supplier: str | None
    supplier_reference: str | None
    currency: str
    bill_date: date
    due_date: date
    rate: Decimal
    amount: Decimal
    tax: Decimal
    total: Decimal
    input_vat_recoverable: bool
    lines: tuple[BilledLine, ...]


@dataclass(frozen=True, kw_only=True)
class SettledBill:
    bill_id: uuid.UUID
    bill_number: str
    bill_kind: str
    amount: Decimal
    bill_rate: Decimal


@dataclass(frozen=True, kw_only=True)
class PaymentMade(Payload):
    """A payment to a supplier: `allocations` settle bills, the rest (`prepaid`) is a prepayment."""

    payment_id: uuid.UUID
    number: str
    kind: str
    supplier_id: uuid.UUID
    supplier: str | None
    currency: str
    amount: Decimal
    payment_date: date
    rate: Decimal
    bank_account_id: uuid.UUID
    bank_charges: Decimal
    prepaid: Decimal
    allocations: tuple[SettledBill, ...]


@dataclass(frozen=True, kw_only=True)
class PrepaymentApplied(Payload):
    payment_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    currency: str
    amount: Decimal
    applied_on: date
    payment_rate: Decimal
    bill_id: uuid.UUID
    bill_number: str
    bill_kind: str
    bill_rate: Decimal


declare("landed_cost.applied", LandedCostApplied, "A landed cost was allocated into the stock it belongs to.")
declare("supplier_bill.posted", BillPosted, "A supplier's bill was posted to payables.")
declare("supplier_payment.made", PaymentMade, "A supplier was paid (bills settled and/or prepaid).")
declare(
    "supplier_prepayment.applied", PrepaymentApplied, "An unapplied prepayment settled a bill of the same supplier."
)


@dataclass(frozen=True, kw_only=True)
class SettlementImported(Payload):
    """A settlement (Amazon) or payout (Shopify Payments, PayPal) was stored with its lines;
    matching follows on the finance queue. Nothing is booked yet."""

    settlement_id: uuid.UUID
    source: str
    external_id: str
    connection_id: uuid.UUID | None
    currency: str
    total: Decimal
    lines: int
    unknown: int


declare("settlement.imported", SettlementImported, "A settlement or payout was imported with its lines.")


@dataclass(frozen=True, kw_only=True)
class CategoryTotal:
    category: str  # a booking category: commission, fulfilment_fee, storage_fee, reserve, ...
    amount: Decimal  # signed as in the report: fees negative


@dataclass(frozen=True, kw_only=True)
class SettlementReconciled(Payload):
    """A settlement is ready for the books: matched with nothing left over, or closed by a
    person. `sales` is the sum of its sale lines (principal, shipping, tax, promotions,
    refunds), which were booked at shipment and refund; `sales_value` their functional value
    at the rates those orders were booked at; `sales_unvalued` the sale lines
    whose orders have no voucher to take a rate from. `categories` are the other
    lines summed per booking category. The deposit is what reached the bank, in its currency."""

    settlement_id: uuid.UUID
    source: str
    external_id: str
    connection_id: uuid.UUID | None
    currency: str
    total: Decimal
    deposit_date: date | None
    deposit_currency: str
    deposit_amount: Decimal
    sales: Decimal
    sales_value: Decimal | None
    sales_unvalued: Decimal = Decimal(0)  # sale lines of orders with no booked rate: the day's rate
    categories: tuple[CategoryTotal, ...]


declare(
    "settlement.reconciled",
    SettlementReconciled,
    "A settlement was matched (or closed) and is ready for the books: fees, reserves and the deposit.",
)


@dataclass(frozen=True, kw_only=True)
class ExpenseLink:
    """A document an expense line belongs to, with the dimensions it books to; `weight` is its
    share of the line (the labels' cost for shipments; 1 each unless given)."""

    type: str  # shop | sku | order | first_leg | shipment
    id: uuid.UUID
    number: str
    weight: Decimal
    shop_id: uuid.UUID | None
    order_id: uuid.UUID | None
    sku_id: uuid.UUID | None
    warehouse_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class ExpenseLineApproved:
    """`amount` as invoiced; `booked` what the voucher takes (a carrier invoice's line less
    what its shipments' labels cost, which their purchase booked)."""

    line_id: uuid.UUID
    description: str
    role: str
    amount: Decimal
    label_cost: Decimal | None
    booked: Decimal
    links: tuple[ExpenseLink, ...]


@dataclass(frozen=True, kw_only=True)
class ExpenseApproved(Payload):
    """An expense document was approved: what is owed to `vendor` and what it is for. A freight
    bill (`bill_id`) is booked by its payables bill (`supplier_bill.posted`), not again here."""

    expense_id: uuid.UUID
    number: str
    kind: str  # platform_fee | ad_invoice | freight_bill | carrier_invoice | other
    supplier_id: uuid.UUID | None
    vendor: str
    reference: str
    currency: str
    expense_date: date
    total: Decimal
    bill_id: uuid.UUID | None
    lines: tuple[ExpenseLineApproved, ...]


declare("expense.approved", ExpenseApproved, "An expense document (fee, ad, freight or carrier invoice) was approved.")
