"""finance: expense documents (费用单) and their lines; row-level security comes from db upgrade
(core.migrate.secure_postgres), as for every tenant table

Revision ID: finance_0004
Revises: finance_0003
Create Date: 2026-12-02 13:03:40.126810
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "finance_0004"
down_revision = "finance_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_expenses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("vendor", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expense_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("approved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('platform_fee', 'ad_invoice', 'freight_bill', 'carrier_invoice', 'other')",
            name=op.f("ck_finance_expenses_kind"),
        ),
        sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f("ck_finance_expenses_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_expenses")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "vendor", "reference", name=op.f("uq_finance_expenses_tenant_id_kind_vendor_reference")
        ),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_finance_expenses_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_finance_expenses_tenant_id_kind_expense_date"),
        "finance_expenses",
        ["tenant_id", "kind", "expense_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_expenses_tenant_id_status_expense_date"),
        "finance_expenses",
        ["tenant_id", "status", "expense_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_expenses_tenant_id_supplier_id"),
        "finance_expenses",
        ["tenant_id", "supplier_id"],
        unique=False,
    )
    op.create_table(
        "finance_expense_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expense_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column(
            "links", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("label_cost", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["expense_id"],
            ["finance_expenses.id"],
            name=op.f("fk_finance_expense_lines_expense_id_finance_expenses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_expense_lines")),
    )
    op.create_index(
        op.f("ix_finance_expense_lines_tenant_id_expense_id_position"),
        "finance_expense_lines",
        ["tenant_id", "expense_id", "position"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_finance_expense_lines_tenant_id_expense_id_position"), table_name="finance_expense_lines")
    op.drop_table("finance_expense_lines")
    op.drop_index(op.f("ix_finance_expenses_tenant_id_supplier_id"), table_name="finance_expenses")
    op.drop_index(op.f("ix_finance_expenses_tenant_id_status_expense_date"), table_name="finance_expenses")
    op.drop_index(op.f("ix_finance_expenses_tenant_id_kind_expense_date"), table_name="finance_expenses")
    op.drop_table("finance_expenses")
