"""Writing the rows an import creates in bulk: one prepared INSERT per table, sent as a
pipelined batch, with the rows' audit entries (core.audit.created_entries), instead of the
unit of work's bookkeeping per object. Imports create tens of thousands of rows a minute;
this is where their time went. Rows are complete (defaults applied) before they are written,
exactly as a flush would write them."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from sqlalchemy import JSON, Table, insert, inspect

from core.audit import AuditEntry, created_entries
from core.db import session
from core.orders.models import Order, OrderActivity, OrderHold, OrderLine, OrderShipment

# In foreign-key order.
BULK = (Order, OrderLine, OrderHold, OrderActivity, OrderShipment)


def _defaults(cls: type) -> list[tuple[str, Any, bool, bool]]:
    return [(c.key, c.default.arg, c.default.is_callable, c.nullable)
            for c in cls.__table__.columns if c.default is not None]


DEFAULTS = {cls: _defaults(cls) for cls in BULK}


def complete(obj: Any) -> None:
    """Apply the column defaults a flush would apply to attributes never set."""
    given = inspect(obj).dict
    for key, default, is_callable, nullable in DEFAULTS[type(obj)]:
        # Copied from an object whose default was not applied yet: None where NULL is refused.
        if key not in given or (given[key] is None and not nullable):
            setattr(obj, key, default(None) if is_callable else default)


def insert_new(objects: Iterable[Any]) -> None:
    """INSERT new order rows (and their audit entries) in bulk; other objects are added to
    the session as usual."""
    by_class: dict[type, list[Any]] = defaultdict(list)
    for obj in objects:
        if type(obj) in BULK:
            by_class[type(obj)].append(obj)
            if isinstance(obj, Order):
                by_class[OrderLine].extend(obj.lines)
        else:
            session.add(obj)
    written: list[Any] = []
    for cls in BULK:
        for obj in by_class.get(cls, ()):
            complete(obj)
        written.extend(by_class.get(cls, ()))
    session.flush()  # what the session holds goes first (rows may point at it)
    for cls in BULK:
        items = by_class.get(cls)
        if items:
            table = cls.__table__
            _insert(table, [{c.key: getattr(o, c.key) for c in table.columns} for o in items])
    entries = created_entries(written)
    if entries:
        _insert(AuditEntry.__table__, entries)


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """One INSERT per table and page: PostgreSQL gets each column as an array and unnests
    them (one statement, one plan, however many rows); elsewhere an executemany."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    columns = list(table.columns)
    json_cols = {c.key for c in columns if isinstance(c.type, JSON)}
    casts = [f"%s::{_pg_type(c, connection.dialect)}[]" for c in columns]
    sql = (f'INSERT INTO "{table.name}" ({", ".join(c.name for c in columns)}) '
           f'SELECT * FROM unnest({", ".join(casts)})')
    arrays = [[Jsonb(r[c.key]) if r[c.key] is not None else None for r in rows] if c.key in json_cols
              else [r[c.key] for r in rows] for c in columns]
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(sql, arrays)


def _pg_type(column: Any, dialect: Any) -> str:
    name = column.type.compile(dialect=dialect)
    return "jsonb" if isinstance(column.type, JSON) else name
