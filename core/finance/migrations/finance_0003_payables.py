"""finance: payables (bills, payments)

Revision ID: finance_0003
Revises: finance_0002
Create Date: 2026-12-01 22:40:02.184590
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "finance_0003"
down_revision = "finance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_bills",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_name", sa.String(length=200), nullable=False),
        sa.Column("supplier_reference", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("paid", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('purchase', 'freight')", name=op.f("ck_finance_bills_kind")),
        sa.CheckConstraint("status IN ('open', 'partially_paid', 'paid')", name=op.f("ck_finance_bills_status")),
        sa.CheckConstraint("paid >= 0 AND paid <= total", name=op.f("ck_finance_bills_paid_within_total")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_bills")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_finance_bills_tenant_id_number")),
        sa.UniqueConstraint(
            "tenant_id",
            "supplier_id",
            "supplier_reference",
            name=op.f("uq_finance_bills_tenant_id_supplier_id_supplier_reference"),
        ),
    )
    op.create_index(
        op.f("ix_finance_bills_tenant_id_status_due_date"),
        "finance_bills",
        ["tenant_id", "status", "due_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_bills_tenant_id_supplier_id_status_due_date"),
        "finance_bills",
        ["tenant_id", "supplier_id", "status", "due_date"],
        unique=False,
    )
    op.create_table(
        "finance_bill_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Uuid(), nullable=True),
        sa.Column("receipt_line_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=True),
        sa.Column("sku_id", sa.Uuid(), nullable=True),
        sa.Column("warehouse_id", sa.Uuid(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=19, scale=6), nullable=False),
        sa.Column("order_price", sa.Numeric(precision=19, scale=6), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("accrued", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("accrued_value", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("variance", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("capitalised", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("expensed", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("transfer_number", sa.String(length=32), nullable=False),
        sa.Column("freight", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("duty", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("insurance", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["finance_bills.id"],
            name=op.f("fk_finance_bill_lines_bill_id_finance_bills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_bill_lines")),
    )
    op.create_index(
        op.f("ix_finance_bill_lines_tenant_id_bill_id_position"),
        "finance_bill_lines",
        ["tenant_id", "bill_id", "position"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_bill_lines_tenant_id_receipt_line_id"),
        "finance_bill_lines",
        ["tenant_id", "receipt_line_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_bill_lines_tenant_id_transfer_id"),
        "finance_bill_lines",
        ["tenant_id", "transfer_id"],
        unique=False,
    )
    op.create_table(
        "finance_payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("applied", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("bank_account_id", sa.Uuid(), nullable=False),
        sa.Column("bank_charges", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('payment', 'prepayment')", name=op.f("ck_finance_payments_kind")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_finance_payments_amount_positive")),
        sa.CheckConstraint(
            "applied >= 0 AND applied <= amount", name=op.f("ck_finance_payments_applied_within_amount")
        ),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["finance_accounts.id"],
            name=op.f("fk_finance_payments_bank_account_id_finance_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_payments")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_finance_payments_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_finance_payments_tenant_id_supplier_id_payment_date"),
        "finance_payments",
        ["tenant_id", "supplier_id", "payment_date"],
        unique=False,
    )
    op.create_table(
        "finance_payment_allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("later", sa.Boolean(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_finance_payment_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["finance_bills.id"], name=op.f("fk_finance_payment_allocations_bill_id_finance_bills")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["finance_payments.id"],
            name=op.f("fk_finance_payment_allocations_payment_id_finance_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_payment_allocations")),
    )
    op.create_index(
        op.f("ix_finance_payment_allocations_tenant_id_bill_id"),
        "finance_payment_allocations",
        ["tenant_id", "bill_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_payment_allocations_tenant_id_payment_id"),
        "finance_payment_allocations",
        ["tenant_id", "payment_id"],
        unique=False,
    )
    op.add_column(
        "finance_settings", sa.Column("input_vat_recoverable", sa.Boolean(), nullable=False, server_default=sa.true())
    )


def downgrade() -> None:
    op.drop_column("finance_settings", "input_vat_recoverable")
    op.drop_index(op.f("ix_finance_payment_allocations_tenant_id_payment_id"), table_name="finance_payment_allocations")
    op.drop_index(op.f("ix_finance_payment_allocations_tenant_id_bill_id"), table_name="finance_payment_allocations")
    op.drop_table("finance_payment_allocations")
    op.drop_index(op.f("ix_finance_payments_tenant_id_supplier_id_payment_date"), table_name="finance_payments")
    op.drop_table("finance_payments")
    op.drop_index(op.f("ix_finance_bill_lines_tenant_id_transfer_id"), table_name="finance_bill_lines")
    op.drop_index(op.f("ix_finance_bill_lines_tenant_id_receipt_line_id"), table_name="finance_bill_lines")
    op.drop_index(op.f("ix_finance_bill_lines_tenant_id_bill_id_position"), table_name="finance_bill_lines")
    op.drop_table("finance_bill_lines")
    op.drop_index(op.f("ix_finance_bills_tenant_id_supplier_id_status_due_date"), table_name="finance_bills")
    op.drop_index(op.f("ix_finance_bills_tenant_id_status_due_date"), table_name="finance_bills")
    op.drop_table("finance_bills")
