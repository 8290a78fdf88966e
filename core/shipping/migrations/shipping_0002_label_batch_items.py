"""shipping: a label batch's orders and outcomes are rows of their own

A batch kept every order's outcome in one JSON value (`results`) that the job rewrote, whole,
after each order, and the audit log recorded it whole each time: a 1,000-order batch wrote
half a million outcomes. Each order is now a row of `shipping_label_batch_items`, written once
when the batch starts and updated alone with its outcome. Existing batches are carried over.

Revision ID: shipping_0002
Revises: shipping_0001
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "shipping_0002"
down_revision = "shipping_0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _batches() -> sa.TableClause:
    return sa.table(
        "shipping_label_batches",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.Uuid()),
        sa.column("created_at", core.db.UTCDateTime(timezone=True)),
        sa.column("order_ids", JSON),
        sa.column("results", JSON),
    )


def _items() -> sa.TableClause:
    return sa.table(
        "shipping_label_batch_items",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.Uuid()),
        sa.column("created_at", core.db.UTCDateTime(timezone=True)),
        sa.column("updated_at", core.db.UTCDateTime(timezone=True)),
        sa.column("batch_id", sa.Uuid()),
        sa.column("position", sa.Integer()),
        sa.column("order_id", sa.Uuid()),
        sa.column("order_number", sa.String()),
        sa.column("status", sa.String()),
        sa.column("shipment_id", sa.Uuid()),
        sa.column("tracking_number", sa.String()),
        sa.column("error", sa.Text()),
        sa.column("fields", JSON),
    )


def upgrade() -> None:
    op.create_table(
        "shipping_label_batch_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'bought', 'failed')", name=op.f("ck_shipping_label_batch_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["shipping_label_batches.id"],
            name=op.f("fk_shipping_label_batch_items_batch_id_shipping_label_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipping_label_batch_items_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipping_shipments.id"],
            name=op.f("fk_shipping_label_batch_items_shipment_id_shipping_shipments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_label_batch_items")),
        sa.UniqueConstraint(
            "tenant_id", "batch_id", "order_id", name=op.f("uq_shipping_label_batch_items_tenant_id_batch_id_order_id")
        ),
        sa.UniqueConstraint(
            "tenant_id", "batch_id", "position", name=op.f("uq_shipping_label_batch_items_tenant_id_batch_id_position")
        ),
    )
    op.create_index(
        op.f("ix_shipping_label_batch_items_tenant_id_batch_id_status"),
        "shipping_label_batch_items",
        ["tenant_id", "batch_id", "status"],
        unique=False,
    )
    conn = op.get_bind()
    batches, items = _batches(), _items()
    orders = sa.table("orders", sa.column("id", sa.Uuid()), sa.column("number", sa.String()))
    for batch in conn.execute(sa.select(batches)).all():
        results = batch.results or {}
        wanted = [uuid.UUID(str(x)) for x in batch.order_ids or []]
        found = conn.execute(sa.select(orders.c.id, orders.c.number).where(orders.c.id.in_(wanted))) if wanted else []
        numbers = {row.id: row.number for row in found}
        rows = []
        for position, order_id in enumerate(batch.order_ids or [], start=1):
            oid = uuid.UUID(str(order_id))
            if oid not in numbers:
                continue
            outcome = results.get(str(order_id)) or {}
            status = outcome.get("status") if outcome.get("status") in ("bought", "failed") else "waiting"
            shipment = outcome.get("shipment_id")
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "tenant_id": batch.tenant_id,
                    "created_at": batch.created_at,
                    "updated_at": batch.created_at,
                    "batch_id": batch.id,
                    "position": position,
                    "order_id": oid,
                    "order_number": numbers[oid],
                    "status": status,
                    "shipment_id": uuid.UUID(shipment) if shipment else None,
                    "tracking_number": outcome.get("tracking_number") or "",
                    "error": outcome.get("error") or "",
                    "fields": outcome.get("fields") or {},
                }
            )
        if rows:
            conn.execute(items.insert(), rows)
    with op.batch_alter_table("shipping_label_batches") as batch_op:
        batch_op.drop_column("results")
        batch_op.drop_column("order_ids")


def downgrade() -> None:
    with op.batch_alter_table("shipping_label_batches") as batch_op:
        batch_op.add_column(sa.Column("order_ids", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("results", JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("shipping_label_batches") as batch_op:
        batch_op.alter_column("order_ids", server_default=None)
        batch_op.alter_column("results", server_default=None)
    conn = op.get_bind()
    batches, items = _batches(), _items()
    grouped: dict = {}
    for item in conn.execute(sa.select(items).order_by(items.c.batch_id, items.c.position)):
        order_ids, results = grouped.setdefault(item.batch_id, ([], {}))
        order_ids.append(str(item.order_id))
        if item.status != "waiting":
            outcome = {"status": item.status}
            if item.status == "bought":
                outcome.update(shipment_id=str(item.shipment_id), tracking_number=item.tracking_number)
            else:
                outcome.update(error=item.error, fields=item.fields)
            results[str(item.order_id)] = outcome
    for batch_id, (order_ids, results) in grouped.items():
        conn.execute(batches.update().where(batches.c.id == batch_id).values(order_ids=order_ids, results=results))
    op.drop_index(
        op.f("ix_shipping_label_batch_items_tenant_id_batch_id_status"), table_name="shipping_label_batch_items"
    )
    op.drop_table("shipping_label_batch_items")
