"""Shopify wire details: pagination, leaky bucket, webhooks, money and status mapping."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from core.ports import ListingQuantity, RateLimited, ShipmentConfirmation, TransientError
from core.testing import EmulatorHarness
from core.testing.channel import list_window
from plugins.channels.shopify.emulator import ShopifyEmulator
from plugins.channels.shopify.mapping import order_from_shopify, status_of
from plugins.channels.shopify.plugin import ShopifyAdapter


@pytest.fixture
def h():
    return EmulatorHarness(ShopifyAdapter, ShopifyEmulator)


def raw_client(h, token=True):
    headers = {"X-Shopify-Access-Token": h.emulator.access_token} if token else {}
    return httpx.Client(
        transport=httpx.WSGITransport(app=h.emulator), base_url="http://shop.test/admin/api/2026-10/", headers=headers
    )


def seed(h, n):
    ids = h.seed_orders(n)
    h.clock.advance(60)
    return ids


def test_requests_without_the_access_token_are_refused(h):
    resp = raw_client(h, token=False).get("orders.json")
    assert resp.status_code == 401
    assert "Invalid API key or access token" in resp.json()["errors"]


def test_default_status_hides_cancelled_orders_so_the_adapter_asks_for_any(h):
    ids = seed(h, 3)
    h.emulator.change_order(ids[0], "cancel")
    h.clock.advance(10)  # past the adapter's list lag
    listed = raw_client(h).get("orders.json").json()["orders"]
    assert ids[0] not in {str(o["id"]) for o in listed}
    orders = list_window(h.adapter, h.clock.now() - timedelta(days=1), h.adapter.window_end())
    assert {o.external_order_id: o.status for o in orders}[ids[0]] == "cancelled"
    first = h.adapter.ctx.transport.requests[0].url.params
    assert first["status"] == "any" and first["order"] == "updated_at asc"


def test_page_info_is_used_alone_and_filters_next_to_it_are_refused(h):
    seed(h, 30)
    client = raw_client(h)
    first = client.get("orders.json", params={"limit": 10, "status": "any"})
    assert 'rel="next"' in first.headers["Link"] and 'rel="previous"' not in first.headers["Link"]
    page_info = parse_qs(urlparse(first.links["next"]["url"]).query)["page_info"][0]
    refused = client.get("orders.json", params={"limit": 10, "page_info": page_info, "status": "any"})
    assert refused.status_code == 400 and "status cannot be passed" in refused.json()["errors"]["status"]
    second = client.get("orders.json", params={"limit": 10, "page_info": page_info})
    assert second.status_code == 200 and 'rel="previous"' in second.headers["Link"]
    back = parse_qs(urlparse(second.links["previous"]["url"]).query)["page_info"][0]
    again = client.get("orders.json", params={"limit": 10, "page_info": back}).json()["orders"]
    assert [o["id"] for o in again] == [o["id"] for o in first.json()["orders"]]
    # The adapter's follow-up pages carry page_info and limit only.
    list_window(h.adapter, h.clock.now() - timedelta(days=1), h.adapter.window_end())
    for request in h.adapter.ctx.transport.requests:
        if "page_info" in request.url.params:
            assert set(request.url.params) == {"page_info", "limit"}
    limit_over = client.get("orders.json", params={"limit": 251})
    assert limit_over.status_code == 400


def test_an_order_changed_mid_window_is_not_skipped(h):
    ids = seed(h, 600)
    end = h.adapter.window_end()
    start = end - timedelta(days=1)
    first = h.adapter.list_orders(start, end)
    unseen = next(i for i in ids if i not in {o.external_order_id for o in first.orders})
    h.emulator.change_order(ids[0], "touch")  # an order already seen moves to the end
    h.emulator.change_order(unseen, "address")  # an order not seen yet moves past the window
    rest, cursor = [], first.next_cursor
    while cursor:
        page = h.adapter.list_orders(start, end, cursor)
        rest.extend(page.orders)
        cursor = page.next_cursor
    seen = {o.external_order_id for o in first.orders} | {o.external_order_id for o in rest}
    assert seen | {unseen} == set(ids)
    h.clock.advance(10)
    later = list_window(h.adapter, end, h.adapter.window_end())
    assert unseen in {o.external_order_id for o in later}


def test_the_leaky_bucket_throttles_bursts_and_pacing_avoids_it(h):
    seed(h, 1)
    client = raw_client(h)
    statuses = [client.get("shop.json") for _ in range(45)]
    assert statuses[0].headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    throttled = [r for r in statuses if r.status_code == 429]
    assert throttled and throttled[0].headers["Retry-After"] == "2.0"
    h.clock.advance(30)  # the bucket drains
    for _ in range(60):
        h.adapter.check_connection()
    assert 429 not in h.adapter.ctx.transport.statuses()
    assert h.clock.slept > 0  # the adapter waited for the bucket instead of being throttled


def test_throttles_and_outages_surface_after_bounded_retries(h):
    h.emulator.faults.throttle_every = 1
    h.emulator.faults.retry_after = 90.0  # longer than the client sleeps through: core retries later
    with pytest.raises(RateLimited) as exc:
        h.adapter.check_connection()
    assert exc.value.retry_after == 90.0
    h.emulator.faults.throttle_every, h.emulator.faults.error_every = 0, 1
    with pytest.raises(TransientError):
        h.adapter.check_connection()
    attempts = h.adapter.ctx.retry.attempts
    assert h.adapter.ctx.transport.statuses()[-attempts:] == [503] * attempts


def test_money_comes_in_the_shop_currency_not_the_buyers(h):
    seed(h, 40)
    raw = next(
        h.emulator.order_json(i)
        for i in h.emulator.order_ids()
        if h.emulator.order_json(i)["presentment_currency"] == "EUR"
    )
    order = order_from_shopify(raw)
    assert order.currency == "USD" and order.total == Decimal(raw["total_price_set"]["shop_money"]["amount"])
    line = order.lines[0]
    assert line.unit_price == Decimal(raw["line_items"][0]["price_set"]["shop_money"]["amount"])
    assert order.raw["presentment_currency"] == "EUR"


def test_times_with_the_shops_offset_become_utc():
    order = order_from_shopify(
        {
            "id": 1,
            "currency": "USD",
            "created_at": "2026-10-01T11:00:00-04:00",
            "updated_at": "2026-12-01T11:05:00-05:00",
            "financial_status": "paid",
            "fulfillment_status": None,
            "total_price": "1.00",
            "line_items": [{"id": 2, "sku": "A", "quantity": 1, "price": "1.00"}],
        }
    )
    assert order.purchased_at.isoformat() == "2026-10-01T15:00:00+00:00"
    assert order.updated_at.isoformat() == "2026-12-01T16:05:00+00:00"


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"financial_status": "paid", "fulfillment_status": None}, "unshipped"),
        ({"financial_status": "pending", "fulfillment_status": None}, "pending"),
        ({"financial_status": "authorized", "fulfillment_status": None}, "pending"),
        ({"financial_status": "paid", "fulfillment_status": "partial"}, "partially_shipped"),
        ({"financial_status": "paid", "fulfillment_status": "fulfilled"}, "shipped"),
        ({"financial_status": "partially_refunded", "fulfillment_status": "fulfilled"}, "shipped"),
        ({"financial_status": "refunded", "fulfillment_status": "fulfilled"}, "refunded"),
        (
            {"financial_status": "refunded", "fulfillment_status": None, "cancelled_at": "2026-10-01T00:00:00Z"},
            "cancelled",
        ),
        ({"financial_status": "voided", "fulfillment_status": None}, "cancelled"),
    ],
)
def test_statuses_are_normalised(fields, expected):
    assert status_of(fields) == expected


def test_fulfilment_sends_tracking_with_shopifys_carrier_name(h):
    (oid,) = seed(h, 1)
    h.emulator.orders[int(oid)]["financial_status"] = "paid"
    h.adapter.confirm_shipment(
        ShipmentConfirmation(
            oid,
            carrier="dhl",
            service="Express",
            tracking_number="JD0146",
            shipped_at=h.clock.now(),
            tracking_url="https://dhl.example/JD0146",
        )
    )
    fulfillment = h.emulator.fulfillments[int(oid)][0]
    assert fulfillment["tracking_company"] == "DHL Express" and fulfillment["tracking_url"].endswith("JD0146")
    assert h.emulator.orders[int(oid)]["fulfillment_status"] == "fulfilled"


def test_pushing_to_an_untracked_listing_fails_for_that_listing_only(h):
    results = h.adapter.push_quantities([ListingQuantity("TL-UMB-AUTO-BLK", 5), ListingQuantity("TL-PB-10K", 9)])
    assert not results[0].ok and "tracking" in results[0].message
    assert results[1].ok and h.emulator.quantities()["TL-PB-10K"] == 9
    assert "inventory_items" in h.adapter.ctx.state and "location_id" in h.adapter.ctx.state


def test_webhooks_are_signed_over_the_raw_body_with_the_app_secret(h):
    (oid,) = seed(h, 1)
    headers, body = h.emulator.webhook_requests()[0]
    digest = base64.b64encode(hmac.new(h.emulator.api_secret.encode(), body, hashlib.sha256).digest()).decode()
    assert headers["X-Shopify-Hmac-Sha256"] == digest and headers["X-Shopify-Topic"] == "orders/create"
    reserialised = json.dumps(json.loads(body)).encode()
    assert not h.adapter.verify_webhook(headers, reserialised)  # never verify re-serialised JSON
    unprefixed = {("shopify-hmac-sha256" if k == "X-Shopify-Hmac-Sha256" else k): v for k, v in headers.items()}
    assert h.adapter.verify_webhook(unprefixed, body)


def test_duplicate_deliveries_share_the_webhook_id(h):
    h.adapter.subscribe_webhooks("https://tradelane.test/hooks/shopify")
    h.adapter.subscribe_webhooks("https://tradelane.test/hooks/shopify")  # idempotent
    assert len(h.emulator.subscriptions) == 2
    seed(h, 2)
    h.emulator.faults.duplicate_webhooks = 1
    received = []
    deliveries = h.emulator.deliver_webhooks(send=lambda url, headers, body: received.append((headers, body)) or 200)
    assert len(deliveries) == 4 and not h.emulator.pending_webhooks
    keys = [h.adapter.parse_webhook(headers, body).dedupe_key for headers, body in received]
    assert len(set(keys)) == 2 and keys[0] == keys[1]


def test_failed_webhook_deliveries_stay_queued(h):
    h.adapter.subscribe_webhooks("https://tradelane.test/hooks/shopify")
    seed(h, 1)
    assert h.emulator.deliver_webhooks(send=lambda *_: 500)[0].status == 500
    assert len(h.emulator.pending_webhooks) == 1
    assert h.emulator.deliver_webhooks(send=lambda *_: 200)[0].status == 200
    assert not h.emulator.pending_webhooks


def test_orders_count_takes_the_list_filters_and_its_open_default(h):
    ids = seed(h, 12)
    h.emulator.change_order(ids[0], "cancel")
    client = raw_client(h)
    assert client.get("orders/count.json").json() == {"count": 11}
    assert client.get("orders/count.json", params={"status": "any"}).json() == {"count": 12}
    assert client.get("orders/count.json", params={"status": "cancelled"}).json() == {"count": 1}
    listed = client.get("orders.json", params={"status": "any", "limit": 250}).json()["orders"]
    assert len(listed) == 12
    assert client.get("orders/count.json", params={"updated_at_min": "yesterday"}).status_code == 400


def test_the_api_version_header_names_the_version_that_answered(h):
    client = raw_client(h)
    asked = {
        v: client.get(f"http://shop.test/admin/api/{v}/shop.json")
        for v in ("2026-07", "2024-01", "unstable", "2026-05")
    }
    assert asked["2026-07"].headers["X-Shopify-API-Version"] == "2026-07"
    assert asked["2024-01"].headers["X-Shopify-API-Version"] == "2026-01"  # falls forward to the oldest served
    assert asked["unstable"].headers["X-Shopify-API-Version"] == "unstable"
    assert asked["2026-05"].status_code == 404
    assert "API 2026-10)" in h.adapter.check_connection()
    old = h.connect({**h.values, "api_version": "2024-10"})
    assert "Shopify no longer serves 2024-10: set the API version to 2026-01 or newer" in old.check_connection()


def test_payouts_and_their_transactions_are_read_beyond_250(h):
    """A shop paid daily has more than 250 payouts in the import window: the adapter follows
    the Link header's page_info to the end of both lists (finance.md §3.2, channels.md §2)."""
    (oid,) = seed(h, 1)
    today = h.clock.now().date()
    ids = [h.emulator.add_payout([oid], paid_on=today - timedelta(days=i // 3)) for i in range(301)]
    big = h.emulator.add_payout([oid] * 260, paid_on=today)
    old = h.emulator.add_payout([oid], paid_on=today - timedelta(days=400))
    payouts = h.adapter.list_payouts(today - timedelta(days=200))
    assert sorted(int(p.payout_id) for p in payouts) == sorted([*ids, big])
    assert str(old) not in {p.payout_id for p in payouts}
    assert [p.paid_on for p in payouts] == sorted(p.paid_on for p in payouts)
    (large,) = [p for p in payouts if p.payout_id == str(big)]
    assert len(large.transactions) == 260
    assert sum((t.net for t in large.transactions), Decimal(0)) == large.net
    pages = [r for r in h.transport.requests if "payouts.json" in r.url.path]
    assert len(pages) == 2 and "page_info" in str(pages[1].url) and "date_min" not in str(pages[1].url)


def test_a_payouts_page_refuses_filters_beside_page_info(h):
    (oid,) = seed(h, 1)
    for _ in range(3):
        h.emulator.add_payout([oid])
    with raw_client(h) as c:
        first = c.get("shopify_payments/payouts.json", params={"limit": 2, "status": "paid"})
        assert len(first.json()["payouts"]) == 2
        token = parse_qs(urlparse(first.links["next"]["url"]).query)["page_info"][0]
        assert c.get("shopify_payments/payouts.json", params={"page_info": token, "status": "paid"}).status_code == 400
        rest = c.get("shopify_payments/payouts.json", params={"page_info": token, "limit": 2})
        assert len(rest.json()["payouts"]) == 1 and "next" not in rest.links
