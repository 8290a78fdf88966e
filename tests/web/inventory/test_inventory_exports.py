"""Exports of the inventory lists: transfers, first legs, low stock, stock age, stocktakes, kit
orders and borrowings. Each follows its list's filters, holds only the tenant's own rows, is a
CSV with the BOM and the page's headers (in the reader's language) and an XLSX that opens."""

from __future__ import annotations

from datetime import date

from core.inventory.service import adjustments, kits, stocktakes, transfers, warehouses
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.inventory.helpers import key, stock, warehouse
from tests.web.conftest import export_csv, export_xlsx, table_headers


def _transfer(tenant, sku, source, destination, qty: int, kind: str = "transfer", cancel: bool = False):
    with tenant.scope():
        extra = {"platform_reference": "FBA15EXPORT1", "shipping_method": "sea"} if kind == "first_leg" else {}
        t = transfers.create_transfer(
            kind=kind,
            source_warehouse_id=source,
            destination_warehouse_id=destination,
            lines=[{"sku_id": sku, "quantity": qty}],
            **extra,
        )
        if cancel:
            transfers.cancel(t.id, kind)
        return t.number


def test_transfers_export_follows_the_status_filter(portal, tenant_a, tenant_b):
    sku = approved_sku(tenant_a, "EX-TR-1")
    sz, sh = warehouse(tenant_a, "EX-SZ"), warehouse(tenant_a, "EX-SH")
    kept = _transfer(tenant_a, sku, sz, sh, 7)
    _transfer(tenant_a, sku, sz, sh, 3, cancel=True)
    other = approved_sku(tenant_b, "EX-TR-B")
    _transfer(tenant_b, other, warehouse(tenant_b, "EX-B1"), warehouse(tenant_b, "EX-B2"), 9)
    client = portal(tenant_a)
    assert "/inventory/transfers/export?format=csv&amp;status=draft" in client.get(
        "/inventory/transfers?status=draft"
    ).get_data(as_text=True)
    rows = export_csv(client.get("/inventory/transfers/export?format=csv&status=draft"))
    assert rows[0] == ["Number", "From", "To", "Units", "Carrier", "Tracking", "Status", "Created"]
    assert [r[:4] + r[6:7] for r in rows[1:]] == [[kept, "EX-SZ", "EX-SH", "7", "Draft"]]
    sheet = export_xlsx(client.get("/inventory/transfers/export?format=xlsx"))
    assert sorted(r[3] for r in sheet[1:]) == [3, 7]  # units stay numbers; B's transfer is not there
    zh = portal(tenant_a)
    zh.post("/locale", {"locale": "zh_CN"})
    page = table_headers(zh.get("/inventory/transfers").get_data(as_text=True), "transfers")
    header = export_csv(zh.get("/inventory/transfers/export?format=csv"))[0]
    assert header == page and "状态" in header  # the page's headers, in the reader's language


def test_first_leg_export_adds_the_platform_shipment(portal, tenant_a):
    sku = approved_sku(tenant_a, "EX-FL-1")
    fba = warehouse(tenant_a, "EX-FBA", type="platform", marketplace="ATVPDKIKX0DER", operator="amazon", country="US")
    number = _transfer(tenant_a, sku, warehouse(tenant_a, "EX-FL-SZ"), fba, 12, kind="first_leg")
    client = portal(tenant_a)
    assert "/inventory/first-leg/export?format=xlsx" in client.get("/inventory/first-leg").get_data(as_text=True)
    rows = export_csv(client.get("/inventory/first-leg/export?format=csv"))
    assert rows[0][-2:] == ["Platform shipment id", "Shipping method"]
    assert [(r[0], r[3], r[-2], r[-1]) for r in rows[1:]] == [(number, "12", "FBA15EXPORT1", "sea")]
    assert export_csv(client.get("/inventory/transfers/export?format=csv"))[1:] == []  # not a transfer


def test_low_stock_export_follows_the_warehouse_filter(portal, tenant_a, tenant_b):
    mug = approved_sku(tenant_a, "EX-LOW-MUG", title_en="Low mug")
    sz, sh = warehouse(tenant_a, "EX-LSZ"), warehouse(tenant_a, "EX-LSH")
    for wh in (sz, sh):
        stock(tenant_a, mug, wh, 2)
        with tenant_a.scope():
            warehouses.set_sku_setting(mug, wh, safety_stock=10)
    other = approved_sku(tenant_b, "EX-LOW-B")
    wb = warehouse(tenant_b, "EX-LB")
    stock(tenant_b, other, wb, 1)
    with tenant_b.scope():
        warehouses.set_sku_setting(other, wb, safety_stock=5)
    client = portal(tenant_a)
    assert "/inventory/low/export?format=csv" in client.get("/inventory/low").get_data(as_text=True)
    rows = export_csv(client.get(f"/inventory/low/export?format=csv&warehouse_id={sz}"))
    assert rows[0][:4] == ["SKU", "Product", "Warehouse", "Available"]
    assert [r[:5] for r in rows[1:]] == [["EX-LOW-MUG", "Low mug", "EX-LSZ", "2", "10"]]
    sheet = export_xlsx(client.get("/inventory/low/export?format=xlsx"))
    assert sorted((r[2], r[3]) for r in sheet[1:]) == [("EX-LSH", 2), ("EX-LSZ", 2)]


def test_stock_age_export_has_units_and_value_per_band(portal, tenant_a, tenant_b):
    lamp = approved_sku(tenant_a, "EX-AGE-LAMP", title_en="Age lamp")
    sz, sh = warehouse(tenant_a, "EX-ASZ"), warehouse(tenant_a, "EX-ASH")
    stock(tenant_a, lamp, sz, 4, cost="20.00")
    stock(tenant_a, lamp, sh, 1, cost="20.00")
    stock(tenant_b, approved_sku(tenant_b, "EX-AGE-B"), warehouse(tenant_b, "EX-AB"), 8)
    client = portal(tenant_a)
    assert "/inventory/age/export?format=xlsx" in client.get("/inventory/age").get_data(as_text=True)
    rows = export_csv(client.get(f"/inventory/age/export?format=csv&warehouse_id={sz}"))
    assert rows[0][:8] == ["SKU", "Product", "Warehouse", "Units", "Value", "Currency", "0–30 days", "0–30 days: Value"]
    assert [r[:8] for r in rows[1:]] == [["EX-AGE-LAMP", "Age lamp", "EX-ASZ", "4", "80.00", "CNY", "4", "80.00"]]
    sheet = export_xlsx(client.get("/inventory/age/export?format=xlsx"))
    assert sorted((r[2], r[3], float(r[4])) for r in sheet[1:]) == [("EX-ASH", 1, 20.0), ("EX-ASZ", 4, 80.0)]


def test_stocktakes_export_follows_the_status_filter(portal, tenant_a, tenant_b):
    wh = warehouse(tenant_a, "EX-ST")
    with tenant_a.scope():
        draft = stocktakes.create_stocktake(warehouse_id=wh).number
        cancelled = stocktakes.create_stocktake(warehouse_id=wh)
        stocktakes.cancel_stocktake(cancelled.id)
    with tenant_b.scope():
        stocktakes.create_stocktake(warehouse_id=warehouse(tenant_b, "EX-STB"))
    client = portal(tenant_a)
    assert "/inventory/stocktakes/export?format=csv" in client.get("/inventory/stocktakes").get_data(as_text=True)
    rows = export_csv(client.get("/inventory/stocktakes/export?format=csv&status=draft"))
    assert rows[0] == ["Number", "Warehouse", "Scope", "Status", "Started", "Posted"]
    assert [r[:4] for r in rows[1:]] == [[draft, "EX-ST", "Cycle (whole warehouse)", "Draft"]]
    assert len(export_xlsx(client.get("/inventory/stocktakes/export?format=xlsx"))) == 3


def test_kit_orders_export_follows_the_status_filter(portal, tenant_a):
    part = approved_sku(tenant_a, "EX-KIT-PART")
    kit = approved_kit(tenant_a, [(part, 2)], kit_type="physical", code="EX-KIT-BOX")
    wh = warehouse(tenant_a, "EX-KW")
    stock(tenant_a, part, wh, 10)
    with tenant_a.scope():
        first = kits.create_kit_order(kind="assembly", kit_sku_id=kit, warehouse_id=wh, quantity=2)
        second = kits.create_kit_order(kind="assembly", kit_sku_id=kit, warehouse_id=wh, quantity=1)
        kits.cancel_kit_order(second.id)
    client = portal(tenant_a)
    assert "/inventory/kits/export?format=csv" in client.get("/inventory/kits").get_data(as_text=True)
    rows = export_csv(client.get("/inventory/kits/export?format=csv&status=open"))
    assert rows[0][:3] == ["Number", "Order", "Kit"]
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in rows[1:]] == [
        (first.number, "Assembly", "EX-KIT-BOX", "EX-KW", "2")
    ]
    sheet = export_xlsx(client.get("/inventory/kits/export?format=xlsx"))
    assert sorted(r[5] for r in sheet[1:]) == [1, 2]


def test_borrowings_export_follows_the_status_filter(portal, tenant_a, tenant_b):
    sku = approved_sku(tenant_a, "EX-BOR", title_en="Sample bag")
    wh = warehouse(tenant_a, "EX-BW")
    stock(tenant_a, sku, wh, 10)
    with tenant_a.scope():
        lent = adjustments.borrow_out(
            sku_id=sku, warehouse_id=wh, quantity=3, borrower="Photo studio", key=key("b"), due_date=date(2099, 1, 5)
        )
        back = adjustments.borrow_out(sku_id=sku, warehouse_id=wh, quantity=1, borrower="Trade fair", key=key("b"))
        adjustments.borrow_return(back.id, quantity=1, key=key("r"))
    other = approved_sku(tenant_b, "EX-BOR-B")
    wb = warehouse(tenant_b, "EX-BWB")
    stock(tenant_b, other, wb, 5)
    with tenant_b.scope():
        adjustments.borrow_out(sku_id=other, warehouse_id=wb, quantity=2, borrower="B studio", key=key("b"))
    client = portal(tenant_a)
    assert "/inventory/borrowings/export?format=csv" in client.get("/inventory/borrowings").get_data(as_text=True)
    rows = export_csv(client.get("/inventory/borrowings/export?format=csv&status=open"))
    assert rows[0][:4] == ["Number", "Borrower", "SKU", "Product"]
    assert [r[:6] + r[8:] for r in rows[1:]] == [
        [lent.number, "Photo studio", "EX-BOR", "Sample bag", "EX-BW", "3", "2099-01-05", "Open"]
    ]
    sheet = export_xlsx(client.get("/inventory/borrowings/export?format=xlsx"))
    assert sorted(r[1] for r in sheet[1:]) == ["Photo studio", "Trade fair"]


def test_safety_stock_export_follows_the_warehouse_filter(portal, tenant_a, tenant_b):
    cup = approved_sku(tenant_a, "EX-SAFE-CUP", title_en="Safe cup")
    sz, sh = warehouse(tenant_a, "EX-SSZ"), warehouse(tenant_a, "EX-SSH")
    stock(tenant_a, cup, sz, 6)
    with tenant_a.scope():
        warehouses.set_sku_setting(cup, sz, safety_stock=4)
        warehouses.set_sku_setting(cup, sh, safety_stock=9)
    other = approved_sku(tenant_b, "EX-SAFE-B")
    with tenant_b.scope():
        warehouses.set_sku_setting(other, warehouse(tenant_b, "EX-SB"), safety_stock=1)
    client = portal(tenant_a)
    assert "/inventory/safety-stock/export?format=csv" in client.get("/inventory/safety-stock").get_data(as_text=True)
    rows = export_csv(client.get(f"/inventory/safety-stock/export?format=csv&warehouse_id={sz}"))
    assert rows == [
        ["SKU", "Product", "Warehouse", "Safety stock", "Available"],
        ["EX-SAFE-CUP", "Safe cup", "EX-SSZ", "4", "6"],
    ]
    sheet = export_xlsx(client.get("/inventory/safety-stock/export?format=xlsx"))
    assert sorted((r[2], r[3], r[4]) for r in sheet[1:]) == [("EX-SSH", 9, 0), ("EX-SSZ", 4, 6)]


def test_warehouses_export_follows_the_search(portal, tenant_a, tenant_b):
    warehouse(tenant_a, "EX-WH-SZ", city="Shenzhen")
    warehouse(tenant_a, "EX-WH-LA", type="overseas_3pl", country="US", city="Los Angeles")
    warehouse(tenant_b, "EX-WH-B")
    client = portal(tenant_a)
    assert "/inventory/warehouses/export?format=csv" in client.get("/inventory/warehouses").get_data(as_text=True)
    rows = export_csv(client.get("/inventory/warehouses/export?format=csv&q=EX-WH-LA"))
    assert rows[0] == ["Code", "Name", "Type", "Country", "City", "Priority", "Status"]
    assert [(r[0], r[2], r[3], r[4], r[6]) for r in rows[1:]] == [
        ("EX-WH-LA", "Overseas 3PL", "US", "Los Angeles", "Active")
    ]
    codes = [r[0] for r in export_xlsx(client.get("/inventory/warehouses/export?format=xlsx"))[1:]]
    assert "EX-WH-SZ" in codes and "EX-WH-B" not in codes
