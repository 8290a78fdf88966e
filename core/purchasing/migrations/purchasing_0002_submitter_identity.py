"""purchasing: who raised a stocking request and who created a purchase order, kept as a
stable identity ("user:<id>"; an API key counts as the user who created it), so separation of
duties can tell the approver from the submitter. Documents from before have none and are not
checked.

Revision ID: purchasing_0002
Revises: purchasing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "purchasing_0002"
down_revision = "purchasing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchasing_stocking_requests") as batch:
        batch.add_column(sa.Column("requested_by_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("purchase_orders") as batch:
        batch.add_column(sa.Column("created_by_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_column("created_by_id")
    with op.batch_alter_table("purchasing_stocking_requests") as batch:
        batch.drop_column("requested_by_id")
