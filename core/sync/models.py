"""Tables of the channel sync: per-connection rules and cursor state, sync runs, push-back
records, the listings a connection is known to sell, and webhook receipts.

Only the rules are audited. The rest is operational state written on every page or push;
each of those tables is its own trail (a run, a push or a receipt *is* the record)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantMixin

CONNECTION_FK = "plugin_connections.id"


class SyncSettings(TenantMixin, Base):
    """How one channel connection is synced: schedule, window overlap, and the rules that turn
    available stock into the quantity published on the channel (core.sync.rules)."""

    __tablename__ = "sync_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "connection_id"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CONNECTION_FK, ondelete="CASCADE"))
    interval_minutes: Mapped[int] = mapped_column(Integer, default=15)  # 0: only "sync now" and webhooks
    overlap_seconds: Mapped[int] = mapped_column(Integer, default=600)
    first_sync_days: Mapped[int] = mapped_column(Integer, default=30)
    push_shipments: Mapped[bool] = mapped_column(Boolean, default=True)
    push_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    stock_buffer: Mapped[int] = mapped_column(Integer, default=0)
    stock_percent: Mapped[int] = mapped_column(Integer, default=100)
    stock_maximum: Mapped[int | None] = mapped_column(Integer)
    zero_out_level: Mapped[int] = mapped_column(Integer, default=0)
    # Warehouses whose stock feeds the listings; None: every active merchant warehouse.
    warehouse_ids: Mapped[list | None] = mapped_column()


class SyncState(TenantMixin, Base):
    """Where the order sync of a connection stands. `high_water` is the end of the last
    window whose orders are all committed; a window in progress keeps its bounds and the page
    cursor, written in the same transaction as each page's orders, so a run that dies is
    resumed by the next one exactly where it stopped."""

    __tablename__ = "sync_states"
    __audit__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "connection_id"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CONNECTION_FK, ondelete="CASCADE"))
    high_water: Mapped[datetime | None] = mapped_column()
    window_start: Mapped[datetime | None] = mapped_column()
    window_end: Mapped[datetime | None] = mapped_column()
    page_cursor: Mapped[str | None] = mapped_column(Text)
    window_pages: Mapped[int] = mapped_column(Integer, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column()
    last_succeeded_at: Mapped[datetime | None] = mapped_column()
    # Credentials were refused: scheduled runs wait until the connection is fixed.
    auth_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_topics: Mapped[list | None] = mapped_column()
    webhooks_subscribed_at: Mapped[datetime | None] = mapped_column()


class SyncRun(TenantMixin, Base):
    """One order sync of one connection: its window, what it found and did, its errors."""

    __tablename__ = "sync_runs"
    __audit__ = False
    __table_args__ = (
        Index(None, "tenant_id", "connection_id", "started_at"),
        Index(None, "tenant_id", "started_at"),
        Index(None, "tenant_id", "job_id"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CONNECTION_FK, ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual | demo
    status: Mapped[str] = mapped_column(String(16), default="running")
    window_start: Mapped[datetime | None] = mapped_column()
    window_end: Mapped[datetime | None] = mapped_column()
    resumed: Mapped[bool] = mapped_column(Boolean, default=False)  # continued a window a dead run left
    pages: Mapped[int] = mapped_column(Integer, default=0)
    orders_seen: Mapped[int] = mapped_column(Integer, default=0)
    orders_created: Mapped[int] = mapped_column(Integer, default=0)
    orders_updated: Mapped[int] = mapped_column(Integer, default=0)
    orders_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    orders_rejected: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(default=list)  # [{at, order, message}], the first ERRORS_KEPT
    error: Mapped[str | None] = mapped_column(Text)  # why the run stopped, when it did
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Where the time went: talking to the channel (HTTP and decoding) and storing orders.
    remote_ms: Mapped[int] = mapped_column(Integer, default=0)
    store_ms: Mapped[int] = mapped_column(Integer, default=0)


class SyncListing(TenantMixin, Base):
    """A seller SKU this connection sells (from its merchant-fulfilled orders), and what was
    last published for it. Listing mappings add the listings no order has shown yet."""

    __tablename__ = "sync_listings"
    __audit__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "connection_id", "seller_sku"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CONNECTION_FK, ondelete="CASCADE"))
    seller_sku: Mapped[str] = mapped_column(String(200))
    last_quantity: Mapped[int | None] = mapped_column(Integer)  # last quantity the channel accepted
    last_pushed_at: Mapped[datetime | None] = mapped_column()
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_message: Mapped[str] = mapped_column(String(500), default="")


class SyncPush(TenantMixin, Base):
    """One push back to a channel: a shipment confirmation of one channel order, or a batch of
    listing quantities. Failed pushes stay visible (and retryable) here."""

    __tablename__ = "sync_pushes"
    __audit__ = False
    __table_args__ = (
        # A shipment is confirmed once per channel order: retries find the row and skip.
        UniqueConstraint("tenant_id", "key"),
        Index(None, "tenant_id", "connection_id", "created_at"),
        Index(None, "tenant_id", "status", "kind"),
        Index(None, "tenant_id", "job_id"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CONNECTION_FK, ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # shipment | stock
    status: Mapped[str] = mapped_column(String(16))  # ok | partial | retrying | failed
    key: Mapped[str | None] = mapped_column(String(200))
    event_id: Mapped[uuid.UUID | None] = mapped_column()
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    external_order_id: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    listings: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[list] = mapped_column(default=list)  # stock: [{seller_sku, quantity, ok, message}]


class WebhookReceipt(TenantMixin, Base):
    """A verified webhook delivery. The unique key drops the second delivery of a change."""

    __tablename__ = "sync_webhooks"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "connection_id", "dedupe_key"),
        Index(None, "tenant_id", "connection_id", "created_at"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CONNECTION_FK, ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(100), default="")
    delivery_id: Mapped[str] = mapped_column(String(200), default="")
    external_order_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(
        String(16), default="queued"
    )  # queued | created | updated | unchanged | ignored | failed
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    message: Mapped[str] = mapped_column(String(500), default="")
