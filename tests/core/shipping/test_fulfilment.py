"""After the label: pick list, picks, pack verification, hand-over, tracking to delivery."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pypdf import PdfReader

from core import jobs
from tests.core.orders.helpers import events, line
from tests.support import body

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def labelled(shop, *lines):
    order_id = shop.order(*lines)
    resp = shop.tenant.api.post(f"orders/{order_id}/label", {})
    assert resp.status_code == 201, body(resp)
    return order_id, body(resp)


def test_pack_verification_refuses_a_wrong_parcel_then_hand_over_ships_the_order(shop, shipbox):
    shipbox(shop.tenant)
    order_id, shipment = labelled(shop, line("TEE", 2), line("CAP", 1))
    pack = f"shipments/{shipment['id']}/pack"
    wrong = shop.tenant.api.post(pack, {"scans": ["TEE", "NOPE"]})
    assert wrong.status_code == 422
    assert set(body(wrong)["errors"]) == {"scans", "skus.TEE", "skus.CAP"}
    assert "TEE: scanned 1, the order has 2" in body(wrong)["message"]
    ok = shop.tenant.api.post(pack, {"scans": ["6901234567892", "TEE", "CAP"], "weight_g": 900})
    assert ok.status_code == 200 and body(ok)["status"] == "packed"
    assert "weighed 900 g against 620 g" in body(ok)["error"]  # beyond the 10 % tolerance
    shipped = shop.tenant.api.post(f"shipments/{shipment['id']}/hand-over", {})
    assert shipped.status_code == 200 and body(shipped)["status"] == "shipped"
    assert shop.status(order_id) == "shipped"
    (ev,) = events(shop.tenant, "order.shipped")
    assert ev.payload["tracking_number"] == shipment["tracking_number"] and ev.payload["carrier"] == "shipbox"
    assert shop.tenant.api.post(f"shipments/{shipment['id']}/void", {}).status_code == 409


def test_a_short_pick_holds_the_order_with_the_sku_and_quantity(shop, shipbox):
    shipbox(shop.tenant)
    order_id, shipment = labelled(shop, line("TEE", 3))
    resp = shop.tenant.api.post(f"shipments/{shipment['id']}/pick", {"picked": {"TEE": 1}})
    assert resp.status_code == 200
    assert shop.status(order_id) == "on_hold"
    order = body(shop.tenant.api.get(f"orders/{order_id}"))
    assert "TEE missing 2" in str(order)
    bad = shop.tenant.api.post(f"shipments/{shipment['id']}/pick", {"picked": {"XYZ": 1}})
    assert bad.status_code in (409, 422)


def test_the_pick_list_gathers_orders_by_sku(shop, shipbox):
    shipbox(shop.tenant)
    a, _ = labelled(shop, line("TEE", 2))
    b, _ = labelled(shop, line("TEE", 1), line("CAP", 1))
    resp = shop.tenant.api.post("pick-lists", {"order_ids": [str(a), str(b)]})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(resp.data)).pages[0].extract_text()
    assert "CAP\n1\n" in text and "TEE\n3\n" in text  # one row per SKU, units added up
    none = shop.tenant.api.post("pick-lists", {"order_ids": [str(shop.order())]})
    assert none.status_code == 422 and "order_ids.0" in body(none)["errors"]


def test_tracking_normalises_keeps_raw_events_and_marks_the_order_delivered(shop, shipbox):
    box = shipbox(shop.tenant)
    order_id, shipment = labelled(shop)
    number = shipment["tracking_number"]
    box.emulator.scan(number, "label_created", "Shipment information sent", T, "OC")
    box.emulator.scan(number, "in_transit", "Departed FedEx hub", T + timedelta(hours=20), "DP")
    with shop.tenant.scope():
        jobs.enqueue("shipping.track")
    got = body(shop.tenant.api.get(f"shipments/{shipment['id']}"))
    assert [(e["status"], e["description"]) for e in got["events"]] == [
        ("pending", "Shipment information sent"),
        ("in_transit", "Departed FedEx hub"),
    ]
    # The first scan after pickup handed the parcel over: the order shipped.
    assert got["status"] == "shipped" and shop.status(order_id) == "shipped"
    box.emulator.scan(number, "on_hold", "Clearance delay", T + timedelta(hours=30), "CD")
    got = body(shop.tenant.api.post(f"shipments/{shipment['id']}/track", {}))
    assert got["tracking_status"] == "exception" and len(got["events"]) == 3
    assert [e.payload["status"] for e in events(shop.tenant, "shipment.exception")] == ["exception"]
    listed = body(shop.tenant.api.get("shipments?tracking_status=exception"))
    assert [s["id"] for s in listed] == [shipment["id"]]
    box.emulator.scan(number, "delivered", "Delivered, left at front door", T + timedelta(days=2), "DL")
    got = body(shop.tenant.api.post(f"shipments/{shipment['id']}/track", {}))
    assert got["tracking_status"] == "delivered" and got["status"] == "delivered"
    assert shop.status(order_id) == "delivered"
    # Asking again stores nothing twice.
    got = body(shop.tenant.api.post(f"shipments/{shipment['id']}/track", {}))
    assert len(got["events"]) == 4


def test_packing_slips_are_one_page_per_order_in_english_or_chinese(shop, shipbox, tenant_b):
    shipbox(shop.tenant)
    a, sa = labelled(shop, line("TEE", 2))
    b, sb = labelled(shop, line("TEE", 1), line("CAP", 3))
    resp = shop.tenant.api.post("packing-slips", {"order_ids": [str(a), str(b)]})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(resp.data)).pages
    assert len(pages) == 2
    first, second = (p.extract_text() for p in pages)
    assert "Packing slip" in first and sa["order_number"] in first and sa["tracking_number"] in first
    assert "Units: 2" in first and "Units: 4" in second and sb["order_number"] in second
    assert "CAP" in second and "Ship to" in second
    zh = shop.tenant.api.post("packing-slips", {"order_ids": [str(a)], "locale": "zh-CN"})
    assert zh.status_code == 200
    (page,) = PdfReader(io.BytesIO(zh.data)).pages
    text = page.extract_text()
    assert "出库单" in text and "件数合计" in text and sa["order_number"] in text
    # Bad input names the field; an order without a shipment, or another tenant's, is refused.
    assert shop.tenant.api.post("packing-slips", {"order_ids": [str(a)], "locale": "fr"}).status_code == 422
    none = shop.tenant.api.post("packing-slips", {"order_ids": [str(a), str(shop.order())]})
    assert none.status_code == 422 and "order_ids.1" in body(none)["errors"]
    assert tenant_b.api.post("packing-slips", {"order_ids": [str(a)]}).status_code == 404


def test_a_weight_beyond_the_tolerance_re_rates_the_parcel_at_pack(shop, shipbox):
    box = shipbox(shop.tenant)
    _, shipment = labelled(shop, line("TEE", 2), line("CAP", 1))  # 620 g estimated, label 6.90 USD
    rates = len(box.sent("POST", "/rates"))
    box.emulator.per_kg = Decimal("5.00")  # the carrier prices by weight from now on
    packed = shop.tenant.api.post(
        f"shipments/{shipment['id']}/pack", {"scans": ["TEE", "TEE", "CAP"], "weight_g": 2600}
    )
    assert packed.status_code == 200 and body(packed)["status"] == "packed"
    got = body(packed)
    (asked,) = box.sent("POST", "/rates")[rates:]
    assert json.loads(asked.content) == {"service": shipment["service"], "weight_g": 2600}
    assert got["parcels"][0]["weight_g"] == 2600
    rerated = got["choice"]["rerated"]
    assert (rerated["amount"], rerated["currency"], Decimal(rerated["difference"])) == ("18.00", "USD", Decimal("11.1"))
    assert "re-rated at 18.00 USD" in got["error"] and "void the label and buy it again" in got["error"]


def test_a_weight_within_the_tolerance_is_not_re_rated_and_a_carrier_down_does_not_stop_packing(shop, shipbox):
    box = shipbox(shop.tenant)
    _, within = labelled(shop, line("TEE", 2))  # 500 g estimated
    rates = len(box.sent("POST", "/rates"))
    ok = body(shop.tenant.api.post(f"shipments/{within['id']}/pack", {"scans": ["TEE", "TEE"], "weight_g": 530}))
    assert ok["status"] == "packed" and not ok["error"] and "rerated" not in ok["choice"]
    assert len(box.sent("POST", "/rates")) == rates
    _, beyond = labelled(shop, line("TEE", 2))
    box.emulator.fail_next("/rates", method="POST", status=503, times=10)
    down = body(shop.tenant.api.post(f"shipments/{beyond['id']}/pack", {"scans": ["TEE", "TEE"], "weight_g": 400}))
    assert down["status"] == "packed" and "could not be re-rated" in down["error"] and "503" in down["error"]
