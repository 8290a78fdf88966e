"""In headless Chromium, the whole buying journey of a seller: a product with two variants
reviewed into SKUs, a supplier reviewed and quoting, a stocking request approved into a
purchase order, goods received with one unit failing QC, and the stock that results; with a
second tenant buying at the same time."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest

from tests.core.purchasing.helpers import approved_order, buyer, inspect, receive

pytestmark = pytest.mark.browser


def _login(page, tenant) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))


def _click(page, name: str) -> None:
    """Press a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_product_to_stock_through_a_purchase_order(browser_page, tenants):
    from core.inventory.service.warehouses import create_location, create_warehouse

    a, b = tenants
    # Tenant B buys the same way at the same time; nothing of it may show for A.
    other = buyer(b)
    inspect(other, receive(other, approved_order(other, (7,)), 7), (7, 0))
    with b.scope():
        from core.suppliers.service import get_supplier

        other_supplier = get_supplier(other.supplier_id).name
    # Warehouses are set up by inventory (which has no pages yet).
    with a.scope():
        wh = create_warehouse(code=f"SZ-{secrets.token_hex(2)}", name="Shenzhen DC", type="domestic", country="CN")
        create_location(wh.id, code="A-01-01")
        wh_id = wh.id
    page = browser_page
    _login(page, a)

    # A product with two variants, reviewed: its SKUs get codes.
    page.goto("/catalog/products/new")
    page.get_by_label("Title (English)").fill("Ceramic mug")
    page.get_by_label("Variant attributes").fill("colour: White, Black")
    _click(page, "Save")
    _click(page, "Submit for review")
    _click(page, "Approve")
    assert page.locator("h1 .badge", has_text="Approved").is_visible()
    codes = [c.strip() for c in page.locator("#skus tbody tr td:first-child a").all_inner_texts()]
    assert len(codes) == 2 and all(codes), codes
    white = codes[0]

    # A supplier, reviewed, quoting the white mug.
    page.goto("/suppliers/new")
    page.locator("#f-name").fill("Jingdezhen Ceramics")  # the contact has a "Name" too
    _click(page, "Save")
    _click(page, "Submit for review")
    _click(page, "Approve")
    page.get_by_text("Set a price").click()
    page.get_by_label("SKU code").fill(white)
    page.get_by_label("Unit price").fill("12.50")
    page.get_by_label("Lead time (days)").fill("10")
    _click(page, "Save price")
    assert page.locator("#prices", has_text=white).is_visible()

    # A stocking request, approved, becomes a purchase order.
    page.goto("/purchasing/requests/new")
    page.get_by_label("SKU code").fill(white)
    page.get_by_label("Quantity").fill("20")
    page.get_by_label("Destination warehouse").select_option(str(wh_id))
    page.get_by_label("Needed by").fill((date.today() + timedelta(days=30)).isoformat())
    supplier = page.locator("#f-supplier_id option", has_text="Jingdezhen Ceramics").get_attribute("value")
    page.get_by_label("Supplier").select_option(supplier)
    _click(page, "Submit for approval")
    assert page.locator("h1 .badge", has_text="Awaiting approval").is_visible()
    _click(page, "Approve")
    assert page.locator("h1 .badge", has_text="Approved").is_visible()
    number = page.locator("h1").inner_text().split()[0]

    page.goto("/purchasing/requests?status=approved")
    page.get_by_label(number).check()
    _click(page, "Create purchase orders from the ticked requests")
    assert page.locator("h1 .badge", has_text="Draft").is_visible()
    assert page.get_by_text("CN¥250.00").first.is_visible()  # 20 x 12.50 (the SKU has no input VAT rate)
    _click(page, "Approve")
    assert page.locator("h1 .badge", has_text="Approved").is_visible()
    assert page.locator("td.stock", has_text="Inbound 20").is_visible()

    # Receive the 20; QC fails one.
    with page.expect_navigation():
        page.get_by_role("link", name="Receive goods").click()
    assert page.get_by_label("Arrived now").input_value() == "20"
    page.get_by_label("Tracking number").fill("SF1234500")
    _click(page, "Record receipt")
    assert page.locator("h1 .badge", has_text="Awaiting QC").is_visible()
    page.get_by_label("Passed").fill("19")
    page.get_by_label("Failed").fill("1")
    page.get_by_label("Defect reasons").fill("chipped rim")
    page.get_by_label("Put away to bin").select_option(label="A-01-01")
    _click(page, "Record QC")
    assert page.locator("h1 .badge", has_text="Inspected").is_visible()
    assert page.locator("#receipt-lines", has_text="chipped rim").is_visible()

    # The order shows the stock that resulted at the destination.
    with page.expect_navigation():
        page.locator("dd a").first.click()
    stock = page.locator("td.stock").inner_text()
    assert "On hand 19" in stock and "In QC 0" in stock and "Unsellable 1" in stock and "Inbound 0" in stock
    assert page.locator("h1 .badge", has_text="Received").is_visible()
    line = page.locator("#lines tbody tr").first.inner_text()
    assert white in line and "19" in line

    # Inventory's stock page agrees (columns: SKU, product, warehouse, on hand, reserved, available,
    # in QC, unsellable, on order): 19 on hand, none in QC, 1 unsellable, nothing on order.
    page.goto(f"/inventory/?q={white}")
    cells = page.locator("#stock tbody tr", has_text=white).locator("td").all_inner_texts()
    assert [cells[i].strip() for i in (3, 6, 7, 8)] == ["19", "0", "1", "0"], cells

    # Nothing of tenant B's shows up for A.
    page.goto("/purchasing/")
    assert other_supplier not in page.content() and "Jingdezhen Ceramics" in page.content()
    page.goto("/purchasing/scorecards")
    assert page.locator("#scorecards", has_text="Jingdezhen Ceramics").is_visible()
    assert other_supplier not in page.content()
    # And inventory agrees with the page.
    with a.scope():
        from core.catalog.service import find_sku_by_code
        from core.inventory import service as inventory

        buckets = inventory.get_buckets(find_sku_by_code(white).id, wh_id)
    assert (buckets.on_hand, buckets.unsellable, buckets.qc_pending) == (19, 1, 0)
