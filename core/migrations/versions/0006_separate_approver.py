"""Tenants get `separate_approver`: when on, products, suppliers, purchase orders and stocking
requests must be approved by another person than the one who submitted (or created) them.
Off for existing tenants, as before.

Revision ID: 0006_separate_approver
Revises: 0005_outbox_commit_order
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_separate_approver"
down_revision = "0005_outbox_commit_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("separate_approver", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("separate_approver")
