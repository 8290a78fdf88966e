"""Outbox events get `seq`, their position in the tenant's commit order (decision 0012), taken
from the tenant's `outbox` number sequence when the emitting transaction commits. Events
stored before this get their position by creation time, and each tenant's sequence starts
after them. The pending index follows `seq`, the order the dispatcher reads.

Revision ID: 0005_outbox_commit_order
Revises: 0004_idempotency_claims
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0005_outbox_commit_order"
down_revision = "0004_idempotency_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    conn = op.get_bind()
    conn.execute(
        sa.text(
            """
            UPDATE outbox_events SET seq = ranked.position
            FROM (
                SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS position
                FROM outbox_events
            ) AS ranked
            WHERE outbox_events.id = ranked.id
            """
        )
    )
    events = sa.table("outbox_events", sa.column("tenant_id", sa.Uuid()), sa.column("seq", sa.BigInteger()))
    sequences = sa.table(
        "number_sequences",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.Uuid()),
        sa.column("created_at", core.db.UTCDateTime(timezone=True)),
        sa.column("updated_at", core.db.UTCDateTime(timezone=True)),
        sa.column("name", sa.String()),
        sa.column("last_value", sa.BigInteger()),
    )
    now = datetime.now(UTC)
    rows = [
        {"id": uuid.uuid4(), "tenant_id": t, "created_at": now, "updated_at": now, "name": "outbox", "last_value": last}
        for t, last in conn.execute(
            sa.select(events.c.tenant_id, sa.func.max(events.c.seq)).group_by(events.c.tenant_id)
        )
    ]
    if rows:
        op.bulk_insert(sequences, rows)
    op.drop_index("ix_outbox_events_pending", table_name="outbox_events")
    op.create_index(
        "ix_outbox_events_pending",
        "outbox_events",
        ["tenant_id", "seq"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
        sqlite_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_index("ix_outbox_events_tenant_id_seq", "outbox_events", ["tenant_id", "seq"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_outbox_events_tenant_id_seq", table_name="outbox_events")
    op.drop_index("ix_outbox_events_pending", table_name="outbox_events")
    op.create_index(
        "ix_outbox_events_pending",
        "outbox_events",
        ["tenant_id", "id"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
        sqlite_where=sa.text("dispatched_at IS NULL"),
    )
    op.execute("DELETE FROM number_sequences WHERE name = 'outbox'")
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_column("seq")
