"""finance: who entered an expense document, for separation of duties

Revision ID: finance_0005
Revises: finance_0004
Create Date: 2026-12-02 13:37:03.857694
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "finance_0005"
down_revision = "finance_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("finance_expenses", sa.Column("created_by_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("finance_expenses", "created_by_id")
