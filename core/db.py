"""Database engine, sessions and the tenant guard.

One engine per process, one thread-scoped session (`session`) used by services. The unit of
work belongs to the door that entered the tenant context: a web request commits when its view
succeeds, a job when its function returns, the CLI when its command ends. Services only add
and flush, so a failed request leaves nothing half-written.

Tenant isolation is enforced twice (DESIGN §2):
- the ORM adds `tenant_id = <current tenant>` to every SELECT, UPDATE and DELETE and stamps it
  on every INSERT (the column default reads the tenant ContextVar);
- on PostgreSQL every transaction of a tenant session switches to the non-owner role
  `tradelane_app` and sets `app.tenant_id`, so row-level security applies even to raw SQL.

`system_session()` is the one explicit way around both, for code that must look across
tenants (authenticating a key, routing a webhook, fanning out periodic jobs).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    Uuid,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import (
    exc as sa_exc,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.sql.expression import ClauseElement, Executable, FunctionElement
from sqlalchemy.types import TypeDecorator

from core.errors import NotFound
from core.tenancy import NoTenantError, current_tenant_id

# SQLite (the embedded demo) stores Numeric through float; values stay exact to 15 significant
# digits, which the demo never exceeds. PostgreSQL stores them exactly.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*")

APP_ROLE_DEFAULT = "tradelane_app"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# How far back `utcnow` reads, inside `backdated` only: the demo seeds a shop that has been
# trading for weeks, so its purchase orders, receipts and shipments carry the dates they
# would have had (every record, audit entry and event of one step agrees on its date).
_clock_offset: ContextVar[timedelta] = ContextVar("clock_offset", default=timedelta(0))


def utcnow() -> datetime:
    offset = _clock_offset.get()
    return datetime.now(UTC) - offset if offset else datetime.now(UTC)


@contextmanager
def backdated(days: float = 0, *, hours: float = 0) -> Iterator[None]:
    """Run the block as if it were `days` (and `hours`) before the real now. For seeding the
    demo and tests of history; never for a request or a job."""
    token = _clock_offset.set(timedelta(days=days, hours=hours))
    try:
        yield
    finally:
        _clock_offset.reset(token)


_uuid7_lock = threading.Lock()
_uuid7_last = [0, 0]  # last millisecond, sequence within it


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): unguessable, yet index-friendly.

    Within one process ids are strictly increasing (a 12-bit sequence counts up inside a
    millisecond, RFC 9562 §6.2 method 1), so rows created in one transaction - the outbox's
    events above all - sort in the order they were made."""
    with _uuid7_lock:
        ms = time.time_ns() // 1_000_000
        last_ms, seq = _uuid7_last
        if ms <= last_ms:
            ms, seq = last_ms, seq + 1
            if seq > 0xFFF:
                ms, seq = ms + 1, 0
        else:
            seq = int.from_bytes(os.urandom(1), "big")  # start low, leave room to count
        _uuid7_last[:] = [ms, seq]
    rand = int.from_bytes(os.urandom(8), "big")
    value = (ms & ((1 << 48) - 1)) << 80  # 48-bit Unix time in milliseconds
    value |= 0x7 << 76  # version 7
    value |= seq << 64  # 12-bit sequence
    value |= 0b10 << 62  # RFC 9562 variant
    value |= rand & ((1 << 62) - 1)  # 62 random bits
    return uuid.UUID(int=value)


class random_uuid(FunctionElement):  # noqa: N801 - named as the SQL function it stands for
    """A random (version 4) id made by the database, for rows an `INSERT ... SELECT` writes:
    `gen_random_uuid()` on PostgreSQL, 16 random bytes in hex (how a Uuid column is stored
    there) on SQLite."""

    type = Uuid()
    inherit_cache = True
    name = "random_uuid"


@compiles(random_uuid, "postgresql")
def _random_uuid_pg(element: random_uuid, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(random_uuid)
def _random_uuid_other(element: random_uuid, compiler: Any, **kw: Any) -> str:
    return "lower(hex(randomblob(16)))"


class UTCDateTime(TypeDecorator):
    """Timestamps are timezone-aware UTC in Python on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Tradelane stores aware UTC timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

# Column types for money and quantities (DESIGN §3). Amounts keep 4 decimals so that unit
# prices in 3-decimal currencies survive; totals are rounded to the currency's minor unit by
# core.money at document-line boundaries.
Amount = Numeric(19, 4)
UnitCost = Numeric(19, 6)
Rate = Numeric(20, 10)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        Decimal: Amount,
        dict: JSONType,
        list: JSONType,
    }


class TenantMixin:
    """A tenant-owned row.

    `tenant_id` is stamped from the tenant context on insert and filtered on every query.
    Each table declares its own indexes and unique constraints, each led by `tenant_id`.
    Set `__audit__ = False` on append-only logs that are their own audit trail.
    """

    __audit__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7, sort_order=-3)

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - declared_attr
        return mapped_column(Uuid(), nullable=False, default=current_tenant_id, sort_order=-2)

    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=-1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=-1)


def tenant_tables() -> list[str]:
    return sorted(t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.c)


# ---------------------------------------------------------------------------------------------
# Engine and sessions


class Database:
    """Holds the process's engine. `configure()` is called once by create_app or the CLI."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.app_role: str | None = None

    @property
    def dialect(self) -> str:
        return self.require_engine().dialect.name

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("database not configured: call create_app() first")
        return self.engine

    def configure(self, url: str, *, app_role: str | None = APP_ROLE_DEFAULT, echo: bool = False) -> Engine:
        if self.engine is not None and str(self.engine.url) == url:
            return self.engine
        if self.engine is not None:
            self.engine.dispose()
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            self.app_role = None
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
            self.app_role = app_role
        engine = create_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        self.engine = engine
        session.remove()
        session.configure(bind=engine)
        return engine

    def dispose_after_fork(self) -> None:
        """A forked child must not reuse the parent's pooled connections."""
        if self.engine is not None:
            self.engine.dispose(close=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


db = Database()
SessionFactory = sessionmaker(expire_on_commit=False)
# The thread-scoped session of the current request, job or command.
session = scoped_session(SessionFactory)

os.register_at_fork(after_in_child=db.dispose_after_fork)


def new_session(**info: Any) -> Session:
    """A session of its own (job progress, audit reads) beside the scoped one."""
    return SessionFactory(bind=db.require_engine(), info=dict(info))


@contextmanager
def system_session() -> Iterator[Session]:
    """A session that sees every tenant. Only for lookups that precede a tenant context."""
    s = SessionFactory(bind=db.require_engine(), info={"system": True})
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit the scoped session when the block succeeds, roll back otherwise."""
    try:
        yield session()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.remove()


# ---------------------------------------------------------------------------------------------
# The tenant guard


@event.listens_for(Session, "after_begin")
def _enter_tenant_on_postgres(s: Session, transaction: Any, connection: Any) -> None:
    if s.info.get("system") or connection.dialect.name != "postgresql" or not db.app_role:
        return
    if transaction.nested:  # a SAVEPOINT inside a transaction that already set both
        return
    # Transaction-scoped (is_local = true): safe with pooled connections and PgBouncer.
    connection.exec_driver_sql(
        "SELECT set_config('role', %(role)s, true), set_config('app.tenant_id', %(tid)s, true)",
        {"role": db.app_role, "tid": str(current_tenant_id())},
    )


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: Any) -> None:
    if state.session.info.get("system"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    state.statement = state.statement.options(_tenant_criteria())


def _tenant_criteria() -> Any:
    """The current tenant's rows only, for every tenant table a select touches."""
    tenant_id = current_tenant_id()
    return with_loader_criteria(TenantMixin, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)


@event.listens_for(Session, "before_flush")
def _check_tenant_stamps(s: Session, _ctx: Any, _instances: Any) -> None:
    if s.info.get("system"):
        return
    tenant_id = None
    for obj in s.new:
        if isinstance(obj, TenantMixin):
            tenant_id = tenant_id or current_tenant_id()
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise NoTenantError(f"{type(obj).__name__} belongs to another tenant")
    for obj in s.dirty:
        if isinstance(obj, TenantMixin):
            if inspect(obj).attrs.tenant_id.history.deleted:
                raise NoTenantError(f"{type(obj).__name__}.tenant_id cannot change")


# ---------------------------------------------------------------------------------------------
# Secrets stay out of error messages (and so out of every log)


def secret_tables() -> frozenset[str]:
    """Tables with a column marked `info={"secret": True}` (password and key hashes, encrypted
    credentials and account numbers)."""
    return frozenset(t.name for t in Base.metadata.tables.values() if any(c.info.get("secret") for c in t.columns))


def _mentions_secret_table(statement: str) -> bool:
    names = secret_tables()
    return bool(names) and re.search(r'\b"?(' + "|".join(map(re.escape, names)) + r')"?\b', statement) is not None


@event.listens_for(Engine, "handle_error")
def _hide_secrets_of_failed_statement(ctx: Any) -> None:
    """A failed statement's error carries its bound parameters (SQLAlchemy's "[parameters: ...]")
    and PostgreSQL's DETAIL quotes the row or key ("Failing row contains (...)"); whoever logs
    the error (the 500 handler, a job's retry, the commit's integrity log) would write a
    password hash or an API key's hash into the log. For a statement on a table that holds
    secrets both are dropped: the message keeps the SQL and the primary error, enough to see
    what failed."""
    if not ctx.statement or not _mentions_secret_table(ctx.statement):
        return
    wrapped, orig = ctx.sqlalchemy_exception, ctx.original_exception
    if wrapped is not None:
        wrapped.hide_parameters = True
    if orig is None or not orig.args or not isinstance(orig.args[0], str) or "\n" not in orig.args[0]:
        return
    full = orig.args[0]
    short = full.split("\n", 1)[0] + " (details hidden: the table holds secrets)"
    orig.args = (short, *orig.args[1:])
    if wrapped is not None:  # its message quoted the driver's when it was made
        wrapped.args = tuple(a.replace(full, short) if isinstance(a, str) else a for a in wrapped.args)


def count(stmt: Any) -> int:
    """Total rows of a select (for pagination)."""
    return session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


# Lists count their rows exactly up to this many; beyond it the total is the planner's estimate.
EXACT_COUNT_LIMIT = 10_000


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON)` of a select, compiled with its bound parameters."""

    inherit_cache = False

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.stmt, **kw)


def list_total(stmt: Any) -> tuple[int, bool]:
    """(total rows of a list's select, whether it is an estimate). Counted exactly up to
    EXACT_COUNT_LIMIT rows (the count reads at most one more); a larger total on PostgreSQL is
    the planner's estimate of the select's rows (EXPLAIN, through the tenant filter), never
    below what was counted, so that a million-row list is not counted on every request.
    Elsewhere (SQLite) the count is always exact."""
    if session.get_bind().dialect.name != "postgresql":
        return count(stmt), False
    counted = count(stmt.order_by(None).limit(EXACT_COUNT_LIMIT + 1))
    if counted <= EXACT_COUNT_LIMIT:
        return counted, False
    # EXPLAIN is no ORM select, so the tenant filter is added to the select it explains.
    plan = session.execute(_Explain(stmt.order_by(None).options(_tenant_criteria()))).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), counted), True


def get_or_none(model: type, ident: Any) -> Any:
    """Fetch by primary key through the tenant filter (never from another tenant).

    A row the session already holds comes from its identity map, with no query and no flush
    (`Session.get`); one it does not hold is read through the tenant filter. Either way a row
    of another tenant is None: the identity map outlives a change of tenant context, so the
    row's own `tenant_id` is checked as well."""
    if ident is None:
        return None
    try:
        ident = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        return None
    tenant_id = current_tenant_id() if issubclass(model, TenantMixin) else None
    obj = session.get(model, ident)
    if obj is None or obj in session.deleted:
        return None
    if tenant_id is not None and obj.tenant_id != tenant_id:
        return None
    return obj


T = TypeVar("T")


def locked(model: type[T], ident: Any, entity: str) -> T:
    """The row `ident` of `model`, read through the tenant filter and locked until the
    transaction ends (`SELECT ... FOR UPDATE`), so two concurrent actions on one document run
    one after the other and the second sees the first's outcome (`populate_existing` replaces
    what the session held before the lock). An id that is not a UUID, or no such row, is a
    NotFound naming `entity`."""
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except (TypeError, ValueError):
        raise NotFound(entity, ident) from None
    row = session.execute(
        select(model)
        .where(model.id == key)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(entity, ident)
    return row


_column_keys: dict[type, frozenset[str]] = {}


def new_object(cls: type, /, **values: Any) -> Any:
    """A new ORM object of `cls` holding `values` (column attributes only), made without the
    attribute events its constructor fires for each value. For the rows an import builds by
    the thousand (orders, lines, timeline entries): the events cost more than the rest of
    building them. The object is transient like any other new one; added to a session, a flush
    inserts what it holds, and later changes to it are tracked as usual."""
    keys = _column_keys.get(cls)
    if keys is None:
        keys = _column_keys[cls] = frozenset(c.key for c in inspect(cls).column_attrs)
    if not keys.issuperset(values):
        raise TypeError(f"{cls.__name__} has no column {sorted(set(values) - keys)[0]!r}")
    obj = cls._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    obj.__dict__.update(values)
    return obj


LONG_IN = 50


def in_values(column: Any, values: Any) -> Any:
    """`column IN (values)`, for the long lists a page of an import asks about (a thousand SKU
    ids at a time). SQLAlchemy sends an IN list as one parameter per value, so the statement's
    text differs with each length and psycopg parses it anew every time (10 ms for a
    thousand ids, more than the query); on PostgreSQL a long list goes as one array instead,
    `column = ANY(%s)`, one parameter whatever its length."""
    values = list(values)
    if len(values) <= LONG_IN or session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    from sqlalchemy import any_
    from sqlalchemy.dialects import postgresql

    return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))


def is_unique_violation(error: Exception) -> bool:
    return isinstance(error, sa_exc.IntegrityError) and (
        "unique" in str(error.orig).lower() or "duplicate" in str(error.orig).lower()
    )


def bulk_insert(
    table: Any,
    rows: list[dict[str, Any]],
    connection: Any = None,
    *,
    skip_conflicts: Sequence[str] = (),
    returning: str | None = None,
) -> list[Any]:
    """INSERT many rows of one table, each giving the same columns, in the current transaction
    (or on `connection`). The one way to write rows in bulk, past the unit of work: the
    caller stamps `tenant_id` (row-level security checks it) and writes any audit entries.
    `skip_conflicts` names the columns of a unique constraint whose conflicting rows are left
    out (`ON CONFLICT (...) DO NOTHING`, e.g. idempotency claims); `returning` names a column
    returned for each row written (the list it returns; empty without it).

    PostgreSQL gets one statement whatever the number of rows: each column is sent as one
    array in binary (`%b`) and unnested, so there is one plan and no per-value text
    escaping. Elsewhere it is an executemany."""
    if not rows:
        return []
    connection = connection if connection is not None else session.connection()
    if connection.dialect.name != "postgresql":
        stmt: Any = insert(table)
        if skip_conflicts:
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(skip_conflicts))
        if returning is None:
            connection.execute(stmt, rows)
            return []
        # One row at a time: RETURNING of an executemany with skipped rows does not line up.
        out = []
        for row in rows:
            out.extend(connection.execute(stmt.returning(table.c[returning]), [row]).scalars())
        return out
    columns = [table.c[key] for key in rows[0]]
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(c.name for c in columns)}) '
        f"SELECT * FROM {unnest_arrays(columns, connection)}"
    )
    if skip_conflicts:
        sql += f" ON CONFLICT ({', '.join(skip_conflicts)}) DO NOTHING"
    if returning is not None:
        sql += f" RETURNING {table.c[returning].name}"
    return execute_arrays(connection, sql, columns, rows, fetch=returning is not None)


def unnest_arrays(columns: list[Any], connection: Any) -> str:
    """`unnest(%b::type[], ...)`: one binary array parameter per column."""
    return f"unnest({', '.join(f'%b::{_array_type(c, connection.dialect)}[]' for c in columns)})"


def _array_type(column: Any, dialect: Any) -> str:
    return "jsonb" if isinstance(column.type, JSON) else column.type.compile(dialect=dialect)


def execute_arrays(
    connection: Any,
    sql: str,
    columns: list[Any],
    rows: list[dict[str, Any]],
    fetch: bool = False,
    leading: Sequence[Any] = (),
) -> list[Any]:
    """Run `sql` with `leading` parameters, then one binary array per column of `rows` (the
    `unnest_arrays` of bulk_insert and bulk_update). Returns the first column of what it
    fetches."""
    import psycopg
    from psycopg.types.json import Jsonb

    arrays = [
        [None if r[c.key] is None else Jsonb(r[c.key]) for r in rows]
        if isinstance(c.type, JSON)
        else [r[c.key] for r in rows]
        for c in columns
    ]
    try:
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute(sql, [*leading, *arrays])
            return [row[0] for row in cursor.fetchall()] if fetch else []
    except psycopg.Error as exc:
        # As SQLAlchemy would raise it (IntegrityError, ...), for the callers' error handling.
        raise sa_exc.DBAPIError.instance(sql, None, exc, psycopg.Error, hide_parameters=True) from None


def bulk_update(table: Any, rows: list[dict[str, Any]], key: str = "id", connection: Any = None) -> None:
    """UPDATE many rows of one table, found by `key`, each row giving the same columns: on
    PostgreSQL one `UPDATE ... FROM unnest(...)` (as `bulk_insert`), elsewhere an
    executemany. Row-level security applies as to any UPDATE."""
    if not rows:
        return
    connection = connection if connection is not None else session.connection()
    names = [name for name in rows[0] if name != key]
    if connection.dialect.name != "postgresql":
        stmt = update(table).where(table.c[key] == bindparam("_key")).values({n: bindparam(f"_{n}") for n in names})
        connection.execute(stmt, [{"_key": r[key], **{f"_{n}": r[n] for n in names}} for r in rows])
        return
    columns = [table.c[key], *(table.c[n] for n in names)]
    sets = ", ".join(f"{c.name} = v.{c.name}" for c in columns[1:])
    sql = (
        f'UPDATE "{table.name}" AS t SET {sets} FROM {unnest_arrays(columns, connection)} '
        f"AS v({', '.join(c.name for c in columns)}) WHERE t.{columns[0].name} = v.{columns[0].name}"
    )
    execute_arrays(connection, sql, columns, rows)
