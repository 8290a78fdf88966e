"""The Finance section of the portal: vouchers with drill-down both ways, the manual voucher
form, periods, the reports with their charts, dashboard figures, in English and Chinese."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.core.finance.helpers import shipped, shop, sku_line, vouchers


@pytest.fixture
def books(tenant_a, tenant_b):
    return shop(tenant_a)


def test_a_shipment_voucher_in_chinese_drills_down_to_its_order_and_back(books, portal):
    order = shipped(books, sku_line(books, books.tee, 1, "20.00", item_tax=Decimal("1.00")))
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    client = portal(books.tenant, "finance")
    client.post("/locale", {"locale": "zh_CN", "next": "/finance/"})
    page = client.get(f"/finance/vouchers/{v['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "销售出库" in html and "应收账款—Amazon US" in html
    assert "借方" in html and "核算维度" in html  # the page itself speaks Chinese
    assert f"/orders/{order.id}" in html  # voucher line -> its order
    back = client.get(f"/finance/documents/sales_order/{order.id}")
    assert back.status_code == 302 and v["id"] in back.headers["Location"]  # document -> its voucher
    listing = client.get("/finance/").get_data(as_text=True)
    assert v["number"] in listing
    # The total as money is written everywhere (Babel: symbol, grouping, the currency's digits).
    assert re.search(r'<td class="num">¥[\d,]+\.\d\d</td>', listing) and not re.search(r"\d \w{3}</td>", listing)


def test_the_order_page_links_to_its_vouchers_for_readers_of_the_books(books, portal):
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    link = f"/finance/documents/sales_order/{order.id}"
    assert link in portal(books.tenant, "finance").get(f"/orders/{order.id}").get_data(as_text=True)
    warehouse = portal(books.tenant, "warehouse").get(f"/orders/{order.id}")
    assert warehouse.status_code == 200 and link not in warehouse.get_data(as_text=True)


def test_a_manual_voucher_from_the_form_and_its_errors_beside_the_fields(books, portal):
    client = portal(books.tenant, "finance")
    bad = client.post(
        "/finance/vouchers/new",
        {
            "date": "2026-03-05",
            "memo": "fix",
            "lines.0.account": "6601.05",
            "lines.0.debit": "10",
            "lines.1.account": "1002.01",
            "lines.1.credit": "9",
        },
    )
    assert bad.status_code == 422 and "does not balance" in bad.get_data(as_text=True)
    ok = client.post(
        "/finance/vouchers/new",
        {
            "date": "2026-03-05",
            "memo": "fix",
            "lines.0.account": "6601.05",
            "lines.0.debit": "10",
            "lines.1.account": "1002.01",
            "lines.1.credit": "10",
        },
    )
    assert ok.status_code == 302
    viewer = portal(books.tenant, "viewer")
    assert viewer.get("/finance/vouchers/new").status_code == 403


def test_reports_show_profit_and_charts_served_locally_and_close_a_period(books, portal):
    shipped(books, sku_line(books, books.tee, 2, "30.00"))
    client = portal(books.tenant, "finance", accept_language="zh-CN")
    html = client.get("/finance/reports").get_data(as_text=True)
    assert 'data-chart="bar"' in html and "/static/js/charts.js" in html and "cdn" not in html.lower()
    # Without settlements or fee estimates, the SKU's fees come from the books alone.
    assert "Fees from" in html and "From the books" in html
    client.post("/locale", {"locale": "zh_CN", "next": "/finance/"})
    zh = client.get("/finance/reports").get_data(as_text=True)
    assert "费用来源" in zh and "账簿" in zh
    assert client.get("/static/js/charts.js").status_code == 200
    periods = client.get("/finance/periods")
    assert periods.status_code == 200
    from core.finance import service

    with books.tenant.scope():
        period = service.list_periods()[0]
    closed = client.post("/finance/periods", {"action": "close", "period_id": str(period.id)})
    assert closed.status_code == 302
    with books.tenant.scope():
        assert service.get_period(period.id).status == "closed"


def test_the_dashboard_shows_sales_and_profit_to_finance_and_owners_only(books, portal):
    shipped(books, sku_line(books, books.tee, 1, "20.00"))
    owner = portal(books.tenant).get("/").get_data(as_text=True)
    assert "Sales this month" in owner and "Profit this month" in owner
    cards = re.findall(r'<div class="card-value"><a [^>]*>([^<]*)</a>', owner)
    assert any(c.startswith("CN¥") and re.fullmatch(r"CN¥[\d,]+\.\d\d", c) for c in cards), cards
    warehouse = portal(books.tenant, "warehouse").get("/").get_data(as_text=True)
    assert "Profit this month" not in warehouse


def test_finance_templates_show_amounts_as_the_portal_formats_money():
    """Amounts on finance pages go through `money` (grouped, the currency's minor units, its
    symbol), not a plain number: "54399.48" read as one figure in a long column."""
    from pathlib import Path

    import web

    templates = Path(web.__file__).parent / "finance" / "templates"
    plain = [p.name for p in templates.rglob("*.html") if "amount_in" in p.read_text()]
    assert plain == []
