"""posting: business documents beside vouchers, and the warehouse mapping kind

A posting row is a voucher's or a business document's (`kind`); a document's row names the
business event it was made from (`event_id`, unique per connection) instead of a voucher.
Mappings take `warehouse` (the target's stock location, Kingdee's BD_STOCK).

Revision ID: posting_0003
Revises: posting_0002
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "posting_0003"
down_revision = "posting_0002"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('account', 'customer', 'supplier', 'material', 'department')"
NEW_KINDS = "kind IN ('account', 'customer', 'supplier', 'material', 'department', 'warehouse')"
SOURCE = (
    "(kind = 'voucher' AND voucher_id IS NOT NULL AND event_id IS NULL)"
    " OR (kind <> 'voucher' AND voucher_id IS NULL AND event_id IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("finance_posting_mappings") as batch:
        batch.drop_constraint(op.f("ck_finance_posting_mappings_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_finance_posting_mappings_kind"), NEW_KINDS)
    with op.batch_alter_table("finance_postings") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="voucher"))
        batch.add_column(sa.Column("event_id", sa.Uuid(), nullable=True))
        batch.alter_column("voucher_id", existing_type=sa.Uuid(), nullable=True)
        batch.create_unique_constraint(
            op.f("uq_finance_postings_tenant_id_connection_id_event_id"), ["tenant_id", "connection_id", "event_id"]
        )
        batch.create_check_constraint(
            op.f("ck_finance_postings_kind"), "kind IN ('voucher', 'sales_outbound', 'sales_return', 'transfer')"
        )
        batch.create_check_constraint(op.f("ck_finance_postings_source"), SOURCE)
    with op.batch_alter_table("finance_postings") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=16), server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM finance_postings WHERE kind <> 'voucher'")
    op.execute("DELETE FROM finance_posting_mappings WHERE kind = 'warehouse'")
    with op.batch_alter_table("finance_postings") as batch:
        batch.drop_constraint(op.f("ck_finance_postings_source"), type_="check")
        batch.drop_constraint(op.f("ck_finance_postings_kind"), type_="check")
        batch.drop_constraint(op.f("uq_finance_postings_tenant_id_connection_id_event_id"), type_="unique")
        batch.alter_column("voucher_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_column("event_id")
        batch.drop_column("kind")
    with op.batch_alter_table("finance_posting_mappings") as batch:
        batch.drop_constraint(op.f("ck_finance_posting_mappings_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_finance_posting_mappings_kind"), OLD_KINDS)
