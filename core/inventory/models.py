"""Tables of inventory: warehouses and bins, the stock ledger, balances, reservations, and the
documents that move stock (transfers and first-leg shipments, stocktakes, kit orders).

The ledger (`inventory_movements`) is the source of truth (DESIGN §4). A balance row per
(tenant, SKU, warehouse) caches what the ledger and the open reservation rows add up to, so
reads and the reservation check are one row; `core.inventory.service.reconcile` rebuilds it.
Every bucket is guarded by a CHECK constraint, and `reserved <= on_hand` makes overselling
impossible even for code that forgets to ask.
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, TenantMixin, UnitCost

WAREHOUSE_TYPES = ("domestic", "overseas_3pl", "platform", "virtual")

# Buckets of a balance row. `reserved` is kept by reservation rows; the others by the ledger.
BUCKETS = ("on_hand", "reserved", "qc_pending", "unsellable", "inbound_ordered", "in_transit")
LEDGER_BUCKETS = ("on_hand", "qc_pending", "unsellable", "inbound_ordered", "in_transit")
# Buckets holding units the seller owns at (or on the way to) the warehouse: they carry value.
# `inbound_ordered` is a commitment on a purchase order, not stock.
VALUED_BUCKETS = ("on_hand", "qc_pending", "unsellable", "in_transit")

Centimetres = Numeric(10, 2)
Kilograms = Numeric(10, 3)


class Warehouse(TenantMixin, Base):
    __tablename__ = "inventory_warehouses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "active", "priority"),
        CheckConstraint("type IN ('domestic', 'overseas_3pl', 'platform', 'virtual')", name="type"),
    )

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    # The 3PL provider or the platform programme ("Winit", "Amazon FBA"), and for platform
    # warehouses the marketplace they serve ("US", "DE"): FBA stock is per marketplace.
    operator: Mapped[str] = mapped_column(String(100), default="")
    marketplace: Mapped[str] = mapped_column(String(32), default="")
    # The channel or 3PL account whose reports reconcile this warehouse, when there is one.
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plugin_connections.id", ondelete="SET NULL"))
    # Lower ships first when several warehouses could serve an order.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The address carriers pick up from (the shipping origin).
    country: Mapped[str] = mapped_column(String(2))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class Location(TenantMixin, Base):
    """A bin inside a warehouse (shelf A-01-02). Stock is counted per warehouse; a SKU's home
    bin (`SkuSetting.location_id`) tells pickers and counters where it lives."""

    __tablename__ = "inventory_locations"
    __table_args__ = (UniqueConstraint("tenant_id", "warehouse_id", "code"),)

    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StockBalance(TenantMixin, Base):
    """What the ledger and the open reservations add up to for one SKU in one warehouse.

    Not audited: it is a cache of the ledger (which is its own trail), changed by conditional
    UPDATEs, and `reconcile` can rebuild it at any time. `stock_value` is the book value of the
    valued buckets in `currency` (the tenant's functional currency); the moving weighted-average
    unit cost is `stock_value / (on_hand + qc_pending + unsellable + in_transit)`.
    """

    __tablename__ = "inventory_balances"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "sku_id", "warehouse_id"),
        Index(None, "tenant_id", "warehouse_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("qc_pending >= 0", name="qc_pending_not_negative"),
        CheckConstraint("unsellable >= 0", name="unsellable_not_negative"),
        CheckConstraint("inbound_ordered >= 0", name="inbound_ordered_not_negative"),
        CheckConstraint("in_transit >= 0", name="in_transit_not_negative"),
        CheckConstraint("stock_value >= 0", name="stock_value_not_negative"),
    )

    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    qc_pending: Mapped[int] = mapped_column(Integer, default=0)
    unsellable: Mapped[int] = mapped_column(Integer, default=0)
    inbound_ordered: Mapped[int] = mapped_column(Integer, default=0)
    in_transit: Mapped[int] = mapped_column(Integer, default=0)
    stock_value: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def valued_quantity(self) -> int:
        return self.on_hand + self.qc_pending + self.unsellable + self.in_transit


class StockOperation(TenantMixin, Base):
    """One stock event, named by its idempotency key (unique per tenant). A retried call finds
    its operation and gets the stored result back instead of moving stock twice."""

    __tablename__ = "inventory_operations"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index(None, "tenant_id", "doc_type", "doc_id"),
    )

    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    doc_type: Mapped[str] = mapped_column(String(32))
    doc_id: Mapped[str] = mapped_column(String(64))
    doc_number: Mapped[str] = mapped_column(String(64), default="")
    # Hash of the request: the same key sent with a different request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict | None] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200), default="")


class StockMovement(TenantMixin, Base):
    """An immutable ledger line: `quantity` units of a SKU moved, inside one warehouse, from one
    bucket to another; a missing bucket is the world outside the warehouse (a supplier, a
    customer, another warehouse, the scrap bin). `value` is the book value those units carry
    in `currency`; it changes the balance's stock value only when it crosses the boundary of the
    valued buckets."""

    __tablename__ = "inventory_movements"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "operation_id", "line"),
        Index(None, "tenant_id", "sku_id", "warehouse_id", "created_at"),
        Index(None, "tenant_id", "warehouse_id", "created_at"),
        Index(None, "tenant_id", "doc_type", "doc_id"),
        Index(None, "tenant_id", "kind", "created_at"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("from_bucket IS NOT NULL OR to_bucket IS NOT NULL", name="has_bucket"),
        CheckConstraint("from_bucket IS NULL OR to_bucket IS NULL OR from_bucket <> to_bucket", name="buckets_differ"),
    )

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_operations.id"))
    line: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_locations.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    from_bucket: Mapped[str | None] = mapped_column(String(16))
    to_bucket: Mapped[str | None] = mapped_column(String(16))
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost, default=Decimal(0))
    value: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    doc_type: Mapped[str] = mapped_column(String(32))
    doc_id: Mapped[str] = mapped_column(String(64))
    doc_number: Mapped[str] = mapped_column(String(64), default="")
    doc_line: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(200), default="")


class Reservation(TenantMixin, Base):
    """Units of a SKU in a warehouse held for one line of a document (an order line, a transfer
    line, a kit order). The balance's `reserved` is the sum of `open_quantity` over these rows,
    kept in the same transaction. `picked` counts held units already off the shelf (picked,
    not yet shipped), which a stocktake must not report as missing.

    Not audited row by row: every change to a reservation is made by a stock operation
    (`inventory_operations`: who, when, which document, the request), which is its trail.
    """

    __tablename__ = "inventory_reservations"
    __audit__ = False
    __table_args__ = (
        Index(None, "tenant_id", "doc_type", "doc_id"),
        Index(
            "ix_inventory_reservations_open",
            "tenant_id",
            "sku_id",
            "warehouse_id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("released >= 0 AND consumed >= 0 AND released + consumed <= quantity", name="within_quantity"),
        CheckConstraint("picked >= 0 AND picked <= quantity - released - consumed", name="picked_within_open"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
    )

    doc_type: Mapped[str] = mapped_column(String(32))
    doc_id: Mapped[str] = mapped_column(String(64))
    doc_number: Mapped[str] = mapped_column(String(64), default="")
    line_ref: Mapped[str] = mapped_column(String(64))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    # Set when the line is a virtual bundle: `sku_id` is then one of its components and
    # `per_kit` units of it make one bundle.
    kit_sku_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_skus.id"))
    per_kit: Mapped[int] = mapped_column(Integer, default=1)
    quantity: Mapped[int] = mapped_column(Integer)
    released: Mapped[int] = mapped_column(Integer, default=0)
    consumed: Mapped[int] = mapped_column(Integer, default=0)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(8), default="open")
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_operations.id"))

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.released - self.consumed


class SkuSetting(TenantMixin, Base):
    """Per SKU and warehouse: safety stock, the home bin, and whether the SKU is currently
    below its safety stock (so `stock.below_safety` fires once per crossing)."""

    __tablename__ = "inventory_sku_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sku_id", "warehouse_id"),
        Index(None, "tenant_id", "warehouse_id"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
    )

    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    safety_stock: Mapped[int] = mapped_column(Integer, default=0)
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_locations.id", ondelete="SET NULL"))
    below_safety: Mapped[bool] = mapped_column(Boolean, default=False)


TRANSFER_KINDS = ("transfer", "first_leg")
TRANSFER_STATUSES = ("draft", "allocated", "shipped", "partially_received", "received", "cancelled")


class Transfer(TenantMixin, Base):
    """A move of stock between two warehouses of the seller (调拨), or a first-leg shipment
    (头程) to an overseas 3PL or platform warehouse, which adds boxes, freight and duty.

    draft -> allocated (reserved at the source) -> shipped (out of the source, into the
    destination's in_transit) -> partially_received -> received (the rest, if any, posted as a
    shortfall with its reason). draft and allocated can be cancelled.
    """

    __tablename__ = "inventory_transfers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "kind", "status", "created_at"),
        Index(None, "tenant_id", "destination_warehouse_id", "status"),
        CheckConstraint("source_warehouse_id <> destination_warehouse_id", name="distinct_warehouses"),
        CheckConstraint("kind IN ('transfer', 'first_leg')", name="kind"),
        CheckConstraint("freight_cost >= 0 AND duty >= 0", name="costs_not_negative"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    source_warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    destination_warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    shipping_method: Mapped[str] = mapped_column(String(50), default="")  # sea, air, express, rail, truck
    # The platform's own id for an inbound shipment (an FBA shipment id such as FBA15ABCD123).
    platform_reference: Mapped[str] = mapped_column(String(100), default="")
    freight_cost: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    duty: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    cost_currency: Mapped[str | None] = mapped_column(String(3))
    expected_at: Mapped[date | None] = mapped_column(Date)
    allocated_at: Mapped[datetime | None] = mapped_column()
    shipped_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime | None] = mapped_column()
    shortfall_reason: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[TransferLine]] = relationship(order_by="TransferLine.position", cascade="all, delete-orphan")
    boxes: Mapped[list[TransferBox]] = relationship(order_by="TransferBox.position", cascade="all, delete-orphan")


class TransferLine(TenantMixin, Base):
    __tablename__ = "inventory_transfer_lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "transfer_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "received_quantity >= 0 AND shortfall_quantity >= 0 AND received_quantity + shortfall_quantity <= quantity",
            name="within_quantity",
        ),
    )

    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_transfers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    shortfall_quantity: Mapped[int] = mapped_column(Integer, default=0)
    # Book unit cost the units left the source with (set at shipment).
    unit_cost: Mapped[Decimal | None] = mapped_column(UnitCost)
    note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received_quantity - self.shortfall_quantity


class TransferBox(TenantMixin, Base):
    """`count` identical cartons of a first-leg shipment, each holding `contents`
    ([{"sku_id": ..., "quantity": n}]) and measuring length x width x height cm, weight kg."""

    __tablename__ = "inventory_transfer_boxes"
    __table_args__ = (
        Index(None, "tenant_id", "transfer_id", "position"),
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint(
            "length_cm > 0 AND width_cm > 0 AND height_cm > 0 AND weight_kg > 0", name="dimensions_positive"
        ),
    )

    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_transfers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    count: Mapped[int] = mapped_column(Integer, default=1)
    length_cm: Mapped[Decimal] = mapped_column(Centimetres)
    width_cm: Mapped[Decimal] = mapped_column(Centimetres)
    height_cm: Mapped[Decimal] = mapped_column(Centimetres)
    weight_kg: Mapped[Decimal] = mapped_column(Kilograms)
    contents: Mapped[list] = mapped_column(default=list)


STOCKTAKE_STATUSES = ("draft", "counting", "posted", "cancelled")


class Stocktake(TenantMixin, Base):
    """A count of a whole warehouse (cycle) or of chosen SKUs or bins (spot) (盘点).

    draft -> counting (the book is snapshotted per line) -> posted (variances go to the
    ledger as gains and losses); draft and counting can be cancelled.
    """

    __tablename__ = "inventory_stocktakes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "warehouse_id", "status"),
        CheckConstraint("scope IN ('cycle', 'spot')", name="scope"),
    )

    number: Mapped[str] = mapped_column(String(32))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    scope: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # For spot counts: the SKUs and bins chosen ({"sku_ids": [...], "location_ids": [...]}).
    selection: Mapped[dict] = mapped_column(default=dict)
    started_at: Mapped[datetime | None] = mapped_column()
    posted_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[StocktakeLine]] = relationship(order_by="StocktakeLine.position", cascade="all, delete-orphan")


class StocktakeLine(TenantMixin, Base):
    """One SKU to count. The book is recorded twice: when counting starts (the count sheet)
    and when the count is entered, together with the units picked but not yet shipped at that
    moment; the variance is `counted + picked_at_count - book_at_count`."""

    __tablename__ = "inventory_stocktake_lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "stocktake_id", "sku_id"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted_not_negative"),
    )

    stocktake_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_stocktakes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_locations.id"))
    snapshot_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    snapshot_picked: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[int | None] = mapped_column(Integer)
    book_at_count: Mapped[int | None] = mapped_column(Integer)
    picked_at_count: Mapped[int | None] = mapped_column(Integer)
    counted_at: Mapped[datetime | None] = mapped_column()
    counted_by: Mapped[str] = mapped_column(String(200), default="")
    variance: Mapped[int | None] = mapped_column(Integer)
    unit_cost: Mapped[Decimal | None] = mapped_column(UnitCost)
    variance_value: Mapped[Decimal | None] = mapped_column(Amount)


class KitOrder(TenantMixin, Base):
    """An assembly order (components -> kit units) or a disassembly order (kit units ->
    components) for a physical kit. Opening it reserves what it will consume; completing it
    posts the ledger with the cost rolled up (or split back down)."""

    __tablename__ = "inventory_kit_orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "status", "created_at"),
        CheckConstraint("kind IN ('assembly', 'disassembly')", name="kind"),
        CheckConstraint("status IN ('open', 'completed', 'cancelled')", name="status"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="open")
    kit_sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    # The bill of materials when the order was opened: [{"sku_id": ..., "quantity": per kit}].
    components: Mapped[list] = mapped_column(default=list)
    unit_cost: Mapped[Decimal | None] = mapped_column(UnitCost)
    completed_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class Borrowing(TenantMixin, Base):
    """Units lent out of a warehouse (借出) to a person or company and expected back (归还):
    samples for a photographer, stock lent to another seller. What never comes back is written
    off when the borrowing is closed."""

    __tablename__ = "inventory_borrowings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "status", "created_at"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint(
            "quantity > 0 AND returned_quantity >= 0 AND written_off_quantity >= 0 "
            "AND returned_quantity + written_off_quantity <= quantity",
            name="within_quantity",
        ),
    )

    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="open")
    borrower: Mapped[str] = mapped_column(String(200))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)
    written_off_quantity: Mapped[int] = mapped_column(Integer, default=0)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost, default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def outstanding(self) -> int:
        return self.quantity - self.returned_quantity - self.written_off_quantity
