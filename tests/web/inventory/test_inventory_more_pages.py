"""The stock page's product names, totals and export, and the inventory pages that were API-only:
adjustments, borrowing, safety stock and platform stock reconciliation."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import snapshot, stock, warehouse
from tests.web.conftest import visible_text


def _key(client, path: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_stock_page_names_products_and_totals_every_page(portal, tenant_a, tenant_b):
    mug = approved_sku(tenant_a, "IV-MUG", title_en="Enamel mug")
    lamp = approved_sku(tenant_a, "IV-LAMP", title_en="Desk lamp")
    sz = warehouse(tenant_a, "IV-SZ")
    stock(tenant_a, mug, sz, 10, cost="5.00")
    stock(tenant_a, lamp, sz, 4, cost="20.00")
    other = approved_sku(tenant_b, "IV-OTHER")
    stock(tenant_b, other, warehouse(tenant_b, "IV-B"), 99)
    client = portal(tenant_a)
    text = client.text("/inventory/")
    assert "Enamel mug" in text and "Desk lamp" in text
    totals = visible_text(
        client.get("/inventory/").get_data(as_text=True).split('id="stock-totals"')[1].split("</dl>")[0]
    )
    assert "On hand 14" in totals and "CN¥130.00" in totals
    rows = list(csv.reader(io.StringIO(client.get("/inventory/export?format=csv").get_data(as_text=True)[1:])))
    assert sorted((r[0], r[1], r[3]) for r in rows[1:]) == [
        ("IV-LAMP", "Desk lamp", "4"),
        ("IV-MUG", "Enamel mug", "10"),
    ]


def test_scrap_posts_once_even_when_the_form_is_sent_twice(portal, tenant_a):
    sku = approved_sku(tenant_a, "IV-SCRAP")
    wh = warehouse(tenant_a, "IV-SCR")
    stock(tenant_a, sku, wh, 10)
    client = portal(tenant_a)
    form = {
        "key": _key(client, "/inventory/adjustments"),
        "kind": "scrap",
        "warehouse_id": str(wh),
        "from_bucket": "on_hand",
        "sku_0": "IV-SCRAP",
        "qty_0": "3",
        "reason": "water damage",
    }
    for _ in range(2):
        assert client.post("/inventory/adjustments", form).status_code == 302
    assert snapshot(tenant_a, sku, wh)["on_hand"] == 7
    refused = client.post("/inventory/adjustments", {**form, "key": "k2", "qty_0": "50"})
    assert refused.status_code in (409, 422) and snapshot(tenant_a, sku, wh)["on_hand"] == 7
    no_reason = client.post("/inventory/adjustments", {**form, "key": "k3", "reason": ""})
    assert no_reason.status_code == 422 and "say why the stock changes" in visible_text(
        no_reason.get_data(as_text=True)
    )


def test_opening_balance_needs_a_cost(portal, tenant_a):
    sku = approved_sku(tenant_a, "IV-OPEN")
    wh = warehouse(tenant_a, "IV-OPN")
    client = portal(tenant_a)
    form = {
        "key": "o1",
        "kind": "opening_balance",
        "warehouse_id": str(wh),
        "sku_0": "IV-OPEN",
        "qty_0": "5",
        "reason": "go-live",
    }
    assert client.post("/inventory/adjustments", form).status_code == 422
    assert client.post("/inventory/adjustments", {**form, "cost_0": "12.50"}).status_code == 302
    assert snapshot(tenant_a, sku, wh)["on_hand"] == 5


def test_borrowing_lend_take_back_and_write_off(portal, tenant_a):
    sku = approved_sku(tenant_a, "IV-LEND")
    wh = warehouse(tenant_a, "IV-LND")
    stock(tenant_a, sku, wh, 10)
    client = portal(tenant_a)
    resp = client.post(
        "/inventory/borrowings",
        {"key": "b1", "borrower": "Photo studio", "sku": "IV-LEND", "quantity": "4", "warehouse_id": str(wh)},
    )
    assert resp.status_code == 302 and snapshot(tenant_a, sku, wh)["on_hand"] == 6
    page = client.get("/inventory/borrowings").get_data(as_text=True)
    assert "Photo studio" in page
    borrowing_id = re.search(r"/inventory/borrowings/([0-9a-f-]{36})/return", page).group(1)
    client.post(f"/inventory/borrowings/{borrowing_id}/return", {"quantity": "3", "condition": "restock", "key": "r1"})
    assert snapshot(tenant_a, sku, wh)["on_hand"] == 9
    assert client.post(f"/inventory/borrowings/{borrowing_id}/close", {"reason": ""}).status_code == 302  # flashed
    client.post(f"/inventory/borrowings/{borrowing_id}/close", {"reason": "lost at the shoot"})
    text = client.text("/inventory/borrowings?status=closed")
    assert "Photo studio" in text and "Closed" in text
    missing = client.post(
        "/inventory/borrowings", {"key": "b2", "borrower": "", "sku": "NOPE", "quantity": "1", "warehouse_id": str(wh)}
    )
    assert missing.status_code == 422 and "No SKU with this code." in visible_text(missing.get_data(as_text=True))


def test_safety_stock_is_set_and_listed(portal, tenant_a):
    sku = approved_sku(tenant_a, "IV-SAFE", title_en="Safe kettle")
    wh = warehouse(tenant_a, "IV-SAF")
    stock(tenant_a, sku, wh, 3)
    client = portal(tenant_a)
    assert (
        client.post(
            "/inventory/safety-stock", {"sku": "IV-SAFE", "warehouse_id": str(wh), "safety_stock": "5"}
        ).status_code
        == 302
    )
    text = client.text("/inventory/safety-stock")
    assert "IV-SAFE" in text and "Safe kettle" in text and "Low" in text
    assert "IV-SAFE" in client.text("/inventory/low")
    assert (
        client.post(
            "/inventory/safety-stock", {"sku": "IV-SAFE", "warehouse_id": str(wh), "safety_stock": "-1"}
        ).status_code
        == 422
    )


def test_platform_reconciliation_brings_the_book_to_the_report(portal, tenant_a):
    sku = approved_sku(tenant_a, "IV-FBA")
    fba = warehouse(tenant_a, "IV-FBA-US", type="platform", country="US", marketplace="US", operator="amazon")
    stock(tenant_a, sku, fba, 10)
    client = portal(tenant_a)
    form = {
        "key": "p1",
        "warehouse_id": str(fba),
        "sku_0": "IV-FBA",
        "fulfillable_0": "7",
        "reserved_0": "1",
        "unsellable_0": "1",
    }
    assert client.post("/inventory/platform-stock", form).status_code == 302
    after = snapshot(tenant_a, sku, fba)
    assert after["on_hand"] == 8 and after["unsellable"] == 1 and after["available"] == 7
    domestic = warehouse(tenant_a, "IV-DOM")
    refused = client.post("/inventory/platform-stock", {**form, "key": "p2", "warehouse_id": str(domestic)})
    assert refused.status_code == 422


def test_stock_and_purchasing_pages_name_products_in_the_readers_language(app, portal, tenant_a):
    from tests.core.purchasing.helpers import buyer
    from tests.web.conftest import PortalClient, add_user

    mug = approved_sku(tenant_a, "IV-ZH-MUG", title_en="Enamel mug", title_zh="搪瓷杯")
    stock(tenant_a, mug, warehouse(tenant_a, "IV-ZH"), 3, cost="5.00")
    assert "Enamel mug" in portal(tenant_a).text("/inventory/")
    zh = PortalClient(app)
    zh.log_in_as(tenant_a, add_user(tenant_a, "owner", locale="zh_CN"))
    page = zh.text("/inventory/")
    assert "搪瓷杯" in page and "Enamel mug" not in page
    buy = buyer(tenant_a)
    soon = (date.today() + timedelta(days=20)).isoformat()
    made = tenant_a.api.post(
        "stocking-requests",
        {"sku_id": str(buy.skus[0]), "warehouse_id": str(buy.warehouse_id), "quantity": 5, "needed_by": soon},
    )
    assert made.status_code == 201, made.get_json()
    with tenant_a.scope():
        from core.catalog.models import Product, Sku
        from core.db import session

        product = session.get(Product, session.get(Sku, buy.skus[0]).product_id)
        product.title_zh = "中文品名"
        session.commit()
    assert "中文品名" in zh.text("/purchasing/requests")


def test_past_reconciliations_are_listed_filtered_and_exported(portal, tenant_a, tenant_b):
    from tests.web.conftest import export_csv, export_xlsx

    sku = approved_sku(tenant_a, "IV-REC", title_en="Reconciled lamp")
    fba = warehouse(tenant_a, "IV-REC-FBA", type="platform", country="US", marketplace="US", operator="amazon")
    other = warehouse(tenant_a, "IV-REC-3PL", type="overseas_3pl", country="US")
    stock(tenant_a, sku, fba, 10, cost="4.00")
    b_sku = approved_sku(tenant_b, "IV-REC-B")
    b_fba = warehouse(tenant_b, "IV-REC-BF", type="platform", country="US", marketplace="US", operator="amazon")
    stock(tenant_b, b_sku, b_fba, 5)
    portal(tenant_b).post(
        "/inventory/platform-stock",
        {"key": "b1", "warehouse_id": str(b_fba), "sku_0": "IV-REC-B", "fulfillable_0": "1"},
    )
    client = portal(tenant_a)
    assert "No reconciliation has adjusted the book yet." in client.text("/inventory/platform-stock")
    form = {
        "key": "r1",
        "warehouse_id": str(fba),
        "sku_0": "IV-REC",
        "fulfillable_0": "7",
        "unsellable_0": "2",
        "reason": "FBA report of 1 December",
    }
    assert client.post("/inventory/platform-stock", form).status_code == 302
    page = client.text("/inventory/platform-stock")
    assert "IV-REC" in page and "Reconciled lamp" in page and "FBA report of 1 December" in page
    assert "IV-REC-B" not in page
    rows = export_csv(client.get("/inventory/platform-stock/export?format=csv"))
    assert rows[0][:7] == ["Time", "Document", "Warehouse", "SKU", "Product", "From → to", "Quantity"]
    moves = sorted((r[2], r[3], r[5], r[6]) for r in rows[1:])
    # 10 on hand -> 7 (fulfillable + reserved); 2 unsellable the book did not know of.
    assert moves == [
        ("IV-REC-FBA", "IV-REC", "On hand → outside", "3"),
        ("IV-REC-FBA", "IV-REC", "outside → Unsellable", "2"),
    ]
    assert all(r[1].startswith("ADJ") and r[9] == "FBA report of 1 December" for r in rows[1:])
    sheet = export_xlsx(client.get(f"/inventory/platform-stock/export?format=xlsx&warehouse_id={fba}"))
    assert len(sheet) == 3 and all(isinstance(r[6], int) for r in sheet[1:])
    assert export_csv(client.get(f"/inventory/platform-stock/export?format=csv&warehouse_id={other}"))[1:] == []
    assert "No reconciliation has adjusted the book yet." in client.text(
        f"/inventory/platform-stock?warehouse_id={other}"
    )
