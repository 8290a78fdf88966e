"""Tables of shipping: a shipment per parcel journey of an order, its parcels, the rate quotes
it was offered, the label bought for it (the carrier's original bytes), its customs documents
and its tracking events; label batches; the tenant's shipping settings; and the claims that
keep a label from being bought twice.

A shipment belongs to one order (`order_id`); at most one shipment of an order is live (not
voided or failed) at a time. Orders keep the order's status: shipping calls the orders
service to mark the order shipped or delivered (docs/decisions/0013-shipping-owns-parcels.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, TenantMixin

# A shipment's life: draft (parcels known, nothing bought) -> labelled (a label bought) ->
# packed (contents scanned against the order) -> shipped (handed to the carrier; the order is
# marked shipped) -> delivered. A label can be voided before shipment (voided); a purchase the
# carrier refused leaves the shipment draft with its error.
STATUSES = ("draft", "labelled", "packed", "shipped", "delivered", "voided")
LIVE = ("draft", "labelled", "packed", "shipped", "delivered")
BEFORE_HANDOVER = ("draft", "labelled", "packed")

# Normalised tracking statuses (shared/reference/carriers.md §6.2: karrio's set, with
# `exception` for on_hold / delivery_failed and `returned` for return_to_sender).
TRACKING_STATUSES = (
    "pending",
    "picked_up",
    "in_transit",
    "delivery_delayed",
    "out_for_delivery",
    "ready_for_pickup",
    "exception",
    "delivered",
    "returned",
    "cancelled",
    "unknown",
)
OPEN_TRACKING = ("", "pending", "picked_up", "in_transit", "delivery_delayed", "out_for_delivery", "ready_for_pickup")
OPEN_TRACKING += ("exception", "unknown")
DOCUMENT_KINDS = ("commercial_invoice", "cn22", "cn23")
LABEL_FORMATS = ("PDF", "ZPL", "PNG", "GIF")
BATCH_ITEM_STATUSES = ("waiting", "bought", "failed")
Size = Numeric(8, 2)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Shipment(TenantMixin, Base):
    __tablename__ = "shipping_shipments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "reference"),
        # One live shipment per order: a second purchase for the same order finds the first.
        Index(
            "uq_shipping_shipments_tenant_id_order_id_live",
            "tenant_id",
            "order_id",
            unique=True,
            postgresql_where=text("status <> 'voided'"),
            sqlite_where=text("status <> 'voided'"),
        ),
        Index(None, "tenant_id", "order_id"),
        Index(None, "tenant_id", "status", "created_at"),
        Index(None, "tenant_id", "tracking_number"),
        Index(None, "tenant_id", "tracking_status", "next_track_at"),
        Index(None, "tenant_id", "batch_id"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(40))  # SHP-000042
    # Sent to the carrier as the shipment's reference and idempotency key: the order's number
    # and the count of its earlier (voided) shipments, so a retry after a lost commit sends
    # the same reference and a re-bought label after a void a new one.
    reference: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    order_number: Mapped[str] = mapped_column(String(40), default="")
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inventory_warehouses.id"))
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plugin_connections.id", ondelete="SET NULL"))
    carrier: Mapped[str] = mapped_column(String(64), default="")  # the carrier plugin's name
    service: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    international: Mapped[bool] = mapped_column(Boolean, default=False)
    ship_from: Mapped[dict] = mapped_column(default=dict)
    ship_to: Mapped[dict] = mapped_column(default=dict)
    # The chosen quote: its price and currency, and why it was chosen (the rule and its steps).
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3), default="")
    transit_days: Mapped[int | None] = mapped_column(Integer)
    choice: Mapped[dict] = mapped_column(default=dict)
    customs: Mapped[dict] = mapped_column(default=dict)  # incoterm, reason, invoice number and date, ids
    label_format: Mapped[str] = mapped_column(String(8), default="PDF")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    tracking_url: Mapped[str] = mapped_column(String(500), default="")
    tracking_status: Mapped[str] = mapped_column(String(20), default="")
    error: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[uuid.UUID | None] = mapped_column()
    label_bought_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()
    packed_at: Mapped[datetime | None] = mapped_column()
    shipped_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_tracked_at: Mapped[datetime | None] = mapped_column()
    next_track_at: Mapped[datetime | None] = mapped_column()

    parcels: Mapped[list[ShipmentParcel]] = relationship(
        back_populates="shipment", order_by="ShipmentParcel.position", cascade="all, delete-orphan"
    )


class ShipmentParcel(TenantMixin, Base):
    __tablename__ = "shipping_parcels"
    __table_args__ = (
        UniqueConstraint("tenant_id", "shipment_id", "position"),
        CheckConstraint("weight_g >= 0", name="weight_not_negative"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping_shipments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    length_cm: Mapped[Decimal] = mapped_column(Size, default=Decimal(0))
    width_cm: Mapped[Decimal] = mapped_column(Size, default=Decimal(0))
    height_cm: Mapped[Decimal] = mapped_column(Size, default=Decimal(0))
    # [{line_id, sku_id, sku_code, title, quantity, picked, packed, barcode, bin}]
    contents: Mapped[list] = mapped_column(default=list)

    shipment: Mapped[Shipment] = relationship(back_populates="parcels")


class RateQuote(TenantMixin, Base):
    """What a carrier service offered for a shipment, or why it could not (`error`)."""

    __tablename__ = "shipping_rate_quotes"
    __audit__ = False
    __table_args__ = (Index(None, "tenant_id", "shipment_id"),)

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping_shipments.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plugin_connections.id", ondelete="SET NULL"))
    carrier: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3), default="")
    transit_days: Mapped[int | None] = mapped_column(Integer)  # None: unknown, never zero
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")  # why not eligible, or the carrier's error
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)


class ShippingLabel(TenantMixin, Base):
    """The label bought for a shipment: the carrier's original bytes, their format and size,
    and the printable form. One per shipment; a reprint serves the same bytes."""

    __tablename__ = "shipping_labels"
    __table_args__ = (
        UniqueConstraint("tenant_id", "shipment_id"),
        CheckConstraint(_in("format", LABEL_FORMATS), name="format"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping_shipments.id", ondelete="CASCADE"))
    tracking_number: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(8))
    size: Mapped[str] = mapped_column(String(16), default="4x6")
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the carrier's original bytes (UPS: GIF)
    # What prints: the original, or the carrier adapter's printable form of it (UPS's GIF as a
    # PDF page), in PDF or ZPL.
    print_content: Mapped[bytes] = mapped_column(LargeBinary)
    print_format: Mapped[str] = mapped_column(String(8))
    cost: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3), default="")
    carrier_reference: Mapped[str] = mapped_column(String(200), default="")
    voided_at: Mapped[datetime | None] = mapped_column()
    printed_count: Mapped[int] = mapped_column(Integer, default=0)


class CustomsDocument(TenantMixin, Base):
    """A customs document made for a shipment from its SKUs' customs data: the commercial
    invoice for couriers, CN22/CN23 for postal items (reference §3.3)."""

    __tablename__ = "shipping_customs_documents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "shipment_id", "kind"),
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping_shipments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(default=dict)  # header and lines as printed
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TrackingEvent(TenantMixin, Base):
    """One carrier scan: the normalised status, and the carrier's raw code and description
    kept as received, so a mapping can be corrected later without losing data (§6.2)."""

    __tablename__ = "shipping_tracking_events"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "shipment_id", "digest"),
        Index(None, "tenant_id", "shipment_id", "occurred_at"),
        CheckConstraint(_in("status", TRACKING_STATUSES), name="status"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping_shipments.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    digest: Mapped[str] = mapped_column(String(64))  # of time, code, description and place: one row per scan


class LabelBatch(TenantMixin, Base):
    """Labels bought for many orders on the `labels` queue. Each order and its outcome is a row
    of its own (`LabelBatchItem`); the batch's counts are counted from them, and its progress
    is the job's."""

    __tablename__ = "shipping_label_batches"
    __table_args__ = (UniqueConstraint("tenant_id", "number"), Index(None, "tenant_id", "created_at"))

    number: Mapped[str] = mapped_column(String(40))
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    options: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done
    label_format: Mapped[str] = mapped_column(String(8), default="PDF")


class LabelBatchItem(TenantMixin, Base):
    """One order of a label batch and its outcome. Recording an order's outcome writes this row
    alone: a single value holding every outcome grew with the batch and was rewritten (and
    audited) once per order. Not audited: the purchase it reports is (the shipment, its label
    and `shipment.label_bought`); the row is the batch's progress record, like the job's."""

    __tablename__ = "shipping_label_batch_items"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "batch_id", "order_id"),
        UniqueConstraint("tenant_id", "batch_id", "position"),
        Index(None, "tenant_id", "batch_id", "status"),
        CheckConstraint(_in("status", BATCH_ITEM_STATUSES), name="status"),
    )

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping_label_batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    order_number: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipping_shipments.id", ondelete="SET NULL"))
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict] = mapped_column(default=dict)  # the failure's errors by field


class LabelClaim(TenantMixin, Base):
    """A label purchase about to be sent to a carrier, committed before the call in a
    transaction of its own: if the answer or our commit is lost, the next attempt finds the
    claim and does not buy blindly (docs/shipping.md, "Bought once")."""

    __tablename__ = "shipping_label_claims"
    __audit__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),)

    reference: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[uuid.UUID] = mapped_column()
    connection_id: Mapped[uuid.UUID | None] = mapped_column()
    service: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | bought


class ShippingCostRate(TenantMixin, Base):
    """What labels from a warehouse to a country have cost, added up as each is bought: the
    estimate allocation ranks warehouses by (amount per gram times the parcel's weight). A
    statistic derived from the labels (which are audited), so not audited itself."""

    __tablename__ = "shipping_cost_rates"
    __audit__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "warehouse_id", "country", "currency"),)

    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory_warehouses.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    labels: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))  # the labels' prices added up
    weight_g: Mapped[int] = mapped_column(BigInteger, default=0)  # their parcels' weights added up


class ShippingSettings(TenantMixin, Base):
    """A tenant's shipping settings: rate rules (in order), customs identifiers and defaults."""

    __tablename__ = "shipping_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    rate_rules: Mapped[list] = mapped_column(default=list)
    label_format: Mapped[str] = mapped_column(String(8), default="PDF")
    incoterm: Mapped[str] = mapped_column(String(3), default="DAP")
    export_reason: Mapped[str] = mapped_column(String(32), default="sale")
    eori: Mapped[str] = mapped_column(String(40), default="")
    ioss: Mapped[str] = mapped_column(String(40), default="")
    vat_number: Mapped[str] = mapped_column(String(40), default="")
    weight_tolerance_pct: Mapped[int] = mapped_column(Integer, default=10)
