"""The Amazon emulator driven over real HTTP by `python-amazon-sp-api` (saleweaver), which the
adapter shares no code with. Pointing it at the emulator takes what shared/reference/channels.md
§1.6 describes: a marketplace-like object for the host, and a Login-with-Amazon client class
with its host and scheme replaced. The client sends a Host header cut from the endpoint
(`endpoint[8:]`); the emulator, like Amazon behind its load balancers, does not route by it."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sp_api.api import ListingsItems, Orders, Tokens
from sp_api.auth import AccessTokenClient, access_token_client
from sp_api.base import SellingApiForbiddenException

from core.testing.channel_server import served
from plugins.channels.amazon.emulator import AmazonEmulator


@pytest.fixture
def amazon():
    emulator = AmazonEmulator(seed=4)
    emulator.faults.rate_scale = 1000  # the published rates, a thousand times faster
    access_token_client.cache.clear()  # the library keeps tokens module-wide, by refresh token
    with served(emulator) as base_url:
        # Login with Amazon at the emulator (the library has api.amazon.com built in)
        lwa = type("LocalLWA", (AccessTokenClient,), {"scheme": "http://", "host": base_url.removeprefix("http://")})

        marketplace = SimpleNamespace(endpoint=base_url, marketplace_id=emulator.marketplace.id, region="us-east-1")
        credentials = {
            "refresh_token": emulator.refresh_token,
            "lwa_app_id": emulator.client_id,
            "lwa_client_secret": emulator.client_secret,
        }

        def client(cls, **options):
            return cls(marketplace=marketplace, credentials=credentials, auth_token_client_class=lwa, **options)

        yield emulator, client


def test_orders_paged_with_python_datetimes_then_fetched_with_their_pii(amazon):
    emulator, client = amazon
    now = datetime.now(UTC)
    ids = emulator.generate_orders(25, start=now - timedelta(hours=5), end=now - timedelta(hours=3))
    orders = client(Orders)
    # datetime.isoformat(): an offset of +00:00 and microseconds, as the library's README does it
    page = orders.get_orders(LastUpdatedAfter=(now - timedelta(hours=6)).isoformat(), MaxResultsPerPage=10)
    seen = [o["AmazonOrderId"] for o in page.payload["Orders"]]
    while page.next_token:
        page = orders.get_orders(NextToken=page.next_token)
        seen.extend(o["AmazonOrderId"] for o in page.payload["Orders"])
    assert sorted(seen) == sorted(ids) and len(seen) == 25

    shipped_to = next(i for i in ids if emulator.orders[i]["OrderStatus"] == "Unshipped")
    assert orders.get_order(shipped_to).payload["AmazonOrderId"] == shipped_to
    items = orders.get_order_items(shipped_to).payload["OrderItems"]
    assert items and items[0]["SellerSKU"]
    plain = orders.get_order_address(shipped_to).payload["ShippingAddress"]
    assert plain["PostalCode"] and "AddressLine1" not in plain  # PII needs a Restricted Data Token
    paths = [f"/orders/v0/orders/{shipped_to}/address", f"/orders/v0/orders/{shipped_to}/buyerInfo"]
    rdt = client(Tokens).create_restricted_data_token(
        restrictedResources=[{"method": "GET", "path": path} for path in paths]
    )
    restricted = client(Orders, restricted_data_token=rdt.payload["restrictedDataToken"])
    assert restricted.get_order_address(shipped_to).payload["ShippingAddress"]["AddressLine1"]
    buyer = restricted.get_order_buyer_info(shipped_to).payload
    assert buyer["BuyerName"] and buyer["BuyerEmail"]


def test_shipment_confirmation_and_stock_through_the_listings_api(amazon):
    emulator, client = amazon
    now = datetime.now(UTC)
    ids = emulator.generate_orders(20, start=now - timedelta(hours=5), end=now - timedelta(hours=3))
    oid = next(
        i
        for i in ids
        if emulator.orders[i]["OrderStatus"] == "Unshipped" and emulator.orders[i]["FulfillmentChannel"] == "MFN"
    )
    lines = [{"orderItemId": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in emulator.items[oid]]
    client(Orders).confirm_shipment(
        oid,
        marketplaceId=emulator.marketplace.id,
        packageDetail={
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z0009",
            "shipDate": now.isoformat(),
            "orderItems": lines,
        },
    )
    assert emulator.orders[oid]["OrderStatus"] == "Shipped"
    assert [s["tracking_number"] for s in emulator.shipments] == ["1Z0009"]

    sku = next(iter(emulator.listings))
    answer = client(ListingsItems).patch_listings_item(
        emulator.seller_id,
        sku,
        marketplaceIds=[emulator.marketplace.id],
        body={
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 9}],
                }
            ],
        },
    )
    assert answer.payload["status"] == "ACCEPTED" and emulator.quantities()[sku] == 9


def test_refused_credentials(amazon):
    emulator, client = amazon
    orders = client(Orders, restricted_data_token="Atz.sprdt|forged")
    with pytest.raises(SellingApiForbiddenException):
        orders.get_orders(LastUpdatedAfter=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
