"""posting: accounting targets (mappings, posting runs, per-voucher postings)

Its own branch beside finance's, so settlements and posting migrate independently.

Revision ID: posting_0001
Revises:
Create Date: 2026-12-02 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "posting_0001"
down_revision = None
branch_labels = ("posting",)
depends_on = ("finance_0001",)  # finance_postings references finance_vouchers


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "finance_posting_mappings",
        *_base(),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_key", sa.String(length=64), nullable=False),
        sa.Column("external_code", sa.String(length=200), nullable=False),
        sa.Column("external_name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('account', 'customer', 'supplier', 'material', 'department')",
            name=op.f("ck_finance_posting_mappings_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_posting_mappings")),
        sa.UniqueConstraint(
            "tenant_id",
            "connection_id",
            "kind",
            "local_key",
            name=op.f("uq_finance_posting_mappings_tenant_id_connection_id_kind_local_key"),
        ),
    )
    op.create_table(
        "finance_posting_runs",
        *_base(),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'waiting', 'done', 'failed')", name=op.f("ck_finance_posting_runs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_posting_runs")),
    )
    op.create_index(
        op.f("ix_finance_posting_runs_tenant_id_connection_id_created_at"),
        "finance_posting_runs",
        ["tenant_id", "connection_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "finance_postings",
        *_base(),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("voucher_id", sa.Uuid(), nullable=False),
        sa.Column("voucher_date", sa.Date(), nullable=False),
        sa.Column("voucher_seq", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("external_number", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("sent_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("posted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'refused', 'waiting')", name=op.f("ck_finance_postings_status")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["finance_vouchers.id"], name=op.f("fk_finance_postings_voucher_id_finance_vouchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_postings")),
        sa.UniqueConstraint(
            "tenant_id",
            "connection_id",
            "voucher_id",
            name=op.f("uq_finance_postings_tenant_id_connection_id_voucher_id"),
        ),
    )
    op.create_index(
        op.f("ix_finance_postings_tenant_id_voucher_id"), "finance_postings", ["tenant_id", "voucher_id"], unique=False
    )
    op.create_index(
        op.f("ix_finance_postings_tenant_id_connection_id_status_voucher_date"),
        "finance_postings",
        ["tenant_id", "connection_id", "status", "voucher_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_postings_tenant_id_run_id"), "finance_postings", ["tenant_id", "run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("finance_postings")
    op.drop_table("finance_posting_runs")
    op.drop_table("finance_posting_mappings")
