"""The outbox's index by event name is `(tenant_id, name)` instead of `(tenant_id, name,
created_at)`. Its readers filter by name (the events API, the voucher rules' replay, the
accounting targets' enrolment) and order by `seq` or `id`, not by creation time; the one that
also filters by creation time (enrolment from a target's start date) keeps every event of its
names since then anyway. Without the third column PostgreSQL stores equal keys once with the
list of their rows (B-tree deduplication): the index of a tenant's few names is a tenth of
the size (bench/README.md, order_ingest.py, 2026-12-02).

Revision ID: 0007_outbox_name_index
Revises: 0006_separate_approver
"""

from __future__ import annotations

from alembic import op

revision = "0007_outbox_name_index"
down_revision = "0006_separate_approver"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_events_tenant_id_name_created_at", table_name="outbox_events")
    op.create_index("ix_outbox_events_tenant_id_name", "outbox_events", ["tenant_id", "name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_events_tenant_id_name", table_name="outbox_events")
    op.create_index(
        "ix_outbox_events_tenant_id_name_created_at",
        "outbox_events",
        ["tenant_id", "name", "created_at"],
        unique=False,
    )
