"""Exports of the SKU, kit and listing-mapping lists: the list's filters, the tenant's own rows
only, CSV with the BOM and the page's headers (zh-CN too), XLSX that opens."""

from __future__ import annotations

from core.catalog import service
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.orders.helpers import connection
from tests.web.conftest import export_csv, export_xlsx, table_headers


def test_skus_export_follows_the_search_and_status(portal, tenant_a, tenant_b):
    approved_sku(tenant_a, "EXS-MUG-1", title_en="Export mug", barcode="6901234567892")
    approved_sku(tenant_a, "EXS-CUP-1", title_en="Export cup")
    with tenant_a.scope():
        service.create_product({"title_en": "Draft kettle", "skus": [{"gross_weight_g": 5, "net_weight_g": 4}]})
    approved_sku(tenant_b, "EXS-MUG-B", title_en="Foreign mug")
    client = portal(tenant_a)
    assert "/catalog/skus/export?format=csv&amp;q=mug" in client.get("/catalog/skus?q=mug").get_data(as_text=True)
    rows = export_csv(client.get("/catalog/skus/export?format=csv&q=mug"))
    assert rows[0] == ["SKU", "Product", "Variant", "Barcode", "Kit", "Status"]
    assert rows[1:] == [["EXS-MUG-1", "Export mug", "", "6901234567892", "", "Approved"]]
    sheet = export_xlsx(client.get("/catalog/skus/export?format=xlsx&status=draft"))
    assert [r[1] for r in sheet[1:]] == ["Draft kettle"]
    assert len(export_xlsx(client.get("/catalog/skus/export?format=xlsx"))) == 4  # header and A's three
    zh = portal(tenant_a)
    zh.post("/locale", {"locale": "zh_CN"})
    header = export_csv(zh.get("/catalog/skus/export?format=csv"))[0]
    assert header == table_headers(zh.get("/catalog/skus").get_data(as_text=True), "sku-list") and "状态" in header


def test_kits_export_lists_each_kits_components(portal, tenant_a, tenant_b):
    cup, saucer = approved_sku(tenant_a, "EXK-CUP"), approved_sku(tenant_a, "EXK-SAUCER")
    approved_kit(tenant_a, [(cup, 2), (saucer, 1)], code="EXK-SET", title_en="Tea set")
    approved_kit(tenant_a, [(cup, 4)], code="EXK-FOUR", title_en="Four cups")
    other = approved_sku(tenant_b, "EXK-B")
    approved_kit(tenant_b, [(other, 3)], code="EXK-B-SET")
    client = portal(tenant_a)
    assert "/catalog/kits/export?format=xlsx" in client.get("/catalog/kits").get_data(as_text=True)
    rows = export_csv(client.get("/catalog/kits/export?format=csv&q=EXK-SET"))
    assert rows[0] == ["Kit SKU", "Product", "Type", "Components", "Status"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("EXK-SET", "Tea set", "2 x EXK-CUP, 1 x EXK-SAUCER")]
    assert sorted(r[0] for r in export_xlsx(client.get("/catalog/kits/export?format=xlsx"))[1:]) == [
        "EXK-FOUR",
        "EXK-SET",
    ]


def test_mappings_export_follows_the_connection_filter(portal, tenant_a, tenant_b):
    sku = approved_sku(tenant_a, "EXM-1")
    shop, other_shop = connection(tenant_a, "Export shop"), connection(tenant_a, "Second shop")
    with tenant_a.scope():
        service.create_mapping(connection_id=shop, seller_sku="AMZ-EXM-1", sku_id=sku, quantity=2, note="pack of 2")
        service.create_mapping(connection_id=other_shop, seller_sku="SHOP-EXM-1", sku_id=sku)
    b_sku = approved_sku(tenant_b, "EXM-B")
    with tenant_b.scope():
        service.create_mapping(connection_id=connection(tenant_b, "B shop"), seller_sku="B-EXM", sku_id=b_sku)
    client = portal(tenant_a)
    assert "/catalog/mappings/export?format=csv" in client.get("/catalog/mappings").get_data(as_text=True)
    rows = export_csv(client.get(f"/catalog/mappings/export?format=csv&connection_id={shop}"))
    assert rows == [
        ["Connection", "Seller SKU", "SKU", "Quantity", "Note"],
        ["Export shop", "AMZ-EXM-1", "EXM-1", "2", "pack of 2"],
    ]
    sheet = export_xlsx(client.get("/catalog/mappings/export?format=xlsx"))
    assert sorted((r[1], r[3]) for r in sheet[1:]) == [("AMZ-EXM-1", 2), ("SHOP-EXM-1", 1)]


def test_review_queue_export_lists_the_submitted_products(portal, tenant_a, tenant_b):
    with tenant_a.scope():
        waiting = service.create_product(
            {"title_en": "Waiting lamp", "title_zh": "待审台灯", "skus": [{"gross_weight_g": 5, "net_weight_g": 4}]}
        )
        service.submit_product(waiting.id)
        service.create_product({"title_en": "Draft stool", "skus": [{"gross_weight_g": 5, "net_weight_g": 4}]})
    with tenant_b.scope():
        other = service.create_product({"title_en": "B's lamp", "skus": [{"gross_weight_g": 5, "net_weight_g": 4}]})
        service.submit_product(other.id)
    client = portal(tenant_a)
    assert "/catalog/review/export?format=csv" in client.get("/catalog/review").get_data(as_text=True)
    rows = export_csv(client.get("/catalog/review/export?format=csv"))
    assert rows[0] == ["Title (Chinese)", "Title (English)", "SKUs", "Submitted"]
    assert [r[:3] for r in rows[1:]] == [["待审台灯", "Waiting lamp", "1"]] and rows[1][3]
    sheet = export_xlsx(client.get("/catalog/review/export?format=xlsx"))
    assert [(r[1], r[2]) for r in sheet[1:]] == [("Waiting lamp", 1)]
