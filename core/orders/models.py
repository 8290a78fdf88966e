"""Tables of orders: the order and its lines, holds, the timeline, shipments, refunds,
returns, per-tenant order settings and saved list views.

An order is both the sale (what the channel reports) and the unit we fulfil. Splitting turns
an order into child orders (`parent_id`) whose lines point at the parent's lines
(`parent_line_id`) and add up to them; the parent keeps status `split`. Merging turns several
orders into one new order; the sources keep status `merged` and point at it
(`merged_into_id`), and each merged line remembers its source line and external order id, so
shipment confirmations still reach every channel order.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, TenantMixin, UnitCost

STATUSES = (
    "pending_review",
    "approved",
    "allocated",
    "awaiting_shipment",
    "shipped",
    "delivered",
    "on_hold",
    "cancelled",
    "partially_refunded",
    "refunded",
    "returned",
    "split",
    "merged",
)
# Where staff and rules still decide what happens: holds, splits, merges, cancellation.
BEFORE_SHIPMENT = ("pending_review", "approved", "allocated", "awaiting_shipment", "on_hold")
AFTER_SHIPMENT = ("shipped", "delivered", "partially_refunded", "refunded", "returned")
FULFILMENTS = ("merchant", "platform")
HOLD_TYPES = (
    "unmapped_sku",  # a seller SKU resolves to no local SKU
    "unsellable_sku",  # it resolves to a SKU that may not be sold (not approved, inactive)
    "out_of_stock",  # no warehouse can take the order (allocation policy "hold")
    "awaiting_payment",  # the channel reports the order unpaid
    "address_changed",  # the buyer changed the address after the label was produced
    "shipped_on_channel",  # the channel says it shipped, but no shipment was recorded here
    "platform_cancelled",  # the channel cancelled part of a merged order
    "manual",  # staff held it (problem customer, address check, ...)
)
HOLD_SOURCES = ("system", "channel", "staff")

# Amount columns of a line, in the order's currency; each covers all units of the line.
LINE_AMOUNTS = ("item_amount", "item_tax", "shipping", "shipping_tax", "discount", "promotion")


class Order(TenantMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # One original order per channel order: split children and merge results do not count.
        Index(
            "uq_orders_tenant_id_connection_id_external_order_id",
            "tenant_id",
            "connection_id",
            "external_order_id",
            unique=True,
            postgresql_where=text("parent_id IS NULL AND connection_id IS NOT NULL"),
            sqlite_where=text("parent_id IS NULL AND connection_id IS NOT NULL"),
        ),
        Index(
            "uq_orders_tenant_id_channel_external_order_id_manual",
            "tenant_id",
            "channel",
            "external_order_id",
            unique=True,
            postgresql_where=text("parent_id IS NULL AND connection_id IS NULL AND external_order_id IS NOT NULL"),
            sqlite_where=text("parent_id IS NULL AND connection_id IS NULL AND external_order_id IS NOT NULL"),
        ),
        Index(None, "tenant_id", "status", "purchased_at"),
        Index(None, "tenant_id", "purchased_at"),
        Index(None, "tenant_id", "channel"),  # the channels the list's filter offers (channels_seen)
        # The search by number or channel id (`q`) as ranges of characters compared one by
        # one (queries._id_prefix): the pattern operator class. PostgreSQL only (SQLite
        # compares bytes with the columns' own indexes).
        *(
            Index(f"ix_orders_{name}_prefix", "tenant_id", name, postgresql_ops={name: "varchar_pattern_ops"}).ddl_if(
                dialect="postgresql"
            )
            for name in ("number", "external_order_id", "external_number")
        ),
        Index(None, "tenant_id", "parent_id"),
        Index(None, "tenant_id", "merged_into_id"),
        Index(None, "tenant_id", "ship_country"),
        # The search by buyer e-mail (`buyer`), whole or by prefix, on the lower-cased copy
        # (queries._prefix_ranges; orders_0006).
        Index(
            "ix_orders_buyer_email_prefix",
            "tenant_id",
            "buyer_email_lower",
            postgresql_ops={"buyer_email_lower": "varchar_pattern_ops"},
        ),
        CheckConstraint("fulfilment IN ('merchant', 'platform')", name="fulfilment"),
        CheckConstraint("refunded_amount >= 0", name="refunded_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(64))  # the channel plugin's name, or "manual"
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plugin_connections.id", ondelete="SET NULL"))
    marketplace: Mapped[str] = mapped_column(String(32), default="")
    external_order_id: Mapped[str | None] = mapped_column(String(100))
    external_number: Mapped[str] = mapped_column(String(100), default="")
    external_status: Mapped[str] = mapped_column(String(64), default="")
    # The channel's status normalised (core.ports.ORDER_STATUSES) and when the channel last
    # changed the order; a payload older than that is ignored.
    channel_status: Mapped[str] = mapped_column(String(20), default="")
    channel_updated_at: Mapped[datetime | None] = mapped_column()
    # Digest of what the channel last said; a re-delivery with the same digest changes nothing.
    channel_digest: Mapped[str] = mapped_column(String(64), default="")
    purchased_at: Mapped[datetime] = mapped_column()
    fulfilment: Mapped[str] = mapped_column(String(16), default="merchant")
    status: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"))

    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_email: Mapped[str] = mapped_column(String(200), default="")
    # Written by the database on every insert and update (never by Tradelane): the buyer
    # search compares it with leakproof operators, which an index answers under the tenant's
    # row-level security, where lower() and ILIKE (not leakproof) would read every order.
    buyer_email_lower: Mapped[str] = mapped_column(String(200), Computed("lower(buyer_email)", persisted=True))
    buyer_phone: Mapped[str] = mapped_column(String(50), default="")
    ship_name: Mapped[str] = mapped_column(String(200), default="")
    ship_company: Mapped[str] = mapped_column(String(200), default="")
    ship_line1: Mapped[str] = mapped_column(String(300), default="")
    ship_line2: Mapped[str] = mapped_column(String(300), default="")
    ship_line3: Mapped[str] = mapped_column(String(300), default="")
    ship_city: Mapped[str] = mapped_column(String(100), default="")
    ship_state: Mapped[str] = mapped_column(String(100), default="")
    ship_postal_code: Mapped[str] = mapped_column(String(20), default="")
    ship_country: Mapped[str] = mapped_column(String(2), default="")
    ship_phone: Mapped[str] = mapped_column(String(50), default="")
    ship_email: Mapped[str] = mapped_column(String(200), default="")
    # "staff" once someone corrected the address: the channel no longer overwrites it.
    address_source: Mapped[str] = mapped_column(String(8), default="channel")
    shipping_service: Mapped[str] = mapped_column(String(100), default="")  # what the buyer chose

    currency: Mapped[str] = mapped_column(String(3))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sums of the lines (cancelled units excluded), kept whenever lines change.
    goods_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    tax_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    shipping_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    discount_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    reported_total: Mapped[Decimal | None] = mapped_column(Amount)  # what the channel says the buyer pays
    refunded_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))

    buyer_remarks: Mapped[str] = mapped_column(Text, default="")
    seller_note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")  # why it waits for review
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    warehouse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_warehouses.id"))
    stock_reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    # Counts this order's stock events, so each gets a deterministic idempotency key.
    stock_events: Mapped[int] = mapped_column(Integer, default=0)
    shipped_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan"
    )

    @property
    def is_manual(self) -> bool:
        return self.connection_id is None


class OrderLine(TenantMixin, Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        # An order's few lines are read by order and sorted: the order alone is the key, so
        # equal keys are stored once (B-tree deduplication). No query looks lines up by
        # seller_sku or origin_line_id alone (the SKU filter of the order list reads
        # sku_code OR seller_sku, which one index cannot answer); parent_line_id is indexed
        # for its foreign key, on split and merged lines only (migration orders_0005).
        Index(None, "tenant_id", "order_id"),
        Index(None, "tenant_id", "sku_id"),
        Index(
            None,
            "tenant_id",
            "parent_line_id",
            postgresql_where=text("parent_line_id IS NOT NULL"),
            sqlite_where=text("parent_line_id IS NOT NULL"),
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("units_per_item > 0", name="units_positive"),
        CheckConstraint("quantity_cancelled >= 0 AND quantity_cancelled <= quantity", name="cancelled_within"),
        CheckConstraint(
            "quantity_shipped >= 0 AND quantity_shipped + quantity_cancelled <= quantity", name="shipped_within"
        ),
        CheckConstraint("quantity_returned >= 0 AND quantity_returned <= quantity_shipped", name="returned_within"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    # The line this one came from: the parent order's line (split) or the source order's (merge).
    parent_line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("order_lines.id"))
    # The line of the channel order this one descends from (itself for an original line):
    # what the channel cancels or refunds is found through it in split and merged orders.
    origin_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    external_order_id: Mapped[str | None] = mapped_column(String(100))
    external_line_id: Mapped[str] = mapped_column(String(100), default="")
    seller_sku: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    sku_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_skus.id"))  # None while unmapped
    sku_code: Mapped[str] = mapped_column(String(64), default="")
    kit_type: Mapped[str | None] = mapped_column(String(16))
    units_per_item: Mapped[int] = mapped_column(Integer, default=1)  # local units per unit ordered
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_cancelled: Mapped[int] = mapped_column(Integer, default=0)
    quantity_shipped: Mapped[int] = mapped_column(Integer, default=0)
    quantity_returned: Mapped[int] = mapped_column(Integer, default=0)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost, default=Decimal(0))
    item_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    item_tax: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    shipping: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    shipping_tax: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    discount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    promotion: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    refunded: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    quantity_refunded: Mapped[int] = mapped_column(Integer, default=0)  # units refunded by line
    # What shipping this line cost at book value (functional currency), for returns at cost.
    cost_value: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def open_quantity(self) -> int:
        """Units still to ship: neither cancelled nor shipped."""
        return self.quantity - self.quantity_cancelled - self.quantity_shipped

    @property
    def live_quantity(self) -> int:
        return self.quantity - self.quantity_cancelled


class OrderHold(TenantMixin, Base):
    """Why an order is on hold, and where it goes back to when released."""

    __tablename__ = "order_holds"
    __table_args__ = (
        Index(None, "tenant_id", "order_id"),
        Index(
            "ix_order_holds_open",
            "tenant_id",
            "type",
            "order_id",
            postgresql_where=text("released_at IS NULL"),
            sqlite_where=text("released_at IS NULL"),
        ),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    # [{seller_sku, sku_id, sku_code, quantity, available, message}]: what blocks the order.
    problems: Mapped[list] = mapped_column(default=list)
    held_from: Mapped[str] = mapped_column(String(20))
    released_at: Mapped[datetime | None] = mapped_column()
    released_by: Mapped[str] = mapped_column(String(200), default="")
    release_note: Mapped[str] = mapped_column(Text, default="")


class OrderActivity(TenantMixin, Base):
    """The order's timeline: who did what, when and why. Append-only, so it is its own trail."""

    __tablename__ = "order_activities"
    __audit__ = False
    # By order alone (its entries are sorted when read): equal keys are stored once.
    __table_args__ = (Index(None, "tenant_id", "order_id"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict] = mapped_column(default=dict)

    @property
    def coded_message(self) -> str:
        """The message with its code and parameters (`core.messages.parse`): from the stored
        detail, or for entries written before codes from their English."""
        from core.messages import parse

        return parse(self.message, (self.data or {}).get("message"))

    @property
    def message_code(self) -> str | None:
        return getattr(self.coded_message, "code", None)

    @property
    def message_params(self) -> dict | None:
        from core.messages import detail

        found = detail(self.coded_message)
        return found["params"] if found else None

    @property
    def details(self) -> dict:
        """`data` without the message's code and parameters (the API gives those beside)."""
        return {k: v for k, v in (self.data or {}).items() if k != "message"}


class OrderShipment(TenantMixin, Base):
    __tablename__ = "order_shipments"
    __table_args__ = (Index(None, "tenant_id", "order_id"), Index(None, "tenant_id", "tracking_number"))

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_warehouses.id"))
    carrier: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(100), default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    weight_g: Mapped[int | None] = mapped_column(Integer)
    length_cm: Mapped[Decimal | None] = mapped_column(Amount)
    width_cm: Mapped[Decimal | None] = mapped_column(Amount)
    height_cm: Mapped[Decimal | None] = mapped_column(Amount)
    shipped_at: Mapped[datetime] = mapped_column()
    by_platform: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{line_id, quantity, sku_id, unit_cost, value}] and their sum: the cost basis (COGS).
    lines: Mapped[list] = mapped_column(default=list)
    cost_value: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    cost_currency: Mapped[str] = mapped_column(String(3), default="")


class OrderRefund(TenantMixin, Base):
    __tablename__ = "order_refunds"
    __table_args__ = (
        Index(None, "tenant_id", "order_id"),
        Index(
            "uq_order_refunds_tenant_id_order_id_external_refund_id",
            "tenant_id",
            "order_id",
            "external_refund_id",
            unique=True,
            postgresql_where=text("external_refund_id IS NOT NULL"),
            sqlite_where=text("external_refund_id IS NOT NULL"),
        ),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("method IN ('platform', 'offline')", name="method"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(16))  # platform | offline
    # cancellation (before shipment) | refund_only | refund_without_return | return
    type: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list] = mapped_column(default=list)  # [{line_id, quantity, amount}]
    evidence: Mapped[list] = mapped_column(default=list)  # photos, links, notes
    return_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("order_returns.id"))
    external_refund_id: Mapped[str | None] = mapped_column(String(100))


class OrderReturn(TenantMixin, Base):
    """A return merchandise authorisation (RMA) and, once the parcel arrives, its inspection."""

    __tablename__ = "order_returns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "order_id"),
        CheckConstraint("status IN ('requested', 'received')", name="status"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    reason: Mapped[str] = mapped_column(Text, default="")
    carrier: Mapped[str] = mapped_column(String(64), default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_warehouses.id"))
    lines: Mapped[list] = mapped_column(default=list)  # [{line_id, quantity}]
    # [{line_id, restock, damaged, note}] with the book values they came back at.
    inspection: Mapped[list] = mapped_column(default=list)
    received_at: Mapped[datetime | None] = mapped_column()
    value_restocked: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    value_damaged: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    cost_currency: Mapped[str] = mapped_column(String(3), default="")


class OrderSettings(TenantMixin, Base):
    """A tenant's order rules. Absent row = the defaults of `core.orders.service.settings`."""

    __tablename__ = "order_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    review_rules: Mapped[list] = mapped_column(default=list)
    auto_allocate: Mapped[bool] = mapped_column(Boolean, default=True)
    allocation_policy: Mapped[str] = mapped_column(String(8), default="split")  # split | hold
    warehouse_ids: Mapped[list] = mapped_column(default=list)  # candidates; empty = every own warehouse
    shipping_costs: Mapped[list] = mapped_column(default=list)
    split_attributes: Mapped[list] = mapped_column(default=list)
    package_limits: Mapped[dict] = mapped_column(default=dict)
    value_limits: Mapped[list] = mapped_column(default=list)


class OrderView(TenantMixin, Base):
    """A saved search of the order list: private to its owner, or shared with the team."""

    __tablename__ = "order_views"
    __table_args__ = (UniqueConstraint("tenant_id", "owner", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(64), default="")  # principal id; "" = shared
    filters: Mapped[dict] = mapped_column(default=dict)


class OrderSalesDay(TenantMixin, Base):
    """The orders of one purchase day (UTC), shop and currency, and their totals: what the
    dashboard's daily charts read instead of the orders (core.orders.service.reports). Kept
    by recomputing each day marked stale (OrderStaleSalesDay); never written otherwise."""

    __tablename__ = "order_sales_days"
    __table_args__ = (Index(None, "tenant_id", "day"),)
    __audit__ = False  # derived from the orders, which are audited

    day: Mapped[date] = mapped_column()
    connection_id: Mapped[uuid.UUID | None] = mapped_column()  # None: manual orders
    channel: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer)
    sales: Mapped[Decimal] = mapped_column(Amount)  # order totals, in `currency`


class OrderSkuSalesDay(TenantMixin, Base):
    """Units of one SKU sold on one purchase day (UTC) in one shop (units ordered less units
    cancelled), and the orders they were in: what the top-SKU chart reads instead of the
    order lines. Kept like OrderSalesDay."""

    __tablename__ = "order_sku_sales_days"
    __table_args__ = (Index(None, "tenant_id", "day"),)
    __audit__ = False

    day: Mapped[date] = mapped_column()
    connection_id: Mapped[uuid.UUID | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(64))
    sku_code: Mapped[str] = mapped_column(String(64))
    units: Mapped[int] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)


class OrderStaleSalesDay(TenantMixin, Base):
    """A purchase day whose sales changed since the two tables above were computed: written
    with the change, in its transaction (a row per flush and day: no unique key, so that
    imports running side by side never wait for each other here), and taken by the next
    refresh, which recomputes the day."""

    __tablename__ = "order_stale_sales_days"
    __table_args__ = (Index(None, "tenant_id", "day"),)
    __audit__ = False

    day: Mapped[date] = mapped_column()


# What the order list's search by number or channel id (`q`) reads, by prefix.
PREFIX_SEARCHED = (Order.number, Order.external_order_id, Order.external_number)
