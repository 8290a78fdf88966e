"""The dashboard's per-day sums of sales (order_sales_days, order_sku_sales_days): after
imports, manual orders, cancellations of orders and of units, and a split, they say what the
orders and their lines say, for the tenant alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import session, utcnow
from core.orders import service
from core.orders.models import Order, OrderSkuSalesDay, OrderStaleSalesDay
from core.orders.service import reports
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line


def _from_the_orders(days: int = 30) -> tuple[dict, dict]:
    """What the sums must say, computed from every order and line of the tenant in Python."""
    first = reports.recent_days(days)[0][0]
    per_day: dict = defaultdict(lambda: [0, Decimal(0)])
    per_sku: dict = defaultdict(lambda: [0, set()])
    for order in session.execute(select(Order)).scalars():
        day = order.purchased_at.date()
        if order.status in reports.NOT_SALES or day < first:
            continue
        per_day[(day, order.connection_id, order.currency)][0] += 1
        per_day[(day, order.connection_id, order.currency)][1] += order.total
        for ln in order.lines:
            if ln.sku_code:
                per_sku[ln.sku_code][0] += ln.quantity - ln.quantity_cancelled
                per_sku[ln.sku_code][1].add(order.id)
    return (
        {k: (n, total) for k, (n, total) in per_day.items()},
        {code: (units, len(ids)) for code, (units, ids) in per_sku.items() if units > 0},
    )


def _from_the_sums(days: int = 30) -> tuple[dict, dict]:
    return (
        {(d.day, d.connection_id, d.currency): (d.orders, d.sales) for d in reports.daily_sales(days)},
        {s.sku_code: (s.units, s.orders) for s in reports.top_skus(days, 100)},
    )


def test_the_sums_say_what_the_orders_and_lines_say_after_every_kind_of_change(tenant_a, tenant_b):
    conn = connection(tenant_a, "Sums shop")
    for code in ("SUM-A", "SUM-B", "SUM-C"):
        approved_sku(tenant_a, code)
    now = utcnow()
    with tenant_a.scope():
        made = [
            service.upsert_from_channel(
                conn,
                channel_order(
                    line("SUM-A", 1 + i % 3, "12.00"),
                    line("SUM-B" if i % 2 else "SUM-C", 2, "5.00"),
                    purchased_at=now - timedelta(days=i % 4, minutes=5),
                ),
            ).order_id
            for i in range(8)
        ]
        made.append(
            service.upsert_from_channel(
                conn, channel_order(line("SUM-A", 5), purchased_at=now - timedelta(days=40))
            ).order_id
        )
        session.commit()
        assert _from_the_sums() == _from_the_orders()
        assert _from_the_sums()[1]["SUM-A"][1] == 8  # the 40-day-old order is outside the month

    manual = tenant_a.api.post(
        "orders",
        {
            "currency": "EUR",
            "shipping_address": {"country": "DE"},
            "lines": [{"sku": "SUM-C", "quantity": 4, "unit_price": "3.00"}],
        },
    )
    assert manual.status_code == 201
    with tenant_a.scope():
        assert _from_the_sums() == _from_the_orders()
        service.cancel(made[0], "buyer asked")  # an order out of the sales
        order = service.get_order(made[1])
        service.cancel_lines(order, {order.lines[0].id: 1}, "one unit short")  # units out
        session.commit()
        assert _from_the_sums() == _from_the_orders()
        order = service.get_order(made[2])
        service.split(made[2], [[{"line_id": str(order.lines[0].id), "quantity": 1}]])  # parent out, children in
        session.commit()
        assert _from_the_sums() == _from_the_orders()
        # Read after read, nothing is left to recompute.
        assert session.execute(select(func.count()).select_from(OrderStaleSalesDay)).scalar() == 0
        assert reports.refresh() == []

    with tenant_b.scope():
        assert reports.top_skus(30) == [] and reports.daily_sales(14) == []
        assert session.execute(select(func.count()).select_from(OrderSkuSalesDay)).scalar() == 0


def test_a_refresh_recomputes_only_the_days_marked_stale(tenant_a):
    conn = connection(tenant_a, "Stale shop")
    approved_sku(tenant_a, "STALE-1")
    now = utcnow()
    with tenant_a.scope():
        for back in (0, 2):
            service.upsert_from_channel(
                conn, channel_order(line("STALE-1", 1), purchased_at=now - timedelta(days=back))
            )
        assert reports.refresh() == sorted({(now - timedelta(days=b)).date() for b in (0, 2)})
        assert reports.refresh() == []
        # A change the sums do not see (a note) marks nothing; a cancellation marks its day.
        order = session.execute(select(Order).order_by(Order.purchased_at)).scalars().first()
        order.seller_note = "call first"
        session.flush()
        assert reports.refresh() == []
        service.cancel(order.id, "gone")
        assert reports.refresh() == [order.purchased_at.date()]
        assert [s.units for s in reports.top_skus(30)] == [1]
