"""orders: the undated exchange-rate mapping of the order settings is gone

Its rates were carried into the dated rates table by `fx_0001`; order rules now read rates
through `core.money.rate` on the order's date. A downgrade puts the mapping back from each
pair's latest rate against the functional currency.

Revision ID: orders_0002
Revises: orders_0001
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "orders_0002"
down_revision = "orders_0001"
branch_labels = None
depends_on = ("fx_0001",)

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("order_settings") as batch:
        batch.drop_column("fx_rates")


def downgrade() -> None:
    with op.batch_alter_table("order_settings") as batch:
        batch.add_column(sa.Column("fx_rates", JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("order_settings") as batch:
        batch.alter_column("fx_rates", server_default=None)
    conn = op.get_bind()
    tenants = sa.table("tenants", sa.column("id", sa.Uuid()), sa.column("functional_currency"))
    rates = sa.table(
        "fx_rates",
        sa.column("tenant_id", sa.Uuid()),
        sa.column("base"),
        sa.column("quote"),
        sa.column("rate_date", sa.Date()),
        sa.column("rate", sa.Numeric(20, 10)),
    )
    settings = sa.table("order_settings", sa.column("tenant_id", sa.Uuid()), sa.column("fx_rates", JSON))
    mappings: dict = {}
    stmt = (
        sa.select(rates.c.tenant_id, rates.c.base, rates.c.rate)
        .join(tenants, sa.and_(tenants.c.id == rates.c.tenant_id, tenants.c.functional_currency == rates.c.quote))
        .order_by(rates.c.rate_date)
    )
    for row in conn.execute(stmt):
        mappings.setdefault(row.tenant_id, {})[row.base] = str(row.rate)  # the latest day last: it wins
    for tenant_id, mapping in mappings.items():
        conn.execute(sa.update(settings).where(settings.c.tenant_id == tenant_id).values(fx_rates=mapping))
