"""Per-tenant document numbers (PO-000042, SO-...): readable, gap-tolerant, never shared
across tenants, so they leak nothing about other sellers' volumes (DESIGN §2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantMixin, session, utcnow
from core.tenancy import current_tenant_id


class NumberSequence(TenantMixin, Base):
    __tablename__ = "number_sequences"
    __audit__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


def next_value(name: str, s: Any = None) -> int:
    """Take the next value of a named sequence. The row update locks the sequence until the
    caller's transaction ends, so two documents never get the same number. `s`: the session
    to take it in (the scoped one by default)."""
    s = session if s is None else s
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
        .execution_options(synchronize_session=False)
    )
    value = s.execute(stmt).scalar_one_or_none()
    if value is None:
        # First use: create the row in a savepoint; a concurrent creator wins and we retry.
        try:
            with s.begin_nested():
                s.add(NumberSequence(name=name, last_value=0))
        except IntegrityError:
            pass
        value = s.execute(stmt).scalar_one()
    return value


def next_number(name: str, prefix: str, width: int = 6, when: datetime | None = None) -> str:
    """`next_number("purchase_order", "PO")` -> "PO-000042". `{yyyy}`/`{yy}`/`{mm}` in the
    prefix are filled from `when` (default now)."""
    when = when or utcnow()
    head = prefix.replace("{yyyy}", f"{when:%Y}").replace("{yy}", f"{when:%y}").replace("{mm}", f"{when:%m}")
    return f"{head}-{next_value(name):0{width}d}"


def next_values(name: str, count: int, s: Any = None) -> range:
    """Take `count` consecutive values of a named sequence in one statement (bulk imports)."""
    s = session if s is None else s
    if count <= 0:
        return range(0)
    # A Core statement on the connection, the tenant named in it (row-level security checks it
    # too): it runs at every commit that wrote events, and the ORM's handling of it cost more
    # than the UPDATE itself.
    table = NumberSequence.__table__
    stmt = (
        update(table)
        .where(table.c.tenant_id == current_tenant_id(), table.c.name == name)
        .values(last_value=table.c.last_value + count)
        .returning(table.c.last_value)
    )
    last = s.connection().execute(stmt).scalar_one_or_none()
    if last is None:
        next_value(name, s)  # creates the row (and takes one value, skipped: numbers tolerate gaps)
        last = s.connection().execute(stmt).scalar_one()
    return range(last - count + 1, last + 1)


def next_values_apart(name: str, count: int) -> range:
    """`next_values` taken in a short transaction of its own, committed at once: the sequence
    row stays locked for one statement instead of until the caller commits, so imports of two
    shops of one tenant do not take turns for the whole of each page. Numbers of a caller that
    rolls back stay unused (numbers tolerate gaps). SQLite (one writer at a time) takes them
    in the caller's transaction."""
    if count <= 0:
        return range(0)
    if session.get_bind().dialect.name != "postgresql":
        return next_values(name, count)
    from core.db import new_session

    apart = new_session()
    try:
        values = next_values(name, count, apart)
        apart.commit()
        return values
    finally:
        apart.close()
