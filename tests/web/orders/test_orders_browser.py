"""The order journey in headless Chromium: an order arrives pending review, staff approve
and allocate it, allocation splits it by warehouse, one part ships and one line of the other
is refunded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.orders import service
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line, settings, snapshot, stock, warehouse

pytestmark = pytest.mark.browser


def _login(page, tenant) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_review_allocate_split_ship_and_refund(browser_page, tenant_a, tenant_b):
    tenant, page = tenant_a, browser_page
    conn = connection(tenant, "Shopify EU")
    mug, lid, cup = approved_sku(tenant, "BR-MUG"), approved_sku(tenant, "BR-LID"), approved_sku(tenant, "BR-CUP")
    sz, de = warehouse(tenant, "BR-SZ", country="CN"), warehouse(tenant, "BR-DE", country="DE")
    stock(tenant, mug, sz, 5)
    stock(tenant, lid, de, 5)
    stock(tenant, cup, de, 5)
    settings(tenant, auto_allocate=False, allocation_policy="split")
    with tenant.scope():
        imported = service.upsert_from_channel(
            conn,
            channel_order(
                line("BR-MUG", 1, "12.00"),
                line("BR-LID", 1, "3.00"),
                line("BR-CUP", 2, "6.00"),
                ext="#1001",
                country="DE",
            ),
        )
        number = service.get_order(imported.order_id).number

    _login(page, tenant)
    page.goto("/orders/?status=pending_review")
    page.get_by_role("link", name=number).click()
    expect(page.locator("#review-note")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved.")).to_be_visible()

    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Allocation done.")).to_be_visible()
    children = page.locator("#children a")
    expect(children).to_have_text([f"{number}-1", f"{number}-2"])

    page.get_by_role("link", name=f"{number}-2").click()  # the mug, from Shenzhen (the larger part is -1)
    expect(page.locator("#lines td", has_text="BR-MUG").first).to_be_visible()
    dialog = page.locator("#ship-dialog")
    dialog.locator("summary").click()
    dialog.get_by_label("Carrier").fill("DHL")
    dialog.get_by_label("Tracking number").fill("JD014600003")
    page.get_by_role("button", name="Record the shipment").click()
    expect(page.get_by_text("Shipment recorded.")).to_be_visible()
    expect(page.locator("#shipments").get_by_text("JD014600003")).to_be_visible()

    page.goto("/orders/?q=" + number)
    page.get_by_role("link", name=f"{number}-1").click()  # lid and cups, from Germany
    dialog = page.locator("#refund-dialog")
    dialog.locator("summary").click()
    dialog.get_by_label("Refunded").select_option("offline")
    dialog.get_by_label("Units to refund BR-LID").fill("1")
    dialog.get_by_label("Reason").fill("lid out of production")
    page.get_by_role("button", name="Record the refund").click()
    expect(page.get_by_text("Refund recorded.")).to_be_visible()
    expect(page.locator("#refunds").get_by_text("$3.00")).to_be_visible()
    expect(page.locator("#lines").get_by_text("1 cancelled")).to_be_visible()

    assert snapshot(tenant, mug, sz)["on_hand"] == 4
    assert snapshot(tenant, lid, de)["reserved"] == 0 and snapshot(tenant, cup, de)["reserved"] == 2
