"""Users: failed logins counted, and the time until which a guessed-at account refuses logins.

Revision ID: 0003_login_throttle
Revises: 0002_connection_state
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_login_throttle"
down_revision = "0002_connection_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("failed_logins", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
