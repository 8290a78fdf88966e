"""finance settlements: settlements, their lines, the reconciliation per order

Revision ID: finance_settlements_0001
Revises:
Create Date: 2026-12-02 04:30:39.895921
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

# A branch of its own beside finance's, so settlements and the ledger's other work migrate
# independently; it needs the ledger's tables.
revision = "finance_settlements_0001"
down_revision = None
branch_labels = ("finance_settlements",)
depends_on = ("finance_0003",)


def upgrade() -> None:
    op.create_table(
        "finance_settlements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("start_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deposit_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("deposit_currency", sa.String(length=3), nullable=False),
        sa.Column("deposit_amount", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("unknown_count", sa.Integer(), nullable=False),
        sa.Column("unmatched_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("matched_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("carrying_value", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("carrying_rate", sa.Numeric(precision=20, scale=10), nullable=True),
        sa.Column("booked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("source IN ('amazon', 'shopify', 'paypal')", name=op.f("ck_finance_settlements_source")),
        sa.CheckConstraint(
            "status IN ('imported', 'matched', 'booked', 'closed')", name=op.f("ck_finance_settlements_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_settlements")),
        sa.UniqueConstraint(
            "tenant_id", "source", "external_id", name=op.f("uq_finance_settlements_tenant_id_source_external_id")
        ),
    )
    op.create_index(
        op.f("ix_finance_settlements_tenant_id_status_deposit_date"),
        "finance_settlements",
        ["tenant_id", "status", "deposit_date"],
        unique=False,
    )
    op.create_table(
        "finance_settlement_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settlement_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("transaction_type", sa.String(length=64), nullable=False),
        sa.Column("amount_type", sa.String(length=100), nullable=False),
        sa.Column("amount_description", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("raw_amount", sa.String(length=40), nullable=False),
        sa.Column("fee", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("posted_date", sa.Date(), nullable=True),
        sa.Column("external_order_id", sa.String(length=100), nullable=False),
        sa.Column("merchant_order_id", sa.String(length=100), nullable=False),
        sa.Column("adjustment_id", sa.String(length=100), nullable=False),
        sa.Column("shipment_id", sa.String(length=100), nullable=False),
        sa.Column("marketplace", sa.String(length=64), nullable=False),
        sa.Column("fulfillment_id", sa.String(length=8), nullable=False),
        sa.Column("order_item_code", sa.String(length=100), nullable=False),
        sa.Column("merchant_order_item_id", sa.String(length=100), nullable=False),
        sa.Column("merchant_adjustment_item_id", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("match_status", sa.String(length=16), nullable=False),
        sa.Column("match_key", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "match_status IN ('pending', 'matched', 'manual', 'unmatched', 'none')",
            name=op.f("ck_finance_settlement_lines_match_status"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["finance_settlements.id"],
            name=op.f("fk_finance_settlement_lines_settlement_id_finance_settlements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_settlement_lines")),
        sa.UniqueConstraint(
            "tenant_id",
            "settlement_id",
            "line_no",
            name=op.f("uq_finance_settlement_lines_tenant_id_settlement_id_line_no"),
        ),
    )
    op.create_index(
        op.f("ix_finance_settlement_lines_tenant_id_order_id"),
        "finance_settlement_lines",
        ["tenant_id", "order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_settlement_lines_tenant_id_settlement_id_match_status"),
        "finance_settlement_lines",
        ["tenant_id", "settlement_id", "match_status"],
        unique=False,
    )
    op.create_table(
        "finance_settlement_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settlement_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("external_order_id", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("settled", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("fees", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("earlier", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("difference", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("reason_auto", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["finance_settlements.id"],
            name=op.f("fk_finance_settlement_orders_settlement_id_finance_settlements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_settlement_orders")),
        sa.UniqueConstraint(
            "tenant_id",
            "settlement_id",
            "external_order_id",
            name=op.f("uq_finance_settlement_orders_tenant_id_settlement_id_external_order_id"),
        ),
    )
    op.create_index(
        op.f("ix_finance_settlement_orders_tenant_id_order_id"),
        "finance_settlement_orders",
        ["tenant_id", "order_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_finance_settlement_orders_tenant_id_order_id"), table_name="finance_settlement_orders")
    op.drop_table("finance_settlement_orders")
    op.drop_index(
        op.f("ix_finance_settlement_lines_tenant_id_settlement_id_match_status"), table_name="finance_settlement_lines"
    )
    op.drop_index(op.f("ix_finance_settlement_lines_tenant_id_order_id"), table_name="finance_settlement_lines")
    op.drop_table("finance_settlement_lines")
    op.drop_index(op.f("ix_finance_settlements_tenant_id_status_deposit_date"), table_name="finance_settlements")
    op.drop_table("finance_settlements")
