"""finance: landed costs

Revision ID: finance_0002
Revises: finance_0001
Create Date: 2026-12-01 22:27:05.840034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "finance_0002"
down_revision = "finance_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_landed_costs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("transfer_kind", sa.String(length=16), nullable=False),
        sa.Column("transfer_number", sa.String(length=32), nullable=False),
        sa.Column("destination_warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("freight", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("duty", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("insurance", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("cost_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=True),
        sa.Column("functional_total", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column(
            "allocation", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("stock_operation_id", sa.Uuid(), nullable=True),
        sa.Column("applied_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting_rate', 'applied', 'failed')", name=op.f("ck_finance_landed_costs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_landed_costs")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_finance_landed_costs_tenant_id_key")),
    )
    op.create_index(
        op.f("ix_finance_landed_costs_tenant_id_status"), "finance_landed_costs", ["tenant_id", "status"], unique=False
    )
    op.create_index(
        op.f("ix_finance_landed_costs_tenant_id_transfer_id"),
        "finance_landed_costs",
        ["tenant_id", "transfer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_finance_landed_costs_tenant_id_transfer_id"), table_name="finance_landed_costs")
    op.drop_index(op.f("ix_finance_landed_costs_tenant_id_status"), table_name="finance_landed_costs")
    op.drop_table("finance_landed_costs")
