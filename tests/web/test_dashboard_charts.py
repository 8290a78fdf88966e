"""Dashboard charts: orders and sales per day by shop, top SKUs, stock value by warehouse,
stock age and the review queues, drawn from the tenant's own records, each linking to the
list behind it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from core.db import utcnow
from core.orders import service
from core.orders.service import reports
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line, rates, stock, warehouse


def _charts(client) -> dict[str, dict]:
    """{caption: {"labels", "series", "links", "url"}} of the dashboard's charts."""
    body = client.get("/").get_data(as_text=True)
    out = {}
    for attrs, caption in re.findall(
        r"<figure class=\"chart chart-\w+\"(.*?)>\s*<figcaption>(.*?)</figcaption>", body, re.S
    ):

        def attr(name: str, attrs: str = attrs) -> object:
            found = re.search(rf"data-{name}='([^']*)'", attrs)
            return json.loads(found.group(1).replace("&#34;", '"').replace("&amp;", "&")) if found else None

        title = re.sub(r"<[^>]+>", "", caption).split("\n")[0].strip()
        link = re.search(r'<a href="([^"]+)"', caption)
        out[title] = {
            "labels": attr("labels"),
            "series": attr("series"),
            "links": attr("links"),
            "url": link.group(1).replace("&amp;", "&") if link else None,
        }
    return out


def _seed(tenant, shop: str, code: str, wh_code: str) -> None:
    conn = connection(tenant, shop)
    sku = approved_sku(tenant, code)
    wh = warehouse(tenant, wh_code)
    stock(tenant, sku, wh, 20, cost="7.50")
    now = utcnow()
    with tenant.scope():
        service.upsert_from_channel(
            conn, channel_order(line(code, 3, "12.00"), purchased_at=now - timedelta(minutes=5))
        )
        service.upsert_from_channel(
            conn, channel_order(line(code, 1, "12.00"), purchased_at=now - timedelta(days=1, minutes=5))
        )


def test_charts_show_the_tenants_own_sales_stock_and_queues(portal, tenant_a, tenant_b):
    _seed(tenant_a, "Amazon US", "CH-MUG", "CH-SZ")
    rates(tenant_a, {"USD": "7.1"}, on=utcnow().date() - timedelta(days=3))
    _seed(tenant_b, "Other shop", "CH-OTHER", "CH-B")
    charts = _charts(portal(tenant_a))

    orders = charts["Orders per day by shop"]
    assert len(orders["labels"]) == 14 and [s["name"] for s in orders["series"]] == ["Amazon US"]
    assert orders["series"][0]["values"][-2:] == ["1", "1"]  # yesterday and today
    today = utcnow().date().isoformat()
    assert orders["links"][-1] == f"/orders/?date_from={today}&date_to={today}"

    # Sales in the tenant's CNY at the day's rate, shown as the portal formats money.
    sales = charts["Sales per day by shop"]
    assert [s["name"] for s in sales["series"]] == ["Amazon US"]
    assert sales["series"][0]["values"][-1] == "255.60"  # 36.00 USD x 7.1
    assert sales["series"][0]["texts"][-1] == "CN¥255.60"

    top = charts["Top SKUs"]
    assert top["labels"] == ["CH-MUG"] and top["series"][0]["values"] == ["4"]
    assert top["links"][0].startswith("/orders/?sku=CH-MUG")

    value = charts["Stock value by warehouse"]
    assert value["labels"] == ["CH-SZ"] and value["series"][0]["values"] == ["150.00"]  # 20 x 7.50
    assert value["series"][0]["texts"] == ["CN¥150.00"]
    assert value["links"][0].startswith("/inventory/?warehouse_id=")

    age = charts["Stock age"]
    assert age["labels"][0].startswith("0-30") and age["series"][0]["values"] == ["20", "0", "0", "0"]
    assert age["url"] == "/inventory/age"

    queues = charts["Review queues"]
    assert "Products" in queues["labels"] and len(queues["links"]) == len(queues["labels"])

    other = _charts(portal(tenant_b))
    assert other["Top SKUs"]["labels"] == ["CH-OTHER"]
    assert other["Stock value by warehouse"]["labels"] == ["CH-B"]


def test_each_bar_opens_a_list_with_the_same_orders(portal, tenant_a):
    """The day a bar counts is the day the order list's date filter shows."""
    _seed(tenant_a, "Shop DE", "CH-LAMP", "CH-DE")
    client = portal(tenant_a)
    orders = _charts(client)["Orders per day by shop"]
    assert orders["series"][0]["values"][-2:] == ["1", "1"]
    assert "1–1 of 1" in client.text(orders["links"][-2])
    assert "1–2 of 2" in client.text(orders["url"])


def test_days_are_cut_at_midnight(tenant_a):
    conn = connection(tenant_a, "Midnight shop")
    approved_sku(tenant_a, "CH-MID")
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with tenant_a.scope():
        for minutes in (-1, 1):  # one order each side of 19 Nov 00:00
            service.upsert_from_channel(
                conn,
                channel_order(
                    line("CH-MID", 1, "5.00"),
                    purchased_at=datetime(2026, 11, 19, tzinfo=UTC) + timedelta(minutes=minutes),
                ),
            )
        days = {(d.day.isoformat(), d.orders) for d in reports.daily_sales(3, now=now)}
    assert days == {("2026-11-18", 1), ("2026-11-19", 1)}


def test_a_viewer_sees_the_charts_without_decision_queues_they_cannot_read(portal, tenant_a):
    charts = _charts(portal(tenant_a, "operations"))
    assert "Orders per day by shop" in charts and "Stock value by warehouse" in charts


def test_sales_without_a_rate_are_left_out_and_said_so(portal, tenant_a):
    _seed(tenant_a, "Amazon US", "CH-NORATE", "CH-NR")
    client = portal(tenant_a)
    assert "Sales per day by shop" in _charts(client)
    assert "no rate for USD: left out" in client.text("/")


def test_money_in_a_chart_is_grouped_in_the_viewers_language(app):
    from web.dashboard import Chart

    chart = Chart("Stock value", ["SZ"], [("Value", ["54399.48"])], kind="hbar", currency="CNY")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert chart.data_series() == [{"name": "Value", "values": ["54399.48"], "texts": ["CN¥54,399.48"]}]
