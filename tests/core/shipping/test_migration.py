"""Migration shipping_0002 carries each label batch's orders and outcomes from the old JSON
values into a row per order, in the order chosen, and a downgrade puts the values back."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import create_engine

from core.migrate import downgrade, upgrade

NOW = datetime(2026, 12, 1, tzinfo=UTC)

# shipping_label_batches as it was before shipping_0002.
OLD_BATCHES = sa.Table(
    "shipping_label_batches",
    sa.MetaData(),
    sa.Column("id", sa.Uuid()),
    sa.Column("tenant_id", sa.Uuid()),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    sa.Column("number", sa.String()),
    sa.Column("job_id", sa.Uuid()),
    sa.Column("order_ids", sa.JSON()),
    sa.Column("options", sa.JSON()),
    sa.Column("results", sa.JSON()),
    sa.Column("status", sa.String()),
    sa.Column("label_format", sa.String()),
)


def _filled(conn: sa.Connection, table: str, **values: object) -> None:
    """A row of a model's table with the given values; other required columns get a filler."""
    from core.app import load_models
    from core.db import Base

    load_models()
    # The model's columns that exist at this revision (later migrations add more), their types
    # but not their defaults.
    present = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    t = sa.Table(
        table,
        sa.MetaData(),
        *(
            sa.Column(c.name, c.type, nullable=c.nullable)
            for c in Base.metadata.tables[table].columns
            if c.name in present
        ),
    )
    model = Base.metadata.tables[table]
    row = dict(values)
    for col in t.columns:
        if col.name in row or col.nullable:
            continue
        default = model.columns[col.name].default
        if default is not None and default.is_scalar:
            row[col.name] = default.arg
            continue
        if isinstance(getattr(col.type, "impl", col.type), sa.DateTime):
            row[col.name] = NOW
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
            date: NOW.date(),
            dict: {},
            list: [],
        }.get(kind, "0")
    conn.execute(t.insert().values(**row))


def test_batch_outcomes_become_rows_and_come_back_on_downgrade(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "shipping_0001")
    tenant, batch = uuid.uuid4(), uuid.uuid4()
    bought, failed, waiting, gone = (uuid.uuid4() for _ in range(4))
    shipment = uuid.uuid4()
    with engine.begin() as conn:
        _filled(conn, "tenants", id=tenant)
        for n, oid in enumerate((bought, failed, waiting), start=1):
            _filled(conn, "orders", id=oid, tenant_id=tenant, number=f"SO-{n}")
        _filled(conn, "shipping_shipments", id=shipment, tenant_id=tenant, order_id=bought, status="labelled")
        conn.execute(
            OLD_BATCHES.insert().values(
                id=batch,
                tenant_id=tenant,
                created_at=NOW,
                updated_at=NOW,
                number="LB-1",
                order_ids=[str(failed), str(bought), str(gone), str(waiting)],
                options={},
                results={
                    str(bought): {"status": "bought", "shipment_id": str(shipment), "tracking_number": "1Z9"},
                    str(failed): {"status": "failed", "error": "SKU BARE has no hs code", "fields": {"x": ["y"]}},
                },
                status="done",
                label_format="PDF",
            )
        )
    upgrade(engine, "shipping_0002")
    from core.shipping.models import LabelBatchItem

    items = LabelBatchItem.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(items).order_by(items.c.position)).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("shipping_label_batches")}
    # An order that no longer exists is dropped; the others keep the order they were chosen in.
    assert [(r.order_id, r.order_number, r.status) for r in rows] == [
        (failed, "SO-2", "failed"),
        (bought, "SO-1", "bought"),
        (waiting, "SO-3", "waiting"),
    ]
    assert rows[0].error == "SKU BARE has no hs code" and rows[0].fields == {"x": ["y"]}
    assert rows[1].shipment_id == shipment and rows[1].tracking_number == "1Z9"
    assert {r.tenant_id for r in rows} == {tenant} and "results" not in columns and "order_ids" not in columns
    downgrade(engine, "shipping_0001")
    with engine.connect() as conn:
        old = conn.execute(sa.select(OLD_BATCHES)).one()
    assert old.order_ids == [str(failed), str(bought), str(waiting)]
    assert old.results == {
        str(bought): {"status": "bought", "shipment_id": str(shipment), "tracking_number": "1Z9"},
        str(failed): {"status": "failed", "error": "SKU BARE has no hs code", "fields": {"x": ["y"]}},
    }
    engine.dispose()
