"""posting: purchase requisition lines pulled from accounting targets

Revision ID: posting_0002
Revises: posting_0001
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "posting_0002"
down_revision = "posting_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_requisition_pulls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("material", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stocking_request_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('created', 'skipped')", name=op.f("ck_finance_requisition_pulls_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_requisition_pulls")),
        sa.UniqueConstraint(
            "tenant_id",
            "connection_id",
            "external_id",
            name=op.f("uq_finance_requisition_pulls_tenant_id_connection_id_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_finance_requisition_pulls_tenant_id_connection_id_created_at"),
        "finance_requisition_pulls",
        ["tenant_id", "connection_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("finance_requisition_pulls")
