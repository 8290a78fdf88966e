"""Expense documents imported from CSV and XLSX: rows of the same kind, vendor and reference
are one document's lines, linked by SKU codes and order numbers; a malformed file is refused
with every problem by line and column and imports nothing; the same file again creates nothing
new; another tenant's import sees nothing of this one's."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from tests.core.finance.helpers import shipped, shop, sku_line
from tests.support import body

HEADER = "kind,vendor,reference,currency,date,description,amount,role,link_type,links,note"


def _upload(tenant, data: bytes, name: str):
    return tenant.api.request(
        "POST",
        "finance/expenses/import",
        None,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _codes(s):
    from core.catalog.service import get_sku

    with s.tenant.scope():
        return get_sku(s.tee).code, get_sku(s.cap).code


def test_a_csv_becomes_draft_documents_once(tenant_a, tenant_b):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "20.00"))
    tee, cap = _codes(s)
    csv = "\n".join(
        [
            HEADER,
            f"ad_invoice,Google Ads,GA-12,CNY,2026-11-30,Campaigns,90.00,,sku,{tee}; {cap},November",
            f"ad_invoice,Google Ads,GA-12,CNY,,Retargeting,10.00,,order,{order.number},",
            "platform_fee,Amazon,SUB-11,CNY,2026-11-30,Professional plan,39.99,,,,",
        ]
    ).encode("utf-8-sig")
    resp = _upload(s.tenant, csv, "expenses.csv")
    assert resp.status_code == 201, body(resp)
    assert body(resp)["created"] == 2 and body(resp)["skipped"] == []
    docs = {e["reference"]: e for e in body(s.api.get("finance/expenses"))}
    ad = docs["GA-12"]
    assert ad["status"] == "draft" and ad["total"] == "100.00" and ad["expense_date"] == "2026-11-30"
    assert [[ln["number"] for ln in line["links"]] for line in ad["lines"]] == [[tee, cap], [order.number]]
    assert ad["note"] == "November" and docs["SUB-11"]["lines"][0]["role"] == "commission"

    again = _upload(s.tenant, csv, "expenses.csv")
    assert again.status_code == 200 and body(again)["created"] == 0 and len(body(again)["skipped"]) == 2
    assert len(body(s.api.get("finance/expenses"))) == 2
    # Another tenant: the SKU codes name nothing of its own.
    assert tenant_b.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    foreign = _upload(tenant_b, csv, "expenses.csv")
    assert foreign.status_code == 422
    assert {(r["line"], r["field"]) for r in body(foreign)["errors"]["rows"]} >= {(2, "links"), (3, "links")}
    assert body(tenant_b.api.get("finance/expenses")) == []


def test_a_malformed_file_lists_every_problem_by_line_and_imports_nothing(tenant_a):
    s = shop(tenant_a)
    tee, _cap = _codes(s)
    csv = "\n".join(
        [
            HEADER,
            "platform_fee,Amazon,,CNY,2026-11-30,,5.00,,,,",
            "platform_fee,Amazon,OK-1,CNY,2026-11-30,,five,,,,",
            f"ad_invoice,Meta,M-1,CNY,2026-11-30,,5.00,,sku,{tee};NOPE,",
            "ad_invoice,Meta,M-1,USD,2026-11-30,,5.00,,shop,,",
            "lunch,Canteen,L-1,CNY,2026-11-30,,5.00,,,,",
        ]
    ).encode()
    resp = _upload(s.tenant, csv, "expenses.csv")
    assert resp.status_code == 422, body(resp)
    rows = {(r["line"], r["field"]) for r in body(resp)["errors"]["rows"]}
    assert {(2, "reference"), (3, "amount"), (4, "links"), (5, "currency"), (6, "kind")} <= rows, rows
    assert body(s.api.get("finance/expenses")) == []

    unknown = _upload(s.tenant, b"kind,vendor,reference,currency,amount,colour\nx,y,z,CNY,1,red\n", "e.csv")
    assert unknown.status_code == 422
    assert (1, "colour") in {(r["line"], r["field"]) for r in body(unknown)["errors"]["rows"]}
    not_xlsx = _upload(s.tenant, b"not a workbook", "e.xlsx")
    assert not_xlsx.status_code == 422 and "file" in body(not_xlsx)["errors"]


def test_an_xlsx_with_date_and_number_cells(tenant_a):
    s = shop(tenant_a)
    book = Workbook()
    sheet = book.active
    sheet.append(["kind", "vendor", "reference", "currency", "date", "description", "amount", "role"])
    sheet.append(
        ["other", "Shenzhen Office", "RENT-11", "CNY", date(2026, 11, 28), "Storage room", 1200.5, "storage_fee"]
    )
    data = io.BytesIO()
    book.save(data)
    resp = _upload(s.tenant, data.getvalue(), "expenses.xlsx")
    assert resp.status_code == 201, body(resp)
    (doc,) = body(s.api.get("finance/expenses"))
    assert (doc["expense_date"], doc["total"], doc["lines"][0]["role"]) == ("2026-11-28", "1200.50", "storage_fee")


def test_the_problems_of_a_file_carry_their_codes(tenant_a):
    s = shop(tenant_a)
    tee, _cap = _codes(s)
    csv = "\n".join(
        [
            HEADER + ",supplier",
            f"ad_invoice,Meta,M-1,CNY,2026-11-30,,5.00,,sku,{tee},,",
            f"ad_invoice,Meta,M-1,USD,2026-11-30,,5.00,,sku,{tee},,",
            "platform_fee,Amazon,F-1,CNY,2026-11-30,,5.00,,,,,NO-SUCH",
            "platform_fee,Amazon,F-2,CNY,2026-11-30,,5.00,,,,,",
            "platform_fee,Amazon,F-2,CNY,2026-11-30,,5.00,revenue,,,,",
        ]
    ).encode()
    resp = _upload(s.tenant, csv, "expenses.csv")
    assert resp.status_code == 422, body(resp)
    coded = {
        (r["line"], r["field"]): (r.get("message_code"), r.get("message_params")) for r in body(resp)["errors"]["rows"]
    }
    assert coded[(3, "currency")] == ("finance.differs_from_line", {"line": 2}), coded
    assert coded[(4, "supplier")] == ("finance.no_supplier_with_code", {"code": "NO-SUCH"}), coded
    assert coded[(6, "role")][0] == "one_of", coded
    unknown = _upload(s.tenant, b"kind,vendor,reference,currency,amount,colour\nx,y,z,CNY,1,red\n", "e.csv")
    row = next(r for r in body(unknown)["errors"]["rows"] if r["field"] == "colour")
    assert row["message_code"] == "finance.unknown_column" and "kind" in row["message_params"]["columns"]
    assert row["message"].startswith("unknown column; use kind, vendor")
