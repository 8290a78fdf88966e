"""Amazon SP-API wire details: LWA and RDT tokens, getOrders rules, NextToken, pacing, money."""

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from core.ports import ListingQuantity, RemoteRejected, ShipmentConfirmation
from core.testing import EmulatorHarness
from core.testing.channel import list_window
from plugins.channels.amazon.emulator import AmazonEmulator
from plugins.channels.amazon.mapping import order_from_amazon, order_with_items
from plugins.channels.amazon.plugin import AmazonAdapter


@pytest.fixture
def h():
    return EmulatorHarness(AmazonAdapter, AmazonEmulator)


def seed(h, n):
    ids = h.seed_orders(n)
    h.clock.advance(180)
    return ids


def token(h):
    client = httpx.Client(transport=httpx.WSGITransport(app=h.emulator), base_url="http://sp.test")
    answer = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": h.emulator.refresh_token,
            "client_id": h.emulator.client_id,
            "client_secret": h.emulator.client_secret,
        },
    ).json()
    assert answer["expires_in"] == 3600 and answer["access_token"].startswith("Atza|")
    client.headers["x-amz-access-token"] = answer["access_token"]
    return client


def iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_calls_without_an_access_token_are_refused(h):
    client = httpx.Client(transport=httpx.WSGITransport(app=h.emulator), base_url="http://sp.test")
    resp = client.get("/orders/v0/orders", params={"MarketplaceIds": "ATVPDKIKX0DER"})
    assert resp.status_code == 403 and resp.json()["errors"][0]["code"] == "Unauthorized"


def test_getorders_rules(h):
    client = token(h)
    now = h.clock.now()
    base = {"MarketplaceIds": "ATVPDKIKX0DER"}

    def ask(**params):
        resp = client.get("/orders/v0/orders", params={**base, **params})
        return resp.status_code, (resp.json().get("errors") or [{}])[0].get("code")

    assert ask(LastUpdatedAfter=iso(now - timedelta(hours=1)))[0] == 200
    assert ask(LastUpdatedAfter=iso(now - timedelta(hours=1)), LastUpdatedBefore=iso(now - timedelta(seconds=90))) == (
        400,
        "InvalidInput",
    )  # within two minutes of now
    assert (
        ask(LastUpdatedAfter=iso(now - timedelta(hours=1)), LastUpdatedBefore=iso(now - timedelta(minutes=3)))[0] == 200
    )
    assert ask(CreatedAfter=iso(now - timedelta(hours=1)), LastUpdatedAfter=iso(now - timedelta(hours=1)))[0] == 400
    assert ask()[0] == 400  # neither CreatedAfter nor LastUpdatedAfter
    assert ask(LastUpdatedAfter=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+09:00"))[0] == 400
    assert ask(LastUpdatedAfter=iso(now - timedelta(hours=1)), MaxResultsPerPage=101)[0] == 400
    assert client.get("/orders/v0/orders", params={"LastUpdatedAfter": iso(now)}).status_code == 400


def test_the_implicit_window_end_is_echoed_as_lastupdatedbefore(h):
    client = token(h)
    payload = client.get(
        "/orders/v0/orders",
        params={"MarketplaceIds": "ATVPDKIKX0DER", "LastUpdatedAfter": iso(h.clock.now() - timedelta(hours=1))},
    ).json()["payload"]
    assert payload["LastUpdatedBefore"] == iso(h.clock.now() - timedelta(minutes=2))


def test_the_adapter_refuses_windows_ending_too_close_to_now(h):
    with pytest.raises(RemoteRejected):
        h.adapter.list_orders(h.clock.now() - timedelta(hours=1), h.clock.now() - timedelta(minutes=1))
    assert h.adapter.ctx.transport.requests == []
    assert h.adapter.window_end() == h.clock.now() - timedelta(minutes=2, seconds=10)


def test_nexttoken_is_opaque_base64_sent_encoded_exactly_once(h):
    seed(h, 150)
    end = h.adapter.window_end()
    first = h.adapter.list_orders(end - timedelta(days=1), end)
    assert {"+", "/", "="} <= set(first.next_cursor)
    second = h.adapter.list_orders(end - timedelta(days=1), end, first.next_cursor)
    assert len(first.orders) == 100 and len(second.orders) == 50 and second.next_cursor is None
    query = h.adapter.ctx.transport.requests[-1].url.query.decode()
    assert "%2B" in query and "%2F" in query and "%3D" in query and "%252B" not in query
    client = token(h)
    broken = first.next_cursor.replace("+", " ")  # what an unencoded '+' becomes on the server
    resp = client.get("/orders/v0/orders", params={"MarketplaceIds": "ATVPDKIKX0DER", "NextToken": broken})
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "InvalidInput"


def test_lwa_tokens_are_cached_in_the_state_and_renewed_when_refused(h):
    h.adapter.check_connection()
    state = h.adapter.ctx.state
    assert state["lwa"]["token"].startswith("Atza|")
    again = h.connect(h.values, state=state)  # the next job gets the stored state
    again.check_connection()
    lwa_calls = [r for r in again.ctx.transport.requests if r.url.path == "/auth/o2/token"]
    assert lwa_calls == []
    h.emulator.expire_tokens()  # Amazon revokes it before our recorded expiry
    again.check_connection()
    statuses = again.ctx.transport.statuses()
    assert 403 in statuses and statuses[-1] == 200
    h.clock.advance(3600)  # close to expiry the token is renewed before use
    again.check_connection()
    assert [r.url.path for r in again.ctx.transport.requests].count("/auth/o2/token") == 2


def test_refused_lwa_credentials_raise_auth_error_without_leaking_them(h):
    from core.ports import AuthError

    bad = h.connect({**h.values, "client_secret": "wrong"})
    with pytest.raises(AuthError) as exc:
        bad.check_connection()
    assert "invalid_client" in str(exc.value) and "wrong" not in str(exc.value)


def test_buyer_pii_needs_a_restricted_data_token(h):
    seed(h, 20)
    with_pii = list_window(h.adapter, h.clock.now() - timedelta(days=1), h.adapter.window_end())
    shipped_to = [o for o in with_pii if o.shipping_address]
    assert shipped_to and all(o.shipping_address.line1 and o.shipping_address.name for o in shipped_to)
    assert any(r.url.path.startswith("/tokens/") for r in h.adapter.ctx.transport.requests)
    plain = h.connect({**h.values, "use_rdt": False})
    without = list_window(plain, h.clock.now() - timedelta(days=1), plain.window_end())
    addressed = [o for o in without if o.shipping_address]
    assert addressed and all(not o.shipping_address.line1 and o.shipping_address.postal_code for o in addressed)


def test_getorders_is_paced_at_one_call_a_minute_after_the_burst(h):
    seed(h, 50)
    h.clock.advance(3600)  # the bucket is full
    end = h.adapter.window_end()
    start = h.clock.now()
    for _ in range(22):
        h.adapter.list_orders(end - timedelta(days=1), end)
    assert 429 not in h.adapter.ctx.transport.statuses()
    assert h.clock.now() - start >= timedelta(seconds=110)  # two calls beyond the burst of 20


def test_getorderitems_pages_and_unit_price_is_itemprice_over_quantity(h):
    h.emulator.items_per_page = 1
    seed(h, 30)
    orders = list_window(h.adapter, h.clock.now() - timedelta(days=1), h.adapter.window_end())
    multi = next(o for o in orders if len(h.emulator.items[o.external_order_id]) > 1)
    full = h.adapter.fetch_order_lines(multi)
    assert len(full.lines) == len(h.emulator.items[multi.external_order_id]) and full.lines_complete
    item = h.emulator.items[multi.external_order_id][0]
    line = full.lines[0]
    assert line.line_total == Decimal(item["ItemPrice"]["Amount"])
    assert line.unit_price * line.quantity == line.line_total


def test_odd_item_prices_keep_the_exact_line_total():
    order = order_from_amazon(
        {
            "AmazonOrderId": "111-0000001-0000001",
            "PurchaseDate": "2026-10-01T19:49:35Z",
            "LastUpdateDate": "2026-10-01T20:02:10Z",
            "OrderStatus": "Unshipped",
            "MarketplaceId": "ATVPDKIKX0DER",
            "FulfillmentChannel": "MFN",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "10.00"},
        }
    )
    full = order_with_items(
        order,
        [
            {
                "OrderItemId": "1",
                "SellerSKU": "A",
                "QuantityOrdered": 3,
                "ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"},
            }
        ],
    )
    assert full.lines[0].line_total == Decimal("10.00")
    assert full.lines[0].unit_price.quantize(Decimal("0.0001")) == Decimal("3.3333")


def test_pending_orders_have_no_total_yet():
    order = order_from_amazon(
        {
            "AmazonOrderId": "111-0000001-0000002",
            "PurchaseDate": "2026-10-01T19:49:35Z",
            "LastUpdateDate": "2026-10-01T19:49:35Z",
            "OrderStatus": "Pending",
            "MarketplaceId": "A1VC38T7YXB528",
        }
    )
    assert order.total is None and order.status == "pending" and order.currency == "JPY"


@pytest.mark.parametrize(
    "marketplace, currency, inclusive", [("UK", "GBP", True), ("JP", "JPY", True), ("US", "USD", False)]
)
def test_marketplaces_price_in_their_currency_and_tax_convention(marketplace, currency, inclusive):
    h = EmulatorHarness(AmazonAdapter, AmazonEmulator, marketplace=marketplace)
    seed(h, 15)
    orders = list_window(h.adapter, h.clock.now() - timedelta(days=1), h.adapter.window_end())
    for order in orders:
        full = h.adapter.fetch_order_lines(order)
        assert full.currency == currency and full.prices_include_tax is inclusive
        if full.total is not None:
            goods = sum(line.amount - line.discount + line.shipping_price for line in full.lines)
            taxes = sum(line.item_tax + line.shipping_tax for line in full.lines)
            assert full.total == (goods if inclusive else goods + taxes)


def test_fba_orders_are_platform_fulfilled_and_cannot_be_confirmed(h):
    seed(h, 40)
    orders = list_window(h.adapter, h.clock.now() - timedelta(days=1), h.adapter.window_end())
    afn = [o for o in orders if o.raw["FulfillmentChannel"] == "AFN"]
    assert afn and all(o.fulfilment == "platform" for o in afn)
    pending = next(o for o in afn if o.status == "pending")
    h.emulator.change_order(pending.external_order_id, "pay")
    with pytest.raises(RemoteRejected):
        h.adapter.confirm_shipment(
            ShipmentConfirmation(
                pending.external_order_id, carrier="UPS", service="", tracking_number="1Z1", shipped_at=h.clock.now()
            )
        )


def test_shipment_confirmation_wire_format(h):
    seed(h, 20)
    order = next(
        o for o in h.emulator.orders.values() if o["OrderStatus"] == "Unshipped" and o["FulfillmentChannel"] == "MFN"
    )
    oid = order["AmazonOrderId"]
    h.adapter.confirm_shipment(
        ShipmentConfirmation(
            oid,
            carrier="Sagawa Express",
            service="Standard",
            tracking_number="SG123",
            shipped_at=h.clock.now(),
            tracking_url="https://sagawa.example/SG123",
            reference="SHP-9",
        )
    )
    body = h.shipments(oid)[0]["raw"]
    package = body["packageDetail"]
    assert body["marketplaceId"] == "ATVPDKIKX0DER"
    assert package["carrierCode"] == "Other" and package["carrierName"] == "Sagawa Express"
    assert package["packageReferenceId"].isdigit() and package["shipDate"].endswith("Z")
    assert order["OrderStatus"] == "Shipped"
    client = token(h)
    wrong_date = dict(body, packageDetail=dict(package, shipDate="02/21/2022"))
    assert client.post(f"/orders/v0/orders/{oid}/shipmentConfirmation", json=wrong_date).status_code == 400


def test_listing_quantities_go_through_the_listings_api(h):
    results = h.adapter.push_quantities([ListingQuantity("TL-CBL-USBC-1M", 12), ListingQuantity("NOT/LISTED", 1)])
    assert results[0].ok and not results[1].ok and "no listing" in results[1].message
    patch = next(r for r in h.adapter.ctx.transport.requests if r.method == "PATCH")
    assert patch.url.path.endswith("/TL-CBL-USBC-1M") and patch.url.params["marketplaceIds"] == "ATVPDKIKX0DER"
    assert h.emulator.quantities()["TL-CBL-USBC-1M"] == 12


@pytest.mark.parametrize(
    "written",
    [
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S+00:00",
        "%Y-%m-%dT%H:%M:%S.%fZ",
        "%Y-%m-%dT%H:%M:%S.%f+00:00",
        "%Y-%m-%dT%H:%M:%S.%f",
    ],
)
def test_getorders_takes_utc_however_isoformat_writes_it(h, written):
    ids = seed(h, 5)
    client = token(h)
    after = (h.clock.now() - timedelta(hours=2)).strftime(written)
    answer = client.get("/orders/v0/orders", params={"MarketplaceIds": "ATVPDKIKX0DER", "LastUpdatedAfter": after})
    assert answer.status_code == 200, answer.text
    assert sorted(o["AmazonOrderId"] for o in answer.json()["payload"]["Orders"]) == sorted(ids)


def test_order_address_and_buyer_info_show_pii_only_with_a_restricted_data_token(h):
    seed(h, 20)
    order = next(o for o in h.emulator.orders.values() if o["OrderStatus"] == "Unshipped")
    oid = order["AmazonOrderId"]
    client = token(h)
    plain_address = client.get(f"/orders/v0/orders/{oid}/address").json()["payload"]
    assert plain_address["AmazonOrderId"] == oid and plain_address["ShippingAddress"]["PostalCode"]
    assert "AddressLine1" not in plain_address["ShippingAddress"]
    assert client.get(f"/orders/v0/orders/{oid}/buyerInfo").json()["payload"] == {"AmazonOrderId": oid}
    paths = [f"/orders/v0/orders/{oid}/address", f"/orders/v0/orders/{oid}/buyerInfo"]
    rdt = client.post(
        "/tokens/2021-03-01/restrictedDataToken",
        json={"restrictedResources": [{"method": "GET", "path": p} for p in paths]},
    ).json()["restrictedDataToken"]
    restricted = {"x-amz-access-token": rdt}
    address = client.get(paths[0], headers=restricted).json()["payload"]["ShippingAddress"]
    assert address["AddressLine1"] and address["Name"]
    buyer = client.get(paths[1], headers=restricted).json()["payload"]
    assert buyer["BuyerEmail"].endswith("@marketplace.amazon.com") and buyer["BuyerName"]
    assert client.get("/orders/v0/orders/902-0000000-0000000/address").status_code == 404
