"""The dashboard charts in headless Chromium, in Chinese: drawn from the page's own static
script (no CDN, no policy violation), and a bar opens the list behind it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.db import utcnow
from core.orders import service
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line, stock, warehouse

pytestmark = pytest.mark.browser


def chinese_page(browser, live_server, tenant):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.goto("/login")
    page.locator("input[name=email]").fill(tenant.owner_email)
    page.locator("input[name=password]").fill(tenant.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_role("button", name="中文").click()  # the owner's saved language is English
    page.wait_for_load_state()
    return context, page


def test_charts_draw_in_chinese_and_a_bar_opens_its_list(browser, live_server, tenant_a, tmp_path):
    conn = connection(tenant_a, "亚马逊美国")
    for code, wh_code, qty in (("DB-MUG", "DB-SZ", 30), ("DB-LAMP", "DB-LA", 12)):
        sku = approved_sku(tenant_a, code)
        stock(tenant_a, sku, warehouse(tenant_a, wh_code), qty, cost="8.00")
    now = utcnow()
    with tenant_a.scope():
        for days, code, qty in ((0, "DB-MUG", 3), (1, "DB-MUG", 1), (3, "DB-LAMP", 2), (3, "DB-MUG", 1)):
            service.upsert_from_channel(
                conn, channel_order(line(code, qty, "9.90"), purchased_at=now - timedelta(days=days, minutes=1))
            )
    errors: list[str] = []
    context, page = chinese_page(browser, live_server, tenant_a)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/")
    expect(page.get_by_role("heading", name="仪表盘")).to_be_visible()
    charts = page.locator("#charts")
    for caption in ("各店铺每日订单数", "各店铺每日销售额", "热销 SKU", "各仓库存金额", "库龄", "待审核队列"):
        expect(charts.locator("figcaption", has_text=caption)).to_be_visible()
    orders = charts.locator("figure", has=page.locator("figcaption", has_text="各店铺每日订单数"))
    expect(orders.locator("svg rect")).to_have_count(14)  # one shop, 14 days
    top = charts.locator("figure", has=page.locator("figcaption", has_text="热销 SKU"))
    expect(top.locator("svg text", has_text="DB-MUG")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard-zh.png"), full_page=True)

    top.locator("a.chart-link").first.click()  # the best seller's bar: its orders
    page.wait_for_url(re.compile(r".*/orders/\?sku=DB-MUG"))
    expect(page.locator("table tbody tr")).to_have_count(3)
    assert not [e for e in errors if "CSP" in e], errors
    context.close()
