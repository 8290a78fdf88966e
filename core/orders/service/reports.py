"""Sales figures for the dashboard: orders and sales per day and shop, and the best-selling
SKUs. Each is one aggregate query. The days are UTC days, the days the order list's date
filter means (`order_query(date_from=, date_to=)`), so a bar and the list it links to count
the same orders; the boundaries are computed here, so SQLite and PostgreSQL group alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from core.db import session, utcnow
from core.money import round_money
from core.orders.models import Order, OrderLine

# Orders that are not sales of their own: a split parent's lines live on in its children, a
# merged order's in the order it joined, and a cancelled order sold nothing.
NOT_SALES = ("cancelled", "split", "merged")


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
    bounds = recent_days(days, now=now)
    # The day an order falls on, by its purchase instant: the latest day start before it.
    day_index = case(
        *[(Order.purchased_at >= start, i) for i, (_, start) in reversed(list(enumerate(bounds)))],
        else_=-1,
    ).label("day")
    rows = session.execute(
        select(
            day_index,
            Order.connection_id,
            Order.channel,
            Order.currency,
            func.count(Order.id),
            func.coalesce(func.sum(Order.total), 0),
        )
        .where(Order.purchased_at >= bounds[0][1], Order.status.notin_(NOT_SALES))
        .group_by(day_index, Order.connection_id, Order.channel, Order.currency)
    ).all()
    out = [
        DaySales(bounds[r[0]][0], r[1], r[2], r[3], int(r[4]), round_money(Decimal(r[5]), r[3]))
        for r in rows
        if 0 <= r[0] < len(bounds)
    ]
    return sorted(out, key=lambda d: (d.day, d.channel, str(d.connection_id), d.currency))


def top_skus(days: int = 30, limit: int = 10, *, now: datetime | None = None) -> list[SkuSales]:
    """The SKUs sold most (units ordered less units cancelled) in the last `days` days."""
    start = recent_days(days, now=now)[0][1]
    units = func.sum(OrderLine.quantity - OrderLine.quantity_cancelled)
    rows = session.execute(
        select(OrderLine.sku_code, units, func.count(func.distinct(Order.id)))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.purchased_at >= start,
            Order.status.notin_(NOT_SALES),
            OrderLine.sku_code != "",
        )
        .group_by(OrderLine.sku_code)
        .having(units > 0)
        .order_by(units.desc(), OrderLine.sku_code)
        .limit(limit)
    ).all()
    return [SkuSales(r[0], int(r[1]), int(r[2])) for r in rows]
