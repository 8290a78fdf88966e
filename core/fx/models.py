"""The dated exchange rates of a tenant: one row per pair and day (DESIGN §3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Rate, TenantMixin


class ExchangeRate(TenantMixin, Base):
    """On `rate_date`, one `base` is worth `rate` units of `quote` (USD/CNY 7.1: one US dollar
    is 7.1 yuan), as entered by hand (`manual`), imported from a file such as the ECB's
    reference rates (`file`) or fetched on a schedule (`feed`); `note` says from where.

    One rate per pair and day: setting it again replaces it (the audit log keeps the old
    value). Documents copy the rate they use; changing or deleting a rate here never changes
    a document already made."""

    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "base", "quote", "rate_date"),
        Index(None, "tenant_id", "quote", "rate_date"),
        Index(None, "tenant_id", "rate_date"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("base <> quote", name="two_currencies"),
        CheckConstraint("source IN ('manual', 'file', 'feed')", name="source"),
    )

    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str] = mapped_column(String(8), default="manual")
    note: Mapped[str] = mapped_column(String(200), default="")
