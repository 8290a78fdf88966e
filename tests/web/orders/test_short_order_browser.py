"""The short-order action in headless Chromium, in Chinese: the order page names the missing
units and one click raises the stocking request for them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.orders.test_short_order import _short_order
from tests.web.test_dashboard_browser import chinese_page

pytestmark = pytest.mark.browser


def test_raise_a_stocking_request_from_a_short_order(browser, live_server, tenant_a, tmp_path):
    order_id, number, sz, _de = _short_order(tenant_a)
    context, page = chinese_page(browser, live_server, tenant_a)
    page.goto(f"/orders/{order_id}?short_warehouse_id={sz}")
    panel = page.locator("#short-order")
    expect(panel.get_by_role("heading", name="缺货")).to_be_visible()
    expect(panel.locator("#missing tbody tr")).to_have_count(1)
    expect(panel.locator("#missing tbody tr td").last).to_have_text("3")
    page.screenshot(path=str(tmp_path / "short-order-zh.png"), full_page=True)
    panel.get_by_role("button", name="为缺少的数量创建备货申请").click()
    expect(page.locator(".flash, .alert").filter(has_text="SR-")).to_be_visible()
    requests = tenant_a.api.get("stocking-requests?status=submitted").get_json()
    assert [(r["sku_code"], r["quantity"]) for r in requests] == [("SH-MUG", 3)] and number in requests[0]["note"]
    context.close()
