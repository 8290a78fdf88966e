"""orders: smaller indexes on order lines and the timeline

An import writes about three lines and three timeline entries per order, and every index of
those tables grows with each (bench/README.md, order_ingest.py, 2026-12-02):

- lines and timeline entries are read by order and sorted afterwards (a handful each), so
  their order index is `(tenant_id, order_id)`: PostgreSQL stores equal keys once with the
  list of their rows (B-tree deduplication), instead of one entry per row with its position
  or creation time;
- no query looks lines up by `origin_line_id` or by `seller_sku` alone (the order list's SKU
  filter reads `sku_code OR seller_sku`, which one index cannot answer: a scan either way),
  so those indexes go;
- `parent_line_id` is indexed for its foreign key only, and only split and merged lines have
  one: the index holds those.

Revision ID: orders_0005
Revises: orders_0004
Create Date: 2026-12-02 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orders_0005"
down_revision = "orders_0004"
branch_labels = None
depends_on = None

PARENT = "parent_line_id IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_order_lines_tenant_id_order_id_position", table_name="order_lines")
    op.create_index(op.f("ix_order_lines_tenant_id_order_id"), "order_lines", ["tenant_id", "order_id"], unique=False)
    op.drop_index("ix_order_lines_tenant_id_origin_line_id", table_name="order_lines")
    op.drop_index("ix_order_lines_tenant_id_seller_sku", table_name="order_lines")
    op.drop_index("ix_order_lines_tenant_id_parent_line_id", table_name="order_lines")
    op.create_index(
        op.f("ix_order_lines_tenant_id_parent_line_id"),
        "order_lines",
        ["tenant_id", "parent_line_id"],
        unique=False,
        postgresql_where=sa.text(PARENT),
        sqlite_where=sa.text(PARENT),
    )
    op.drop_index("ix_order_activities_tenant_id_order_id_created_at", table_name="order_activities")
    op.create_index(
        op.f("ix_order_activities_tenant_id_order_id"), "order_activities", ["tenant_id", "order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_order_activities_tenant_id_order_id", table_name="order_activities")
    op.create_index(
        "ix_order_activities_tenant_id_order_id_created_at",
        "order_activities",
        ["tenant_id", "order_id", "created_at"],
        unique=False,
    )
    op.drop_index("ix_order_lines_tenant_id_parent_line_id", table_name="order_lines")
    op.create_index(
        "ix_order_lines_tenant_id_parent_line_id", "order_lines", ["tenant_id", "parent_line_id"], unique=False
    )
    op.create_index("ix_order_lines_tenant_id_seller_sku", "order_lines", ["tenant_id", "seller_sku"], unique=False)
    op.create_index(
        "ix_order_lines_tenant_id_origin_line_id", "order_lines", ["tenant_id", "origin_line_id"], unique=False
    )
    op.drop_index("ix_order_lines_tenant_id_order_id", table_name="order_lines")
    op.create_index(
        "ix_order_lines_tenant_id_order_id_position", "order_lines", ["tenant_id", "order_id", "position"], unique=False
    )
