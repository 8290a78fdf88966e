"""Sales figures for the dashboard: orders and sales per day and shop, and the best-selling
SKUs. The days are UTC days, the days the order list's date filter means
(`order_query(date_from=, date_to=)`), so a bar and the list it links to count the same
orders; the boundaries are computed here, so SQLite and PostgreSQL group alike.

The figures are read from two small tables of per-day sums (`order_sales_days` by shop and
currency, `order_sku_sales_days` by shop and SKU), not from the orders: at a million orders
grouping two weeks of orders and a month of order lines on every view took 17 s. Each change
that moves a day's sales (an order created or deleted; its status into or out of NOT_SALES,
its total, currency, shop or purchase time; a line's quantities or SKU) marks the day stale
in its own transaction (`order_stale_sales_days`, one row per flush and day, no unique key, so
that imports side by side never wait for each other there); `refresh`, run by every read,
takes the stale days and recomputes each from the orders of that day alone. An import adds
one small row per page and day and no work per order; a read costs the stale days'
recomputation (usually today alone) and a read of a few rows per day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from core.db import session, utcnow
from core.money import round_money
from core.orders.models import Order, OrderLine, OrderSalesDay, OrderSkuSalesDay, OrderStaleSalesDay
from core.tenancy import current_tenant_id

# Orders that are not sales of their own: a split parent's lines live on in its children, a
# merged order's in the order it joined, and a cancelled order sold nothing.
NOT_SALES = ("cancelled", "split", "merged")
# What an order's or a line's part of the sums depends on (besides the order's status).
ORDER_FIELDS = frozenset(("total", "currency", "connection_id", "channel"))
LINE_FIELDS = frozenset(("quantity", "quantity_cancelled", "sku_code", "order_id"))
# Advisory lock class of the refresh (with the tenant's hash): one refresh of a tenant at once.
REFRESH_LOCK = 0x73616C65  # "sale"


@dataclass(frozen=True)
class DaySales:
    day: date
    connection_id: uuid.UUID | None  # None: manual orders
    channel: str
    currency: str
    orders: int
    sales: Decimal  # order totals, in `currency`


@dataclass(frozen=True)
class SkuSales:
    sku_code: str
    units: int
    orders: int


def recent_days(days: int, *, now: datetime | None = None) -> list[tuple[date, datetime]]:
    """The last `days` days (today included), oldest first, each with the instant it starts."""
    today = (now or utcnow()).astimezone(UTC).date()
    return [
        (today - timedelta(days=back), datetime.combine(today - timedelta(days=back), time(), UTC))
        for back in range(days - 1, -1, -1)
    ]


def daily_sales(days: int = 14, *, now: datetime | None = None) -> list[DaySales]:
    """Orders and their totals per day of purchase, shop and currency, over the last
    `days` days (today included). Days without orders are absent."""
    refresh()
    bounds = recent_days(days, now=now)
    t = OrderSalesDay
    rows = session.execute(
        select(t.day, t.connection_id, t.channel, t.currency, func.sum(t.orders), func.sum(t.sales))
        .where(t.day >= bounds[0][0], t.day <= bounds[-1][0])
        .group_by(t.day, t.connection_id, t.channel, t.currency)
    ).all()
    out = [DaySales(r[0], r[1], r[2], r[3], int(r[4]), round_money(Decimal(r[5]), r[3])) for r in rows if r[4]]
    return sorted(out, key=lambda d: (d.day, d.channel, str(d.connection_id), d.currency))


def top_skus(days: int = 30, limit: int = 10, *, now: datetime | None = None) -> list[SkuSales]:
    """The SKUs sold most (units ordered less units cancelled) in the last `days` days."""
    refresh()
    bounds = recent_days(days, now=now)
    t = OrderSkuSalesDay
    units = func.sum(t.units)
    rows = session.execute(
        select(t.sku_code, units, func.sum(t.orders))
        .where(t.day >= bounds[0][0], t.day <= bounds[-1][0])
        .group_by(t.sku_code)
        .having(units > 0)
        .order_by(units.desc(), t.sku_code)
        .limit(limit)
    ).all()
    return [SkuSales(r[0], int(r[1]), int(r[2])) for r in rows]


# ---------------------------------------------------------------------------------------------
# Keeping the sums


def utc_day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()


def mark_stale(days: Iterable[date]) -> None:
    """Mark purchase days whose sales changed, in the current transaction (the bulk import
    calls this for the orders it writes; the ORM's flush marks every other change itself)."""
    session.add_all(OrderStaleSalesDay(day=d) for d in set(days))


def refresh() -> list[date]:
    """Recompute the sums of every day marked stale, in the current transaction; returns
    those days. While another transaction refreshes the tenant (PostgreSQL), this one reads
    the sums as they are: the days it recomputes are the ones marked so far."""
    if session.get_bind().dialect.name == "postgresql":
        locked = session.execute(
            text("SELECT pg_try_advisory_xact_lock(:key, hashtext(:tenant))"),
            {"key": REFRESH_LOCK, "tenant": str(current_tenant_id())},
        ).scalar_one()
        if not locked:
            return []
    # Only marks already committed (or this transaction's own) are taken: a change still being
    # written keeps its mark, and its day is recomputed by the refresh after it commits.
    stale = session.execute(
        delete(OrderStaleSalesDay)
        .where(OrderStaleSalesDay.tenant_id == current_tenant_id())
        .returning(OrderStaleSalesDay.day)
        .execution_options(synchronize_session=False)
    ).scalars()
    days = sorted(set(stale))
    for day in days:
        _recompute(day)
    return days


def _recompute(day: date) -> None:
    start = datetime.combine(day, time(), UTC)
    sales = (
        Order.purchased_at >= start,
        Order.purchased_at < start + timedelta(days=1),
        Order.status.notin_(NOT_SALES),
    )
    tenant_id = current_tenant_id()
    for table in (OrderSalesDay, OrderSkuSalesDay):
        session.execute(
            delete(table)
            .where(table.tenant_id == tenant_id, table.day == day)
            .execution_options(synchronize_session=False)
        )
    orders = session.execute(
        select(Order.connection_id, Order.channel, Order.currency, func.count(Order.id), func.sum(Order.total))
        .where(*sales)
        .group_by(Order.connection_id, Order.channel, Order.currency)
    ).all()
    if orders:
        session.execute(
            insert(OrderSalesDay),
            [
                {"day": day, "connection_id": c, "channel": ch, "currency": cur, "orders": n, "sales": total}
                for c, ch, cur, n, total in orders
            ],
        )
    skus = session.execute(
        select(
            Order.connection_id,
            Order.channel,
            OrderLine.sku_code,
            func.sum(OrderLine.quantity - OrderLine.quantity_cancelled),
            func.count(func.distinct(Order.id)),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(*sales, OrderLine.sku_code != "")
        .group_by(Order.connection_id, Order.channel, OrderLine.sku_code)
    ).all()
    if skus:
        session.execute(
            insert(OrderSkuSalesDay),
            [
                {"day": day, "connection_id": c, "channel": ch, "sku_code": code, "units": units, "orders": n}
                for c, ch, code, units, n in skus
            ],
        )


@event.listens_for(Session, "before_flush")
def _mark_changed_days(s: Session, _ctx: Any, _instances: Any) -> None:
    """Mark the purchase days of the orders and lines this flush changes in a way the sums
    see. `committed_state` holds the old value of each attribute changed since the load, so
    an order whose status moves from allocated to shipped costs one dictionary look-up."""
    if s.info.get("system"):
        return
    days: set[date] = set()
    for obj in s.new:
        if isinstance(obj, Order) and obj.purchased_at is not None:
            days.add(utc_day(obj.purchased_at))
        elif isinstance(obj, OrderLine):
            days.update(_line_days(s, obj))
    for obj in s.dirty:
        if isinstance(obj, Order):
            old = inspect(obj).committed_state
            if not old:
                continue
            moved = "status" in old and ((old["status"] in NOT_SALES) != (obj.status in NOT_SALES))
            if moved or not ORDER_FIELDS.isdisjoint(old):
                days.add(utc_day(obj.purchased_at))
            if isinstance(old.get("purchased_at"), datetime):
                days.update((utc_day(old["purchased_at"]), utc_day(obj.purchased_at)))
        elif isinstance(obj, OrderLine) and not LINE_FIELDS.isdisjoint(inspect(obj).committed_state):
            days.update(_line_days(s, obj))
    for obj in s.deleted:
        if isinstance(obj, Order):
            days.add(utc_day(obj.purchased_at))
        elif isinstance(obj, OrderLine):
            days.update(_line_days(s, obj))
    if days:
        s.add_all(OrderStaleSalesDay(day=d) for d in days)


def _line_days(s: Session, line: OrderLine) -> set[date]:
    """The purchase day of a line's order (and of the order it was moved from)."""
    order = inspect(line).dict.get("order")
    out = {utc_day(order.purchased_at)} if order is not None and order.purchased_at is not None else set()
    moved_from = inspect(line).committed_state.get("order_id")  # a symbol when it was never loaded
    for order_id in {i for i in (line.order_id, moved_from) if isinstance(i, uuid.UUID)}:
        if order is None or order_id != order.id:
            with s.no_autoflush:
                found = s.get(Order, order_id)
            if found is not None and found.purchased_at is not None:
                out.add(utc_day(found.purchased_at))
    return out
