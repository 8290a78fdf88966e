"""Tables of expense documents: the document (its vendor, currency, date and state) and its
lines (an amount, the role it is booked to and the documents it belongs to)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, TenantMixin

EXPENSE_KINDS = ("platform_fee", "ad_invoice", "freight_bill", "carrier_invoice", "other")
EXPENSE_STATUSES = ("draft", "approved")
# What a line may belong to: a shop (channel connection), a SKU, an order, a first leg (or
# transfer) and a shipment (its label).
LINK_TYPES = ("shop", "sku", "order", "first_leg", "shipment")


class Expense(TenantMixin, Base):
    """An expense document. A draft may be changed; approving it fixes it and announces
    `expense.approved`, which its voucher rule books. A freight bill records the forwarder's
    bill through payables on approval (`bill_id`): that bill clears the first legs' accrued
    landed cost and books the difference, so the forwarder is owed once."""

    __tablename__ = "finance_expenses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # The vendor's invoice is recorded once (an import run again finds it).
        UniqueConstraint("tenant_id", "kind", "vendor", "reference"),
        Index(None, "tenant_id", "status", "expense_date"),
        Index(None, "tenant_id", "kind", "expense_date"),
        Index(None, "tenant_id", "supplier_id"),
        CheckConstraint(
            "kind IN ('platform_fee', 'ad_invoice', 'freight_bill', 'carrier_invoice', 'other')", name="kind"
        ),
        CheckConstraint("status IN ('draft', 'approved')", name="status"),
    )

    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    supplier_id: Mapped[uuid.UUID | None] = mapped_column()
    vendor: Mapped[str] = mapped_column(String(200))  # the supplier's code and name, or who billed
    reference: Mapped[str] = mapped_column(String(100))  # the vendor's invoice number
    currency: Mapped[str] = mapped_column(String(3))
    expense_date: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    note: Mapped[str] = mapped_column(Text, default="")
    bill_id: Mapped[uuid.UUID | None] = mapped_column()  # a freight bill's payables bill
    created_by: Mapped[str] = mapped_column(String(200), default="")
    # Who entered it (tenants.service.actor_identity): with separation of duties on, someone else approves.
    created_by_id: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[str] = mapped_column(String(200), default="")

    lines: Mapped[list[ExpenseLine]] = relationship(order_by="ExpenseLine.position", cascade="all, delete-orphan")


class ExpenseLine(TenantMixin, Base):
    """One amount of an expense, booked to `role` (a landed cost component on a freight bill)
    and spread over its `links` by their weights: [{type, id, number, weight, shop_id,
    order_id, sku_id, warehouse_id}], resolved when the line is written. A carrier invoice's
    line keeps what the labels of its shipments cost (`label_cost`): only the difference is
    booked, the labels were booked when they were bought."""

    __tablename__ = "finance_expense_lines"
    __table_args__ = (Index(None, "tenant_id", "expense_id", "position"),)

    expense_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finance_expenses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Amount)
    links: Mapped[list] = mapped_column(default=list)
    label_cost: Mapped[Decimal | None] = mapped_column(Amount)

    @property
    def difference(self) -> Decimal | None:
        """What the carrier invoiced over the labels it sold (None: no shipments linked)."""
        return None if self.label_cost is None else self.amount - self.label_cost
