"""orders: indexes for the search by order number or channel order id (`q`) by prefix

The search was an ILIKE, which PostgreSQL cannot answer from an index under the tenant's
row-level security policy (ILIKE is not leakproof): every search read every order of the
tenant (1.7 s at p50 under 16 clients at 100,000 orders, bench/api_latency.py). It now
compares ranges with the pattern operators `~>=~` and `~<~` (leakproof;
core.orders.service.queries._id_prefix), which these indexes answer (varchar_pattern_ops, led
by tenant_id). PostgreSQL only: SQLite compares bytes with the columns' own indexes.

On a large existing table, build them first without blocking writes
(`CREATE INDEX CONCURRENTLY ix_orders_number_prefix ON orders (tenant_id, number
varchar_pattern_ops)` and the two others alike); this migration then finds them.

Revision ID: orders_0003
Revises: orders_0002
Create Date: 2026-12-02 13:25:00
"""

from __future__ import annotations

from alembic import op

revision = "orders_0003"
down_revision = "orders_0002"
branch_labels = None
depends_on = None

COLUMNS = ("number", "external_order_id", "external_number")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        index = f"ix_orders_{column}_prefix"
        op.execute(f"CREATE INDEX IF NOT EXISTS {index} ON orders (tenant_id, {column} varchar_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_orders_{column}_prefix")
