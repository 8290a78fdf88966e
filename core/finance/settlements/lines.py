"""How a report's lines reach `finance_settlement_lines`: streamed as they are parsed, never
held whole, and written only once the whole file is known to be good.

On PostgreSQL the parsed rows are copied (`COPY ... FROM STDIN`, while the file is still
being read, so the server stores while Python parses) into a temporary table of this
transaction, and one `INSERT ... SELECT` moves them into the lines table, joined to their
orders on the way (`matching.on_arrival`): a million lines are written once, not inserted and
then rewritten by the matching run's UPDATE. COPY cannot write the lines table itself, which
forces row-level security; the INSERT is checked by its policy like any other, with the
tenant id on every row. Elsewhere (SQLite) the rows go in batches through the one bulk-write
path (`core.db.bulk_insert`), and the matching run matches them.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, Numeric, Table, Text, func, insert, literal, select
from sqlalchemy.schema import CreateTable

from core.db import bulk_insert, session, utcnow
from core.finance.settlements import amazon
from core.finance.settlements.models import Settlement, SettlementLine

BATCH = 5000

# The lines' own columns, in the order of `amazon.Row`'s fields (what the parser gives).
ROW_COLUMNS = (
    "line_no",
    "transaction_type",
    "external_order_id",
    "merchant_order_id",
    "adjustment_id",
    "shipment_id",
    "marketplace",
    "amount_type",
    "amount_description",
    "amount",
    "raw_amount",
    "fulfillment_id",
    "posted_date",
    "order_item_code",
    "merchant_order_item_id",
    "merchant_adjustment_item_id",
    "sku",
    "quantity",
    "category",
    "known",
)
assert len(ROW_COLUMNS) == len(amazon.Row._fields)

_TYPES: dict[str, Any] = {
    "line_no": Integer,
    "amount": Numeric,
    "posted_date": Date,
    "quantity": Integer,
    "known": Boolean,
}
# A table of this transaction only (dropped at commit, and by `store`): not in the schema.
STAGED = Table(
    "tl_settlement_lines_staged",
    MetaData(),
    *(Column(name, _TYPES.get(name, Text)) for name in ROW_COLUMNS),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def line_row(tenant: uuid.UUID, settlement_id: uuid.UUID, r: amazon.Row, now: datetime) -> dict[str, Any]:
    """A line as a row of the lines table, not yet matched."""
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant,
        "created_at": now,
        "updated_at": now,
        "settlement_id": settlement_id,
        **dict(zip(ROW_COLUMNS, r, strict=True)),
        "fee": Decimal(0),
        "order_id": None,
        "match_status": "pending",
        "match_key": "",
        "note": "",
    }


class Writer:
    """The lines of one settlement: `add` each parsed row inside `with`, then `store` them
    all (or raise instead, and nothing of them is in the lines table)."""

    def __init__(self, settlement: Settlement, tenant: uuid.UUID) -> None:
        self.settlement, self.tenant, self.now = settlement, tenant, utcnow()
        self.connection = session.connection()
        self.copying = self.connection.dialect.name == "postgresql"
        self._batch: list[dict[str, Any]] = []
        self._open = ExitStack()
        self._copy: Any = None

    def __enter__(self) -> Writer:
        if self.copying:
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGED.name}")
            self.connection.execute(CreateTable(STAGED))
            cursor = self._open.enter_context(self.connection.connection.driver_connection.cursor())
            self._copy = self._open.enter_context(
                cursor.copy(f"COPY {STAGED.name} ({', '.join(ROW_COLUMNS)}) FROM STDIN")
            )
        return self

    def add(self, row: amazon.Row) -> None:
        if self.copying:
            self._copy.write_row(row)
            return
        self._batch.append(line_row(self.tenant, self.settlement.id, row, self.now))
        if len(self._batch) >= BATCH:
            bulk_insert(SettlementLine.__table__, self._batch)
            self._batch = []

    def __exit__(self, *exc: object) -> None:
        self._open.__exit__(*exc)  # ends the COPY (aborts it on an exception) and its cursor

    def store(self) -> None:
        """Write what was added into the lines table (matched on arrival on PostgreSQL)."""
        if not self.copying:
            bulk_insert(SettlementLine.__table__, self._batch)
            self._batch = []
            return
        from core.finance.settlements.matching import on_arrival

        t, s = SettlementLine.__table__, self.settlement
        arrival = on_arrival(s, STAGED)
        fixed = {
            "id": func.gen_random_uuid(),
            "tenant_id": literal(self.tenant, t.c.tenant_id.type),
            "created_at": literal(self.now, t.c.created_at.type),
            "updated_at": literal(self.now, t.c.updated_at.type),
            "settlement_id": literal(s.id, t.c.settlement_id.type),
            "fee": literal(Decimal(0), t.c.fee.type),
            "note": literal("", t.c.note.type),
            "order_id": arrival.order_id,
            "match_status": arrival.match_status,
            "match_key": arrival.match_key,
        }
        names = [*fixed, *ROW_COLUMNS]
        rows = select(*fixed.values(), *(STAGED.c[name] for name in ROW_COLUMNS)).select_from(arrival.joined)
        session.execute(insert(t).from_select(names, rows))
        self.connection.exec_driver_sql(f"DROP TABLE {STAGED.name}")
