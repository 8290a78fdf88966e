"""The WooCommerce emulator driven over real HTTP by the official `woocommerce` client library
(woocommerce/wc-api-python), which the adapter shares no code with: what it signs and reads is
what a WooCommerce store would see and answer (shared/reference/channels.md §3.6)."""

import pytest
from woocommerce import API

from core.testing.channel_server import served
from plugins.channels.woocommerce.emulator import WooCommerceEmulator

# The emulator's HTTPS certificate is a throwaway one, not verified.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def api(emulator, base_url, **options):
    return API(base_url, emulator.consumer_key, emulator.consumer_secret, version="wc/v3", timeout=10, **options)


def every_page(client, endpoint, per_page):
    first = client.get(endpoint, params={"per_page": per_page})
    assert first.status_code == 200, first.text
    pages = int(first.headers["X-WP-TotalPages"])
    items = list(first.json())
    for page in range(2, pages + 1):
        answer = client.get(endpoint, params={"per_page": per_page, "page": page})
        assert answer.status_code == 200, answer.text
        items.extend(answer.json())
    return items, int(first.headers["X-WP-Total"]), pages


def test_over_plain_http_the_client_signs_with_oauth_and_pages_orders():
    emulator = WooCommerceEmulator(seed=3)
    ids = emulator.generate_orders(23)
    with served(emulator) as base_url:
        client = api(emulator, base_url)
        orders, total, pages = every_page(client, "orders", 10)
        assert (total, pages) == (23, 3)
        assert sorted(str(o["id"]) for o in orders) == sorted(ids)
        one = client.get(f"orders/{ids[0]}")
        assert one.status_code == 200 and str(one.json()["id"]) == ids[0]
        assert client.get("orders/1").json()["code"] == "woocommerce_rest_shop_order_invalid_id"
        wrong = API(base_url, emulator.consumer_key, "cs_wrong", version="wc/v3", timeout=10)
        assert wrong.get("orders").status_code == 401


def test_over_https_the_client_uses_basic_or_the_query_string():
    emulator = WooCommerceEmulator(seed=3)
    emulator.generate_orders(2)
    with served(emulator, https=True) as base_url:
        assert api(emulator, base_url, verify_ssl=False).get("orders").status_code == 200
        assert api(emulator, base_url, verify_ssl=False, query_string_auth=True).get("orders").status_code == 200


def test_stock_updates_of_a_product_and_a_variation():
    emulator = WooCommerceEmulator(seed=3)
    with served(emulator) as base_url:
        client = api(emulator, base_url)
        product = client.get("products", params={"sku": "TL-PB-10K"}).json()[0]
        assert client.put(f"products/{product['id']}", {"manage_stock": True, "stock_quantity": 7}).status_code == 200
        variation = client.get("products", params={"sku": "TL-SCK-WOOL-M"}).json()[0]
        batch = client.post(
            f"products/{variation['parent_id']}/variations/batch",
            {"update": [{"id": variation["id"], "stock_quantity": 12}]},
        )
        assert batch.status_code == 200 and "error" not in batch.json()["update"][0]
    assert emulator.quantities()["TL-PB-10K"] == 7 and emulator.quantities()["TL-SCK-WOOL-M"] == 12


def test_shipment_tracking_through_the_extension_and_notes_on_a_plain_store():
    emulator = WooCommerceEmulator(seed=3)
    oid = emulator.generate_orders(1)[0]
    with served(emulator) as base_url:
        tracking = API(
            base_url,
            emulator.consumer_key,
            emulator.consumer_secret,
            version="wc-shipment-tracking/v3",
            timeout=10,
        )
        added = tracking.post(
            f"orders/{oid}/shipment-trackings",
            {"tracking_provider": "USPS", "tracking_number": "9400111", "date_shipped": "2026-12-01"},
        )
        assert added.status_code == 201, added.text
        assert added.json()["tracking_link"].endswith("9400111")
        assert [t["tracking_number"] for t in tracking.get(f"orders/{oid}/shipment-trackings").json()] == ["9400111"]
        client = api(emulator, base_url)
        assert client.put(f"orders/{oid}", {"status": "completed"}).json()["status"] == "completed"

        emulator.shipment_tracking = False
        missing = tracking.get(f"orders/{oid}/shipment-trackings")
        assert missing.status_code == 404 and missing.json()["code"] == "rest_no_route"
        note = client.post(
            f"orders/{oid}/notes", {"note": "Shipped with UPS, tracking number 1Z1.", "customer_note": True}
        )
        assert note.status_code == 201 and note.json()["customer_note"] is True
        assert client.get(f"orders/{oid}/notes", params={"type": "customer"}).json()[0]["note"].endswith("1Z1.")


def test_the_client_pages_through_every_product():
    emulator = WooCommerceEmulator(seed=3)
    with served(emulator) as base_url:
        products, total, pages = every_page(api(emulator, base_url), "products", 5)
    assert total == len(emulator.products) and pages == -(-total // 5) > 1
    assert sorted(p["id"] for p in products) == sorted(emulator.products)
