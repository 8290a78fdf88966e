"""finance: ledger (accounts, periods, vouchers, balances, rules)

Revision ID: finance_0001
Revises:
Create Date: 2026-12-01 21:46:56.040803
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "finance_0001"
down_revision = None
branch_labels = ("finance",)
depends_on = ("0001_foundation",)

# Posted vouchers are immutable (reference finance.md §6): their lines are never updated or
# deleted, and a voucher changes only while it waits for a rate (then it is completed once).
IMMUTABLE = """
CREATE OR REPLACE FUNCTION finance_lines_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'voucher lines are immutable: reverse the voucher instead';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER finance_voucher_lines_immutable BEFORE UPDATE OR DELETE ON finance_voucher_lines
    FOR EACH ROW EXECUTE FUNCTION finance_lines_immutable();
CREATE OR REPLACE FUNCTION finance_posted_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'posted' THEN
        RAISE EXCEPTION 'posted voucher % is immutable: reverse it instead', OLD.number;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER finance_vouchers_immutable BEFORE UPDATE OR DELETE ON finance_vouchers
    FOR EACH ROW EXECUTE FUNCTION finance_posted_immutable();
"""


def upgrade() -> None:
    op.create_table(
        "finance_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("monetary", sa.Boolean(), nullable=False),
        sa.Column("sub_per", sa.String(length=16), nullable=True),
        sa.Column("dimension_value", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "type IN ('asset', 'liability', 'equity', 'income', 'expense')", name=op.f("ck_finance_accounts_type")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["finance_accounts.id"], name=op.f("fk_finance_accounts_parent_id_finance_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_accounts")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_finance_accounts_tenant_id_code")),
    )
    op.create_index(
        op.f("ix_finance_accounts_tenant_id_parent_id"), "finance_accounts", ["tenant_id", "parent_id"], unique=False
    )
    op.create_index(op.f("ix_finance_accounts_tenant_id_role"), "finance_accounts", ["tenant_id", "role"], unique=False)
    op.create_table(
        "finance_periods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("reopened_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reopened_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_finance_periods_status")),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_finance_periods_month")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_periods")),
        sa.UniqueConstraint("tenant_id", "year", "month", name=op.f("uq_finance_periods_tenant_id_year_month")),
    )
    op.create_index(
        op.f("ix_finance_periods_tenant_id_start_date"), "finance_periods", ["tenant_id", "start_date"], unique=False
    )
    op.create_table(
        "finance_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_rules")),
        sa.UniqueConstraint("tenant_id", "rule", name=op.f("uq_finance_rules_tenant_id_rule")),
    )
    op.create_table(
        "finance_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("chart", sa.String(length=8), nullable=False),
        sa.Column("reversal_style", sa.String(length=8), nullable=False),
        sa.Column("landed_cost_basis", sa.String(length=16), nullable=False),
        sa.Column("bill_quantity_tolerance", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("bill_price_tolerance", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column(
            "facilitator_tax_channels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "fee_estimates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rate_feed_url", sa.String(length=500), nullable=False),
        sa.CheckConstraint("chart IN ('cn', 'en')", name=op.f("ck_finance_settings_chart")),
        sa.CheckConstraint("reversal_style IN ('red', 'swap')", name=op.f("ck_finance_settings_reversal_style")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_finance_settings_tenant_id")),
    )
    op.create_table(
        "finance_unbooked_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_name", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("resolved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'booked', 'ignored')", name=op.f("ck_finance_unbooked_events_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_unbooked_events")),
        sa.UniqueConstraint("tenant_id", "event_id", name=op.f("uq_finance_unbooked_events_tenant_id_event_id")),
    )
    op.create_index(
        op.f("ix_finance_unbooked_events_tenant_id_status_occurred_at"),
        "finance_unbooked_events",
        ["tenant_id", "status", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "finance_account_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("dimension_value", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["finance_accounts.id"],
            name=op.f("fk_finance_account_mappings_account_id_finance_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_account_mappings")),
        sa.UniqueConstraint(
            "tenant_id",
            "role",
            "rule",
            "dimension_value",
            name=op.f("uq_finance_account_mappings_tenant_id_role_rule_dimension_value"),
        ),
    )
    op.create_table(
        "finance_balances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("debit", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("credit", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["finance_accounts.id"], name=op.f("fk_finance_balances_account_id_finance_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["finance_periods.id"], name=op.f("fk_finance_balances_period_id_finance_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_balances")),
        sa.UniqueConstraint(
            "tenant_id",
            "account_id",
            "period_id",
            "currency",
            name=op.f("uq_finance_balances_tenant_id_account_id_period_id_currency"),
        ),
    )
    op.create_index(
        op.f("ix_finance_balances_tenant_id_period_id"), "finance_balances", ["tenant_id", "period_id"], unique=False
    )
    op.create_table(
        "finance_vouchers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("source_number", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("event_name", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column(
            "draft", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "waiting_for", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("posted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'posted' OR number IS NOT NULL", name=op.f("ck_finance_vouchers_posted_numbered")
        ),
        sa.CheckConstraint("status IN ('posted', 'waiting_rate')", name=op.f("ck_finance_vouchers_status")),
        sa.ForeignKeyConstraint(
            ["period_id"], ["finance_periods.id"], name=op.f("fk_finance_vouchers_period_id_finance_periods")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["finance_vouchers.id"], name=op.f("fk_finance_vouchers_reverses_id_finance_vouchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_vouchers")),
        sa.UniqueConstraint(
            "tenant_id", "period_id", "number", name=op.f("uq_finance_vouchers_tenant_id_period_id_number")
        ),
        sa.UniqueConstraint("tenant_id", "reverses_id", name=op.f("uq_finance_vouchers_tenant_id_reverses_id")),
        sa.UniqueConstraint("tenant_id", "source_key", name=op.f("uq_finance_vouchers_tenant_id_source_key")),
    )
    op.create_index(op.f("ix_finance_vouchers_tenant_id_date"), "finance_vouchers", ["tenant_id", "date"], unique=False)
    op.create_index(
        op.f("ix_finance_vouchers_tenant_id_event_id"), "finance_vouchers", ["tenant_id", "event_id"], unique=False
    )
    op.create_index(
        op.f("ix_finance_vouchers_tenant_id_source_type_source_id"),
        "finance_vouchers",
        ["tenant_id", "source_type", "source_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_vouchers_tenant_id_status_document_date"),
        "finance_vouchers",
        ["tenant_id", "status", "document_date"],
        unique=False,
    )
    op.create_table(
        "finance_voucher_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voucher_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("side", sa.String(length=6), nullable=False),
        sa.Column("value", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=True),
        sa.Column("warehouse_id", sa.Uuid(), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("sku_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("side IN ('debit', 'credit')", name=op.f("ck_finance_voucher_lines_side")),
        sa.CheckConstraint("rate > 0", name=op.f("ck_finance_voucher_lines_rate_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["finance_accounts.id"], name=op.f("fk_finance_voucher_lines_account_id_finance_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["finance_periods.id"], name=op.f("fk_finance_voucher_lines_period_id_finance_periods")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["finance_vouchers.id"], name=op.f("fk_finance_voucher_lines_voucher_id_finance_vouchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_voucher_lines")),
        sa.UniqueConstraint(
            "tenant_id", "voucher_id", "position", name=op.f("uq_finance_voucher_lines_tenant_id_voucher_id_position")
        ),
    )
    op.create_index(
        op.f("ix_finance_voucher_lines_tenant_id_account_id_period_id"),
        "finance_voucher_lines",
        ["tenant_id", "account_id", "period_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_voucher_lines_tenant_id_order_id"),
        "finance_voucher_lines",
        ["tenant_id", "order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_voucher_lines_tenant_id_sku_id_period_id"),
        "finance_voucher_lines",
        ["tenant_id", "sku_id", "period_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(IMMUTABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS finance_vouchers_immutable ON finance_vouchers")
        op.execute("DROP TRIGGER IF EXISTS finance_voucher_lines_immutable ON finance_voucher_lines")
        op.execute("DROP FUNCTION IF EXISTS finance_posted_immutable()")
        op.execute("DROP FUNCTION IF EXISTS finance_lines_immutable()")
    op.drop_index(op.f("ix_finance_voucher_lines_tenant_id_sku_id_period_id"), table_name="finance_voucher_lines")
    op.drop_index(op.f("ix_finance_voucher_lines_tenant_id_order_id"), table_name="finance_voucher_lines")
    op.drop_index(op.f("ix_finance_voucher_lines_tenant_id_account_id_period_id"), table_name="finance_voucher_lines")
    op.drop_table("finance_voucher_lines")
    op.drop_index(op.f("ix_finance_vouchers_tenant_id_status_document_date"), table_name="finance_vouchers")
    op.drop_index(op.f("ix_finance_vouchers_tenant_id_source_type_source_id"), table_name="finance_vouchers")
    op.drop_index(op.f("ix_finance_vouchers_tenant_id_event_id"), table_name="finance_vouchers")
    op.drop_index(op.f("ix_finance_vouchers_tenant_id_date"), table_name="finance_vouchers")
    op.drop_table("finance_vouchers")
    op.drop_index(op.f("ix_finance_balances_tenant_id_period_id"), table_name="finance_balances")
    op.drop_table("finance_balances")
    op.drop_table("finance_account_mappings")
    op.drop_index(op.f("ix_finance_unbooked_events_tenant_id_status_occurred_at"), table_name="finance_unbooked_events")
    op.drop_table("finance_unbooked_events")
    op.drop_table("finance_settings")
    op.drop_table("finance_rules")
    op.drop_index(op.f("ix_finance_periods_tenant_id_start_date"), table_name="finance_periods")
    op.drop_table("finance_periods")
    op.drop_index(op.f("ix_finance_accounts_tenant_id_role"), table_name="finance_accounts")
    op.drop_index(op.f("ix_finance_accounts_tenant_id_parent_id"), table_name="finance_accounts")
    op.drop_table("finance_accounts")
