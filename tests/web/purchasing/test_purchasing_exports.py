"""Exports of the goods receipts, returns to suppliers and replenishment suggestions: the list's
filters (and its default view), the tenant's own rows only, CSV with the BOM and the page's
headers, XLSX that opens with numbers as numbers."""

from __future__ import annotations

import uuid

from core.inventory import service as inv
from core.inventory.service import Doc, Line
from tests.core.inventory.helpers import key, stock
from tests.core.purchasing.helpers import approved_order, buyer, inspect, ok, receive
from tests.web.conftest import export_csv, export_xlsx


def test_receipts_export_follows_the_status_filter_and_its_default(portal, tenant_a, tenant_b):
    b = buyer(tenant_a)
    po = approved_order(b, (20, 5))
    waiting = receive(b, po, 10, 5)
    done = receive(b, po, 10, 0)
    inspect(b, done, (10, 0))
    other = buyer(tenant_b)
    receive(other, approved_order(other, (7,)), 7)
    client = portal(tenant_a)
    assert "/purchasing/receiving/export?format=csv" in client.get("/purchasing/receiving").get_data(as_text=True)
    rows = export_csv(client.get("/purchasing/receiving/export?format=csv"))  # the page's default: awaiting QC
    assert rows[0] == ["Receipt", "Purchase order", "Supplier", "Warehouse", "Units", "Received", "Status"]
    assert [(r[0], r[1], r[4], r[6]) for r in rows[1:]] == [(waiting["number"], po["number"], "15", "Awaiting QC")]
    assert rows[1][2] and rows[1][3]  # the supplier's and the warehouse's names
    sheet = export_xlsx(client.get("/purchasing/receiving/export?format=xlsx&status=all"))
    assert sorted((r[0], r[4]) for r in sheet[1:]) == sorted([(waiting["number"], 15), (done["number"], 10)])


def test_returns_export_follows_the_status_filter(portal, tenant_a, tenant_b):
    b = buyer(tenant_a)
    po = approved_order(b, (20,))
    inspect(b, receive(b, po, 20), (18, 2))
    line = po["lines"][0]["id"]
    created = ok(
        b.api.post(
            "purchase-returns",
            {"purchase_order_id": po["id"], "reason": "defects", "lines": [{"line_id": line, "quantity": 2}]},
        ),
        201,
    )
    client = portal(tenant_a)
    assert "/purchasing/returns/export?format=xlsx" in client.get("/purchasing/returns").get_data(as_text=True)
    rows = export_csv(client.get(f"/purchasing/returns/export?format=csv&status={created['status']}"))
    assert rows[0] == ["Return", "Purchase order", "Supplier", "Units", "Credit due", "Currency", "Status"]
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows[1:]] == [
        (created["number"], po["number"], "2", "25.00", "CNY")
    ]
    assert export_csv(client.get("/purchasing/returns/export?format=csv&status=cancelled"))[1:] == []
    sheet = export_xlsx(client.get("/purchasing/returns/export?format=xlsx"))
    assert [(r[0], float(r[4])) for r in sheet[1:]] == [(created["number"], 25.0)]
    assert export_csv(portal(tenant_b).get("/purchasing/returns/export?format=csv"))[1:] == []


def test_replenishment_export_has_the_suggestions_figures(portal, tenant_a, tenant_b):
    buy = buyer(tenant_a)
    stock(tenant_a, buy.skus[0], buy.warehouse_id, 5)
    with tenant_a.scope():
        inv.ship(Doc("sales_order", uuid.uuid4(), "SO-X1"), [Line("1", buy.skus[0], buy.warehouse_id, 4)], key=key("s"))
    ok(buy.api.post("replenishment/runs"), 202)
    ok(buyer(tenant_b).api.post("replenishment/runs"), 202)
    client = portal(tenant_a)
    assert "/purchasing/replenishment/export?format=csv" in client.get("/purchasing/replenishment").get_data(
        as_text=True
    )
    rows = export_csv(client.get("/purchasing/replenishment/export?format=csv"))  # open ones, as the page
    assert rows[0][:5] == ["SKU", "Product", "Warehouse", "Supplier", "Daily sales"]
    mine = [r for r in rows[1:] if r[0] == buy.codes[0]]
    assert len(mine) == 1 and mine[0][4] == "4.0000" and mine[0][-1] == "To order" and int(mine[0][7]) > 0
    assert export_csv(client.get("/purchasing/replenishment/export?format=csv&status=dismissed"))[1:] == []
    sheet = export_xlsx(client.get("/purchasing/replenishment/export?format=xlsx&status=all"))
    assert {r[0] for r in sheet[1:]} <= set(buy.codes) and isinstance(sheet[1][7], int)


def test_scorecards_export_has_each_suppliers_figures(portal, tenant_a, tenant_b):
    b = buyer(tenant_a)
    po = approved_order(b, (20,))
    inspect(b, receive(b, po, 20), (18, 2))
    other = buyer(tenant_b)
    receive(other, approved_order(other, (7,)), 7)
    client = portal(tenant_a)
    assert "/purchasing/scorecards/export?format=csv" in client.get("/purchasing/scorecards").get_data(as_text=True)
    rows = export_csv(client.get("/purchasing/scorecards/export?format=csv"))
    assert rows[0] == [
        "Supplier",
        "Purchase orders",
        "Receipts",
        "Units",
        "On time (%)",
        "Defect rate (%)",
        "Average lead time",
    ]
    assert [(r[1], r[2], r[3], r[5]) for r in rows[1:]] == [("1", "1", "20", "10.0")]
    sheet = export_xlsx(client.get("/purchasing/scorecards/export?format=xlsx"))
    assert len(sheet) == 2 and sheet[1][3] == 20 and float(sheet[1][5]) == 10.0
    future = "2099-01-01"
    assert export_csv(client.get(f"/purchasing/scorecards/export?format=csv&since={future}"))[1:] == []
