"""The channel port's shared plumbing: token buckets, ApiClient retries and error mapping,
order charges, the virtual clock, and the emulator control API every bundled emulator offers."""

import json
import logging
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from core.ports import (
    ApiClient,
    AuthError,
    ChannelOrderLine,
    RateLimited,
    RemoteRejected,
    RetryPolicy,
    TokenBucket,
    TransientError,
    header_value,
    spread_order_charges,
)
from core.testing import VirtualClock, make_context
from plugins.channels.aliexpress.emulator import AliExpressEmulator
from plugins.channels.amazon.emulator import AmazonEmulator
from plugins.channels.shopify.emulator import ShopifyEmulator
from plugins.channels.shopify.plugin import ShopifyAdapter
from plugins.channels.woocommerce.emulator import WooCommerceEmulator

EMULATORS = [ShopifyEmulator, WooCommerceEmulator, AmazonEmulator, AliExpressEmulator]


def test_token_bucket_allows_a_burst_then_paces_at_the_rate():
    clock = VirtualClock()
    bucket = TokenBucket(rate=2, burst=4, clock=clock)
    waits = [bucket.take() for _ in range(8)]
    assert waits[:4] == [0, 0, 0, 0] and all(w == pytest.approx(0.5) for w in waits[4:])
    bucket.observe(available=0, rate=10)
    assert bucket.take() == pytest.approx(0.1)
    bucket.exhaust()
    assert bucket.take() == pytest.approx(0.1)


def client_for(handler, clock=None, **settings):
    ctx = make_context(
        ShopifyAdapter,
        {"base_url": "https://shop.test", "access_token": "t", **settings},
        transport=httpx.MockTransport(handler),
        clock=clock or VirtualClock(),
    )
    return ApiClient(ctx, "https://api.test", limits={"op": (1, 1)})


def scripted(*responses):
    queue = list(responses)
    seen = []

    def handler(request):
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_transient_failures_are_retried_with_backoff():
    handler, seen = scripted(httpx.Response(503), httpx.ConnectError("down"), httpx.Response(200, json={"ok": 1}))
    clock = VirtualClock()
    client = client_for(handler, clock)
    assert client.request("GET", "/x").json() == {"ok": 1}
    assert len(seen) == 3 and clock.slept == pytest.approx(0.5 + 1.0)


def test_retry_after_is_honoured_and_long_waits_are_left_to_core():
    handler, _ = scripted(
        httpx.Response(429, headers={"Retry-After": "2.0"}),
        httpx.Response(200),
        httpx.Response(429, headers={"Retry-After": "120"}),
    )
    clock = VirtualClock()
    client = client_for(handler, clock)
    client.request("GET", "/x", op="op")
    assert clock.slept >= 2.0
    with pytest.raises(RateLimited) as exc:
        client.request("GET", "/x")
    assert exc.value.retry_after == 120


def test_bounded_retries_then_the_error_goes_to_core():
    handler, seen = scripted(*[httpx.Response(500)] * 4)
    with pytest.raises(TransientError):
        client_for(handler).request("GET", "/x")
    assert len(seen) == RetryPolicy().attempts


@pytest.mark.parametrize(
    "status, error",
    [(401, AuthError), (403, AuthError), (404, RemoteRejected), (422, RemoteRejected), (302, RemoteRejected)],
)
def test_client_errors_are_not_retried(status, error):
    handler, seen = scripted(httpx.Response(status), httpx.Response(200))
    with pytest.raises(error):
        client_for(handler).request("GET", "/x")
    assert len(seen) == 1


def test_json_numbers_decode_as_decimal():
    handler, _ = scripted(httpx.Response(200, content=b'{"price": 12.10, "qty": 3}'))
    client = client_for(handler)
    data = client.json(client.request("GET", "/x"))
    assert data["price"] == Decimal("12.10") and isinstance(data["price"], Decimal) and data["qty"] == 3


def test_an_auth_error_is_renewed_once():
    class Renewing(ApiClient):
        renewed = 0

        def renew_auth(self, error):
            self.renewed += 1
            return True

    handler, seen = scripted(httpx.Response(401), httpx.Response(401))
    ctx = make_context(
        ShopifyAdapter,
        {"base_url": "https://shop.test", "access_token": "t"},
        transport=httpx.MockTransport(handler),
        clock=VirtualClock(),
    )
    client = Renewing(ctx, "https://api.test")
    with pytest.raises(AuthError):
        client.request("GET", "/x")
    assert client.renewed == 1 and len(seen) == 2


def test_credential_query_parameters_are_masked_in_httpx_logs(caplog):
    with caplog.at_level(logging.INFO, logger="httpx"):
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))).get(
            "https://x.test/a", params={"consumer_secret": "cs_hidden", "page": 2}
        )
    assert "cs_hidden" not in caplog.text and "page=2" in caplog.text


def test_order_charges_are_spread_by_largest_remainder():
    lines = [
        ChannelOrderLine("1", "A", 1, Decimal("10.00")),
        ChannelOrderLine("2", "B", 2, Decimal("10.00")),
        ChannelOrderLine("3", "C", 1, Decimal("0.01")),
    ]
    spread = spread_order_charges(lines, "USD", shipping=Decimal("10.00"), discount=Decimal("1.00"))
    assert sum(line.shipping_price for line in spread) == Decimal("10.00")
    assert sum(line.discount for line in spread) == Decimal("1.00")
    assert [line.shipping_price for line in spread] == [Decimal("3.33"), Decimal("6.67"), Decimal("0.00")]
    assert spread_order_charges([], "USD", shipping=Decimal(1)) == ()


def test_header_lookup_ignores_case():
    assert header_value({"x-shopify-topic": "orders/create"}, "X-Shopify-Topic") == "orders/create"
    assert header_value({}, "A", "B") is None


def test_the_virtual_clock_only_moves_forward():
    clock = VirtualClock()
    start = clock.now()
    clock.sleep(1.5)
    assert clock.now() - start == timedelta(seconds=1.5) and clock.monotonic() == 1.5
    with pytest.raises(ValueError):
        clock.advance(-1)


# -- emulator control API ------------------------------------------------------------------------


def control(emulator):
    return httpx.Client(transport=httpx.WSGITransport(app=emulator), base_url="http://emulator.test/_control")


@pytest.mark.parametrize("cls", EMULATORS, ids=lambda c: c.name)
def test_the_control_api_drives_every_emulator(cls):
    emulator = cls(seed=5, clock=VirtualClock())
    ctl = control(emulator)
    created = ctl.post("/orders", json={"count": 4}).json()["order_ids"]
    assert len(created) == 4 and ctl.get("/orders").json()["order_ids"] == created
    summary = ctl.get("").json()
    assert summary["name"] == cls.name and summary["orders"] == 4 and "cancel" in summary["changes"]
    changed = ctl.post(f"/orders/{created[0]}/changes", json={"change": "touch"})
    assert changed.status_code == 200, changed.text
    assert ctl.post(f"/orders/{created[1]}/changes", json={"change": "teleport"}).status_code == 400
    assert ctl.get(f"/orders/{created[1]}").status_code == 200
    assert ctl.get("/orders/0").status_code == 404
    assert ctl.patch("/faults", json={"throttle_every": 3, "latency": 0.2}).json()["throttle_every"] == 3
    assert ctl.patch("/faults", json={"nonsense": 1}).status_code == 400
    assert ctl.post("/faults/fail-next", json={"path": "/", "skip": 1}).status_code == 201
    assert ctl.get("/shipments").json() == {"shipments": []}
    assert "quantities" in ctl.get("/quantities").json()
    assert ctl.post("/clock", json={"seconds": 60}).status_code == 200
    settings = ctl.get("/connection", params={"base_url": "http://host/_emulators/x"}).json()
    assert settings["base_url"] == "http://host/_emulators/x"
    assert ctl.post("/reset").status_code == 200 and ctl.get("").json()["orders"] == 0


@pytest.mark.parametrize("cls", EMULATORS, ids=lambda c: c.name)
def test_emulators_are_deterministic_for_a_seed(cls):
    def snapshot():
        emulator = cls(seed=11, clock=VirtualClock())
        ids = emulator.generate_orders(5)
        return ids, [json.dumps(emulator.order_json(i), sort_keys=True, default=str) for i in ids]

    assert snapshot() == snapshot()


def test_an_emulator_on_the_real_clock_refuses_to_move_time():
    assert control(ShopifyEmulator()).post("/clock", json={"seconds": 1}).status_code == 409


def test_bulk_generation_spreads_orders_over_the_span_with_an_fba_share():
    emulator = AmazonEmulator(seed=2, clock=VirtualClock(), fba_share=0.5)
    ids = emulator.generate_orders(400)
    afn = sum(emulator.orders[i]["FulfillmentChannel"] == "AFN" for i in ids)
    assert 150 < afn < 250
    multi = sum(len(emulator.items[i]) > 1 for i in ids)
    assert multi > 100
    countries = {o["_address"]["CountryCode"] for o in emulator.orders.values()}
    assert countries == {"US"}
