"""How a report's lines reach `finance_settlement_lines`: streamed as they are parsed, never
held whole, in the import's one transaction, so a file found bad at its last line leaves
nothing (the door rolls back what was written).

On PostgreSQL the parsed rows are encoded for COPY as they come and, a chunk at a time,
copied (`COPY ... FROM STDIN`) into a temporary table of the transaction; one
`INSERT ... SELECT` per chunk moves them into the lines table, joined to their orders on the
way (`matching.on_arrival`), and is sent in pipeline mode, so the server writes a chunk while
Python parses the next. A million lines are written once, not inserted and then rewritten by
the matching run's UPDATE. COPY cannot write the lines table itself, which forces row-level
security; the INSERT is checked by its policy like any other, with the tenant id on every
row. Elsewhere (SQLite) the rows go in batches through the one bulk-write path
(`core.db.bulk_insert`), and the matching run matches them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, Numeric, Table, Text, insert, literal, select
from sqlalchemy.schema import CreateTable

from core.db import bulk_insert, random_uuid, session, utcnow
from core.finance.settlements import amazon
from core.finance.settlements.models import Settlement, SettlementLine

BATCH = 5000
CHUNK = 100_000  # rows parsed while the server writes the chunk before (about 15 MB encoded)

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
    """The lines of one settlement: `add` each parsed row inside `with`, then `store` what is
    left, or raise instead and let the door roll the transaction back.

    On PostgreSQL the rows go a chunk at a time: the chunk is copied into the transaction's
    table, and its `INSERT ... SELECT` is sent in pipeline mode (psycopg), so the server
    writes one chunk into the lines table while Python parses the next; at most one chunk is
    held, encoded for COPY (about 15 MB)."""

    def __init__(self, settlement: Settlement, tenant: uuid.UUID) -> None:
        self.settlement, self.tenant, self.now = settlement, tenant, utcnow()
        self.connection = session.connection()
        self.copying = self.connection.dialect.name == "postgresql"
        self._batch: list[Any] = []
        self._raw: Any = None
        self._cursor: Any = None
        self._pipeline: Any = None
        self._insert: tuple[str, dict[str, Any]] | None = None
        self._encoder: Any = None
        self._held = 0

    def __enter__(self) -> Writer:
        if self.copying:
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGED.name}")
            self.connection.execute(CreateTable(STAGED))
            self._raw = self.connection.connection.driver_connection
            self._cursor = self._raw.cursor()
            self._encoder = TextFormatter(Transformer(self._raw))
            compiled = self._statement().compile(dialect=self.connection.dialect)
            self._insert = (str(compiled), dict(compiled.params))
        return self

    def add(self, row: amazon.Row) -> None:
        if self.copying:
            # Encoded for COPY now, while the server writes the chunk before (psycopg's own
            # row encoder, as `Copy.write_row` uses it), so the COPY only sends bytes.
            if data := self._encoder.write_row(row):
                self._batch.append(data)
            self._held += 1
            if self._held >= CHUNK:
                self._send()
            return
        self._batch.append(line_row(self.tenant, self.settlement.id, row, self.now))
        if len(self._batch) >= BATCH:
            bulk_insert(SettlementLine.__table__, self._batch)
            self._batch = []

    def __exit__(self, *exc: object) -> None:
        # The chunk in flight is waited for, so the connection leaves pipeline mode before
        # anything else (a rollback included) uses it.
        if self.copying:
            try:
                self._wait()
            finally:
                if exc[0] is not None:
                    self._cursor.close()

    def store(self) -> None:
        """Write what is left into the lines table (matched on arrival on PostgreSQL)."""
        if not self.copying:
            bulk_insert(SettlementLine.__table__, self._batch)
            self._batch = []
            return
        self._send()
        self._wait()
        self._cursor.close()
        self.connection.exec_driver_sql(f"DROP TABLE {STAGED.name}")

    def _send(self) -> None:
        """Copy the rows held into the transaction's table and send their INSERT without
        waiting for it; the table is emptied after it, in the same pipeline."""
        import psycopg

        if not self._held:
            return
        self._batch.append(self._encoder.end())
        self._wait()
        with self._cursor.copy(f"COPY {STAGED.name} ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
            for data in self._batch:
                copy.write(data)
        self._batch, self._held = [], 0
        assert self._insert is not None
        self._pipeline = self._raw.pipeline()
        self._pipeline.__enter__()
        try:
            self._cursor.execute(*self._insert)
            self._cursor.execute(f"TRUNCATE {STAGED.name}")
            self._raw.pgconn.flush()  # on its way to the server now, not at the next sync
        except psycopg.Error:
            self._wait()
            raise

    def _wait(self) -> None:
        import psycopg
        from sqlalchemy import exc as sa_exc

        pipeline, self._pipeline = self._pipeline, None
        if pipeline is None:
            return
        try:
            pipeline.__exit__(None, None, None)
        except psycopg.Error as e:
            # As SQLAlchemy would raise it (IntegrityError, ...), for the callers' handling.
            raise sa_exc.DBAPIError.instance(self._insert[0], None, e, psycopg.Error, hide_parameters=True) from None

    def _statement(self) -> Any:
        from core.finance.settlements.matching import on_arrival

        t, s = SettlementLine.__table__, self.settlement
        arrival = on_arrival(s, STAGED)
        fixed = {
            "id": random_uuid(),
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
        return insert(t).from_select(names, rows)
