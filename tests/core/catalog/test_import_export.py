"""Bulk import (CSV and XLSX) and export: a good file lands whole, a bad file reports every
problem with its line and column and lands nothing."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from core.catalog import transfer
from tests.core.catalog.factories import approved_sku
from tests.support import body

HEADER = [
    "spu_code",
    "title_zh",
    "title_en",
    "category_code",
    "attributes",
    "sku_code",
    "options",
    "barcode",
    "net_weight_g",
    "gross_weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "units_per_carton",
    "purchase_price",
    "purchase_currency",
    "sale_price",
    "sale_currency",
    "input_vat_rate",
    "hs_code",
    "origin_country",
    "declared_value",
    "declared_currency",
    "customs_name_en",
    "kit_type",
    "components",
]

GOOD_ROWS = [
    [
        "TS-1",
        "T恤",
        "T-shirt",
        "APPAREL",
        "material=cotton",
        "TS-1-R-M",
        "colour=Red; size=M",
        "6901234567892",
        "180",
        "210",
        "30",
        "20",
        "2.5",
        "50",
        "18.5",
        "",
        "19.99",
        "USD",
        "13%",
        "6109.10",
        "CN",
        "5",
        "USD",
        "Cotton T-shirt",
        "",
        "",
    ],
    [
        "TS-1",
        "",
        "",
        "",
        "",
        "TS-1-R-L",
        "colour=Red; size=L",
        "",
        "190",
        "220",
        "",
        "",
        "",
        "",
        "18.5",
        "CNY",
        "19.99",
        "USD",
        "0.13",
        "610910",
        "CN",
        "5",
        "USD",
        "Cotton T-shirt",
        "",
        "",
    ],
    [
        "",
        "",
        "Gift set",
        "",
        "",
        "SET-1",
        "",
        "",
        "",
        "500",
        "",
        "",
        "",
        "",
        "",
        "",
        "39",
        "USD",
        "",
        "",
        "",
        "",
        "",
        "",
        "virtual",
        "TS-1-R-M*2; MUG-1",
    ],
    [
        "",
        "杯子",
        "",
        "APPAREL",
        "",
        "",
        "",
        "",
        "300",
        "350",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([_typed(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(value):
    """Spreadsheet cells hold numbers as numbers."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value or None


def upload(tenant, data, name, query=""):
    return tenant.api.request(
        "POST",
        f"products/import{query}",
        None,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _setup(tenant):
    assert tenant.api.post("categories", {"code": "APPAREL", "name_en": "Apparel"}).status_code == 201
    approved_sku(tenant, "MUG-1")


def _count(tenant):
    return len(body(tenant.api.get("products?page_size=200")))


def test_good_csv_imports_products_variants_and_kits(tenants):
    a, b = tenants
    _setup(a)
    resp = upload(a, csv_bytes(GOOD_ROWS), "products.csv")
    assert resp.status_code == 201, body(resp)
    assert body(resp)["products"] == 3 and body(resp)["skus"] == 4
    products = {p["title_en"] or p["title_zh"]: p for p in body(a.api.get("products?status=draft"))}
    shirt = products["T-shirt"]
    assert shirt["spu_code"] == "TS-1" and shirt["status"] == "draft"
    assert shirt["category"]["code"] == "APPAREL" and shirt["attributes"] == {"material": "cotton"}
    assert shirt["variant_attributes"] == [
        {"name": "colour", "values": ["Red"]},
        {"name": "size", "values": ["M", "L"]},
    ]
    first, second = shirt["skus"]
    assert first["purchase_price"] == {"amount": "18.5000", "currency": "CNY"}  # the tenant's currency
    assert first["input_vat_rate"] == "0.1300" and first["customs"]["hs_code"] == "610910"
    assert first["size"] == {"length_cm": "30.00", "width_cm": "20.00", "height_cm": "2.50"}
    assert second["options"] == {"colour": "Red", "size": "L"}
    kit = products["Gift set"]["skus"][0]
    assert kit["kit_type"] == "virtual"
    assert [(c["sku_code"], c["quantity"]) for c in kit["components"]] == [("TS-1-R-M", 2), ("MUG-1", 1)]
    assert products["杯子"]["skus"][0]["code"] is None  # generated at approval
    assert _count(b) == 0


def test_good_xlsx_imports_the_same(tenant_a):
    _setup(tenant_a)
    resp = upload(tenant_a, xlsx_bytes(GOOD_ROWS), "products.xlsx")
    assert resp.status_code == 201, body(resp)
    skus = body(tenant_a.api.get("skus?q=TS-1"))
    assert {s["code"]: s["barcode"] for s in skus} == {"TS-1-R-M": "6901234567892", "TS-1-R-L": None}
    assert skus[0]["customs"]["hs_code"] == "610910"


def test_bad_file_reports_every_row_and_imports_nothing(tenants):
    a, b = tenants
    _setup(a)
    before = _count(a)
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][7] = "6901234567890"  # line 2: wrong check digit
    rows[1][2] = "Different title"  # line 3: product column differs from line 2
    rows[1][9] = "100"  # line 3: gross below net
    rows[2][25] = "NOPE*2"  # line 4: unknown component
    rows[3][15] = "XYZ"  # line 5: bad currency ...
    rows[3][14] = "abc"  # ... and bad price
    rows.append(
        [
            "",
            "",
            "Dup",
            "",
            "",
            "TS-1-R-L",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )  # line 6: SKU code also on line 3
    rows.append(
        [
            "",
            "",
            "Lost",
            "NOCAT",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )  # line 7: unknown category
    for data, name in ((csv_bytes(rows), "bad.csv"), (xlsx_bytes(rows), "bad.xlsx")):
        resp = upload(a, data, name)
        assert resp.status_code == 422, body(resp)
        problems = {(p["line"], p["field"]) for p in body(resp)["errors"]["rows"]}
        assert {
            (2, "barcode"),
            (3, "title_en"),
            (3, "gross_weight_g"),
            (4, "components"),
            (5, "purchase_currency"),
            (5, "purchase_price"),
            (6, "sku_code"),
            (7, "category_code"),
        } <= problems, problems
        assert "nothing was imported" in body(resp)["message"]
        messages = {(p["line"], p["field"]): p["message"] for p in body(resp)["errors"]["rows"]}
        assert "no SKU with code NOPE" in messages[(4, "components")]
        assert "also on line 3" in messages[(6, "sku_code")]
    assert _count(a) == before
    assert _count(b) == 0


def test_header_problems_and_unreadable_files(tenant_a):
    resp = upload(tenant_a, csv_bytes([["x"]], header=["sku_code", "colour"]), "p.csv")
    problems = {(p["line"], p["field"]) for p in body(resp)["errors"]["rows"]}
    assert problems == {(1, "colour"), (1, "title_zh")}
    resp = upload(tenant_a, b"PK\x03\x04 not really a zip", "p.xlsx")
    assert resp.status_code == 422 and "file" in body(resp)["errors"]
    resp = upload(tenant_a, b"", "p.csv")
    assert resp.status_code == 422 and body(resp)["errors"]["file"] == ["the file is empty"]
    resp = tenant_a.api.request("POST", "products/import", None, data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in body(resp)["errors"]


def test_dry_run_checks_without_importing_and_gb18030_is_read(tenant_a):
    _setup(tenant_a)
    before = _count(tenant_a)
    resp = upload(tenant_a, csv_bytes(GOOD_ROWS, encoding="gb18030"), "excel.csv", "?dry_run=true")
    assert resp.status_code == 200, body(resp)
    assert body(resp)["dry_run"] is True and body(resp)["products"] == 3
    assert _count(tenant_a) == before
    resp = upload(tenant_a, csv_bytes(GOOD_ROWS, encoding="gb18030"), "excel.csv")
    assert resp.status_code == 201
    assert "T恤" in [p["title_zh"] for p in body(tenant_a.api.get("products"))]


def test_export_round_trips_into_another_tenant(tenants):
    a, b = tenants
    _setup(a)
    _setup(b)
    upload(a, csv_bytes(GOOD_ROWS), "products.csv")
    resp = a.api.get("products/export?format=csv&q=T-shirt")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].endswith('products.csv"')
    text = resp.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["sku_code"] for r in rows] == ["TS-1-R-M", "TS-1-R-L"]
    assert rows[0]["options"] == "colour=Red; size=M" and rows[0]["status"] == "draft"
    assert rows[0]["purchase_price"] == "18.5" and rows[0]["input_vat_rate"] == "0.13"

    resp = a.api.get("products/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == transfer.EXPORT_COLUMNS and len(values) == 1 + 4 + 1  # + MUG-1

    # B imports A's XLSX export (MUG-1 exists in B already, so leave it out).
    book = load_workbook(io.BytesIO(resp.get_data()))
    sheet = book.active
    for row in list(sheet.iter_rows(min_row=2)):
        if row[transfer.EXPORT_COLUMNS.index("sku_code")].value == "MUG-1":
            sheet.delete_rows(row[0].row)
    out = io.BytesIO()
    book.save(out)
    resp = upload(b, out.getvalue(), "from-a.xlsx")
    assert resp.status_code == 201, body(resp)
    codes = sorted(s["code"] for s in body(b.api.get("skus?q=TS-1")))
    assert codes == ["TS-1-R-L", "TS-1-R-M"]

    template = a.api.get("products/import-template?format=csv").get_data().decode("utf-8-sig")
    assert template.strip().split(",") == transfer.EXPORT_COLUMNS


def test_large_files_import_in_a_job_with_the_same_rules(tenant_a, monkeypatch):
    _setup(tenant_a)
    monkeypatch.setattr(transfer, "INLINE_MAX_BYTES", 10)
    resp = upload(tenant_a, csv_bytes(GOOD_ROWS), "big.csv")
    assert resp.status_code == 202, body(resp)
    job = body(tenant_a.api.get(f"jobs/{body(resp)['job_id']}"))
    assert job["status"] == "succeeded" and job["result"]["imported"] is True
    assert job["result"]["products"] == 3
    assert _count(tenant_a) == 1 + 3

    rows = [list(r) for r in GOOD_ROWS]
    rows[0][7] = "6901234567890"
    resp = upload(tenant_a, csv_bytes(rows), "big-bad.csv")
    job = body(tenant_a.api.get(f"jobs/{body(resp)['job_id']}"))
    assert job["result"]["imported"] is False
    assert job["result"]["rows"][0]["line"] == 2 and job["result"]["rows"][0]["field"] == "barcode"
    assert _count(tenant_a) == 1 + 3
