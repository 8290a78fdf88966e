"""catalog: the products' submitter kept as a stable identity ("user:<id>"; an API key counts as the user who
created it), so separation of duties can tell the approver from the submitter. Rows submitted
before have none and are not checked.

Revision ID: catalog_0002
Revises: catalog_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_products") as batch:
        batch.add_column(sa.Column("submitted_by_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_products") as batch:
        batch.drop_column("submitted_by_id")
