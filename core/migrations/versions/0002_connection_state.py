"""Plugin connections: adapter state encrypted like credentials; the account the remote API
reported on the last test.

Revision ID: 0002_connection_state
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_connection_state"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plugin_connections") as batch:
        batch.add_column(sa.Column("state_encrypted", sa.Text(), nullable=True))
        batch.add_column(sa.Column("account", sa.String(length=200), nullable=False, server_default=""))
        # Cached tokens in the old plaintext column are dropped; adapters fetch new ones.
        batch.drop_column("state")
    with op.batch_alter_table("plugin_connections") as batch:
        batch.alter_column("account", server_default=None)


def downgrade() -> None:
    json_type = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("plugin_connections") as batch:
        batch.add_column(sa.Column("state", json_type, nullable=False, server_default="{}"))
        batch.drop_column("account")
        batch.drop_column("state_encrypted")
