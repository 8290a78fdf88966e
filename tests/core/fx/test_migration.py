"""The rates Tradelane knew before the dated table, carried over by migration fx_0001: each
purchase order's rate on its day, and the order-settings mapping on the day it was saved and
on the day of the upgrade; a downgrade puts the mapping back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import create_engine

from core.migrate import downgrade, upgrade


def _insert(conn: Any, table: str | sa.Table, **values: Any) -> None:
    """A row of a model's table with the given values; other required columns get a filler."""
    from core.app import load_models
    from core.db import Base

    load_models()
    t = Base.metadata.tables[table] if isinstance(table, str) else table
    # Only the columns the table has at this revision: later migrations add columns (with
    # defaults the insert would otherwise fill in) that the database does not have yet.
    present = {c["name"] for c in sa.inspect(conn).get_columns(t.name)}
    t = sa.Table(t.name, sa.MetaData(), *(c._copy() for c in t.columns if c.name in present))
    row = dict(values)
    for col in t.columns:
        if col.name in row or col.nullable or col.default is not None or col.server_default is not None:
            continue
        try:
            kind = col.type.python_type
        except NotImplementedError:
            kind = str
        row[col.name] = {
            uuid.UUID: uuid.uuid4(),
            int: 0,
            bool: False,
            Decimal: Decimal(0),
            datetime: datetime(2026, 1, 1, tzinfo=UTC),
            date: date(2026, 1, 1),
            dict: {},
            list: [],
        }.get(kind, "x")
    conn.execute(t.insert().values(**row))


# order_settings as it was before orders_0002 (the model no longer has the mapping).
OLD_SETTINGS = sa.Table(
    "order_settings",
    sa.MetaData(),
    sa.Column("id", sa.Uuid()),
    sa.Column("tenant_id", sa.Uuid()),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    sa.Column("review_rules", sa.JSON()),
    sa.Column("auto_allocate", sa.Boolean()),
    sa.Column("allocation_policy", sa.String()),
    sa.Column("warehouse_ids", sa.JSON()),
    sa.Column("shipping_costs", sa.JSON()),
    sa.Column("split_attributes", sa.JSON()),
    sa.Column("package_limits", sa.JSON()),
    sa.Column("value_limits", sa.JSON()),
    sa.Column("fx_rates", sa.JSON()),
)


def test_existing_rates_become_dated_manual_rates_and_come_back_on_downgrade(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "orders_0001")
    upgrade(engine, "purchasing_0001")
    a, b = uuid.uuid4(), uuid.uuid4()
    saved = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)  # 2026-11-01 in Shanghai
    with engine.begin() as conn:
        for tid, currency in ((a, "CNY"), (b, "USD")):
            _insert(conn, "tenants", id=tid, functional_currency=currency, timezone="Asia/Shanghai")
        _insert(
            conn,
            OLD_SETTINGS,
            id=uuid.uuid4(),
            tenant_id=a,
            created_at=saved,
            updated_at=saved,
            review_rules=[],
            auto_allocate=True,
            allocation_policy="split",
            warehouse_ids=[],
            shipping_costs=[],
            split_attributes=[],
            package_limits={},
            value_limits=[],
            fx_rates={"USD": "7.1000000000", "EUR": "7.8"},
        )
        for number, currency, rate, day, changed in (
            ("PO-000001", "USD", "7.05", date(2026, 11, 1), datetime(2026, 11, 1, 1, tzinfo=UTC)),
            ("PO-000002", "USD", "7.07", date(2026, 11, 1), datetime(2026, 11, 2, 1, tzinfo=UTC)),
            ("PO-000003", "CNY", "1", date(2026, 11, 3), datetime(2026, 11, 3, 1, tzinfo=UTC)),
        ):
            _insert(
                conn,
                "purchase_orders",
                id=uuid.uuid4(),
                tenant_id=a,
                number=number,
                currency=currency,
                fx_rate=Decimal(rate),
                fx_date=day,
                fx_source="BOC",
                updated_at=changed,
            )
        _insert(
            conn,
            "purchase_orders",
            id=uuid.uuid4(),
            tenant_id=b,
            number="PO-000001",
            currency="EUR",
            fx_rate=Decimal("1.08"),
            fx_date=date(2026, 11, 5),
            fx_source="",
            updated_at=saved,
        )
    upgrade(engine)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT tenant_id, base, quote, rate_date, rate, source, note FROM fx_rates")
        ).fetchall()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("order_settings")}
    got = {
        (uuid.UUID(str(r.tenant_id)), r.base, r.quote, str(r.rate_date)): (Decimal(str(r.rate)), r.source, r.note)
        for r in rows
    }
    assert "fx_rates" not in columns
    day = "2026-11-01"
    expected = {
        # PO-000002 was changed last: its rate wins the day over PO-000001's and the mapping's.
        (a, "USD", "CNY", day): (Decimal("7.07"), "manual", "from PO-000002: BOC"),
        (a, "EUR", "CNY", day): (Decimal("7.8"), "manual", "from the order settings"),
        (a, "USD", "CNY", str(today)): (Decimal("7.1"), "manual", "from the order settings"),
        (a, "EUR", "CNY", str(today)): (Decimal("7.8"), "manual", "from the order settings"),
        (b, "EUR", "USD", "2026-11-05"): (Decimal("1.08"), "manual", "from PO-000001"),
    }
    assert got == expected

    downgrade(engine, "orders_0001")
    with engine.connect() as conn:
        mapping = conn.execute(sa.text("SELECT fx_rates FROM order_settings")).scalar_one()
    assert json.loads(mapping) == {"USD": "7.1000000000", "EUR": "7.8000000000"}
    engine.dispose()
