"""WooCommerce wire details: paging headers, GMT dates, auth fallbacks, webhooks, stock."""

import base64
import hashlib
import hmac
import logging
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from core.ports import AuthError, ListingQuantity, ShipmentConfirmation, TransientError
from core.testing import EmulatorHarness
from core.testing.channel import list_window
from plugins.channels.woocommerce.emulator import WooCommerceEmulator
from plugins.channels.woocommerce.mapping import order_from_woo, status_of
from plugins.channels.woocommerce.plugin import WooCommerceAdapter


@pytest.fixture
def h():
    return EmulatorHarness(WooCommerceAdapter, WooCommerceEmulator)


def raw_client(h, scheme="https"):
    """Basic auth, which WooCommerce takes only where WordPress sees HTTPS."""
    auth = (h.emulator.consumer_key, h.emulator.consumer_secret)
    return httpx.Client(
        transport=httpx.WSGITransport(app=h.emulator), base_url=f"{scheme}://store.test/wp-json/wc/v3/", auth=auth
    )


def https_harness(**settings):
    return EmulatorHarness(WooCommerceAdapter, WooCommerceEmulator, base_url="https://store.test", settings=settings)


def seed(h, n):
    ids = h.seed_orders(n)
    h.clock.advance(60)
    return ids


def sync(h, start=None):
    end = h.adapter.window_end()
    return list_window(h.adapter, start or end - timedelta(days=2), end)


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
    as_gmt = client.get(
        "orders", params={"modified_after": naive, "dates_are_gmt": "true", "orderby": "id", "order": "asc"}
    ).json()
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
    order = order_from_woo(
        {
            "id": 1,
            "currency": "EUR",
            "status": "processing",
            "total": "0",
            "date_created": "2026-07-01T14:00:00",
            "date_created_gmt": "2026-07-01T12:00:00",
            "date_modified": "2026-07-01T14:05:00",
            "date_modified_gmt": "2026-07-01T12:05:00",
            "line_items": [],
        }
    )
    assert order.purchased_at.isoformat() == "2026-07-01T12:00:00+00:00"


@pytest.mark.parametrize(
    "status, expected",
    [
        ("pending", "pending"),
        ("on-hold", "pending"),
        ("failed", "pending"),
        ("processing", "unshipped"),
        ("completed", "shipped"),
        ("cancelled", "cancelled"),
        ("trash", "cancelled"),
        ("refunded", "refunded"),
        ("wc-custom-status", "pending"),
    ],
)
def test_statuses_are_normalised(status, expected):
    assert status_of({"status": status}) == expected


def test_basic_auth_is_taken_over_https_only_and_oauth_over_plain_http(h):
    seed(h, 2)
    assert raw_client(h, "https").get("orders").status_code == 200
    refused = raw_client(h, "http").get("orders")
    assert refused.status_code == 401 and refused.json()["code"] == "woocommerce_rest_cannot_view"
    assert "2 orders; authenticated by OAuth 1.0a" in h.adapter.check_connection()
    assert "plain HTTP" in h.adapter.check_connection()
    sent = h.transport.requests[-1]
    assert "Authorization" not in sent.headers and "consumer_secret" not in str(sent.url)
    assert sent.url.params["oauth_signature_method"] == "HMAC-SHA256" and sent.url.params["oauth_signature"]


def test_oauth_signatures_nonces_and_timestamps_are_checked(h):
    seed(h, 1)
    h.adapter.check_connection()
    sent = h.transport.requests[-1]
    client = httpx.Client(transport=httpx.WSGITransport(app=h.emulator))
    replay = client.get(str(sent.url))
    assert replay.status_code == 401 and replay.json()["message"] == "Invalid nonce - nonce has already been used."
    tampered = client.get(str(sent.url.copy_set_param("per_page", "2")))
    assert tampered.json()["message"] == "Invalid signature - provided signature does not match."
    partial = client.get(str(sent.url.copy_remove_param("oauth_nonce")))
    assert partial.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    h.emulator.clock = type(h.clock)(h.clock.now() + timedelta(minutes=16))
    late = h.adapter.client.call
    with pytest.raises(AuthError, match="Invalid timestamp"):
        late("GET", "orders")


def test_https_stores_use_basic_auth(caplog):
    h = https_harness()
    assert "authenticated by HTTP Basic over HTTPS" in h.adapter.check_connection()
    assert h.transport.requests[-1].headers["Authorization"].startswith("Basic ")


def test_a_store_that_does_not_see_https_is_signed_with_oauth_and_remembered():
    h = https_harness()
    h.emulator.tls_offloaded = True  # TLS ends at a proxy WordPress knows nothing of
    seed(h, 3)
    described = h.adapter.check_connection()
    assert "3 orders" in described and "OAuth 1.0a" in described and "does not see this store as HTTPS" in described
    assert h.adapter.ctx.state["auth"] == {"method": "oauth1", "sign_scheme": "http"}
    again = h.connect(h.values, state=dict(h.adapter.ctx.state))
    assert "OAuth 1.0a" in again.check_connection()
    assert [r.status_code for _, r in h.transport.exchanges] == [200]  # straight to the signature that works


def test_a_host_that_strips_authorization_over_https(caplog):
    h = https_harness(auth_mode="basic")
    h.emulator.strip_authorization = True
    with pytest.raises(AuthError) as exc:
        h.adapter.check_connection()
    assert "query-string" in str(exc.value)
    adapter = h.connect({**h.values, "auth_mode": "query"})
    with caplog.at_level(logging.INFO, logger="httpx"):
        assert "query string" in adapter.check_connection()
    assert h.emulator.consumer_secret not in caplog.text and "consumer_secret=***" in caplog.text
    automatic = h.connect({**h.values, "auth_mode": "auto"})
    assert "OAuth 1.0a" in automatic.check_connection()  # WordPress sees HTTPS: signed for https
    assert automatic.ctx.state["auth"] == {"method": "oauth1", "sign_scheme": "https"}


def test_the_consumer_key_of_a_signed_request_is_masked_in_the_log(h, caplog):
    with caplog.at_level(logging.INFO, logger="httpx"):
        h.adapter.check_connection()
    assert h.emulator.consumer_key not in caplog.text and "oauth_consumer_key=***" in caplog.text


def _shipment(h, oid, **options):
    return ShipmentConfirmation(
        oid,
        carrier=options.pop("carrier", "UPS"),
        service="Ground",
        tracking_number=options.pop("tracking_number", "1Z999"),
        shipped_at=h.clock.now(),
        **options,
    )


def test_tracking_goes_through_the_shipment_tracking_extension_once(h):
    (oid,) = seed(h, 1)
    h.emulator.orders[int(oid)]["status"] = "processing"
    shipment = _shipment(h, oid)
    h.adapter.confirm_shipment(shipment)
    h.adapter.confirm_shipment(shipment)  # a retried job
    order = h.emulator.orders[int(oid)]
    assert order["status"] == "completed" and order["date_completed_gmt"]
    (item,) = h.emulator.trackings[int(oid)]
    assert item["tracking_number"] == "1Z999" and item["tracking_provider"] == "UPS"
    assert item["tracking_link"] == "https://www.ups.com/track?tracknum=1Z999"  # the extension's own link
    assert not h.emulator.notes.get(int(oid)) and not order["meta_data"]
    posts = [r for r in h.transport.requests if r.method == "POST"]
    assert [r.url.path for r in posts] == [f"/wp-json/wc-shipment-tracking/v3/orders/{oid}/shipment-trackings"]
    # tracking before completion, so the "order completed" email carries it
    writes = [r.method for r in h.transport.requests if r.method != "GET"]
    assert writes == ["POST", "PUT"]


def test_a_tracking_url_of_our_own_goes_as_a_custom_provider(h):
    (oid,) = seed(h, 1)
    h.emulator.orders[int(oid)]["status"] = "processing"
    h.adapter.confirm_shipment(
        _shipment(h, oid, carrier="Yanwen", tracking_number="YW1", tracking_url="https://t.test/YW1")
    )
    (item,) = h.emulator.trackings[int(oid)]
    assert (item["tracking_provider"], item["tracking_link"]) == ("Yanwen", "https://t.test/YW1")


def test_without_the_extension_the_buyer_gets_a_customer_note_once(h):
    h.emulator.shipment_tracking = False  # a plain WooCommerce
    (oid,) = seed(h, 1)
    h.emulator.orders[int(oid)]["status"] = "processing"
    shipment = _shipment(h, oid, tracking_url="https://ups.example/1Z999")
    h.adapter.confirm_shipment(shipment)
    h.adapter.confirm_shipment(shipment)
    order = h.emulator.orders[int(oid)]
    assert order["status"] == "completed" and not order["meta_data"]
    (note,) = h.emulator.notes[int(oid)]
    assert note["customer_note"] is True
    assert "UPS" in note["note"] and "1Z999" in note["note"] and "https://ups.example/1Z999" in note["note"]
    assert "note" not in h.emulator.order_json(oid)  # notes are their own resource


def test_a_confirmation_that_died_before_completing_completes_on_retry(h):
    (oid,) = seed(h, 1)
    h.emulator.orders[int(oid)]["status"] = "processing"
    h.emulator.fail_next(f"/orders/{oid}", method="PUT", status=503, times=10)
    with pytest.raises(TransientError):
        h.adapter.confirm_shipment(_shipment(h, oid))
    h.emulator.fail_rules.clear()
    h.adapter.confirm_shipment(_shipment(h, oid))
    assert h.emulator.orders[int(oid)]["status"] == "completed" and len(h.emulator.trackings[int(oid)]) == 1


def test_shipping_some_lines_keeps_the_order_processing(h):
    for _ in range(5):
        ids = seed(h, 10)
        multi = [i for i in ids if len(h.emulator.orders[int(i)]["line_items"]) > 1]
        if multi:
            break
    order = h.emulator.orders[int(multi[0])]
    order["status"] = "processing"
    first = order["line_items"][0]
    h.adapter.confirm_shipment(
        ShipmentConfirmation(
            multi[0],
            carrier="DHL",
            service="",
            tracking_number="A1",
            shipped_at=h.clock.now(),
            lines=((str(first["id"]), first["quantity"]),),
        )
    )
    assert order["status"] == "processing"
    h.adapter.confirm_shipment(
        ShipmentConfirmation(multi[0], carrier="DHL", service="", tracking_number="A2", shipped_at=h.clock.now())
    )
    assert order["status"] == "completed"
    assert [s["tracking_number"] for s in h.shipments(multi[0])] == ["A1", "A2"]


def test_stock_of_simple_products_and_variations_goes_in_batches(h):
    results = h.adapter.push_quantities(
        [
            ListingQuantity("TL-PB-10K", 4),
            ListingQuantity("TL-SCK-WOOL-M", 11),
            ListingQuantity("TL-GLV-TOUCH-L", 0),
            ListingQuantity("NOPE", 1),
        ]
    )
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
    expected = base64.b64encode(
        hmac.new(b"whsec&" + h.emulator.webhook_secret.split("&amp;")[1].encode(), body, hashlib.sha256).digest()
    ).decode()
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


def test_the_products_list_pages_like_the_orders_list(h):
    client = raw_client(h)
    everything = client.get("products", params={"per_page": 100}).json()
    first = client.get("products", params={"per_page": 5})
    total = int(first.headers["X-WP-Total"])
    assert total == len(everything) and first.headers["X-WP-TotalPages"] == str(-(-total // 5))
    assert len(first.json()) == 5 and 'rel="next"' in first.headers["Link"]
    seen = []
    for page in range(1, int(first.headers["X-WP-TotalPages"]) + 1):
        seen.extend(p["id"] for p in client.get("products", params={"per_page": 5, "page": page}).json())
    assert seen == [p["id"] for p in everything]
    assert client.get("products", params={"per_page": 101}).status_code == 400


def test_nonces_are_remembered_for_the_timestamp_window_only(h):
    for _ in range(3):
        h.adapter.check_connection()
    assert len(h.emulator.nonces) == 3
    h.clock.advance(16 * 60)
    h.adapter.check_connection()
    assert len(h.emulator.nonces) == 1
