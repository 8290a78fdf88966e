"""Orders on the dashboard: the queues (waiting for review, on hold, to ship), and charts of
orders and sales per day by shop and of the best-selling SKUs."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _

from core.orders import service as orders
from web.dashboard import Card, Chart, card, figure


@card("orders:read")
def order_queues() -> list[Card]:
    counts = orders.status_counts(("pending_review", "on_hold", "allocated", "awaiting_shipment"))

    def queue(*statuses: str) -> tuple[int, bool]:
        found = [counts[s] for s in statuses if s in counts]
        return sum(n for n, _estimated in found), any(estimated for _n, estimated in found)

    review, held, to_ship = queue("pending_review"), queue("on_hold"), queue("allocated", "awaiting_shipment")
    return [
        Card(
            _("Orders to review"),
            figure(*review),
            url=url_for("web.orders.index", status="pending_review"),
            tone="warn" if review[0] else "",
        ),
        Card(
            _("Orders on hold"),
            figure(*held),
            url=url_for("web.orders.index", status="on_hold"),
            tone="bad" if held[0] else "",
        ),
        Card(_("Orders to ship"), figure(*to_ship), url=url_for("web.orders.index", status="allocated"), tone=""),
    ]


@card("orders:read", order=1)
def sales_charts() -> list[Chart]:
    """Orders and sales per day by shop over the last two weeks, and the best-selling SKUs of
    the last 30 days; each day links to that day's orders, each SKU to its orders."""
    from core import money
    from core.orders.service import reports
    from tenants.service import connections_facts, functional_currency

    days = [d for d, _start in reports.recent_days(14)]
    labels = [d.strftime("%m-%d") for d in days]
    rows = reports.daily_sales(14)
    shops = {
        i: c.display_name for i, c in connections_facts({r.connection_id for r in rows if r.connection_id}).items()
    }

    def shop(r: reports.DaySales) -> str:
        return shops.get(r.connection_id, r.channel) if r.connection_id else _("Manual orders")

    # Sales in the tenant's functional currency at each day's rate, so a yen shop and a dollar
    # shop share one scale; a day without a rate leaves that shop's day out (named in the hint).
    functional = functional_currency()
    orders: dict[str, dict] = {}
    sales: dict[str, dict] = {}
    unconverted: set[str] = set()
    for r in rows:
        orders.setdefault(shop(r), {})[r.day] = orders.get(shop(r), {}).get(r.day, 0) + r.orders
        try:
            amount = money.round_money(r.sales * money.rate(r.currency, functional, r.day), functional)
        except money.RateNotFound:
            unconverted.add(r.currency)
            continue
        sales.setdefault(shop(r), {})[r.day] = sales.get(shop(r), {}).get(r.day, Decimal(0)) + amount
    sales_hint = _("Order totals in %(currency)s at each day's rate", currency=functional)
    sales_empty = _("No orders in the last 14 days.")
    if unconverted:
        left_out = _("no rate for %(currencies)s: left out", currencies=", ".join(sorted(unconverted)))
        sales_hint, sales_empty = f"{sales_hint} · {left_out}", left_out
    links = [url_for("web.orders.index", date_from=d.isoformat(), date_to=d.isoformat()) for d in days]
    everything = url_for("web.orders.index", date_from=days[0].isoformat())
    top = reports.top_skus(30, 10)
    month = reports.recent_days(30)[0][0].isoformat()
    return [
        Chart(
            _("Orders per day by shop"),
            labels,
            [(name, [str(per_day.get(d, 0)) for d in days]) for name, per_day in sorted(orders.items())],
            url=everything,
            links=links,
            hint=_("Last 14 days"),
            empty=_("No orders in the last 14 days."),
        ),
        Chart(
            _("Sales per day by shop"),
            labels,
            [(name, [str(per_day.get(d, Decimal(0))) for d in days]) for name, per_day in sorted(sales.items())],
            url=everything,
            links=links,
            kind="line",
            hint=sales_hint,
            empty=sales_empty,
            currency=functional,
        ),
        Chart(
            _("Top SKUs"),
            [s.sku_code for s in top],
            [(_("Units sold"), [str(s.units) for s in top])],
            url=url_for("web.orders.index", date_from=month),
            links=[url_for("web.orders.index", sku=s.sku_code, date_from=month) for s in top],
            kind="hbar",
            hint=_("Units sold in the last 30 days"),
            empty=_("No sales in the last 30 days."),
        ),
    ]
