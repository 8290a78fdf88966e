"""Catalogue pages as a seller uses them: products with variants, review, SKUs, kits, import
and export, listing mappings, categories; in English and Chinese, with two tenants."""

from __future__ import annotations

import io
import re

from core.catalog import service
from tests.core.catalog.factories import approved_sku
from tests.core.catalog.test_import_export import GOOD_ROWS, csv_bytes
from tests.web.conftest import visible_text


def _product_id(resp) -> str:
    match = re.search(r"/catalog/products/([0-9a-f-]{36})", resp.headers["Location"])
    assert match, resp.headers.get("Location")
    return match.group(1)


def test_create_review_and_approve_a_product_with_variants(tenants, portal):
    a, b = tenants
    owner = portal(a)
    resp = owner.post(
        "/catalog/products/new",
        {
            "title_zh": "纯棉T恤",
            "title_en": "Cotton tee",
            "attributes": "material=cotton",
            "variant_attributes": "colour: Red, Blue\nsize：M，L",
        },
    )
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:500]
    pid = _product_id(resp)
    page = owner.text(f"/catalog/products/{pid}")
    assert "Draft" in page and "colour: Red, size: M" in page and "colour: Blue, size: L" in page

    # Approving a draft is refused with the state named.
    resp = owner.post(f"/catalog/products/{pid}/do/approve", {})
    assert resp.status_code == 302
    assert "Not possible while the product is Draft." in owner.text(f"/catalog/products/{pid}")

    owner.post(f"/catalog/products/{pid}/do/submit", {})
    assert "Cotton tee" in owner.text("/catalog/review")
    resp = owner.post(f"/catalog/products/{pid}/do/reject", {"reason": "", "next": "/catalog/review"})
    assert resp.status_code == 302
    assert "Reason: is required" in owner.text("/catalog/review")  # the label, not the field name
    owner.post(f"/catalog/products/{pid}/do/reject", {"reason": "Need photos"})
    assert "Rejected: Need photos" in owner.text(f"/catalog/products/{pid}")
    owner.post(f"/catalog/products/{pid}/do/submit", {})
    owner.post(f"/catalog/products/{pid}/do/approve", {"next": "/catalog/review"})
    page = owner.text(f"/catalog/products/{pid}")
    with a.scope():
        codes = [s.code for s in service.get_product(pid).skus]
    assert all(code and code in page for code in codes) and "Approved" in page
    assert "Nothing to review." in owner.text("/catalog/review")

    # Tenant B sees none of it.
    other = portal(b)
    assert other.get(f"/catalog/products/{pid}").status_code == 404
    assert "Cotton tee" not in other.text("/catalog/")
    assert other.post(f"/catalog/products/{pid}/do/revise", {}).status_code == 404


def test_chinese_pages(tenant_a, portal):
    approved_sku(tenant_a, "CN-1", title_zh="陶瓷杯")
    zh = portal(tenant_a)
    zh.post("/locale", {"locale": "zh_CN"})
    page = zh.text("/catalog/")
    assert "商品" in page and "新建商品" in page and "已审核" in page and "陶瓷杯" in page
    assert "待审核" in zh.text("/catalog/review")
    assert "组合品" in zh.text("/catalog/kits")
    assert "编码规则" in zh.text("/catalog/settings")


def test_sku_form_shows_errors_beside_fields_and_saves(tenant_a, portal):
    owner = portal(tenant_a)
    resp = owner.post("/catalog/products/new", {"title_en": "Lamp"})
    pid = _product_id(resp)
    with tenant_a.scope():
        sku_id = service.get_product(pid).skus[0].id
    form = {
        "barcode": "6901234567890",
        "net_weight_g": "500",
        "gross_weight_g": "400",
        "purchase_price.amount": "12",
        "purchase_price.currency": "RMX",
        "customs.hs_code": "9405.10",
    }
    resp = owner.post(f"/catalog/skus/{sku_id}", form)
    assert resp.status_code == 422
    page = visible_text(resp.get_data(as_text=True))
    assert "wrong check digit" in page and "cannot be less than the net weight" in page
    assert "RMX is not an ISO 4217 currency code" in page
    assert 'value="6901234567890"' in resp.get_data(as_text=True)  # the input is kept
    form.update(
        barcode="6901234567892",
        gross_weight_g="520",
        **{"purchase_price.currency": "CNY", "size.length_cm": "20", "kit_type": ""},
    )
    resp = owner.post(f"/catalog/skus/{sku_id}", form)
    assert resp.status_code == 302
    with tenant_a.scope():
        sku = service.get_sku(sku_id)
        assert (sku.barcode, sku.gross_weight_g, str(sku.purchase_price), sku.hs_code) == (
            "6901234567892",
            520,
            "12.0000",
            "940510",
        )
        assert str(sku.length_cm) == "20.00"


def test_viewers_read_but_cannot_change(tenant_a, portal):
    sku = approved_sku(tenant_a, "VIEW-1")
    viewer = portal(tenant_a, "viewer")
    page = viewer.text("/catalog/")
    assert "VIEW-1" in page and "New product" not in page
    assert viewer.post("/catalog/products/new", {"title_en": "x"}).status_code == 403
    assert viewer.post(f"/catalog/skus/{sku}/active", {"active": "0"}).status_code == 403
    with tenant_a.scope():
        pid = service.get_sku(sku).product_id
    assert viewer.post(f"/catalog/products/{pid}/do/discontinue", {}).status_code == 403


def test_import_reports_rows_and_lands_nothing_then_imports(tenant_a, portal):
    owner = portal(tenant_a)
    owner.post("/catalog/categories", {"code": "APPAREL", "name_en": "Apparel"})
    approved_sku(tenant_a, "MUG-1")
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][7] = "6901234567890"
    resp = owner.post(
        "/catalog/transfer/import",
        {"file": (io.BytesIO(csv_bytes(rows)), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    page = visible_text(resp.get_data(as_text=True))
    assert "1 problem(s) in the file; nothing was imported." in page
    assert "2 barcode" in page and "wrong check digit" in page
    assert "T-shirt" not in owner.text("/catalog/")
    resp = owner.post(
        "/catalog/transfer/import",
        {"file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "good.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    assert "Imported 3 product(s) with 4 SKU(s) as drafts." in visible_text(resp.get_data(as_text=True))
    assert "T-shirt" in owner.text("/catalog/")
    resp = owner.get("/catalog/transfer/export?format=csv")
    assert resp.status_code == 200 and "TS-1-R-M" in resp.get_data().decode("utf-8-sig")


def test_kits_mappings_and_categories(tenants, portal):
    a, b = tenants
    owner = portal(a)
    approved_sku(a, "CUP")
    resp = owner.post(
        "/catalog/kits/new", {"title_en": "Cup pair", "code": "CUP-2", "kit_type": "virtual", "components": "CUP*2"}
    )
    assert resp.status_code == 302
    assert "2 × CUP" in owner.text("/catalog/kits")
    resp = owner.post("/catalog/kits/new", {"title_en": "Bad", "kit_type": "virtual", "components": "NOPE*1"})
    assert resp.status_code == 422 and "no SKU with code NOPE" in visible_text(resp.get_data(as_text=True))

    conn = a.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "dummy",
            "display_name": "My shop",
            "settings": {"shop": "s", "api_token": "good-token"},
        },
    ).get_json()
    resp = owner.post(
        "/catalog/mappings",
        {"connection_id": conn["id"], "seller_sku": "AMZ-CUP-2", "sku_code": "CUP-2", "quantity": "1"},
    )
    assert resp.status_code == 302
    page = owner.text("/catalog/mappings")
    assert "AMZ-CUP-2" in page and "CUP-2" in page and "My shop" in page
    resp = owner.post("/catalog/mappings", {"connection_id": conn["id"], "seller_sku": "X", "sku_code": "NONE"})
    assert resp.status_code == 422 and "no SKU with code NONE" in visible_text(resp.get_data(as_text=True))
    assert "AMZ-CUP-2" not in portal(b).text("/catalog/mappings")

    assert owner.post("/catalog/categories", {"code": "HOME", "name_zh": "家居"}).status_code == 302
    resp = owner.post("/catalog/categories", {"code": "HOME", "name_en": "again"})
    assert resp.status_code == 422 and "already used" in visible_text(resp.get_data(as_text=True))
    assert "HOME" in owner.text("/catalog/categories") and "HOME" not in portal(b).text("/catalog/categories")

    resp = owner.post("/catalog/settings", {"spu_pattern": "P{seq:4}", "sku_pattern": "{category}"})
    assert resp.status_code == 422 and "so that every SKU gets its own code" in visible_text(
        resp.get_data(as_text=True)
    )


def test_images_upload_and_show(tenant_a, portal):
    from tests.core.catalog.test_images_and_listings import png_bytes

    owner = portal(tenant_a)
    pid = _product_id(owner.post("/catalog/products/new", {"title_en": "Vase"}))
    resp = owner.post(
        f"/catalog/products/{pid}/images",
        {"file": (io.BytesIO(png_bytes()), "vase.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    html = owner.get(f"/catalog/products/{pid}").get_data(as_text=True)
    src = re.search(r'<img src="([^"]+)"', html).group(1)
    assert owner.get(src).data == png_bytes()  # the API serves it to the portal session
    resp = owner.post(
        f"/catalog/products/{pid}/images",
        {"file": (io.BytesIO(b"not an image"), "x.png")},
        content_type="multipart/form-data",
    )
    assert "upload a PNG, JPEG, GIF or WebP image" in owner.text(f"/catalog/products/{pid}")


def test_tabs_lead_to_every_catalogue_page(tenant_a, portal):
    owner = portal(tenant_a)
    html = owner.get("/catalog/").get_data(as_text=True)
    for path in (
        "/catalog/review",
        "/catalog/skus",
        "/catalog/kits",
        "/catalog/mappings",
        "/catalog/categories",
        "/catalog/transfer",
        "/catalog/settings",
    ):
        assert f'href="{path}"' in html, path
        assert owner.get(path).status_code == 200
    assert 'href="/suppliers/review"' in owner.get("/suppliers/").get_data(as_text=True)
