"""AliExpress wire details: IOP signing, errors inside HTTP 200, Pacific time across DST, the
FINISH and created-range rules, fulfilment and inventory."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.ports import AuthError, ListingQuantity, RateLimited, RemoteRejected, ShipmentConfirmation
from core.testing import EmulatorHarness
from core.testing.channel import list_window
from plugins.channels.aliexpress.client import sign
from plugins.channels.aliexpress.emulator import AliExpressEmulator
from plugins.channels.aliexpress.mapping import from_pacific, status_of, to_pacific
from plugins.channels.aliexpress.plugin import AliExpressAdapter


@pytest.fixture
def h():
    return EmulatorHarness(AliExpressAdapter, AliExpressEmulator)


def seed(h, n):
    ids = h.seed_orders(n)
    h.clock.advance(60)
    return ids


def sync(h, start=None, end=None):
    end = end or h.adapter.window_end()
    return list_window(h.adapter, start or end - timedelta(days=2), end)


def gateway(h, **params):
    base = {
        "app_key": h.emulator.app_key,
        "sign_method": "sha256",
        "session": h.emulator.access_token,
        "timestamp": str(int(h.clock.now().timestamp() * 1000)),
        **params,
    }
    base.setdefault("sign", sign(base, h.emulator.app_secret))
    client = httpx.Client(transport=httpx.WSGITransport(app=h.emulator), base_url="http://ae.test")
    return client.post("/sync", data=base)


def test_the_signature_is_uppercase_hmac_sha256_over_sorted_name_value_pairs():
    params = {
        "method": "aliexpress.solution.order.get",
        "app_key": "12345",
        "timestamp": "1700000000000",
        "sign_method": "sha256",
        "session": "tok",
    }
    text = "app_key12345methodaliexpress.solution.order.getsessiontoksign_methodsha256timestamp1700000000000"
    expected = hmac.new(b"secret", text.encode(), hashlib.sha256).hexdigest().upper()
    assert sign(params, "secret") == expected
    assert sign({**params, "sign": "ignored"}, "secret") == expected
    system = hmac.new(b"secret", ("/auth/token/refresh" + text).encode(), hashlib.sha256).hexdigest().upper()
    assert sign(params, "secret", "/auth/token/refresh") == system


def test_errors_come_inside_http_200(h):
    bad = gateway(h, method="aliexpress.solution.merchant.profile.get", sign="0" * 64)
    assert bad.status_code == 200 and bad.json()["error_response"]["code"] == "IncompleteSignature"
    old = gateway(
        h,
        method="aliexpress.solution.merchant.profile.get",
        timestamp=str(int((h.clock.now() - timedelta(hours=3)).timestamp() * 1000)),
    )
    assert old.json()["error_response"]["code"] == "InvalidTimestamp"
    with pytest.raises(AuthError):
        h.connect({**h.values, "app_secret": "0" * 32}).check_connection()


def test_credentials_travel_in_the_body_not_the_url(h):
    h.adapter.check_connection()
    request = h.adapter.ctx.transport.requests[0]
    assert request.method == "POST" and request.url.query == b""
    assert h.emulator.access_token.encode() in request.content


def test_throttling_in_http_200_waits_out_the_ban(h):
    h.emulator.faults.throttle_every = 1
    with pytest.raises(RateLimited) as exc:
        h.adapter.check_connection()
    assert exc.value.retry_after == 2  # "This ban will last for 1 more seconds" + 1
    h.emulator.faults.throttle_every = 0
    h.emulator.throttle_code = "7"  # the legacy TOP code means the same
    h.emulator.faults.throttle_every = 2
    assert h.adapter.check_connection()
    assert h.adapter.check_connection()


def test_an_expired_access_token_is_renewed_with_the_refresh_token(h):
    saved = {}
    h.adapter.ctx.save_credentials = saved.update
    h.emulator.expire_access_token()
    assert h.adapter.check_connection()
    assert saved["access_token"] == h.emulator.access_token
    assert "/rest/auth/token/refresh" in [r.url.path for r in h.adapter.ctx.transport.requests]
    without = h.connect({k: v for k, v in h.values.items() if k != "refresh_token"})
    h.emulator.expire_access_token()
    with pytest.raises(AuthError):
        without.check_connection()


@pytest.mark.parametrize(
    "pacific, utc",
    [
        ("2026-07-01 12:00:00", "2026-07-01T19:00:00+00:00"),  # PDT, UTC-7
        ("2026-12-01 12:00:00", "2026-12-01T20:00:00+00:00"),  # PST, UTC-8
        ("2026-03-08 01:59:59", "2026-03-08T09:59:59+00:00"),  # last second before spring forward
        ("2026-03-08 03:00:00", "2026-03-08T10:00:00+00:00"),  # first second after it
        ("2026-11-01 01:30:00", "2026-11-01T08:30:00+00:00"),  # the repeated hour reads as its first time
        ("2026-11-01 02:00:00", "2026-11-01T10:00:00+00:00"),
    ],
)
def test_pacific_times_convert_across_daylight_saving(pacific, utc):
    assert from_pacific(pacific).isoformat() == utc


def test_utc_converts_to_pacific_wall_time():
    assert to_pacific(datetime(2026, 11, 1, 9, 30, tzinfo=UTC)) == "2026-11-01 01:30:00"
    assert to_pacific(datetime(2026, 3, 8, 10, 0, tzinfo=UTC)) == "2026-03-08 03:00:00"


def test_a_window_starting_in_the_repeated_autumn_hour_misses_nothing():
    from core.testing.clock import VirtualClock

    h = EmulatorHarness(AliExpressAdapter, AliExpressEmulator)
    h.clock = VirtualClock(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    h.emulator = AliExpressEmulator(seed=3, clock=h.clock)
    h.values = h.emulator.connection_settings("http://emulator.test")
    h.adapter = h.connect(h.values)
    # 09:10-09:50 UTC is 01:10-01:50 PST, the second time the clocks show that hour.
    ids = h.emulator.generate_orders(
        6,
        start=datetime(2026, 11, 1, 9, 10, tzinfo=UTC),
        end=datetime(2026, 11, 1, 9, 50, tzinfo=UTC),
    )
    start = datetime(2026, 11, 1, 9, 5, tzinfo=UTC)
    found = sync(h, start, h.adapter.window_end())
    assert {o.external_order_id for o in found} == set(ids)
    assert all(o.updated_at >= start for o in found)


def test_query_rules_of_the_order_list(h):
    seed(h, 3)
    now = h.clock.now()

    def ask(**query):
        body = gateway(h, method="aliexpress.solution.order.get", param0=json.dumps(query)).json()
        return body["aliexpress_solution_order_get_response"]["result"]

    assert not ask(modified_date_start=to_pacific(now - timedelta(days=1)), page_size=20)["success"]
    wide = {"create_date_start": to_pacific(now - timedelta(days=200)), "create_date_end": to_pacific(now)}
    assert not ask(modified_date_start=to_pacific(now - timedelta(days=1)), **wide)["success"]
    finish = {"create_date_start": to_pacific(now - timedelta(days=40)), "create_date_end": to_pacific(now)}
    assert not ask(order_status="FINISH", **finish)["success"]
    assert not ask(page_size=51)["success"]
    fine = ask(create_date_start=to_pacific(now - timedelta(days=2)), create_date_end=to_pacific(now), page_size=2)
    assert fine["success"] and fine["total_count"] == 3 and fine["total_page"] == 2
    assert isinstance(fine["target_list"]["order_dto"][0]["order_id"], int)


def test_finished_orders_are_found_in_the_second_pass(h):
    ids = seed(h, 4)
    sync(h)
    h.emulator.change_order(ids[0], "cancel")
    h.emulator.change_order(ids[1], "deliver")
    h.clock.advance(60)
    later = {o.external_order_id: o for o in sync(h, h.clock.now() - timedelta(minutes=5))}
    assert later[ids[0]].status == "cancelled" and later[ids[1]].status == "shipped"
    queries = [
        json.loads(dict(httpx.QueryParams(r.content.decode()))["param0"])
        for r in h.adapter.ctx.transport.requests
        if b"order.get" in r.content
    ]
    assert any(q.get("order_status") == "FINISH" for q in queries)
    assert all("modified_date_end" not in q for q in queries)


@pytest.mark.parametrize(
    "status, reason, refund, shipped, expected",
    [
        ("WAIT_SELLER_SEND_GOODS", "", None, False, "unshipped"),
        ("PLACE_ORDER_SUCCESS", "", None, False, "pending"),
        ("IN_CANCEL", "", None, False, "pending"),
        ("SELLER_PART_SEND_GOODS", "", None, True, "partially_shipped"),
        ("WAIT_BUYER_ACCEPT_GOODS", "", None, True, "shipped"),
        ("FINISH", "buyer_cancel_notpay_order", None, False, "cancelled"),
        ("FINISH", "seller_send_goods_timeout", None, False, "cancelled"),
        ("FINISH", "buyer_accept_goods", None, True, "shipped"),
        ("FINISH", "buyer_accept_goods_timeout", None, True, "shipped"),
        ("FINISH", "seller_accept_issue_refund", {"refund_status": "refund_ok"}, True, "refunded"),
    ],
)
def test_statuses_are_normalised(status, reason, refund, shipped, expected):
    assert status_of(status, reason, refund, shipped) == expected


def test_detail_completes_address_lines_and_shipping(h):
    (oid,) = seed(h, 1)
    listed = sync(h)[0]
    assert not listed.lines_complete and listed.shipping_address is None
    full = h.adapter.fetch_order_lines(listed)
    assert full.lines_complete and full.shipping_address.country and full.shipping_address.line1
    assert full.total == listed.total and full.currency == "USD"
    assert sum(line.shipping_price for line in full.lines) == h.emulator.orders[int(oid)]["shipping"]


def test_fulfilment_in_parts_then_all(h):
    for _ in range(5):
        ids = seed(h, 10)
        multi = [
            i
            for i in ids
            if len(h.emulator.orders[int(i)]["lines"]) > 1
            and h.emulator.orders[int(i)]["status"] == "WAIT_SELLER_SEND_GOODS"
        ]
        if multi:
            break
    oid = multi[0]
    children = [str(line["child_id"]) for line in h.emulator.orders[int(oid)]["lines"]]
    counts = {str(line["child_id"]): line["product_count"] for line in h.emulator.orders[int(oid)]["lines"]}
    first = ShipmentConfirmation(
        oid,
        carrier="Yanwen",
        service="",
        tracking_number="YW1",
        shipped_at=h.clock.now(),
        lines=((children[0], counts[children[0]]),),
    )
    h.adapter.confirm_shipment(first)
    assert h.emulator.orders[int(oid)]["status"] == "SELLER_PART_SEND_GOODS"
    h.adapter.confirm_shipment(first)  # a retry declares nothing twice
    rest = tuple((c, counts[c]) for c in children[1:])
    h.adapter.confirm_shipment(
        ShipmentConfirmation(
            oid, carrier="Yanwen", service="", tracking_number="YW2", shipped_at=h.clock.now(), lines=rest
        )
    )
    assert h.emulator.orders[int(oid)]["status"] == "WAIT_BUYER_ACCEPT_GOODS"
    sent = [s["raw"]["send_type"] for s in h.shipments(oid)]
    assert sent == ["part", "all"] and h.shipments(oid)[0]["carrier"] == "YANWEN_JYT"


def test_unknown_carriers_need_a_tracking_website(h):
    ids = seed(h, 5)
    oid = next(i for i in ids if h.emulator.orders[int(i)]["status"] == "WAIT_SELLER_SEND_GOODS")
    shipment = ShipmentConfirmation(
        oid, carrier="Local Post", service="", tracking_number="LP1", shipped_at=h.clock.now()
    )
    with pytest.raises(RemoteRejected):
        h.adapter.confirm_shipment(shipment)
    h.adapter.confirm_shipment(
        ShipmentConfirmation(
            oid,
            carrier="Local Post",
            service="",
            tracking_number="LP1",
            shipped_at=h.clock.now(),
            tracking_url="https://lp.example",
        )
    )
    assert h.shipments(oid)[0]["raw"]["service_name"] == "OTHER"


def test_inventory_goes_per_product_and_reports_per_sku(h):
    results = h.adapter.push_quantities(
        [
            ListingQuantity("TL-SCK-WOOL-M", 3),
            ListingQuantity("TL-GLV-TOUCH-L", 4),
            ListingQuantity("TL-PB-10K", 5),
            ListingQuantity("NOPE", 1),
        ]
    )
    assert [r.ok for r in results] == [True, True, True, False]
    assert h.emulator.quantities()["TL-GLV-TOUCH-L"] == 4
    updates = [
        json.loads(dict(httpx.QueryParams(r.content.decode()))["mutiple_product_update_list"])
        for r in h.adapter.ctx.transport.requests
        if b"inventory.update" in r.content
    ]
    grouped = [u for u in updates[0] if len(u["multiple_sku_update_list"]) == 2]
    assert grouped, "the two SKUs of one product go in one entry"
