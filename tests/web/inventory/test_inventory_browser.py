"""Inventory in headless Chromium: a transfer walked from allocation to a partial receipt, and
a stocktake counted on a phone-sized screen."""

from __future__ import annotations

import re

import pytest

from core.inventory.service import stocktakes, transfers
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import snapshot, stock, warehouse

pytestmark = pytest.mark.browser


def _login(page, tenant) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_transfer_from_allocation_to_partial_receipt(browser_page, tenant_a, tenant_b):
    src, dst = warehouse(tenant_a, "SZ-BROWSER"), warehouse(tenant_a, "LA-BROWSER", country="US")
    sku = approved_sku(tenant_a, "BROWSER-TEE")
    stock(tenant_a, sku, src, 20, "3.00")
    with tenant_a.scope():
        transfer = transfers.create_transfer(
            source_warehouse_id=src, destination_warehouse_id=dst, lines=[{"sku_id": sku, "quantity": 8}]
        )
        tid, number = transfer.id, transfer.number
    page = browser_page
    _login(page, tenant_a)

    page.goto("/inventory/transfers")
    page.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(rf".*/inventory/transfers/{tid}$"))
    assert page.locator("h1 .badge", has_text="Draft").is_visible()

    page.get_by_role("button", name="Allocate").click()
    page.get_by_text("Allocated: the units are reserved at the source.").wait_for()
    assert snapshot(tenant_a, sku, src)["available"] == 12

    page.get_by_label("Carrier").fill("SF Express")
    page.get_by_label("Tracking number").fill("SF1234567")
    page.get_by_role("button", name="Ship", exact=True).click()
    page.get_by_text("Shipped: the units are in transit.").wait_for()
    assert page.locator("h1 .badge", has_text="Shipped").is_visible()

    page.get_by_label("BROWSER-TEE received (of 8)").fill("5")
    page.get_by_label("Discrepancy note").fill("3 units still on the truck")
    page.get_by_role("button", name="Post receipt").click()
    page.get_by_text("Receipt posted: Partially received.").wait_for()
    lines = page.locator("#lines tbody tr").first
    assert [c.strip() for c in lines.locator("td").all_inner_texts()[:5]] == ["BROWSER-TEE", "8", "5", "0", "3"]
    # The rest can still be received: the form now offers the 3 still in transit.
    assert page.get_by_label("BROWSER-TEE received (of 3)").is_visible()

    page.get_by_role("link", name="Stock", exact=True).first.click()
    page.get_by_label("Warehouse").select_option(label="LA-BROWSER · Test warehouse")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("#stock tbody tr", has_text="BROWSER-TEE")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[3] == "5" and cells[9] == "3"  # on hand, in transit (after SKU, product, warehouse)
    assert snapshot(tenant_a, sku, dst)["in_transit"] == 3


def test_counting_on_a_phone(browser, live_server, tenant_a):
    wh = warehouse(tenant_a, "PHONE-WH")
    sku = approved_sku(tenant_a, "PHONE-MUG")
    stock(tenant_a, sku, wh, 10, "2.00")
    with tenant_a.scope():
        st = stocktakes.create_stocktake(warehouse_id=wh)
        stocktakes.start_counting(st.id)
        sid = st.id
    context = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        _login(page, tenant_a)
        page.goto(f"/inventory/stocktakes/{sid}")
        field = page.get_by_label("Counted PHONE-MUG")
        box = field.bounding_box()
        assert box and box["width"] > 250 and box["height"] >= 40  # a thumb-sized input across the screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        field.fill("9")
        page.get_by_role("button", name="Save counts").click()
        page.get_by_text("Counts saved: 1.").wait_for()
        assert page.get_by_text("Gain 0.00 · loss 2.00 CNY").is_visible()
    finally:
        context.close()
