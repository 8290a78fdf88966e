"""From an order short of stock, one step raises stocking requests or drafts a transfer for
exactly the missing units, through the purchasing and inventory services; never twice."""

from __future__ import annotations

import re

from core.orders import service
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line, settings, stock, warehouse
from tests.web.conftest import visible_text


def _short_order(tenant):
    conn = connection(tenant, "Short shop")
    mug, lid = approved_sku(tenant, "SH-MUG"), approved_sku(tenant, "SH-LID")
    sz, de = warehouse(tenant, "SH-SZ", country="CN"), warehouse(tenant, "SH-DE", country="DE")
    stock(tenant, mug, sz, 2)
    stock(tenant, lid, sz, 10)
    stock(tenant, mug, de, 9)
    settings(tenant, warehouse_ids=[str(sz)])  # orders ship from Shenzhen only
    with tenant.scope():
        imported = service.upsert_from_channel(
            conn, channel_order(line("SH-MUG", 5, "9.00"), line("SH-LID", 1, "2.00"))
        )
        order = service.get_order(imported.order_id)
        assert order.status in ("pending_review", "on_hold") and not order.stock_reserved
        return order.id, order.number, sz, de


def test_the_order_page_shows_what_is_missing_and_raises_requests_once(portal, tenant_a):
    order_id, number, sz, _de = _short_order(tenant_a)
    client = portal(tenant_a)
    page = client.get(f"/orders/{order_id}?short_warehouse_id={sz}").get_data(as_text=True)
    missing = visible_text(page.split('id="missing"')[1].split("</table>")[0])
    assert "SH-MUG 5 2 3" in missing and "SH-LID" not in missing
    resp = client.post(f"/orders/{order_id}/short/request", {"warehouse_id": str(sz), "needed_by": "2099-01-31"})
    assert resp.status_code == 302
    requests = tenant_a.api.get("stocking-requests?status=submitted").get_json()
    assert [(r["sku_code"], r["quantity"], r["warehouse_id"]) for r in requests] == [("SH-MUG", 3, str(sz))]
    assert number in requests[0]["note"]
    again = client.post(f"/orders/{order_id}/short/request", {"warehouse_id": str(sz), "needed_by": "2099-01-31"})
    assert again.status_code == 302 and len(tenant_a.api.get("stocking-requests").get_json()) == 1
    assert "already open" in client.text(f"/orders/{order_id}")
    assert "stocking requests" in client.text(f"/orders/{order_id}")  # the timeline says so


def test_a_transfer_of_the_missing_units_is_drafted_from_another_warehouse(portal, tenant_a, tenant_b):
    order_id, number, sz, de = _short_order(tenant_a)
    client = portal(tenant_a)
    resp = client.post(f"/orders/{order_id}/short/transfer", {"warehouse_id": str(sz), "source_warehouse_id": str(de)})
    assert resp.status_code == 302 and "/inventory/transfers/" in resp.headers["Location"]
    transfer = client.text(resp.headers["Location"])
    assert "SH-MUG" in transfer and number in transfer
    transfer_id = re.search(r"/inventory/transfers/([0-9a-f-]{36})", resp.headers["Location"]).group(1)
    body = tenant_a.api.get(f"transfers/{transfer_id}").get_json()
    assert [(ln["sku_id"] is not None, ln["quantity"]) for ln in body["lines"]] == [(True, 3)]
    assert body["source_warehouse_id"] == str(de) and body["destination_warehouse_id"] == str(sz)
    twice = client.post(f"/orders/{order_id}/short/transfer", {"warehouse_id": str(sz), "source_warehouse_id": str(de)})
    assert twice.status_code == 302 and "already open" in client.text(f"/orders/{order_id}")
    same = client.post(f"/orders/{order_id}/short/transfer", {"warehouse_id": str(sz), "source_warehouse_id": str(sz)})
    assert same.status_code == 302
    assert portal(tenant_b).post(f"/orders/{order_id}/short/transfer", {"warehouse_id": str(sz)}).status_code == 404


def test_a_viewer_sees_no_short_order_buttons(portal, tenant_a):
    order_id, _number, sz, _de = _short_order(tenant_a)
    viewer = portal(tenant_a, "viewer")
    assert 'id="short-order"' not in viewer.get(f"/orders/{order_id}").get_data(as_text=True)
    assert viewer.post(f"/orders/{order_id}/short/request", {"warehouse_id": str(sz)}).status_code == 403
