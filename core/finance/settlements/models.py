"""Tables of settlements: what a marketplace or payment provider paid out (one row per
settlement, deduplicated on the source's own id), its lines as the report gave them (raw
amount text kept beside the Decimal, reference finance.md §3.1), and the reconciliation per
order (expected, settled, difference and the reason from the checklist of §3.5).

Migrations: `core/finance/migrations/finance_settlements_*` (branch `finance_settlements`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Amount, Base, Rate, TenantMixin

SOURCES = ("amazon", "shopify", "paypal")
STATUSES = ("imported", "matched", "booked", "closed")
MATCH_STATUSES = ("pending", "matched", "manual", "unmatched", "none")
# How a line found its order (reference §3.4 "Matching to orders and refunds").
# PayPal's lines name the shop's order number (`invoice_id`) and its order id (`custom_field`).
MATCH_KEYS = ("", "order_id", "merchant_order_id", "adjustment_id", "invoice_id", "custom_field", "sku", "manual")
# The mismatch checklist of reference §3.5, as reasons a difference can carry.
REASONS = (
    "timing",
    "partial_refund",
    "reserve",
    "fx",
    "fee_adjustment",
    "tax",
    "cross_marketplace",
    "chargeback",
    "split_tender",
    "data_quality",
    "other",
)


class Settlement(TenantMixin, Base):
    """One settlement (Amazon) or payout (Shopify Payments, PayPal)."""

    __tablename__ = "finance_settlements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "external_id"),
        Index(None, "tenant_id", "status", "deposit_date"),
        CheckConstraint("source IN ('amazon', 'shopify', 'paypal')", name="source"),
        CheckConstraint("status IN ('imported', 'matched', 'booked', 'closed')", name="status"),
    )

    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(100))  # settlement-id, payout id
    connection_id: Mapped[uuid.UUID | None] = mapped_column()  # the shop (channel connection)
    channel: Mapped[str] = mapped_column(String(64), default="")
    start_at: Mapped[datetime | None] = mapped_column()
    end_at: Mapped[datetime | None] = mapped_column()
    deposit_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Amount)
    # What reached the bank when it is another currency than the settlement's (a collection
    # account converting USD to CNY, reference §2.4 and §3.5 #4); empty: the settlement's.
    deposit_currency: Mapped[str] = mapped_column(String(3), default="")
    deposit_amount: Mapped[Decimal | None] = mapped_column(Amount)
    locale: Mapped[str] = mapped_column(String(8), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    unknown_count: Mapped[int] = mapped_column(Integer, default=0)
    unmatched_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="imported")
    matched_at: Mapped[datetime | None] = mapped_column()
    # Functional value of the sale lines cleared, at the rates their orders were booked at.
    carrying_value: Mapped[Decimal | None] = mapped_column(Amount)
    carrying_rate: Mapped[Decimal | None] = mapped_column(Rate)
    booked_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    # The channel's report id when it came through the channel's API (Amazon getReports).
    report_id: Mapped[str] = mapped_column(String(100), default="")


class SettlementLine(TenantMixin, Base):
    """A line of a settlement as the source wrote it, with its category and its match."""

    __tablename__ = "finance_settlement_lines"
    __audit__ = False  # bulk-written with the settlement, which is audited
    __table_args__ = (
        UniqueConstraint("tenant_id", "settlement_id", "line_no"),
        Index(None, "tenant_id", "settlement_id", "match_status"),
        Index(None, "tenant_id", "order_id"),
        CheckConstraint("match_status IN ('pending', 'matched', 'manual', 'unmatched', 'none')", name="match_status"),
    )

    settlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_settlements.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)  # the line of the file (the header is 1)
    transaction_type: Mapped[str] = mapped_column(String(64), default="")
    amount_type: Mapped[str] = mapped_column(String(100), default="")
    amount_description: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(32))
    known: Mapped[bool] = mapped_column(Boolean, default=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    raw_amount: Mapped[str] = mapped_column(String(40), default="")
    fee: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))  # a payout's fee per transaction
    posted_date: Mapped[date | None] = mapped_column(Date)
    external_order_id: Mapped[str] = mapped_column(String(100), default="")
    merchant_order_id: Mapped[str] = mapped_column(String(100), default="")
    adjustment_id: Mapped[str] = mapped_column(String(100), default="")
    shipment_id: Mapped[str] = mapped_column(String(100), default="")
    marketplace: Mapped[str] = mapped_column(String(64), default="")
    fulfillment_id: Mapped[str] = mapped_column(String(8), default="")
    order_item_code: Mapped[str] = mapped_column(String(100), default="")
    merchant_order_item_id: Mapped[str] = mapped_column(String(100), default="")
    merchant_adjustment_item_id: Mapped[str] = mapped_column(String(100), default="")
    sku: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    match_status: Mapped[str] = mapped_column(String(16), default="pending")
    match_key: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class SettlementOrder(TenantMixin, Base):
    """The reconciliation of one order within one settlement: what the order and its refunds
    lead us to expect, what was settled, the difference and why."""

    __tablename__ = "finance_settlement_orders"
    __audit__ = False  # rewritten by every match run; the settlement's actions are audited
    __table_args__ = (
        UniqueConstraint("tenant_id", "settlement_id", "external_order_id"),
        Index(None, "tenant_id", "order_id"),
    )

    settlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_settlements.id", ondelete="CASCADE"))
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    external_order_id: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    expected: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    settled: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    fees: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    earlier: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))  # settled by earlier settlements
    difference: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    reason: Mapped[str] = mapped_column(String(32), default="")
    reason_auto: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


REFUND_ACTIONS = ("cancelled", "held", "refunded", "none", "no_order", "failed")


class ChannelRefund(TenantMixin, Base):
    """A refund read from a channel's finance records (Amazon's Finances API), and what was done
    with it: the unshipped order cancelled (its reservation released) or held, the shipped
    order refunded (booked red by finance), nothing, or waiting for its order to arrive."""

    __tablename__ = "finance_channel_refunds"
    __table_args__ = (
        UniqueConstraint("tenant_id", "connection_id", "external_refund_id"),
        Index(None, "tenant_id", "action"),
        CheckConstraint("action IN ('cancelled', 'held', 'refunded', 'none', 'no_order', 'failed')", name="action"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column()
    external_refund_id: Mapped[str] = mapped_column(String(100))
    external_order_id: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    posted_at: Mapped[datetime] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    action: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
