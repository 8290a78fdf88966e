"""Tables of posting the books to accounting targets (docs/accounting.md): the tenant's mapping
of its accounts and dimensions to a target's codes, posting runs, and one row per voucher and
target saying where it was posted (or why not).

The connection itself is a plugin connection of kind "accounting" (tenants): its credentials
are encrypted and masked there like every other plugin's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantMixin

MAPPING_KINDS = ("account", "customer", "supplier", "material", "department", "warehouse")
# What a posting row sends: a voucher, or a business document (core.ports.BUSINESS_DOCUMENT_KINDS)
# made from the business event that produced it.
POSTING_KINDS = ("voucher", "sales_outbound", "sales_return", "transfer")
RUN_STATUSES = ("queued", "running", "waiting", "done", "failed")
# pending: not sent yet; posted: the target has it; refused: the target (or the mapping) said
# no, with its message; waiting: rate-limited or the outcome of a send is not known yet (it
# is looked up before anything is sent again).
POSTING_STATUSES = ("pending", "posted", "refused", "waiting")


class PostingMapping(TenantMixin, Base):
    """One of our items (an account code, a shop, a supplier, a SKU, a warehouse) and the code
    the target knows it by, per connection."""

    __tablename__ = "finance_posting_mappings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "connection_id", "kind", "local_key"),
        CheckConstraint(
            "kind IN ('account', 'customer', 'supplier', 'material', 'department', 'warehouse')", name="kind"
        ),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    local_key: Mapped[str] = mapped_column(String(64))  # account code, or the shop/supplier/SKU/warehouse id
    external_code: Mapped[str] = mapped_column(String(200))
    external_name: Mapped[str] = mapped_column(String(200), default="")


class PostingRun(TenantMixin, Base):
    """One run of posting a connection's vouchers from a start date, on the `finance` queue."""

    __tablename__ = "finance_posting_runs"
    __audit__ = False  # its own record of what it did
    __table_args__ = (
        Index(None, "tenant_id", "connection_id", "created_at"),
        CheckConstraint("status IN ('queued', 'running', 'waiting', 'done', 'failed')", name="status"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column()
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    posted: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    finished_at: Mapped[datetime | None] = mapped_column()


class Posting(TenantMixin, Base):
    """Where one voucher, or one business document, went on one connection: unique per
    (connection, voucher) and per (connection, event), so each is posted to a target once
    whatever runs, retries, re-deliveries and restarts happen."""

    __tablename__ = "finance_postings"
    __audit__ = False  # the run's per-voucher results; the runs are the trail
    __table_args__ = (
        UniqueConstraint("tenant_id", "connection_id", "voucher_id"),
        UniqueConstraint("tenant_id", "connection_id", "event_id"),
        Index(None, "tenant_id", "voucher_id"),
        Index(None, "tenant_id", "connection_id", "status", "voucher_date"),
        Index(None, "tenant_id", "run_id"),
        CheckConstraint("status IN ('pending', 'posted', 'refused', 'waiting')", name="status"),
        CheckConstraint("kind IN ('voucher', 'sales_outbound', 'sales_return', 'transfer')", name="kind"),
        # A voucher's row names the voucher; a document's the event it was made from.
        CheckConstraint(
            "(kind = 'voucher' AND voucher_id IS NOT NULL AND event_id IS NULL)"
            " OR (kind <> 'voucher' AND voucher_id IS NULL AND event_id IS NOT NULL)",
            name="source",
        ),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16), default="voucher")
    voucher_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("finance_vouchers.id"))
    event_id: Mapped[uuid.UUID | None] = mapped_column()  # a document's business event (outbox_events)
    # The voucher's date and number order, or a document's business date and event order:
    # what a run sends them in.
    voucher_date: Mapped[date] = mapped_column(Date)
    voucher_seq: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reference: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    external_number: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A send was started and its outcome is not known (a timeout, or the worker died in the
    # call): the target is asked before anything is sent again.
    uncertain: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime | None] = mapped_column()
    posted_at: Mapped[datetime | None] = mapped_column()


PULL_STATUSES = ("created", "skipped")


class RequisitionPull(TenantMixin, Base):
    """A purchase requisition line pulled from an accounting target, once: the stocking
    request it became, or why it was not made (a material or warehouse not mapped, a date in
    the past)."""

    __tablename__ = "finance_requisition_pulls"
    __audit__ = False  # the stocking requests it makes are audited
    __table_args__ = (
        UniqueConstraint("tenant_id", "connection_id", "external_id"),
        Index(None, "tenant_id", "connection_id", "created_at"),
        CheckConstraint("status IN ('created', 'skipped')", name="status"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column()
    external_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100), default="")
    material: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    needed_by: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    stocking_request_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
