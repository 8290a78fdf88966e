"""suppliers: suppliers, contacts, per-SKU prices

Revision ID: suppliers_0001
Revises:
Create Date: 2026-11-23 18:29:42.419650
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "suppliers_0001"
down_revision = None
branch_labels = ("suppliers",)
depends_on = ("0001_foundation", "catalog_0001")  # supplier_prices references catalog_skus


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("postcode", sa.String(length=20), nullable=False),
        sa.Column("registration_date", sa.Date(), nullable=True),
        sa.Column("company_type", sa.String(length=32), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=True),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("account_number_encrypted", sa.Text(), nullable=True),
        sa.Column("account_last4", sa.String(length=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("settlement_mode", sa.String(length=16), nullable=False),
        sa.Column("settlement_days", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("disabled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "settlement_mode <> 'periodic' OR settlement_days > 0", name=op.f("ck_suppliers_periodic_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_suppliers_tenant_id_code")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_suppliers_tenant_id_name")),
    )
    op.create_index(
        op.f("ix_suppliers_tenant_id_status_created_at"),
        "suppliers",
        ["tenant_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "supplier_contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("wechat", sa.String(length=100), nullable=False),
        sa.Column("qq", sa.String(length=20), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_contacts_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_contacts")),
    )
    op.create_index(
        op.f("ix_supplier_contacts_tenant_id_supplier_id_position"),
        "supplier_contacts",
        ["tenant_id", "supplier_id", "position"],
        unique=False,
    )
    op.create_table(
        "supplier_prices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("price", sa.Numeric(precision=19, scale=6), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("moq", sa.Integer(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("ck_supplier_prices_lead_time_not_negative")),
        sa.CheckConstraint("moq > 0", name=op.f("ck_supplier_prices_moq_positive")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_supplier_prices_price_not_negative")),
        sa.ForeignKeyConstraint(["sku_id"], ["catalog_skus.id"], name=op.f("fk_supplier_prices_sku_id_catalog_skus")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_prices_supplier_id_suppliers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_prices")),
        sa.UniqueConstraint(
            "tenant_id", "supplier_id", "sku_id", name=op.f("uq_supplier_prices_tenant_id_supplier_id_sku_id")
        ),
    )
    op.create_index(
        op.f("ix_supplier_prices_tenant_id_sku_id"), "supplier_prices", ["tenant_id", "sku_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_supplier_prices_tenant_id_sku_id"), table_name="supplier_prices")
    op.drop_table("supplier_prices")
    op.drop_index(op.f("ix_supplier_contacts_tenant_id_supplier_id_position"), table_name="supplier_contacts")
    op.drop_table("supplier_contacts")
    op.drop_index(op.f("ix_suppliers_tenant_id_status_created_at"), table_name="suppliers")
    op.drop_table("suppliers")
