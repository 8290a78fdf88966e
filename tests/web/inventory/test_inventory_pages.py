"""Inventory pages as warehouse staff use them: stock with every bucket, a SKU's ledger, low
stock, stock age, warehouses and bins, transfers, first-leg shipments with cartons and labels,
stocktakes counted on the page or by CSV, kit orders; in English and Chinese, two tenants."""

from __future__ import annotations

import io
import re
import uuid

from core.inventory import service as inv
from core.inventory.service import Doc, Line
from core.inventory.service.warehouses import set_sku_setting
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.inventory.helpers import key, stock, warehouse
from tests.web.conftest import visible_text


def _location(resp, pattern: str) -> str:
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:800]
    match = re.search(pattern, resp.headers["Location"])
    assert match, resp.headers["Location"]
    return match.group(1)


def test_stock_ledger_low_stock_and_age(tenants, portal):
    a, b = tenants
    wh = warehouse(a, "SZ-MAIN")
    sku = approved_sku(a, "PAGE-TEE")
    stock(a, sku, wh, 12, "4.00")
    with a.scope():
        order = Doc("sales_order", "page-1", "SO-PAGE-1")
        inv.reserve(order, [Line("1", sku, wh, 5)], key=key())
        inv.ship(order, key=key())
        set_sku_setting(sku, wh, safety_stock=10)
    b_sku = approved_sku(b, "B-SECRET-SKU")
    stock(b, b_sku, warehouse(b, "B-WH"), 3)
    owner = portal(a)

    page = owner.text("/inventory/")
    assert "PAGE-TEE" in page and "SZ-MAIN" in page and "28.00" in page  # 7 left at 4.00
    assert "B-SECRET-SKU" not in page
    assert "PAGE-TEE" in owner.text("/inventory/?low=1")
    assert "PAGE-TEE" not in owner.text("/inventory/?q=NOPE")

    ledger = owner.text(f"/inventory/ledger/{sku}")
    assert "Order shipped" in ledger and "SO-PAGE-1" in ledger and "Purchase receipt" in ledger
    assert owner.get(f"/inventory/ledger/{b_sku}").status_code == 404

    dashboard = owner.text("/")
    assert "SKUs below safety stock 1" in dashboard
    low = owner.text("/inventory/low")
    assert "PAGE-TEE" in low and "0.17" in low  # 5 shipped over 30 days
    assert "PAGE-TEE" in owner.text("/inventory/age")

    zh = portal(a)
    zh.post("/locale", {"locale": "zh_CN"})
    page = zh.text("/inventory/")
    assert "库存" in page and "在库" in page and "可用" in page
    assert "订单出库" in zh.text(f"/inventory/ledger/{sku}")
    assert "低库存" in zh.text("/inventory/low") and "库龄" in zh.text("/inventory/age")


def test_warehouses_and_bins(tenants, portal):
    a, b = tenants
    owner = portal(a)
    resp = owner.post(
        "/inventory/warehouses/new",
        {"code": "", "name": "Nowhere", "type": "domestic", "country": "ZZ", "priority": "1"},
    )
    assert resp.status_code == 422
    text = visible_text(resp.get_data(as_text=True))
    assert "use an ISO 3166-1 two-letter country code" in text
    resp = owner.post(
        "/inventory/warehouses/new",
        {
            "code": "LA-3PL",
            "name": "Los Angeles 3PL",
            "type": "overseas_3pl",
            "operator": "Winit",
            "country": "US",
            "city": "Ontario",
            "priority": "20",
            "active": "on",
        },
    )
    wid = _location(resp, r"/inventory/warehouses/([0-9a-f-]{36})")
    assert "LA-3PL" in owner.text("/inventory/warehouses") and "Overseas 3PL" in owner.text("/inventory/warehouses")
    assert owner.post(f"/inventory/warehouses/{wid}/bins", {"code": "A-01-01"}).status_code == 302
    assert owner.post(f"/inventory/warehouses/{wid}/bins", {"code": "A-01-01"}).status_code == 409
    assert "A-01-01" in owner.text(f"/inventory/warehouses/{wid}")
    saved = owner.post(
        f"/inventory/warehouses/{wid}",
        {"code": "LA-3PL", "name": "LA 3PL West", "type": "overseas_3pl", "country": "US", "priority": "20"},
    )
    assert saved.status_code == 302
    assert "Inactive" in owner.text("/inventory/warehouses")  # the active box was left unticked
    other = portal(b)
    assert other.get(f"/inventory/warehouses/{wid}").status_code == 404
    assert other.post(f"/inventory/warehouses/{wid}/bins", {"code": "X"}).status_code == 404
    viewer = portal(a, "viewer")
    assert viewer.get(f"/inventory/warehouses/{wid}").status_code == 200
    assert viewer.post(f"/inventory/warehouses/{wid}/bins", {"code": "V"}).status_code == 403


def test_transfer_from_draft_to_partial_and_final_receipt(tenants, portal):
    a, _b = tenants
    src, dst = warehouse(a, "SRC"), warehouse(a, "DST")
    sku = approved_sku(a, "MOVE-ME")
    stock(a, sku, src, 10, "2.00")
    owner = portal(a)
    bad = owner.post(
        "/inventory/transfers/new",
        {"source_warehouse_id": str(src), "destination_warehouse_id": str(dst), "sku_1": "NO-SUCH", "qty_1": "3"},
    )
    assert bad.status_code == 422 and "No SKU with this code." in visible_text(bad.get_data(as_text=True))
    resp = owner.post(
        "/inventory/transfers/new",
        {"source_warehouse_id": str(src), "destination_warehouse_id": str(dst), "sku_1": "MOVE-ME", "qty_1": "6"},
    )
    tid = _location(resp, r"/inventory/transfers/([0-9a-f-]{36})")
    assert "Draft" in owner.text(f"/inventory/transfers/{tid}")
    owner.post(f"/inventory/transfers/{tid}/do/allocate", {})
    assert "Allocated" in owner.text(f"/inventory/transfers/{tid}")
    owner.post(f"/inventory/transfers/{tid}/do/allocate", {})
    assert "Not possible while it is Allocated." in owner.text(f"/inventory/transfers/{tid}")
    missing = owner.post(f"/inventory/transfers/{tid}/do/ship", {"carrier": "SF"})
    assert missing.status_code == 422
    owner.post(f"/inventory/transfers/{tid}/do/ship", {"carrier": "SF Express", "tracking_number": "SF42"})
    page = owner.text(f"/inventory/transfers/{tid}")
    assert "Shipped" in page and "SF42" in page
    t_lines = re.findall(
        r'name="recv_([0-9a-f-]{36})"', owner.get(f"/inventory/transfers/{tid}").get_data(as_text=True)
    )
    assert len(t_lines) == 1
    owner.post(f"/inventory/transfers/{tid}/do/receive", {f"recv_{t_lines[0]}": "4"})
    assert "Partially received" in owner.text(f"/inventory/transfers/{tid}")
    refused = owner.post(f"/inventory/transfers/{tid}/do/receive", {f"recv_{t_lines[0]}": "1", "complete": "on"})
    assert refused.status_code == 422 and "say why units are missing" in visible_text(refused.get_data(as_text=True))
    owner.post(
        f"/inventory/transfers/{tid}/do/receive",
        {f"recv_{t_lines[0]}": "1", "complete": "on", "shortfall_reason": "dropped"},
    )
    final = owner.text(f"/inventory/transfers/{tid}")
    assert "Received" in final and "dropped" in final
    stock_page = owner.text(f"/inventory/?warehouse_id={dst}")
    assert "MOVE-ME" in stock_page


def test_first_leg_cartons_labels_and_freight(tenants, portal):
    a, _b = tenants
    src = warehouse(a, "CN-DG")
    fba = warehouse(a, "FBA-ONT8", type="platform", country="US", marketplace="US", operator="Amazon FBA")
    sku = approved_sku(a, "FL-MUG")
    stock(a, sku, src, 100, "6.00")
    owner = portal(a)
    resp = owner.post(
        "/inventory/first-leg/new",
        {
            "source_warehouse_id": str(src),
            "destination_warehouse_id": str(fba),
            "platform_reference": "FBA15XYZ",
            "shipping_method": "sea",
            "sku_1": "FL-MUG",
            "qty_1": "48",
        },
    )
    fid = _location(resp, r"/inventory/first-leg/([0-9a-f-]{36})")
    box = {
        "count_1": "4",
        "box_sku_1": "FL-MUG",
        "box_qty_1": "12",
        "length_1": "50",
        "width_1": "40",
        "height_1": "30",
        "weight_1": "14.2",
    }
    assert owner.post(f"/inventory/first-leg/{fid}/do/boxes", box).status_code == 302
    owner.post(f"/inventory/first-leg/{fid}/do/allocate", {})
    labels = owner.get(f"/inventory/first-leg/{fid}/labels.pdf")
    assert labels.status_code == 200 and labels.data.startswith(b"%PDF") and b"/Count 4" in labels.data
    bad = owner.post(
        f"/inventory/first-leg/{fid}/do/ship",
        {"carrier": "Matson", "tracking_number": "M1", "freight_amount": "abc", "freight_currency": "USD"},
    )
    assert bad.status_code == 422
    owner.post(
        f"/inventory/first-leg/{fid}/do/ship",
        {
            "carrier": "Matson",
            "tracking_number": "M1",
            "freight_amount": "380",
            "freight_currency": "USD",
            "duty_amount": "22.5",
            "duty_currency": "USD",
        },
    )
    page = owner.text(f"/inventory/first-leg/{fid}")
    assert "Shipped" in page and "$380.00 / $22.50" in page and "FBA15XYZ" in page


def test_stocktake_counted_on_the_page_and_by_csv(tenants, portal):
    a, _b = tenants
    wh = warehouse(a, "COUNT-WH")
    x, y = approved_sku(a, "CNT-X"), approved_sku(a, "CNT-Y")
    stock(a, x, wh, 10, "1.50")
    stock(a, y, wh, 4, "2.00")
    owner = portal(a)
    resp = owner.post("/inventory/stocktakes/new", {"warehouse_id": str(wh), "scope": "cycle"})
    sid = _location(resp, r"/inventory/stocktakes/([0-9a-f-]{36})")
    owner.post(f"/inventory/stocktakes/{sid}/do/start", {})
    sheet = owner.get(f"/inventory/stocktakes/{sid}").get_data(as_text=True)
    assert f'name="count_{x}"' in sheet and 'inputmode="numeric"' in sheet
    bad = owner.post(f"/inventory/stocktakes/{sid}/do/counts", {f"count_{x}": "-1"})
    assert bad.status_code == 422
    owner.post(f"/inventory/stocktakes/{sid}/do/counts", {f"count_{x}": "9"})
    csv = io.BytesIO(b"sku,counted\nCNT-Y,5\n")
    resp = owner.post(
        f"/inventory/stocktakes/{sid}/do/csv", {"file": (csv, "counts.csv")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 302
    page = owner.text(f"/inventory/stocktakes/{sid}")
    assert "Gain 2.00 · loss 1.50 CNY" in page
    owner.post(f"/inventory/stocktakes/{sid}/do/post", {})
    assert "Posted" in owner.text(f"/inventory/stocktakes/{sid}")
    with a.scope():
        assert (inv.get_buckets(x, wh).on_hand, inv.get_buckets(y, wh).on_hand) == (9, 5)


def test_kit_orders_page(tenants, portal):
    a, _b = tenants
    wh = warehouse(a, "KIT-WH")
    part = approved_sku(a, "KIT-PART")
    kit = approved_kit(a, {part: 2}, kit_type="physical", code="KIT-BOX")
    stock(a, part, wh, 6, "1.00")
    owner = portal(a)
    bad = owner.post(
        "/inventory/kits", {"kind": "assembly", "kit_sku": "KIT-PART", "warehouse_id": str(wh), "quantity": "1"}
    )
    assert bad.status_code == 422 and "is not a physical kit" in visible_text(bad.get_data(as_text=True))
    assert (
        owner.post(
            "/inventory/kits", {"kind": "assembly", "kit_sku": "KIT-BOX", "warehouse_id": str(wh), "quantity": "3"}
        ).status_code
        == 302
    )
    page = owner.get("/inventory/kits").get_data(as_text=True)
    order_id = re.search(r"/inventory/kits/([0-9a-f-]{36})/do/complete", page).group(1)
    owner.post(f"/inventory/kits/{order_id}/do/complete", {})
    assert "Completed" in owner.text("/inventory/kits")
    with a.scope():
        assert inv.get_buckets(kit, wh).on_hand == 3 and inv.get_buckets(part, wh).on_hand == 0
    assert uuid.UUID(order_id)
