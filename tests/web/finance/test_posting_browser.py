"""Posting the books in headless Chromium on a live server, in Chinese: the accounting
connection tested, its unmapped accounts filled in on the mapping screen, a run posted, every
voucher posted with its place in the beancount file, and the voucher page saying where."""

from __future__ import annotations

import re

import pytest

from tests.core.finance.helpers import shipped, shop, sku_line
from tests.core.finance.test_posting import beancount_name, beancount_target, results, transactions

pytestmark = pytest.mark.browser


def test_map_and_post_in_the_browser(browser_page, live_server, tenant_a, tmp_path):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 2, "30.00"))
    path = tmp_path / "browser.beancount"
    conn = beancount_target(tenant_a, path, "账本文件")

    page = browser_page
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant_a.owner_email)
    page.get_by_label("Password").fill(tenant_a.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()

    page.goto("/finance/posting")
    page.get_by_role("button", name="测试连接").click()
    page.wait_for_load_state()
    page.goto(f"/finance/posting/{conn}")
    assert page.locator("tr.unmapped").count() >= 2  # the unmapped accounts, first
    for field in page.locator('input[name^="code:account:"]').all():
        code = field.get_attribute("name").split(":", 2)[2]
        field.fill(beancount_name(code))
    page.get_by_role("button", name="保存映射").click()
    page.wait_for_load_state()
    assert page.locator("tr.unmapped").count() == 0
    page.locator('form input[name="start_date"][required]').fill("2000-01-01")
    page.get_by_role("button", name="过账凭证").click()
    page.wait_for_load_state()
    page.goto(f"/finance/posting/{conn}#results")
    page.screenshot(path=str(tmp_path / "posting.png"), full_page=True)
    table = page.locator("#results-table").inner_text()
    posted = results(tenant_a, conn)
    assert posted and all(p["status"] == "posted" for p in posted)
    assert table.count("已过账") >= len(posted) and "browser.beancount:" in table
    assert len(transactions(path)) == len(posted)

    page.goto(f"/finance/vouchers/{posted[0]['voucher_id']}")
    assert posted[0]["external_number"] in page.locator("#voucher-postings").inner_text()
    page.screenshot(path="/tmp/post-voucher.png", full_page=True)
    import shutil

    shutil.copy(tmp_path / "posting.png", "/tmp/post-posting.png")
