"""A bulk action in headless Chromium, in Chinese: tick two submitted products, approve them
from the list, and read each one's outcome."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.catalog import service as catalog
from tests.web.test_dashboard_browser import chinese_page

pytestmark = pytest.mark.browser


def test_approve_ticked_products_in_chinese(browser, live_server, tenant_a, tmp_path):
    with tenant_a.scope():
        ids = []
        for title in ("批量台灯", "批量水杯"):
            p = catalog.create_product({"title_zh": title, "skus": [{"gross_weight_g": 100, "net_weight_g": 90}]})
            catalog.submit_product(p.id)
            ids.append(p.id)
    context, page = chinese_page(browser, live_server, tenant_a)
    page.goto("/catalog/?status=submitted")
    for title in ("批量台灯", "批量水杯"):
        page.get_by_role("checkbox", name=title).check()
    page.screenshot(path=str(tmp_path / "bulk-zh.png"), full_page=True)
    page.locator(".bulk-bar").get_by_role("button", name="审核通过").click()
    expect(page.locator("#bulk-summary")).to_have_text("2 条中 2 条已完成。")
    expect(page.locator("#bulk-results tbody tr")).to_have_count(2)
    with tenant_a.scope():
        assert {catalog.get_product(i).status for i in ids} == {"approved"}
    context.close()
