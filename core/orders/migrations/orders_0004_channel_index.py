"""orders: an index on the channel, for the channels the order list's filter offers

The portal's order list asked for the tenant's distinct channels on every view, which read
every order of the tenant (68 ms of the page's 125 ms at 100,000 orders, bench/api_latency.py).
It now walks this index: one probe per channel (core.orders.service.queries.channels_seen).

Revision ID: orders_0004
Revises: orders_0003
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

from alembic import op

revision = "orders_0004"
down_revision = "orders_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_orders_tenant_id_channel"), "orders", ["tenant_id", "channel"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_tenant_id_channel"), table_name="orders")
