"""Tables of purchasing: stocking requests (备货), purchase orders with their lines and the
supplier's tracking numbers, goods receipts with their QC, returns to suppliers, replenishment
runs with their suggestions, and the per-tenant purchasing settings.

Stock itself lives in inventory: these documents call `core.inventory.service` and keep only
their own quantities (ordered, received, passed, failed, returned) for display and checks.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, Rate, TenantMixin, UnitCost

REQUEST_STATUSES = ("submitted", "approved", "rejected", "ordered", "terminated")
REQUEST_SOURCES = ("manual", "replenishment")
ORDER_STATUSES = (
    "draft",
    "pending_second_approval",
    "approved",
    "partially_received",
    "received",
    "closed",
    "cancelled",
)
RECEIPT_STATUSES = ("qc_pending", "inspected")
RETURN_STATUSES = ("draft", "shipped", "cancelled")
RUN_STATUSES = ("queued", "running", "succeeded", "failed")
SUGGESTION_STATUSES = ("open", "not_needed", "accepted", "dismissed")

TaxRate = Numeric(7, 4)  # a fraction: 0.13 is 13 %
Weight = Numeric(6, 4)
Velocity = Numeric(14, 4)  # units per day


class PurchasingSettings(TenantMixin, Base):
    """One row per tenant; defaults apply until the tenant saves its own."""

    __tablename__ = "purchasing_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("weight_7d >= 0 AND weight_14d >= 0 AND weight_30d >= 0", name="weights_not_negative"),
        CheckConstraint("weight_7d + weight_14d + weight_30d > 0", name="some_weight"),
        CheckConstraint(
            "safety_days >= 0 AND purchase_cycle_days >= 0 AND default_lead_time_days >= 0", name="days_not_negative"
        ),
        CheckConstraint("receipt_tolerance_percent >= 0", name="tolerance_not_negative"),
    )

    weight_7d: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0.5"))
    weight_14d: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0.3"))
    weight_30d: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0.2"))
    safety_days: Mapped[int] = mapped_column(Integer, default=7)
    purchase_cycle_days: Mapped[int] = mapped_column(Integer, default=14)
    # Used when no approved supplier quotes a lead time for the SKU.
    default_lead_time_days: Mapped[int] = mapped_column(Integer, default=15)
    # Purchase orders whose total in the functional currency is above this need a second
    # approver; None: one approval always suffices.
    second_approval_threshold: Mapped[Decimal | None] = mapped_column(Amount)
    # How far a line may be over-received, in percent of its ordered quantity.
    receipt_tolerance_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))


class StockingRequest(TenantMixin, Base):
    """备货: a request to buy `quantity` of a SKU for a warehouse by a date."""

    __tablename__ = "purchasing_stocking_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "status", "needed_by"),
        Index(None, "tenant_id", "sku_id", "warehouse_id", "status"),
        Index(None, "tenant_id", "purchase_order_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("suppliers.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    needed_by: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    requested_by_id: Mapped[str | None] = mapped_column(String(200))  # tenants.service.actor_identity()
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected or terminated
    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase_orders.id"))
    purchase_order_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("purchase_order_lines.id", ondelete="SET NULL")
    )


class PurchaseOrder(TenantMixin, Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "status", "created_at"),
        Index(None, "tenant_id", "supplier_id", "created_at"),
        CheckConstraint("fx_rate > 0", name="fx_rate_positive"),
    )

    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="draft")
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    currency: Mapped[str] = mapped_column(String(3))
    # Functional-currency units per one unit of `currency`, entered on the order (DESIGN §3:
    # dated, with its source). 1 when the order is in the functional currency.
    fx_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(1))
    fx_source: Mapped[str] = mapped_column(String(100), default="")
    fx_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date)  # when the goods should arrive
    supplier_reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    tax_total: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[str | None] = mapped_column(String(200))  # tenants.service.actor_identity()
    second_approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # "kind:id" of whoever gave the first approval: the second must come from someone else.
    first_approver: Mapped[str | None] = mapped_column(String(200))
    first_approved_by: Mapped[str | None] = mapped_column(String(200))
    first_approved_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    sent_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[datetime | None] = mapped_column()  # received, closed or cancelled
    reason: Mapped[str | None] = mapped_column(Text)  # why it was cancelled or closed short

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        order_by="PurchaseOrderLine.position", cascade="all, delete-orphan", back_populates="order"
    )
    trackings: Mapped[list[PurchaseOrderTracking]] = relationship(
        order_by="PurchaseOrderTracking.created_at", cascade="all, delete-orphan"
    )


class PurchaseOrderLine(TenantMixin, Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        Index(None, "tenant_id", "purchase_order_id", "position"),
        Index(None, "tenant_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("tax_rate >= 0 AND tax_rate < 1", name="tax_rate_fraction"),
        CheckConstraint("received_quantity >= 0 AND terminated_quantity >= 0", name="counts_not_negative"),
        CheckConstraint("terminated_quantity <= quantity", name="terminated_within_ordered"),
        CheckConstraint(
            "passed_quantity >= 0 AND failed_quantity >= 0 AND returned_quantity >= 0", name="qc_counts_not_negative"
        ),
        CheckConstraint("returned_quantity <= failed_quantity", name="returned_within_failed"),
    )

    purchase_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost)  # excluding tax, in the order's currency
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate, default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Amount)  # quantity x unit price, rounded to the currency
    tax_amount: Mapped[Decimal] = mapped_column(Amount)
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    terminated_quantity: Mapped[int] = mapped_column(Integer, default=0)
    passed_quantity: Mapped[int] = mapped_column(Integer, default=0)
    failed_quantity: Mapped[int] = mapped_column(Integer, default=0)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)  # shipped back to the supplier
    note: Mapped[str] = mapped_column(String(500), default="")

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")

    @property
    def open_quantity(self) -> int:
        """Units still expected: neither received nor terminated."""
        return max(self.quantity - self.terminated_quantity - self.received_quantity, 0)


class PurchaseOrderTracking(TenantMixin, Base):
    """A tracking number the supplier shipped the order under; receiving scans it."""

    __tablename__ = "purchase_order_trackings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "purchase_order_id", "tracking_number"),
        Index(None, "tenant_id", "tracking_number"),
    )

    purchase_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    tracking_number: Mapped[str] = mapped_column(String(100))
    carrier: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(500), default="")


class Receipt(TenantMixin, Base):
    """Goods that arrived against a purchase order; they wait in QC until inspected."""

    __tablename__ = "purchase_receipts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "purchase_order_id"),
        Index(None, "tenant_id", "status", "received_at"),
    )

    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="qc_pending")
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column()
    received_by: Mapped[str] = mapped_column(String(200), default="")
    inspected_at: Mapped[datetime | None] = mapped_column()

    lines: Mapped[list[ReceiptLine]] = relationship(order_by="ReceiptLine.position", cascade="all, delete-orphan")


class ReceiptLine(TenantMixin, Base):
    """Units of one order line that arrived, and their inspection (one per receipt line)."""

    __tablename__ = "purchase_receipt_lines"
    __table_args__ = (
        Index(None, "tenant_id", "receipt_id", "position"),
        Index(None, "tenant_id", "purchase_order_line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "qc_status <> 'inspected' OR passed_quantity + failed_quantity = quantity", name="inspected_adds_up"
        ),
    )

    receipt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_receipts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    purchase_order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_order_lines.id"))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost)  # in the order's currency
    value: Mapped[Decimal] = mapped_column(Amount)  # book value in the functional currency
    qc_status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | inspected
    sample_size: Mapped[int | None] = mapped_column(Integer)
    passed_quantity: Mapped[int | None] = mapped_column(Integer)
    failed_quantity: Mapped[int | None] = mapped_column(Integer)
    defect_reasons: Mapped[list] = mapped_column(default=list)
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_locations.id"))
    inspected_at: Mapped[datetime | None] = mapped_column()
    inspected_by: Mapped[str | None] = mapped_column(String(200))


class SupplierReturn(TenantMixin, Base):
    """Units that failed QC going back to the supplier (退货给供应商)."""

    __tablename__ = "purchase_returns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "purchase_order_id"),
        Index(None, "tenant_id", "status", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id"))
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    shipped_at: Mapped[datetime | None] = mapped_column()
    shipped_by: Mapped[str | None] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None] = mapped_column()

    lines: Mapped[list[SupplierReturnLine]] = relationship(
        order_by="SupplierReturnLine.position", cascade="all, delete-orphan"
    )


class SupplierReturnLine(TenantMixin, Base):
    __tablename__ = "purchase_return_lines"
    __table_args__ = (
        Index(None, "tenant_id", "return_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    return_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_returns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    purchase_order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_order_lines.id"))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost)  # in the order's currency: the credit due
    value: Mapped[Decimal | None] = mapped_column(Amount)  # book value that left, once shipped


class ReplenishmentRun(TenantMixin, Base):
    """One pass of the replenishment job over all SKUs, with the settings it used."""

    __tablename__ = "purchasing_replenishment_runs"
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        UniqueConstraint("tenant_id", "job_id"),
    )

    status: Mapped[str] = mapped_column(String(16), default="queued")
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    run_date: Mapped[date | None] = mapped_column(Date)  # "today" of the arithmetic, in the tenant's zone
    settings: Mapped[dict] = mapped_column(default=dict)
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    suggested: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class ReplenishmentSuggestion(TenantMixin, Base):
    """What one SKU needs in one warehouse, with every input of the arithmetic kept so the
    suggestion can be explained (and trusted) later."""

    __tablename__ = "purchasing_replenishment_suggestions"
    __table_args__ = (
        Index(None, "tenant_id", "run_id", "status"),
        Index(None, "tenant_id", "sku_id", "warehouse_id"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchasing_replenishment_runs.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    shipped_7d: Mapped[int] = mapped_column(Integer, default=0)
    shipped_14d: Mapped[int] = mapped_column(Integer, default=0)
    shipped_30d: Mapped[int] = mapped_column(Integer, default=0)
    days_on_sale: Mapped[int | None] = mapped_column(Integer)
    weight_7d: Mapped[Decimal] = mapped_column(Weight)
    weight_14d: Mapped[Decimal] = mapped_column(Weight)
    weight_30d: Mapped[Decimal] = mapped_column(Weight)
    daily_sales: Mapped[Decimal] = mapped_column(Velocity)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    lead_time_source: Mapped[str] = mapped_column(String(16))  # supplier | default
    safety_days: Mapped[int] = mapped_column(Integer)
    cycle_days: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer, default=0)
    qc_pending: Mapped[int] = mapped_column(Integer, default=0)
    inbound_ordered: Mapped[int] = mapped_column(Integer, default=0)
    in_transit: Mapped[int] = mapped_column(Integer, default=0)
    requested: Mapped[int] = mapped_column(Integer, default=0)  # open stocking requests not yet on a PO
    moq: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    stockout_date: Mapped[date | None] = mapped_column(Date)
    stocking_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("purchasing_stocking_requests.id", ondelete="SET NULL")
    )
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column()
