"""Input that crashed the API (issue 10 §5) is refused at the door with a 4xx naming the
field, and nothing is written: NUL and lone surrogates in any string, control characters in
text, deep or huge JSON, numbers beyond their column, fractions for whole numbers, odd
currencies and time zones, huge page numbers, NUL bytes in an uploaded CSV. Exports survive a
control character that reached the database another way."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from core.db import session
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import stock, warehouse
from tests.core.purchasing.helpers import buyer
from tests.support import body


def _raw(tenant, method: str, path: str, data: bytes | str, content_type: str = "application/json"):
    headers = {**tenant.api._headers(None), "Content-Type": content_type}
    return tenant.api.client.open(f"/api/v1/{path}", method=method, data=data, headers=headers)


def _suppliers(tenant) -> int:
    from core.suppliers.models import Supplier

    with tenant.scope():
        return session.execute(select(func.count()).select_from(Supplier)).scalar_one()


@pytest.mark.parametrize(
    "name, field",
    [
        ("nul\u0000here", "name"),
        ("lone \ud800 surrogate", "name"),
        ("bell\u0007char", "name"),
    ],
)
def test_strings_that_cannot_be_stored_or_exported_are_422_naming_the_field(tenant_a, name, field):
    before = _suppliers(tenant_a)
    resp = _raw(tenant_a, "POST", "suppliers", json.dumps({"name": name}))
    assert resp.status_code == 422, body(resp)
    assert field in body(resp)["errors"]
    assert _suppliers(tenant_a) == before


def test_nested_strings_and_keys_are_checked_with_their_path(tenant_a):
    sku = approved_sku(tenant_a)
    wh = warehouse(tenant_a)
    payload = {
        "kind": "opening_balance",
        "lines": [{"sku_id": str(sku), "warehouse_id": str(wh), "quantity": 1, "note\u0000": "x"}],
        "reason": "ok",
    }
    resp = _raw(tenant_a, "POST", "stock/adjustments", json.dumps(payload))
    assert resp.status_code == 422 and "lines.0.note\ufffd" in body(resp)["errors"], body(resp)


def test_nul_in_a_query_string_is_422_naming_the_parameter(tenant_a):
    for path in ("suppliers?q=a%00b", "orders?q=%00", "stock?q=x%00"):
        resp = tenant_a.api.get(path)
        assert resp.status_code == 422 and "q" in body(resp)["errors"], (path, body(resp))


def test_json_nested_too_deep_is_refused(tenant_a):
    deep = "[" * 5000 + "]" * 5000
    resp = _raw(tenant_a, "POST", "suppliers", deep)
    assert resp.status_code == 400 and "nested" in body(resp)["message"]
    forty = json.dumps({"name": "Deep", "note": "x"})[:-1] + ', "x": ' + "[" * 40 + "]" * 40 + "}"
    resp = _raw(tenant_a, "POST", "suppliers", forty)
    assert resp.status_code == 422 and "nested deeper" in json.dumps(body(resp)["errors"])


def test_a_json_body_over_the_limit_is_413(tenant_a):
    resp = _raw(tenant_a, "POST", "suppliers", json.dumps({"name": "Big", "note": "x" * (3 * 1024 * 1024)}))
    assert resp.status_code == 413 and body(resp)["code"] == 413


def test_a_page_beyond_any_list_is_422(tenant_a):
    for path in ("orders", "borrowings", "suppliers", "stock/reservations"):
        resp = tenant_a.api.get(f"{path}?page=99999999999999999999")
        assert resp.status_code == 422 and "page" in body(resp)["errors"], (path, body(resp))


@pytest.mark.parametrize("amount", ["1e30", "-1e30", str(2**63), "0.0000001"])
def test_amounts_beyond_their_column_are_422_naming_the_field(tenant_a, amount):
    b = buyer(tenant_a)
    resp = tenant_a.api.put(
        f"suppliers/{b.supplier_id}/prices/{b.skus[0]}", {"price": amount, "currency": "CNY", "moq": 1}
    )
    assert resp.status_code == 422 and "price" in body(resp)["errors"], body(resp)


@pytest.mark.parametrize("quantity", [2**63, 2**31, 1e30, -(2**63)])
def test_quantities_beyond_their_column_are_422(tenant_a, quantity):
    b = buyer(tenant_a)
    payload = {
        "supplier_id": str(b.supplier_id),
        "warehouse_id": str(b.warehouse_id),
        "lines": [{"sku_id": str(b.skus[0]), "quantity": quantity}],
    }
    resp = tenant_a.api.post("purchase-orders", payload)
    assert resp.status_code == 422 and "lines.0.quantity" in body(resp)["errors"], body(resp)


def test_a_fraction_for_a_whole_number_is_refused_not_truncated(tenant_a):
    b = buyer(tenant_a)
    payload = {
        "sku_id": str(b.skus[0]),
        "warehouse_id": str(b.warehouse_id),
        "quantity": 1.5,
        "needed_by": "2099-01-01",
    }
    resp = tenant_a.api.post("stocking-requests", payload)
    assert resp.status_code == 422 and body(resp)["errors"]["quantity"] == ["must be a whole number"]
    resp = tenant_a.api.put(
        f"suppliers/{b.supplier_id}/prices/{b.skus[0]}", {"price": "1", "moq": 2.5, "lead_time_days": 1.5}
    )
    assert resp.status_code == 422 and {"moq", "lead_time_days"} <= set(body(resp)["errors"])
    assert tenant_a.api.patch("purchasing/settings", {"safety_days": 7.5}).status_code == 422
    payload["quantity"] = 2.0  # a whole number written with a point is still whole
    assert tenant_a.api.post("stocking-requests", payload).status_code == 201


def test_long_free_text_is_limited_by_its_column_and_documented(app, tenant_a):
    b = buyer(tenant_a)
    payload = {"sku_id": str(b.skus[0]), "warehouse_id": str(b.warehouse_id), "quantity": 1, "needed_by": "2099-01-01"}
    resp = tenant_a.api.post("stocking-requests", {**payload, "note": "x" * 100_000})
    assert resp.status_code == 422 and "note" in body(resp)["errors"]
    spec = json.loads(app.test_client().get("/api/v1/openapi.json").data)["components"]["schemas"]
    assert spec["StockingRequestIn"]["properties"]["note"]["maxLength"] == 10_000
    assert spec["WarehouseCreate"]["properties"]["postal_code"]["maxLength"] == 20  # String(20)
    assert spec["PurchaseOrderLineIn"]["properties"]["quantity"]["maximum"] == 2**31 - 1


def test_every_text_field_of_every_request_states_its_length(app):
    spec = json.loads(app.test_client().get("/api/v1/openapi.json").data)
    missing = []

    def walk(name, schema, seen):
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            if ref not in seen:
                seen.add(ref)
                walk(ref, spec["components"]["schemas"][ref], seen)
            return
        for prop, sub in (schema.get("properties") or {}).items():
            if sub.get("readOnly"):
                continue
            types = sub.get("type") if isinstance(sub.get("type"), list) else [sub.get("type")]
            if "string" in types and not {"format", "enum", "maxLength"} & set(sub):
                missing.append(f"{name}.{prop}")
            walk(f"{name}.{prop}", sub, seen)
        if "items" in schema:
            walk(f"{name}[]", schema["items"], seen)

    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            if content:
                walk(f"{method.upper()} {path}", content["schema"], set())
    assert not missing, missing[:30]


@pytest.mark.parametrize("currency", ["X" * 10_000, "US", "usd1", "€€€", "ZZZ"])
def test_a_currency_that_is_no_iso_4217_code_is_422(tenant_a, currency):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    payload = {
        "kind": "opening_balance",
        "lines": [
            {
                "sku_id": str(sku),
                "warehouse_id": str(wh),
                "quantity": 1,
                "unit_cost": {"amount": "1", "currency": currency},
            }
        ],
    }
    resp = tenant_a.api.post("stock/adjustments", payload)
    assert resp.status_code == 422 and "lines.0.unit_cost.currency" in body(resp)["errors"], body(resp)


def test_rmb_is_taken_as_cny(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    payload = {
        "kind": "opening_balance",
        "lines": [
            {
                "sku_id": str(sku),
                "warehouse_id": str(wh),
                "quantity": 1,
                "unit_cost": {"amount": "1", "currency": "rmb"},
            }
        ],
    }
    resp = tenant_a.api.post("stock/adjustments", payload)
    assert resp.status_code == 201, body(resp)
    assert body(resp)["lines"][0]["currency"] == "CNY"


@pytest.mark.parametrize("zone", ["A" * 100_000, "Mars/Olympus", "../../etc/passwd", ""])
def test_an_unknown_or_absurd_time_zone_is_422(app, tenant_a, zone):
    resp = tenant_a.api.patch("tenant", {"timezone": zone})
    assert resp.status_code == 422 and "timezone" in body(resp)["errors"], body(resp)
    signup = app.test_client().post(
        "/api/v1/auth/signup",
        json={"company": "Zone Co", "email": f"z-{uuid.uuid4().hex[:8]}@example.test", "password": "long enough pw"}
        | {"timezone": zone},
    )
    assert signup.status_code == 422 and "timezone" in body(signup)["errors"]


def test_a_nul_byte_in_a_stocktake_csv_is_refused_with_its_line(tenant_a):
    sku, wh = approved_sku(tenant_a, "CSV-NUL-1"), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 3)
    st = tenant_a.api.post("stocktakes", {"warehouse_id": str(wh)})
    assert st.status_code == 201, body(st)
    st_id = body(st)["id"]
    assert tenant_a.api.post(f"stocktakes/{st_id}/start").status_code == 200
    resp = _raw(
        tenant_a, "POST", f"stocktakes/{st_id}/counts.csv", b"sku,counted\nCSV-NUL-1,3\nCSV\x00,4\n", "text/csv"
    )
    assert resp.status_code == 422 and "line 3" in body(resp)["errors"]["file"][0], body(resp)


def test_the_product_export_survives_a_control_character_from_elsewhere(tenant_a):
    from core.catalog.models import Product

    sku = approved_sku(tenant_a, "BELL-1", title_en="bell")
    with tenant_a.scope():
        # As a channel import could have written it, past the API's door.
        session.execute(update(Product).where(Product.title_en == "bell").values(title_en="bell\u0007char"))
    assert sku
    resp = tenant_a.api.get("products/export?format=xlsx")
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.data), read_only=True).active.iter_rows(values_only=True))
    assert any("bell\ufffdchar" in (str(c) for c in row) for row in rows)


def test_a_connection_id_naming_nothing_is_the_same_422_as_another_tenants(tenant_a, tenant_b):
    other = tenant_b.api.post(
        "connections",
        {"kind": "channel", "plugin": "dummy", "display_name": "B shop", "settings": {"shop": "s", "api_token": "t"}},
    )
    assert other.status_code == 201, body(other)
    wh = warehouse(tenant_a)
    for connection_id in (str(uuid.uuid4()), body(other)["id"]):
        resp = tenant_a.api.patch(f"warehouses/{wh}", {"connection_id": connection_id})
        assert resp.status_code == 422 and body(resp)["errors"] == {"connection_id": ["no such connection"]}
        created = tenant_a.api.post(
            "warehouses",
            {"code": f"W{uuid.uuid4().hex[:6]}", "name": "W", "type": "domestic", "country": "CN"}
            | {"connection_id": connection_id},
        )
        assert created.status_code == 422 and body(created)["errors"] == {"connection_id": ["no such connection"]}


def test_a_total_beyond_its_column_is_422_and_writes_nothing(tenant_a):
    from core.purchasing.models import PurchaseOrder

    b = buyer(tenant_a)
    with tenant_a.scope():
        before = session.execute(select(func.count()).select_from(PurchaseOrder)).scalar_one()
    payload = {
        "supplier_id": str(b.supplier_id),
        "warehouse_id": str(b.warehouse_id),
        "lines": [{"sku_id": str(b.skus[0]), "quantity": 2**31 - 1, "unit_price": "9999999999999.99"}],
    }
    resp = tenant_a.api.post("purchase-orders", payload)
    assert resp.status_code == 422, body(resp)
    with tenant_a.scope():
        assert session.execute(select(func.count()).select_from(PurchaseOrder)).scalar_one() == before
