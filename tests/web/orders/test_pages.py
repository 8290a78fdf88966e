"""The order pages as staff use them, with two tenants present."""

from __future__ import annotations

import re

import pytest

from core.orders import service
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line, stock, warehouse
from tests.web.conftest import visible_text


@pytest.fixture
def shop(tenant_a, tenant_b):
    conn = connection(tenant_a, "Amazon US")
    sku = approved_sku(tenant_a, "PG-1")
    wh = warehouse(tenant_a, "PG-WH")
    stock(tenant_a, sku, wh, 10)
    with tenant_a.scope():
        review = service.upsert_from_channel(
            conn, channel_order(line("PG-1", 2, "15.00"), ext="114-REVIEW", buyer_name="Jane Buyer")
        )
        held = service.upsert_from_channel(conn, channel_order(line("PG-UNMAPPED", 1), ext="114-HELD"))
    return tenant_a, conn, review.order_id, held.order_id


def test_the_list_filters_and_masks_for_viewers(portal, shop):
    tenant, conn, review_id, held_id = shop
    owner = portal(tenant)
    text = owner.text("/orders/")
    assert "114-REVIEW" in text and "114-HELD" in text and "Jane Buyer" in text
    held = owner.text("/orders/?hold_type=unmapped_sku")
    assert "114-HELD" in held and "114-REVIEW" not in held and "PG-UNMAPPED × 1" in held
    viewer = portal(tenant, "viewer")
    masked = viewer.text("/orders/")
    assert "Jane Buyer" not in masked and "J*** B***" in masked
    options = viewer.get("/orders/").get_data(as_text=True)
    assert 'value="approve"' not in options and 'value="export"' in options  # viewers only export
    resp = viewer.post("/orders/bulk", {"action": "export", "order_ids": [str(review_id)]})
    assert resp.mimetype == "text/csv" and "114-REVIEW" in resp.get_data(as_text=True)
    assert "114-HELD" not in resp.get_data(as_text=True) and "J*** B***" in resp.get_data(as_text=True)
    assert viewer.post("/orders/bulk", {"action": "approve", "order_ids": [str(review_id)]}).status_code == 403


def test_bulk_approve_reports_each_order(portal, shop):
    tenant, conn, review_id, held_id = shop
    owner = portal(tenant)
    resp = owner.post("/orders/bulk", {"action": "approve", "order_ids": [str(review_id), str(held_id)]})
    assert resp.status_code == 200
    text = visible_text(resp.get_data(as_text=True))
    assert "1 of 2 orders done." in text and "it is on_hold" in text
    with tenant.scope():
        assert service.get_order(review_id).status == "allocated"


def test_detail_shows_lines_amounts_stock_timeline_and_acts(portal, shop):
    tenant, conn, review_id, held_id = shop
    owner = portal(tenant)
    text = owner.text(f"/orders/{review_id}")
    assert "Waiting for review: no auto-approval rule matches" in text
    assert "$30.00" in text and "PG-WH" in text and "imported from dummy (114-REVIEW)" in text
    resp = owner.post(f"/orders/{review_id}/hold", {"hold_type": "manual", "hold_reason": ""})
    assert resp.status_code == 422 and "Reason" in visible_text(resp.get_data(as_text=True))
    assert owner.post(f"/orders/{review_id}/approve").status_code == 302
    text = owner.text(f"/orders/{review_id}")
    assert "Allocated" in text and "stock reserved in PG-WH" in text
    resp = owner.post(f"/orders/{review_id}/ship", {"ship_carrier": ""})
    assert resp.status_code == 422
    assert (
        owner.post(f"/orders/{review_id}/ship", {"ship_carrier": "UPS", "ship_tracking_number": "1Z-PAGE"}).status_code
        == 302
    )
    text = owner.text(f"/orders/{review_id}")
    assert "1Z-PAGE" in text and "CN¥20.00" in text  # the cost of goods: 2 units at 10.00


def test_a_refused_step_names_the_state(portal, shop):
    tenant, conn, review_id, held_id = shop
    owner = portal(tenant)
    resp = owner.post(f"/orders/{held_id}/allocate")
    assert resp.status_code == 302
    assert "Not possible while the order is On hold." in owner.text(f"/orders/{held_id}")


def test_other_tenants_orders_are_404(portal, shop, tenant_b):
    tenant, conn, review_id, held_id = shop
    other = portal(tenant_b)
    assert other.get(f"/orders/{review_id}").status_code == 404
    assert other.post(f"/orders/{review_id}/approve").status_code == 404
    assert "114-REVIEW" not in other.text("/orders/")


def test_the_dashboard_counts_the_queues(portal, shop):
    tenant, *_ = shop
    text = portal(tenant).text("/")
    assert re.search(r"Orders to review 1", text) and re.search(r"Orders on hold 1", text)


def test_the_pages_speak_chinese(portal, shop):
    tenant, conn, review_id, held_id = shop
    client = portal(tenant, "operations")
    client.post("/locale", {"locale": "zh_CN"})
    assert "待审核" in client.text("/orders/") and "SKU 未配对" in client.text(f"/orders/{held_id}")


def test_the_timeline_and_hold_reasons_read_in_chinese_by_their_codes(portal, shop):
    tenant, conn, review_id, held_id = shop
    client = portal(tenant, "operations")
    assert client.post(f"/orders/{review_id}/approve").status_code == 302
    client.post("/locale", {"locale": "zh_CN"})
    text = client.text(f"/orders/{review_id}")
    assert "从 dummy 导入（114-REVIEW）" in text and "已在 PG-WH 占用库存" in text, text
    held = client.text(f"/orders/{held_id}")
    assert "平台 SKU PG-UNMAPPED 未配对本地 SKU" in held, held
    for english in ("imported from", "stock reserved in", "is not mapped", "approved"):
        assert english not in text + held, english
    # The API keeps its English and gives the code and parameters beside it.
    timeline = tenant.api.get(f"orders/{review_id}/timeline").get_json()
    reserved = next(t for t in timeline if t["action"] == "allocated")
    assert reserved["message"] == "stock reserved in PG-WH"
    assert (reserved["message_code"], reserved["message_params"]) == ("order.reserved", {"warehouse": "PG-WH"})
    assert "message" not in reserved["data"] and reserved["data"]["warehouse"] == "PG-WH"
