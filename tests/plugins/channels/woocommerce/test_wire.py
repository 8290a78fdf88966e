"""WooCommerce wire details: paging headers, GMT dates, auth fallbacks, webhooks, stock."""
import base64
import hashlib
import hmac
import logging
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from core.ports import AuthError, ListingQuantity, ShipmentConfirmation
from core.testing import EmulatorHarness
from core.testing.channel import list_window
from plugins.channels.woocommerce.emulator import WooCommerceEmulator
from plugins.channels.woocommerce.mapping import order_from_woo, status_of
from plugins.channels.woocommerce.plugin import WooCommerceAdapter


@pytest.fixture
def h():
    return EmulatorHarness(WooCommerceAdapter, WooCommerceEmulator)


def raw_client(h):
    auth = (h.emulator.consumer_key, h.emulator.consumer_secret)
    return httpx.Client(transport=httpx.WSGITransport(app=h.emulator), base_url="http://store.test/wp-json/wc/v3/",
                        auth=auth)


def seed(h, n):
    ids = h.seed_orders(n)
    h.clock.advance(60)
    return ids


def sync(h, start=None):
    end = h.adapter.window_end()
    return list_window(h.adapter, start or end - timedelta(days=2), end, sleep=h.clock.sleep)


def test_paging_headers_and_the_per_page_cap(h):
    seed(h, 25)
    client = raw_client(h)
    page = client.get("orders", params={"per_page": 10, "page": 2})
    assert page.headers["X-WP-Total"] == "25" and page.headers["X-WP-TotalPages"] == "3"
    assert 'rel="prev"' in page.headers["Link"] and 'rel="next"' in page.headers["Link"]
    too_many = client.get("orders", params={"per_page": 101})
    assert too_many.status_code == 400 and too_many.json()["code"] == "rest_invalid_param"


def test_dates_are_sent_as_gmt_because_the_site_zone_would_shift_them(h):
    ids = seed(h, 3)
    stamp = h.emulator.modified[int(ids[-1])]
    naive = (stamp - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    client = raw_client(h)
    as_gmt = client.get("orders", params={"modified_after": naive, "dates_are_gmt": "true", "orderby": "id",
                                          "order": "asc"}).json()
    as_local = client.get("orders", params={"modified_after": naive}).json()
    assert [str(o["id"]) for o in as_gmt] == ids[-1:]
    assert len(as_local) == 3  # read as Berlin time the bound moves two hours back
    sync(h)
    sent = h.adapter.ctx.transport.requests[0].url.params
    assert sent["dates_are_gmt"] == "true" and sent["orderby"] == "id" and "modified_before" not in sent
    assert "trash" in sent["status"]


def test_an_order_changed_mid_window_is_not_skipped(h):
    ids = seed(h, 250)
    end = h.adapter.window_end()
    start = end - timedelta(days=1)
    first = h.adapter.list_orders(start, end)
    h.emulator.change_order(ids[-1], "hold")  # not yet seen; its change takes it past the window
    h.emulator.change_order(ids[0], "touch")
    rest, cursor = [], first.next_cursor
    while cursor:
        page = h.adapter.list_orders(start, end, cursor)
        rest.extend(page.orders)
        cursor = page.next_cursor
    seen = {o.external_order_id for o in first.orders + tuple(rest)}
    assert seen | {ids[-1], ids[0]} == set(ids)
    h.clock.advance(10)
    assert {ids[-1], ids[0]} <= {o.external_order_id for o in sync(h, end)}


def test_money_strings_and_the_numeric_price_parse_as_decimal(h):
    (oid,) = seed(h, 1)
    raw = h.emulator.order_json(oid)
    assert isinstance(raw["line_items"][0]["price"], Decimal)  # a JSON number on the wire
    order = sync(h)[0]
    assert isinstance(order.raw["line_items"][0]["price"], Decimal)
    assert order.lines[0].line_total == Decimal(raw["line_items"][0]["subtotal"])
    assert order.total == Decimal(raw["total"])


def test_gmt_dates_are_used_not_the_site_local_ones():
    order = order_from_woo({"id": 1, "currency": "EUR", "status": "processing", "total": "0",
                            "date_created": "2026-07-01T14:00:00", "date_created_gmt": "2026-07-01T12:00:00",
                            "date_modified": "2026-07-01T14:05:00", "date_modified_gmt": "2026-07-01T12:05:00",
                            "line_items": []})
    assert order.purchased_at.isoformat() == "2026-07-01T12:00:00+00:00"


@pytest.mark.parametrize("status, expected", [
    ("pending", "pending"), ("on-hold", "pending"), ("failed", "pending"), ("processing", "unshipped"),
    ("completed", "shipped"), ("cancelled", "cancelled"), ("trash", "cancelled"), ("refunded", "refunded"),
    ("wc-custom-status", "pending"),
])
def test_statuses_are_normalised(status, expected):
    assert status_of({"status": status}) == expected


def test_a_host_that_strips_authorization_needs_query_string_auth(h, caplog):
    h.emulator.strip_authorization = True
    with pytest.raises(AuthError) as exc:
        h.adapter.check_connection()
    assert "query-string" in str(exc.value)
    adapter = h.connect({**h.values, "auth_mode": "query"})
    with caplog.at_level(logging.INFO, logger="httpx"):
        assert "orders" in adapter.check_connection()
    assert h.emulator.consumer_secret not in caplog.text and "consumer_secret=***" in caplog.text


def test_completing_an_order_adds_tracking_once(h):
    (oid,) = seed(h, 1)
    h.emulator.orders[int(oid)]["status"] = "processing"
    shipment = ShipmentConfirmation(oid, carrier="UPS", service="Ground", tracking_number="1Z999",
                                    shipped_at=h.clock.now(), tracking_url="https://ups.example/1Z999")
    h.adapter.confirm_shipment(shipment)
    h.adapter.confirm_shipment(shipment)
    order = h.emulator.orders[int(oid)]
    assert order["status"] == "completed" and order["date_completed_gmt"]
    meta = {m["key"]: m["value"] for m in order["meta_data"]}
    assert meta["_tracking_number"] == "1Z999" and meta["_tracking_provider"] == "UPS"
    assert len([m for m in order["meta_data"] if m["key"] == "_tracking_number"]) == 1
    notes = order["_notes"]
    assert len(notes) == 1 and notes[0]["customer_note"] and "1Z999" in notes[0]["note"]


def test_shipping_some_lines_keeps_the_order_processing(h):
    for _ in range(5):
        ids = seed(h, 10)
        multi = [i for i in ids if len(h.emulator.orders[int(i)]["line_items"]) > 1]
        if multi:
            break
    order = h.emulator.orders[int(multi[0])]
    order["status"] = "processing"
    first = order["line_items"][0]
    h.adapter.confirm_shipment(ShipmentConfirmation(multi[0], carrier="DHL", service="", tracking_number="A1",
                                                    shipped_at=h.clock.now(),
                                                    lines=((str(first["id"]), first["quantity"]),)))
    assert order["status"] == "processing"
    h.adapter.confirm_shipment(ShipmentConfirmation(multi[0], carrier="DHL", service="", tracking_number="A2",
                                                    shipped_at=h.clock.now()))
    assert order["status"] == "completed"
    assert [s["tracking_number"] for s in h.shipments(multi[0])] == ["A1", "A2"]


def test_stock_of_simple_products_and_variations_goes_in_batches(h):
    results = h.adapter.push_quantities([ListingQuantity("TL-PB-10K", 4), ListingQuantity("TL-SCK-WOOL-M", 11),
                                         ListingQuantity("TL-GLV-TOUCH-L", 0), ListingQuantity("NOPE", 1)])
    assert [r.ok for r in results] == [True, True, True, False]
    assert h.emulator.quantities()["TL-SCK-WOOL-M"] == 11 and h.emulator.quantities()["TL-PB-10K"] == 4
    paths = [r.url.path for r in h.adapter.ctx.transport.requests if r.method == "POST"]
    assert any(p.endswith("/products/batch") for p in paths) and any("/variations/batch" in p for p in paths)


def test_a_stale_cached_listing_is_looked_up_again(h):
    h.adapter.push_quantities([ListingQuantity("TL-PB-10K", 1)])
    h.adapter.ctx.state["listings"]["TL-PB-10K"] = [999999, 0]
    assert h.adapter.push_quantities([ListingQuantity("TL-PB-10K", 3)])[0].ok
    assert h.emulator.quantities()["TL-PB-10K"] == 3


def test_webhook_signatures_use_the_decoded_secret_and_pings_pass_unsigned(h):
    (oid,) = seed(h, 1)
    headers, body = h.emulator.build_webhook("order.updated", oid, "d1")
    expected = base64.b64encode(hmac.new(b"whsec&" + h.emulator.webhook_secret.split("&amp;")[1].encode(), body,
                                         hashlib.sha256).digest()).decode()
    assert headers["X-WC-Webhook-Signature"] == expected and h.adapter.verify_webhook(headers, body)
    ping = {"Content-Type": "application/x-www-form-urlencoded"}
    assert h.adapter.verify_webhook(ping, b"webhook_id=3")
    assert h.adapter.parse_webhook(ping, b"webhook_id=3").topic == "ping"
    assert not h.adapter.verify_webhook(ping, b'{"id": 1}')


def test_redeliveries_get_new_delivery_ids_but_the_same_dedupe_key(h):
    h.adapter.subscribe_webhooks("https://tradelane.test/hooks/woo")
    seed(h, 1)
    h.emulator.faults.duplicate_webhooks = 1
    got = []
    h.emulator.deliver_webhooks(send=lambda url, headers, body: got.append((headers, body)) or 200)
    orders = [(hd, b) for hd, b in got if hd.get("X-WC-Webhook-Topic") == "order.created"]
    assert len(orders) == 2
    events = [h.adapter.parse_webhook(hd, b) for hd, b in orders]
    assert all(h.adapter.verify_webhook(hd, b) for hd, b in orders)
    assert events[0].dedupe_key == events[1].dedupe_key
    pings = [b for hd, b in got if b.startswith(b"webhook_id=")]
    assert len(pings) == 4  # two subscriptions, each pinged (and duplicated)


def test_a_webhook_disabled_after_failures_is_reenabled_on_subscribe(h):
    h.adapter.subscribe_webhooks("https://tradelane.test/hooks/woo")
    seed(h, 1)
    for _ in range(6):
        h.emulator.deliver_webhooks(send=lambda *_: 500)
    assert {w["status"] for w in h.emulator.webhooks.values()} == {"disabled"}
    h.adapter.subscribe_webhooks("https://tradelane.test/hooks/woo")
    assert {w["status"] for w in h.emulator.webhooks.values()} == {"active"}
    assert len(h.emulator.webhooks) == 2
