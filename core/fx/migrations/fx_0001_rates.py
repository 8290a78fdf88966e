"""fx: dated exchange rates, with the rates Tradelane knew before carried over

Until now a tenant's rates lived in two places: the undated mapping of its order settings
(`order_settings.fx_rates`, functional-currency units per unit) and the rate entered on each
purchase order in another currency (`fx_rate`, `fx_date`, `fx_source`). Both become manual
rates of the new table, quoted against the tenant's functional currency:

- each purchase order's rate on its `fx_date` (where several orders share a currency and a
  day, the one changed last); the order keeps its own copy, as every document does;
- each rate of the order-settings mapping on the day the mapping was last saved and on the
  day of this upgrade (both days it was in force), unless a purchase order already gave
  that pair a rate on that day. `orders_0002` then drops the mapping.

Stock adjustments never stored the rate they were given (their movements keep the converted
cost), so there is nothing of theirs to carry over.

Revision ID: fx_0001
Revises:
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import core.db

revision = "fx_0001"
down_revision = None
branch_labels = ("fx",)
depends_on = ("0001_foundation", "orders_0001", "purchasing_0001")


def upgrade() -> None:
    rates = op.create_table(
        "fx_rates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint("base <> quote", name=op.f("ck_fx_rates_two_currencies")),
        sa.CheckConstraint("rate > 0", name=op.f("ck_fx_rates_rate_positive")),
        sa.CheckConstraint("source IN ('manual', 'file', 'feed')", name=op.f("ck_fx_rates_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint(
            "tenant_id", "base", "quote", "rate_date", name=op.f("uq_fx_rates_tenant_id_base_quote_rate_date")
        ),
    )
    op.create_index(
        op.f("ix_fx_rates_tenant_id_quote_rate_date"), "fx_rates", ["tenant_id", "quote", "rate_date"], unique=False
    )
    op.create_index(op.f("ix_fx_rates_tenant_id_rate_date"), "fx_rates", ["tenant_id", "rate_date"], unique=False)
    op.bulk_insert(rates, carried_over(op.get_bind()))


def carried_over(conn: sa.Connection) -> list[dict]:
    tenants = sa.table("tenants", sa.column("id", sa.Uuid()), sa.column("functional_currency"), sa.column("timezone"))
    orders = sa.table(
        "purchase_orders",
        sa.column("tenant_id", sa.Uuid()),
        sa.column("number"),
        sa.column("currency"),
        sa.column("fx_rate", sa.Numeric(20, 10)),
        sa.column("fx_date", sa.Date()),
        sa.column("fx_source"),
        sa.column("updated_at", core.db.UTCDateTime()),
    )
    settings = sa.table(
        "order_settings",
        sa.column("tenant_id", sa.Uuid()),
        sa.column("fx_rates", sa.JSON()),
        sa.column("updated_at", core.db.UTCDateTime()),
    )
    now = datetime.now(UTC)
    found: dict[tuple, dict] = {}
    books = {r.id: (r.functional_currency, _zone(r.timezone)) for r in conn.execute(sa.select(tenants))}

    def add(tenant_id, base: str, on: date, rate: Decimal, note: str) -> None:
        functional = books.get(tenant_id, (None,))[0]
        if not functional or base == functional or rate is None or Decimal(rate) <= 0:
            return
        found.setdefault(
            (tenant_id, base, functional, on),
            {
                "id": core.db.uuid7(),
                "tenant_id": tenant_id,
                "created_at": now,
                "updated_at": now,
                "base": base,
                "quote": functional,
                "rate_date": on,
                "rate": Decimal(rate).quantize(Decimal("1E-10")),
                "source": "manual",
                "note": note[:200],
            },
        )

    # Purchase orders first, the order changed last first: its rate wins its currency and day.
    for po in conn.execute(sa.select(orders).order_by(orders.c.updated_at.desc())):
        add(po.tenant_id, po.currency, po.fx_date, po.fx_rate, f"from {po.number}: {po.fx_source}".rstrip(": "))
    for row in conn.execute(sa.select(settings)):
        zone = books.get(row.tenant_id, (None, ZoneInfo("UTC")))[1]
        days = {row.updated_at.astimezone(zone).date(), now.astimezone(zone).date()}
        for code, value in sorted((row.fx_rates or {}).items()):
            for day in sorted(days):
                add(row.tenant_id, str(code).upper(), day, Decimal(str(value)), "from the order settings")
    return list(found.values())


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:  # noqa: BLE001 - an unknown zone counts days in UTC
        return ZoneInfo("UTC")


def downgrade() -> None:
    op.drop_index(op.f("ix_fx_rates_tenant_id_rate_date"), table_name="fx_rates")
    op.drop_index(op.f("ix_fx_rates_tenant_id_quote_rate_date"), table_name="fx_rates")
    op.drop_table("fx_rates")
