"""The shipping journey in headless Chromium, from a Shopify order to its confirmation on the
shop: the order comes in from the Shopify emulator and is approved and allocated on import;
staff buy labels for the selected orders (every service quoted, the rules choose), watch the
batch, open the order, print its label, open the shipment, record the pick, pack it by
scanning and hand it over; tracking advances to delivered; and the Shopify emulator holds the
fulfillment with the tracking number and the carrier's tracking URL. The pages are
photographed in English and Chinese (under the pytest temporary directory) for review."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.testing.orders import SampleAddress, SampleLine, SampleOrder
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import stock
from tests.core.shipping.conftest import CUSTOMS, _shipbox_registered, make_shop, shipbox  # noqa: F401 - fixtures
from tests.core.sync.helpers import connect

pytestmark = pytest.mark.browser

CABLE = "TL-CBL-USBC-1M"  # in the emulators' catalogue


def _login(page, tenant) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))


def _shopify_order(channel) -> str:
    now = channel.clock.now()
    sample = SampleOrder(
        seq=1,
        created_at=now - timedelta(hours=1),
        buyer_name="Jamie Buyer",
        buyer_email="jamie@example.test",
        address=SampleAddress("Jamie Buyer", "12 Main St", "", "Austin", "TX", "78701", "US", "+1 512 555 0100"),
        currency="USD",
        lines=(SampleLine(CABLE, "Braided USB-C cable 1 m", 2, Decimal("7.49")),),
        shipping=Decimal("4.99"),
        tax_rate=Decimal("0.0825"),
    )
    return str(channel.emulator.add_order(sample))


def test_a_shopify_order_is_labelled_picked_packed_shipped_tracked_and_confirmed(
    browser_page, tenant_a, tenant_b, shipbox, tmp_path
):
    shop = make_shop(tenant_a)
    cable = approved_sku(
        tenant_a,
        CABLE,
        gross_weight_g=80,
        net_weight_g=60,
        customs={**CUSTOMS, "hs_code": "854442", "name_en": "USB cable", "name_zh": "数据线"},
    )
    stock(tenant_a, cable, shop.warehouse, 20)
    box = shipbox(tenant_a)
    channel = connect(tenant_a, "shopify")
    try:
        external = _shopify_order(channel)
        channel.settle()
        channel.sync()
        (order,) = channel.orders()
        assert order.status == "allocated" and order.external_order_id == external
        other = shop.order()  # a second order in the same batch
        page = browser_page
        _login(page, tenant_a)

        page.goto("/shipping/awaiting")
        expect(page.locator("#awaiting")).to_contain_text(order.number)
        page.screenshot(path=str(tmp_path / "awaiting-en.png"), full_page=True)
        page.get_by_role("button", name="Buy labels").click()
        expect(page.locator("#batch-results")).to_contain_text("Bought")
        expect(page.get_by_role("link", name="Print labels (PDF)")).to_be_visible()
        page.screenshot(path=str(tmp_path / "batch-en.png"), full_page=True)
        assert len(box.emulator.labels) == 2 and shop.status(other) == "awaiting_shipment"

        # The order page prints the label it now has.
        page.goto(f"/orders/{order.id}")
        with page.expect_popup() as popup:
            page.locator("#order-print-label").click()
        assert popup.value.url.endswith(f"/shipping/orders/{order.id}/label")
        popup.value.close()
        page.screenshot(path=str(tmp_path / "order-en.png"), full_page=True)

        page.goto(f"/shipping/orders/{order.id}")
        expect(page.locator("#quotes")).to_contain_text("mystery")
        page.get_by_role("button", name="Record the pick").click()
        expect(page.get_by_text("The pick is recorded.")).to_be_visible()
        expect(page.locator("#contents")).to_contain_text(CABLE)
        page.locator("#f-scans").fill(f"{CABLE}\n{CABLE}")
        page.get_by_role("button", name="Check and pack").click()
        expect(page.get_by_text("Packed: the parcel matches the order.")).to_be_visible()
        page.get_by_role("button", name="Hand over to the carrier").click()
        expect(page.get_by_text("Handed over: the order is shipped.")).to_be_visible()
        with tenant_a.scope():
            from core.shipping import service as shipping

            shipment = shipping.live_shipment(order.id)
            number, url = shipment.tracking_number, shipment.tracking_url
        assert url == f"https://track.shipbox.test/{number}"
        box.emulator.scan(number, "in_transit", "Departed Shenzhen hub", datetime(2026, 12, 2, tzinfo=UTC), "DP")
        box.emulator.scan(number, "delivered", "Delivered, signed by J. Buyer", datetime(2026, 12, 5, tzinfo=UTC), "DL")
        page.get_by_role("button", name="Track now").click()
        expect(page.locator("#timeline")).to_contain_text("Delivered, signed by J. Buyer")
        page.screenshot(path=str(tmp_path / "shipment-en.png"), full_page=True)
        assert shop.status(order.id) == "delivered"

        # The shop has the confirmation: Shopify's fulfillment with the number and the URL.
        (fulfillment,) = channel.emulator.fulfillments[int(external)]
        assert (fulfillment["tracking_number"], fulfillment["tracking_url"]) == (number, url)
        assert fulfillment["tracking_company"] == "shipbox"
        assert [li["sku"] for li in fulfillment["line_items"]] == [CABLE]

        page.goto("/shipping/")
        page.get_by_role("button", name="中文").click()
        expect(page.locator("h1")).to_have_text("运单")
        page.screenshot(path=str(tmp_path / "shipments-zh.png"), full_page=True)
        print(f"screenshots in {tmp_path}")
    finally:
        channel.close()
