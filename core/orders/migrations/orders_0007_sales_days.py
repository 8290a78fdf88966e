"""orders: per-day sums of sales by shop and by SKU, for the dashboard, and the stale days

The dashboard grouped the orders of two weeks and the order lines of a month on every view
(17.5 s at p50 under 16 clients at 1,000,000 orders, bench/api_latency.py). It now reads these
sums (core.orders.service.reports), recomputed day by day where a change marked the day
stale. Every day that has orders is marked stale here, so the first read computes them.

Revision ID: orders_0007
Revises: orders_0006
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "orders_0007"
down_revision = "orders_0006"
branch_labels = None
depends_on = None


def _common() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "order_sales_days",
        *_common(),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("sales", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_sales_days")),
    )
    op.create_index(op.f("ix_order_sales_days_tenant_id_day"), "order_sales_days", ["tenant_id", "day"])
    op.create_table(
        "order_sku_sales_days",
        *_common(),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("sku_code", sa.String(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_sku_sales_days")),
    )
    op.create_index(op.f("ix_order_sku_sales_days_tenant_id_day"), "order_sku_sales_days", ["tenant_id", "day"])
    op.create_table(
        "order_stale_sales_days",
        *_common(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_stale_sales_days")),
    )
    op.create_index(op.f("ix_order_stale_sales_days_tenant_id_day"), "order_stale_sales_days", ["tenant_id", "day"])
    if op.get_bind().dialect.name == "postgresql":
        day = "(purchased_at AT TIME ZONE 'UTC')::date"
    else:
        day = "date(purchased_at)"  # stored as UTC text
    op.execute(
        "INSERT INTO order_stale_sales_days (id, tenant_id, created_at, updated_at, day) "
        f"SELECT {_random_id()}, tenant_id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, d "
        f"FROM (SELECT DISTINCT tenant_id, {day} AS d FROM orders) AS days"
    )


def _random_id() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


def downgrade() -> None:
    for table in ("order_stale_sales_days", "order_sku_sales_days", "order_sales_days"):
        op.drop_index(op.f(f"ix_{table}_tenant_id_day"), table_name=table)
        op.drop_table(table)
