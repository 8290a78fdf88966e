"""shipping: what labels have cost per warehouse and destination, for allocation's estimates

Revision ID: shipping_0003
Revises: shipping_0002
Create Date: 2026-12-02 05:20:00
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import core.db

revision = "shipping_0003"
down_revision = "shipping_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipping_cost_rates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("weight_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_shipping_cost_rates_warehouse_id_inventory_warehouses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_cost_rates")),
        sa.UniqueConstraint(
            "tenant_id",
            "warehouse_id",
            "country",
            "currency",
            name=op.f("uq_shipping_cost_rates_tenant_id_warehouse_id_country_currency"),
        ),
    )
    _carry_over()


def _carry_over() -> None:
    """Labels bought before this table count from the start (read in Python: the destination
    is in the shipment's JSON address, which each database reads its own way)."""
    conn = op.get_bind()
    sh = sa.table(
        "shipping_shipments",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.Uuid()),
        sa.column("warehouse_id", sa.Uuid()),
        sa.column("ship_to", sa.JSON()),
        sa.column("status", sa.String()),
    )
    labels = sa.table(
        "shipping_labels",
        sa.column("shipment_id", sa.Uuid()),
        sa.column("cost", sa.Numeric(19, 4)),
        sa.column("currency", sa.String()),
    )
    parcels = sa.table("shipping_parcels", sa.column("shipment_id", sa.Uuid()), sa.column("weight_g", sa.Integer()))
    weight = (
        sa.select(sa.func.coalesce(sa.func.sum(parcels.c.weight_g), 0))
        .where(parcels.c.shipment_id == sh.c.id)
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(sh.c.tenant_id, sh.c.warehouse_id, sh.c.ship_to, labels.c.cost, labels.c.currency, weight)
        .join(labels, labels.c.shipment_id == sh.c.id)
        .where(sh.c.warehouse_id.is_not(None), labels.c.cost.is_not(None), labels.c.currency != "")
    ).all()
    sums: dict = {}
    for tenant_id, warehouse_id, ship_to, cost, currency, grams in rows:
        country = str((ship_to or {}).get("country") or "").upper()[:2]
        if not country or not grams:
            continue
        entry = sums.setdefault((tenant_id, warehouse_id, country, currency), [0, Decimal(0), 0])
        entry[0] += 1
        entry[1] += Decimal(cost)
        entry[2] += int(grams)
    now = core.db.utcnow()
    table = sa.table(
        "shipping_cost_rates",
        *(
            sa.column(n, t)
            for n, t in (
                ("id", sa.Uuid()),
                ("tenant_id", sa.Uuid()),
                ("created_at", core.db.UTCDateTime(timezone=True)),
                ("updated_at", core.db.UTCDateTime(timezone=True)),
                ("warehouse_id", sa.Uuid()),
                ("country", sa.String()),
                ("currency", sa.String()),
                ("labels", sa.Integer()),
                ("amount", sa.Numeric(19, 4)),
                ("weight_g", sa.BigInteger()),
            )
        ),
    )
    values = [
        {
            "id": uuid.uuid4(),
            "tenant_id": t,
            "created_at": now,
            "updated_at": now,
            "warehouse_id": w,
            "country": c,
            "currency": cur,
            "labels": n,
            "amount": amount,
            "weight_g": grams,
        }
        for (t, w, c, cur), (n, amount, grams) in sums.items()
    ]
    if values:
        conn.execute(table.insert(), values)


def downgrade() -> None:
    op.drop_table("shipping_cost_rates")
