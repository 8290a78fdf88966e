"""The finance journey of issue 13 in headless Chromium on a live server, in Chinese: a
purchase order received, an order in USD shipped for a CNY tenant, both vouchers seen, the
shipment's voucher drilled down to its order, the period closed, the profit and loss read."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from core.orders import service as orders
from tests.core.finance.helpers import shop, sku_line, vouchers
from tests.core.orders.helpers import channel_order
from tests.core.purchasing.helpers import approved_order, buyer, local_today
from tests.support import body

pytestmark = pytest.mark.browser


def test_receive_ship_in_usd_see_the_vouchers_in_chinese_close_and_read_the_pnl(browser_page, live_server, tenant_a):
    tenant = tenant_a
    books = shop(tenant)  # CNY, the Chinese chart, an Amazon US shop, stock at cost
    today = local_today()
    assert tenant.api.post(
        "exchange-rates", {"base": "USD", "quote": "CNY", "date": str(today), "rate": "7.10"}
    ).status_code in (200, 201)
    b = buyer(tenant, prices=("12.50",))
    po = approved_order(b, (5,))
    with tenant.scope():
        imported = orders.upsert_from_channel(
            books.conn, channel_order(sku_line(books, books.tee, 2, "25.00"), currency="USD")
        )
    order_id = imported.order_id

    page = browser_page
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()

    # Receive the purchase order.
    page.goto(f"/purchasing/orders/{po['id']}/receive")
    page.locator('input[name="lines.0.quantity"]').fill("5")
    page.locator("form button.primary[type=submit]").click()
    page.wait_for_url(re.compile(r".*/purchasing/receiving/[0-9a-f-]+$"))

    # Ship the USD order: record the shipment on the order's page.
    page.goto(f"/orders/{order_id}")
    page.locator("#ship-dialog summary").click()
    page.locator('input[name="ship_carrier"]').fill("UPS")
    page.locator('input[name="ship_tracking_number"]').fill("1Z999")
    page.locator("#ship-dialog button[type=submit]").click()
    page.wait_for_load_state()

    (receipt_v,) = [v for v in vouchers(tenant, "purchase_receipt", _receipt_of(tenant, po["id"]))]
    (sale_v,) = vouchers(tenant, "sales_order", order_id)
    assert receipt_v["status"] == sale_v["status"] == "posted"

    # Both vouchers, in Chinese.
    page.goto("/finance/")
    assert page.get_by_role("heading", name="凭证").first.is_visible()
    listing = page.locator("#vouchers")
    for v in (receipt_v, sale_v):
        assert listing.get_by_role("link", name=v["number"]).is_visible()
    page.get_by_role("link", name=receipt_v["number"]).click()
    lines = page.locator("#lines")
    assert lines.get_by_text("库存商品").first.is_visible() and lines.get_by_text("应付账款—暂估").is_visible()
    assert lines.get_by_text("62.50").first.is_visible()  # 5 x 12.50 at the order price

    page.goto("/finance/")
    page.get_by_role("link", name=sale_v["number"]).click()
    assert page.get_by_text("借方").first.is_visible() and page.get_by_text("核算维度").is_visible()
    receivable = lines.locator("tr", has_text="应收账款—Amazon US")
    assert receivable.get_by_text("US$50.00").is_visible() and receivable.get_by_text("355.00").is_visible()
    assert receivable.get_by_text("7.1").first.is_visible()  # the rate of the day, from the rates table

    # Drill down to the order, and back from its vouchers.
    receivable.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf".*/orders/{order_id}$"))
    page.goto(f"/finance/documents/sales_order/{order_id}")
    page.wait_for_url(re.compile(rf".*/finance/vouchers/{sale_v['id']}$"))

    # Close the period.
    page.goto("/finance/periods")
    row = page.locator("#periods tr", has_text=sale_v["period"])
    row.get_by_role("button", name="结账").click()
    page.wait_for_load_state()
    assert page.locator("#periods tr", has_text=sale_v["period"]).get_by_text("已结账").is_visible()

    # Read the profit and loss of the period.
    page.goto(f"/finance/reports?period={sale_v['period']}")
    pnl = body(tenant.api.get(f"finance/reports/profit-and-loss?period={sale_v['period']}"))
    revenue = sum((Decimal(x["amount"]) for x in pnl["income"]), Decimal(0))
    assert revenue == Decimal("355.00")  # 2 x 25.00 USD at 7.10
    profit = page.locator("#profit").inner_text()
    assert profit.startswith(pnl["profit"]) and "CNY" in profit
    assert Decimal(pnl["profit"]) == revenue - Decimal("24.00")  # cost of 2 tees at 12.00
    assert page.get_by_role("heading", name=re.compile("利润表")).is_visible()


def _receipt_of(tenant, po_id):
    receipts = body(tenant.api.get(f"purchase-orders/{po_id}/receipts"))
    assert len(receipts) == 1, receipts
    return receipts[0]["id"]
