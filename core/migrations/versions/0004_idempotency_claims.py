"""Idempotency keys are claimed before their request runs: a row "in progress" (with the token
of the claim that holds it) becomes "done" with the response; unique per tenant, principal,
method, path and key instead of per tenant and key.

Revision ID: 0004_idempotency_claims
Revises: 0003_login_throttle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_idempotency_claims"
down_revision = "0003_login_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default="done"))
        batch.add_column(sa.Column("token", sa.String(length=32), nullable=False, server_default=""))
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("content_type", existing_type=sa.String(length=100), nullable=True)
        batch.alter_column("body", existing_type=sa.Text(), nullable=True)
        batch.drop_constraint("uq_idempotency_keys_tenant_id_key", type_="unique")
        batch.create_unique_constraint(
            "uq_idempotency_keys_tenant_id_principal_method_path_key",
            ["tenant_id", "principal", "method", "path", "key"],
        )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("state", server_default=None)
        batch.alter_column("token", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")  # a 24-hour cache; the old unique key may not hold
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_constraint("uq_idempotency_keys_tenant_id_principal_method_path_key", type_="unique")
        batch.create_unique_constraint("uq_idempotency_keys_tenant_id_key", ["tenant_id", "key"])
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch.alter_column("content_type", existing_type=sa.String(length=100), nullable=False)
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("token")
        batch.drop_column("state")
