"""Every list exports what its filters select as CSV and XLSX, and bulk actions report each
ticked record's outcome: products submit/approve/reject, suppliers approve, stocking requests
approve, purchase orders approve and send."""

from __future__ import annotations

import csv
import io
import uuid

from openpyxl import load_workbook

from core.catalog import service as catalog
from tests.core.purchasing.helpers import buyer, ok, order
from tests.web.conftest import visible_text


def _product(tenant, title: str, submit: bool = False) -> uuid.UUID:
    with tenant.scope():
        product = catalog.create_product({"title_en": title, "skus": [{"gross_weight_g": 100, "net_weight_g": 90}]})
        if submit:
            catalog.submit_product(product.id)
        return product.id


def _status(tenant, product_id) -> str:
    with tenant.scope():
        return catalog.get_product(product_id).status


def _csv(resp) -> list[list[str]]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv", resp.status_code
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")  # spreadsheet programs read UTF-8 with the mark
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(resp) -> list[list]:
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_products_bulk_submit_reports_each_product(portal, tenant_a, tenant_b):
    draft = _product(tenant_a, "Bulk mug")
    submitted = _product(tenant_a, "Bulk lamp", submit=True)
    foreign = _product(tenant_b, "Other tenant's cup")
    client = portal(tenant_a)
    assert 'name="product_ids"' in client.get("/catalog/").get_data(as_text=True)
    resp = client.post("/catalog/bulk", {"action": "submit", "product_ids": [str(draft), str(submitted), str(foreign)]})
    assert resp.status_code == 200
    text = visible_text(resp.get_data(as_text=True))
    assert "1 of 3 done." in text and "Not found." in text and "Not possible while it is Submitted." in text
    assert _status(tenant_a, draft) == "submitted" and _status(tenant_b, foreign) == "draft"


def test_products_bulk_approve_and_reject_need_the_approver_role(portal, tenant_a):
    first, second = _product(tenant_a, "Approve me", submit=True), _product(tenant_a, "Reject me", submit=True)
    clerk = portal(tenant_a, "operations")  # catalog:read only
    assert 'value="approve"' not in clerk.get("/catalog/").get_data(as_text=True)
    assert clerk.post("/catalog/bulk", {"action": "approve", "product_ids": [str(first)]}).status_code == 403
    owner = portal(tenant_a)
    assert "1 of 1 done." in visible_text(
        owner.post("/catalog/bulk", {"action": "approve", "product_ids": [str(first)]}).get_data(as_text=True)
    )
    refused = owner.post("/catalog/bulk", {"action": "reject", "product_ids": [str(second)]})
    assert "0 of 1 done." in visible_text(refused.get_data(as_text=True))  # a rejection needs its reason
    assert _status(tenant_a, second) == "submitted"
    owner.post("/catalog/bulk", {"action": "reject", "product_ids": [str(second)], "reason": "blurry photos"})
    assert _status(tenant_a, first) == "approved" and _status(tenant_a, second) == "rejected"
    empty = owner.post("/catalog/bulk", {"action": "approve"})
    assert empty.status_code == 302  # flashed: tick at least one row


def test_products_export_follows_the_filters_in_both_formats(portal, tenant_a, tenant_b):
    _product(tenant_a, "Export kettle", submit=True)
    _product(tenant_a, "Export draft")
    _product(tenant_b, "Export foreign", submit=True)
    client = portal(tenant_a)
    page = client.get("/catalog/?status=submitted").get_data(as_text=True)
    assert "/catalog/export?format=xlsx&amp;status=submitted" in page
    rows = _csv(client.get("/catalog/export?format=csv&status=submitted"))
    assert rows[0][:3] == ["SPU", "Title (Chinese)", "Title (English)"]
    assert [r[2] for r in rows[1:]] == ["Export kettle"]
    sheet = _xlsx(client.get("/catalog/export?format=xlsx"))
    assert sorted(r[2] for r in sheet[1:]) == ["Export draft", "Export kettle"]
    assert client.get("/catalog/export?format=pdf").status_code == 422


def test_suppliers_bulk_approve_and_export(portal, tenant_a):
    client = portal(tenant_a)
    ids = []
    for name in ("Bulk Ningbo Co", "Bulk Yiwu Co"):
        created = ok(tenant_a.api.post("suppliers", {"name": name}), 201)
        ids.append(created["id"])
    ok(tenant_a.api.post(f"suppliers/{ids[0]}/submit"))
    resp = client.post("/suppliers/bulk", {"action": "approve", "supplier_ids": ids})
    text = visible_text(resp.get_data(as_text=True))
    assert "1 of 2 done." in text and "Bulk Yiwu Co" in text
    rows = _csv(client.get("/suppliers/export?format=csv&q=Bulk"))
    assert sorted((r[1], r[6]) for r in rows[1:]) == [("Bulk Ningbo Co", "Approved"), ("Bulk Yiwu Co", "Draft")]


def test_purchase_orders_bulk_approve_then_send_and_export(portal, tenant_a):
    b = buyer(tenant_a)
    first, second = order(b, (10,)), order(b, (20,))
    client = portal(tenant_a)
    page = client.get("/purchasing/").get_data(as_text=True)
    assert 'name="order_ids"' in page and 'value="send"' in page
    sent = client.post("/purchasing/orders/bulk", {"action": "send", "order_ids": [first["id"]]})
    assert "0 of 1 done." in visible_text(sent.get_data(as_text=True))  # a draft is approved first
    approved = client.post("/purchasing/orders/bulk", {"action": "approve", "order_ids": [first["id"], second["id"]]})
    assert "2 of 2 done." in visible_text(approved.get_data(as_text=True))
    sent = client.post("/purchasing/orders/bulk", {"action": "send", "order_ids": [first["id"], second["id"]]})
    assert "2 of 2 done." in visible_text(sent.get_data(as_text=True))
    for po in (first, second):
        assert ok(tenant_a.api.get(f"purchase-orders/{po['id']}"))["sent_at"]
    sheet = _xlsx(client.get("/purchasing/orders/export?format=xlsx"))
    assert sorted(r[0] for r in sheet[1:]) == sorted([first["number"], second["number"]])
    assert {float(r[3]) for r in sheet[1:]} == {141.25, 282.5}  # totals (VAT included) stay numbers


def test_stocking_requests_bulk_approve_and_export(portal, tenant_a):
    b = buyer(tenant_a)
    req = ok(
        b.api.post(
            "stocking-requests",
            {"sku_id": str(b.skus[0]), "warehouse_id": str(b.warehouse_id), "quantity": 40, "needed_by": "2099-01-01"},
        ),
        201,
    )
    client = portal(tenant_a)
    resp = client.post(
        "/purchasing/requests/bulk", {"action": "approve", "request_ids": [req["id"], str(uuid.uuid4())]}
    )
    text = visible_text(resp.get_data(as_text=True))
    assert "1 of 2 done." in text and "Not found." in text
    rows = _csv(client.get("/purchasing/requests/export?format=csv&status=approved"))
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [(req["number"], b.codes[0], "40")]


def test_orders_export_as_xlsx_with_amounts_as_numbers(portal, tenant_a):
    from core.orders import service
    from tests.core.orders.helpers import channel_order, connection, line

    conn = connection(tenant_a, "XLSX shop")
    with tenant_a.scope():
        imported = service.upsert_from_channel(conn, channel_order(line("XL-1", 2, "7.25"), ext="XLSX-1"))
    client = portal(tenant_a)
    assert "format=xlsx" in client.get("/orders/").get_data(as_text=True)
    sheet = _xlsx(client.get("/orders/export?format=xlsx"))
    header, rows = sheet[0], sheet[1:]
    assert len(rows) == 1 and "XLSX-1" in rows[0]
    assert float(rows[0][header.index("total")]) == 14.5
    chosen = _xlsx(client.post("/orders/bulk", {"action": "export_xlsx", "order_ids": [str(imported.order_id)]}))
    assert len(chosen) == 2
