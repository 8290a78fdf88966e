"""Tables of suppliers (供货商) and merchants (商家), their contacts and per-SKU prices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantMixin, UnitCost

SUPPLIER_KINDS = ("supplier", "merchant")
SUPPLIER_STATUSES = ("draft", "submitted", "approved", "rejected", "disabled")
COMPANY_TYPES = (
    "limited_liability",
    "joint_stock",
    "sole_proprietorship",
    "partnership",
    "individual_business",
    "individual",
    "state_owned",
    "foreign_invested",
    "other",
)
PAYMENT_METHODS = ("bank_transfer", "alipay", "wechat_pay", "paypal", "cash", "other")
SETTLEMENT_MODES = ("prepaid", "cash_on_delivery", "periodic")


class Supplier(TenantMixin, Base):
    __tablename__ = "suppliers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        UniqueConstraint("tenant_id", "name"),
        Index(None, "tenant_id", "status", "created_at"),
        CheckConstraint("settlement_mode <> 'periodic' OR settlement_days > 0", name="periodic_days"),
    )

    code: Mapped[str | None] = mapped_column(String(32))  # assigned at first approval
    kind: Mapped[str] = mapped_column(String(16), default="supplier")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str | None] = mapped_column(String(2))
    province: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    registration_date: Mapped[date | None] = mapped_column(Date)
    company_type: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    payment_method: Mapped[str | None] = mapped_column(String(32))
    account_name: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    # The receiving account, encrypted; only its last four characters are ever shown.
    account_number_encrypted: Mapped[str | None] = mapped_column(Text, info={"secret": True})
    account_last4: Mapped[str | None] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(3))
    settlement_mode: Mapped[str] = mapped_column(String(16), default="prepaid")
    settlement_days: Mapped[int | None] = mapped_column(Integer)

    rejection_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_by_id: Mapped[str | None] = mapped_column(String(200))  # tenants.service.actor_identity()
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None] = mapped_column()
    disabled_reason: Mapped[str | None] = mapped_column(Text)

    contacts: Mapped[list[SupplierContact]] = relationship(
        order_by="SupplierContact.position", cascade="all, delete-orphan"
    )


class SupplierContact(TenantMixin, Base):
    __tablename__ = "supplier_contacts"
    __table_args__ = (Index(None, "tenant_id", "supplier_id", "position"),)

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    wechat: Mapped[str] = mapped_column(String(100), default="")
    qq: Mapped[str] = mapped_column(String(20), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")


class SupplierPrice(TenantMixin, Base):
    """A supplier's quoted unit price for one SKU, with its minimum order quantity and lead time."""

    __tablename__ = "supplier_prices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "supplier_id", "sku_id"),
        Index(None, "tenant_id", "sku_id"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("moq > 0", name="moq_positive"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    price: Mapped[Decimal] = mapped_column(UnitCost)
    currency: Mapped[str] = mapped_column(String(3))
    moq: Mapped[int] = mapped_column(Integer, default=1)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(500), default="")
