"""The shipping pages as staff use them: awaiting labels -> buy labels in a batch -> print ->
pack -> hand over -> tracking, in English and Chinese, with two tenants present."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from tests.core.shipping.conftest import _shipbox_registered, make_shop, shipbox  # noqa: F401 - fixtures
from tests.web.conftest import visible_text


@pytest.fixture
def shop(tenant_a, tenant_b):
    return make_shop(tenant_a)


def test_buy_labels_for_selected_orders_print_pack_ship_and_track(portal, shop, shipbox, tenant_b):
    box = shipbox(shop.tenant)
    a, b = shop.order(), shop.order()
    owner = portal(shop.tenant)
    awaiting = owner.text("/shipping/awaiting")
    with shop.tenant.scope():
        from core.orders import service as orders

        numbers = [orders.get_order(x).number for x in (a, b)]
    assert all(n in awaiting for n in numbers)
    resp = owner.post("/shipping/batches", {"order_id": [str(a), str(b)], "label_format": "PDF"})
    assert resp.status_code == 302
    batch_page = owner.text(resp.headers["Location"])
    assert "Bought" in batch_page and "Print labels (PDF)" in batch_page
    link = re.search(
        r'href="(/shipping/batches/[^"]+/labels\.pdf)"', owner.get(resp.headers["Location"]).get_data(as_text=True)
    )
    pdf = owner.get(link.group(1))
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.data)).pages) == 2
    assert len(box.emulator.labels) == 2
    assert "No orders are waiting for a label." in owner.text("/shipping/awaiting")
    # The shipments list, filtered.
    listed = owner.text("/shipping/?status=labelled")
    assert numbers[0] in listed and numbers[1] in listed
    # The order page now leads to its shipment; pack it wrongly, then rightly, and hand it over.
    shipment_page = owner.get(f"/shipping/orders/{a}")
    assert shipment_page.status_code == 302
    url = shipment_page.headers["Location"]
    detail = owner.text(url)
    assert "Commercial invoice" in detail and "shipbox" in detail and "Rate quotes" in detail
    wrong = owner.post(f"{url}/pack", {"scans": "CAP"})
    assert "CAP is not in this parcel" in owner.text(wrong.headers["Location"])  # each field's problem
    owner.post(f"{url}/pack", {"scans": "TEE\nTEE"})
    assert "Packed" in owner.text(url)
    owner.post(f"{url}/hand-over", {})
    assert shop.status(a) == "shipped"
    with shop.tenant.scope():
        from core.shipping import service as shipping

        number = shipping.live_shipment(a).tracking_number
    box.emulator.scan(number, "delivered", "Delivered to the front desk", datetime(2026, 12, 3, tzinfo=UTC), "DL")
    owner.post(f"{url}/track", {})
    timeline = owner.text(url)
    assert "Delivered to the front desk" in timeline and shop.status(a) == "delivered"
    # Another tenant reaches none of it.
    other = portal(tenant_b)
    assert other.get(url).status_code == 404
    assert numbers[0] not in other.text("/shipping/")


def test_the_pages_speak_chinese(portal, shop, shipbox):
    shipbox(shop.tenant)
    shop.order()
    zh = portal(shop.tenant)
    zh.post("/locale", {"locale": "zh_CN"})
    text = zh.text("/shipping/awaiting")
    assert "待打单" in text and "批量购买面单" in text
    assert "运费规则与报关" in zh.text("/shipping/settings")
    assert "没有符合条件的运单" in visible_text(zh.get("/shipping/").get_data(as_text=True))


def test_a_failed_purchase_is_explained_and_nothing_is_bought(portal, shop, shipbox):
    box = shipbox(shop.tenant)
    from tests.core.orders.helpers import line

    order_id = shop.order(line("BARE", 1))
    owner = portal(shop.tenant)
    resp = owner.post(f"/shipping/orders/{order_id}/label", {})
    assert "SKU BARE has no hs code" in owner.text(resp.headers["Location"])
    assert box.emulator.labels == []


def test_the_order_page_prints_real_documents_only_once_they_exist(portal, shop, shipbox):
    box = shipbox(shop.tenant)
    order_id = shop.order()
    owner = portal(shop.tenant)
    page = owner.text(f"/orders/{order_id}")
    assert "Label and tracking" in page and "Print label" not in page and "Print packing slip" not in page
    refused = owner.get(f"/shipping/orders/{order_id}/label")
    assert refused.status_code == 302 and "has no label yet" in owner.text(refused.headers["Location"])
    owner.post(f"/shipping/orders/{order_id}/label", {})
    (sold,) = box.emulator.labels
    html = owner.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Print label" in html and "Print pick list" in html and "Print packing slip" in html
    label = owner.get(re.search(r'href="(/shipping/orders/[^"]+/label)"', html).group(1))
    assert label.mimetype == "application/pdf"
    assert sold["tracking_number"] in PdfReader(io.BytesIO(label.data)).pages[0].extract_text()
    picks = owner.post("/shipping/pick-list", {"order_id": [str(order_id)]})
    assert picks.mimetype == "application/pdf" and "TEE" in PdfReader(io.BytesIO(picks.data)).pages[0].extract_text()
    with shop.tenant.scope():
        from core.orders import service as orders

        number = orders.get_order(order_id).number
    slip = owner.post("/shipping/packing-slips", {"order_id": [str(order_id)]})
    assert slip.mimetype == "application/pdf"
    assert number in PdfReader(io.BytesIO(slip.data)).pages[0].extract_text()
    # A reader in Chinese gets the slip in Chinese unless another language is chosen.
    owner.post("/locale", {"locale": "zh_CN"})
    zh = owner.post("/shipping/packing-slips", {"order_id": [str(order_id)]})
    assert "出库单" in PdfReader(io.BytesIO(zh.data)).pages[0].extract_text()
    en = owner.post("/shipping/packing-slips", {"order_id": [str(order_id)], "locale": "en"})
    assert "Packing slip" in PdfReader(io.BytesIO(en.data)).pages[0].extract_text()
    bad = owner.post("/shipping/packing-slips", {"order_id": ["not-an-id"]})
    assert bad.status_code == 302


def test_rate_rules_are_saved_or_refused_by_field(portal, shop):
    owner = portal(shop.tenant)
    bad = owner.post(
        "/shipping/settings",
        {
            "rate_rules": '[{"strategy": "within_days"}]',
            "label_format": "PDF",
            "incoterm": "DAP",
            "export_reason": "sale",
        },
    )
    assert "Rate rules 1 · Days" in owner.text(bad.headers["Location"])  # the field by its label
    ok = owner.post(
        "/shipping/settings",
        {
            "rate_rules": '[{"strategy": "fastest"}]',
            "label_format": "ZPL",
            "incoterm": "DDP",
            "export_reason": "sale",
            "ioss": "im123",
        },
    )
    assert "Shipping settings saved." in owner.text(ok.headers["Location"])
    assert 'value="IM123"' in owner.get("/shipping/settings").get_data(as_text=True)
