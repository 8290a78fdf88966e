"""The Shopify emulator driven over real HTTP by Shopify's own `ShopifyAPI` library
(Shopify/shopify_python_api: pyactiveresource over urllib), which the adapter shares no code
with (shared/reference/channels.md §2.7)."""

import pytest
import shopify
from pyactiveresource.connection import UnauthorizedAccess

from core.testing.channel_server import served
from plugins.channels.shopify.emulator import SHOP_DOMAIN, ShopifyEmulator

VERSION = "2026-10"


@pytest.fixture
def shop():
    """The emulator served, and ShopifyAPI's session pointed at it (its documented way for a
    host that is not *.myshopify.com: set_site after activating the session)."""
    emulator = ShopifyEmulator(seed=5)
    with served(emulator) as base_url:
        session = shopify.Session(SHOP_DOMAIN, VERSION, emulator.access_token)
        shopify.ShopifyResource.activate_session(session)
        shopify.ShopifyResource.set_site(f"{base_url}/admin/api/{VERSION}")
        try:
            yield emulator
        finally:
            shopify.ShopifyResource.clear_session()


def test_authentication_and_the_shop(shop):
    assert shopify.Shop.current().myshopify_domain == SHOP_DOMAIN
    shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = "shpat_wrong"
    with pytest.raises(UnauthorizedAccess):
        shopify.Shop.current()


def test_paging_every_order_and_counting_them(shop):
    ids = shop.generate_orders(23)
    shop.change_order(ids[0], "cancel")
    page = shopify.Order.find(limit=10, status="any")
    seen = [o.id for o in page]
    while page.has_next_page():
        page = page.next_page()
        seen.extend(o.id for o in page)
    assert sorted(map(str, seen)) == sorted(ids) and len(seen) == 23
    assert shopify.Order.count(status="any") == 23 and shopify.Order.count() == 22
    one = shopify.Order.find(ids[1])
    assert str(one.id) == ids[1] and one.line_items


def test_fulfilment_with_tracking_and_a_stock_update(shop):
    (oid,) = shop.generate_orders(1)
    (fulfilment_order,) = shopify.FulfillmentOrders.find(order_id=oid)
    fulfilment = shopify.FulfillmentV2(
        {
            "line_items_by_fulfillment_order": [{"fulfillment_order_id": fulfilment_order.id}],
            "tracking_info": {"number": "1Z0001", "company": "UPS", "url": "https://ups.example/1Z0001"},
            "notify_customer": True,
        }
    )
    assert fulfilment.save(), fulfilment.errors.full_messages()
    assert fulfilment.tracking_number == "1Z0001"
    assert shopify.Order.find(oid).fulfillment_status == "fulfilled"
    assert [s["tracking_number"] for s in shop.shipments] == ["1Z0001"]

    (location,) = shopify.Location.find()
    variant = shopify.Product.find(limit=1)[0].variants[0]
    level = shopify.InventoryLevel.set(location.id, variant.inventory_item_id, 17)
    assert level.available == 17 and shop.quantities()[variant.sku] == 17
