"""finance settlements: refunds read from channels, the report id of downloaded settlements

Revision ID: finance_settlements_0002
Revises: finance_settlements_0001
Create Date: 2026-12-02 05:04:22.856543
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "finance_settlements_0002"
down_revision = "finance_settlements_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_channel_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("external_refund_id", sa.String(length=100), nullable=False),
        sa.Column("external_order_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("posted_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "action IN ('cancelled', 'held', 'refunded', 'none', 'no_order', 'failed')",
            name=op.f("ck_finance_channel_refunds_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_channel_refunds")),
        sa.UniqueConstraint(
            "tenant_id",
            "connection_id",
            "external_refund_id",
            name=op.f("uq_finance_channel_refunds_tenant_id_connection_id_external_refund_id"),
        ),
    )
    op.create_index(
        op.f("ix_finance_channel_refunds_tenant_id_action"),
        "finance_channel_refunds",
        ["tenant_id", "action"],
        unique=False,
    )
    op.add_column(
        "finance_settlements", sa.Column("report_id", sa.String(length=100), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("finance_settlements", "report_id")
    op.drop_index(op.f("ix_finance_channel_refunds_tenant_id_action"), table_name="finance_channel_refunds")
    op.drop_table("finance_channel_refunds")
