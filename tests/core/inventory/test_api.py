"""The inventory REST API as a seller's tools use it: validation names the field, roles are
enforced, other tenants' ids are 404, lists paginate, and stock moves through the documents."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.inventory.helpers import stock
from tests.support import body, pagination


def _warehouse(tenant, code, **fields):
    resp = tenant.api.post(
        "warehouses", {"code": code, "name": f"{code} warehouse", "type": "domestic", "country": "CN", **fields}
    )
    assert resp.status_code == 201, body(resp)
    return body(resp)["id"]


def test_warehouses_crud_validation_roles_and_isolation(tenant_a, tenant_b):
    wid = _warehouse(tenant_a, "SZ", city="Shenzhen", address_line1="1 Bao'an Rd", priority=10)
    fba = _warehouse(tenant_a, "FBA-US", type="platform", country="us", marketplace="US", operator="Amazon FBA")
    assert body(tenant_a.api.get(f"warehouses/{fba}"))["country"] == "US"

    bad = tenant_a.api.post("warehouses", {"code": "X", "name": "X", "type": "moon", "country": "CN"})
    assert bad.status_code == 422 and "type" in body(bad)["errors"]
    bad = tenant_a.api.post("warehouses", {"code": "X", "name": "X", "type": "domestic", "country": "ZZ"})
    assert bad.status_code == 422 and "country" in body(bad)["errors"]
    bad = tenant_a.api.post("warehouses", {"code": "X", "name": "X", "type": "platform", "country": "US"})
    assert bad.status_code == 422 and "marketplace" in body(bad)["errors"]
    dup = tenant_a.api.post("warehouses", {"code": "SZ", "name": "again", "type": "domestic", "country": "CN"})
    assert dup.status_code == 409 and "code" in body(dup)["errors"]

    listed = tenant_a.api.get("warehouses?page_size=1")
    assert listed.status_code == 200 and pagination(listed)["total"] == 2
    assert body(listed)[0]["code"] == "SZ"  # lower priority number first

    changed = tenant_a.api.patch(f"warehouses/{wid}", {"active": False, "phone": "+86 755 1234"})
    assert changed.status_code == 200 and body(changed)["active"] is False

    viewer = tenant_a.client_with_roles("viewer")
    assert viewer.get(f"warehouses/{wid}").status_code == 200
    assert viewer.post("warehouses", {"code": "V", "name": "V", "type": "virtual", "country": "CN"}).status_code == 403
    assert tenant_b.api.get(f"warehouses/{wid}").status_code == 404
    assert tenant_b.api.patch(f"warehouses/{wid}", {"name": "mine"}).status_code == 404
    assert pagination(tenant_b.api.get("warehouses"))["total"] == 0


def test_bins_and_sku_settings(tenant_a, tenant_b):
    wid = _warehouse(tenant_a, "SZ")
    bin_ = tenant_a.api.post(f"warehouses/{wid}/locations", {"code": "A-01-01", "name": "aisle A"})
    assert bin_.status_code == 201
    assert tenant_a.api.post(f"warehouses/{wid}/locations", {"code": "A-01-01"}).status_code == 409
    assert tenant_b.api.post(f"warehouses/{wid}/locations", {"code": "B"}).status_code == 404
    sku = approved_sku(tenant_a)
    put = tenant_a.api.put(
        "stock/settings", {"sku_id": str(sku), "warehouse_id": wid, "safety_stock": 5, "location_id": body(bin_)["id"]}
    )
    assert put.status_code == 200 and body(put)["safety_stock"] == 5 and body(put)["below_safety"] is True
    neg = tenant_a.api.put("stock/settings", {"sku_id": str(sku), "warehouse_id": wid, "safety_stock": -1})
    assert neg.status_code == 422 and "safety_stock" in body(neg)["errors"]
    other = tenant_b.api.put("stock/settings", {"sku_id": str(sku), "warehouse_id": wid, "safety_stock": 1})
    assert other.status_code == 404


def test_adjustments_stock_list_ledger_and_idempotent_retries(tenant_a, tenant_b):
    wid = _warehouse(tenant_a, "SZ")
    sku = approved_sku(tenant_a, "TEE-RED-L")
    payload = {
        "kind": "opening_balance",
        "lines": [
            {
                "sku_id": str(sku),
                "warehouse_id": wid,
                "quantity": 12,
                "unit_cost": {"amount": "7.50", "currency": "CNY"},
            }
        ],
    }
    first = tenant_a.api.post("stock/adjustments", payload, headers={"Idempotency-Key": "open-1"})
    assert first.status_code == 201 and body(first)["value"] == "90.00"
    again = tenant_a.api.post("stock/adjustments", payload, headers={"Idempotency-Key": "open-1"})
    assert body(again)["operation_id"] == body(first)["operation_id"]
    scrap = tenant_a.api.post(
        "stock/adjustments",
        {"kind": "scrap", "reason": "mould", "lines": [{"sku_id": str(sku), "warehouse_id": wid, "quantity": 2}]},
    )
    assert scrap.status_code == 201 and body(scrap)["value"] == "15.00"
    no_reason = tenant_a.api.post(
        "stock/adjustments", {"kind": "scrap", "lines": [{"sku_id": str(sku), "warehouse_id": wid, "quantity": 1}]}
    )
    assert no_reason.status_code == 422 and "reason" in body(no_reason)["errors"]
    too_many = tenant_a.api.post(
        "stock/adjustments",
        {
            "kind": "requisition",
            "reason": "samples",
            "lines": [{"sku_id": str(sku), "warehouse_id": wid, "quantity": 11}],
        },
    )
    assert too_many.status_code == 409 and "10 available" in body(too_many)["message"]
    zero = tenant_a.api.post(
        "stock/adjustments",
        {"kind": "scrap", "reason": "x", "lines": [{"sku_id": str(sku), "warehouse_id": wid, "quantity": 0}]},
    )
    assert zero.status_code == 422 and "lines.0.quantity" in body(zero)["errors"]

    rows = body(tenant_a.api.get(f"stock?warehouse_id={wid}"))
    assert [(r["sku_code"], r["on_hand"], r["available"], r["stock_value"], r["unit_cost"]) for r in rows] == [
        ("TEE-RED-L", 10, 10, "75.00", "7.500000")
    ]
    assert body(tenant_b.api.get("stock")) == []

    led = tenant_a.api.get(f"stock/ledger?sku_id={sku}")
    assert led.status_code == 200
    entries = body(led)
    assert [(e["kind"], e["on_hand_change"], e["balance_after"]["on_hand"]) for e in entries] == [
        ("scrap", -2, 10),
        ("opening_balance", 12, 12),
    ]
    assert entries[0]["doc_number"].startswith("ADJ-") and entries[0]["reason"] == "mould"
    assert tenant_b.api.get(f"stock/ledger?sku_id={sku}").status_code == 404
    assert tenant_a.api.get("stock/ledger").status_code == 422


def test_bundle_availability_over_the_api(tenant_a):
    wid = _warehouse(tenant_a, "SZ")
    a, b = approved_sku(tenant_a), approved_sku(tenant_a)
    bundle = approved_kit(tenant_a, {a: 2, b: 3})
    stock(tenant_a, a, uuid.UUID(wid), 10)
    stock(tenant_a, b, uuid.UUID(wid), 10)
    rows = body(tenant_a.api.get(f"stock/availability?sku_id={bundle}&sku_id={a}"))
    by_sku = {r["sku_id"]: r for r in rows}
    assert by_sku[str(bundle)]["available"] == 3 and by_sku[str(bundle)]["bundle"] is True
    assert by_sku[str(a)]["available"] == 10


def test_transfer_through_the_api(tenant_a, tenant_b):
    src, dst = _warehouse(tenant_a, "SZ"), _warehouse(tenant_a, "LA", country="US")
    sku = approved_sku(tenant_a)
    stock(tenant_a, sku, uuid.UUID(src), 8, "4.00")
    created = tenant_a.api.post(
        "transfers",
        {"source_warehouse_id": src, "destination_warehouse_id": dst, "lines": [{"sku_id": str(sku), "quantity": 10}]},
    )
    assert created.status_code == 201
    t = body(created)
    assert t["number"].startswith("TR-") and t["status"] == "draft"
    tid = t["id"]
    short = tenant_a.api.post(f"transfers/{tid}/allocate")
    assert short.status_code == 409 and f"lines.{t['lines'][0]['id']}" in body(short)["errors"]
    assert tenant_a.api.patch(f"transfers/{tid}", {"lines": [{"sku_id": str(sku), "quantity": 6}]}).status_code == 200
    assert tenant_a.api.post(f"transfers/{tid}/ship", {"carrier": "SF", "tracking_number": "1"}).status_code == 409
    assert body(tenant_a.api.post(f"transfers/{tid}/allocate"))["status"] == "allocated"
    late = tenant_a.api.patch(f"transfers/{tid}", {"lines": [{"sku_id": str(sku), "quantity": 1}]})
    assert late.status_code == 409 and body(late)["errors"]["state"] == ["allocated"]
    missing = tenant_a.api.post(f"transfers/{tid}/ship", {"carrier": "SF"})
    assert missing.status_code == 422 and "tracking_number" in body(missing)["errors"]
    shipped = tenant_a.api.post(f"transfers/{tid}/ship", {"carrier": "SF Express", "tracking_number": "SF100"})
    assert body(shipped)["status"] == "shipped" and body(shipped)["lines"][0]["unit_cost"] == "4.000000"
    transit = body(tenant_a.api.get(f"stock/in-transit?destination_id={dst}"))
    assert [(x["number"], x["quantity"], x["value"]) for x in transit] == [(t["number"], 6, "24.00")]
    over = tenant_a.api.post(f"transfers/{tid}/receive", {"receipts": [{"sku_id": str(sku), "quantity": 7}]})
    assert over.status_code == 422 and "receipts.0.quantity" in body(over)["errors"]
    part = tenant_a.api.post(f"transfers/{tid}/receive", {"receipts": [{"sku_id": str(sku), "quantity": 4}]})
    assert body(part)["status"] == "partially_received"
    no_reason = tenant_a.api.post(f"transfers/{tid}/receive", {"receipts": [], "complete": True})
    assert no_reason.status_code == 422 and "shortfall_reason" in body(no_reason)["errors"]
    done = tenant_a.api.post(
        f"transfers/{tid}/receive",
        {
            "receipts": [{"sku_id": str(sku), "quantity": 1, "note": "one carton wet"}],
            "complete": True,
            "shortfall_reason": "lost by carrier",
        },
    )
    assert body(done)["status"] == "received" and body(done)["lines"][0]["shortfall_quantity"] == 1
    assert tenant_a.api.post(f"transfers/{tid}/cancel", {}).status_code == 409
    dest = body(tenant_a.api.get(f"stock?warehouse_id={dst}"))[0]
    assert (dest["on_hand"], dest["in_transit"]) == (5, 0)
    assert tenant_b.api.get(f"transfers/{tid}").status_code == 404
    assert tenant_a.api.get(f"first-leg-shipments/{tid}").status_code == 404  # a transfer is not a first leg
    assert tenant_a.client_with_roles("operations").post(f"transfers/{tid}/cancel", {}).status_code == 403


def test_first_leg_boxes_labels_and_freight(tenant_a):
    src = _warehouse(tenant_a, "SZ", company="Shenzhen Trading 深圳贸易", address_line1="1 Road", city="Shenzhen")
    fba = _warehouse(tenant_a, "FBA-ONT8", type="platform", country="US", marketplace="US", city="Ontario")
    domestic = _warehouse(tenant_a, "GZ")
    sku = approved_sku(tenant_a)
    stock(tenant_a, sku, uuid.UUID(src), 100, "3.00")
    wrong = tenant_a.api.post(
        "first-leg-shipments",
        {
            "source_warehouse_id": src,
            "destination_warehouse_id": domestic,
            "lines": [{"sku_id": str(sku), "quantity": 40}],
        },
    )
    assert wrong.status_code == 422 and "destination_warehouse_id" in body(wrong)["errors"]
    fl = body(
        tenant_a.api.post(
            "first-leg-shipments",
            {
                "source_warehouse_id": src,
                "destination_warehouse_id": fba,
                "platform_reference": "FBA15ABCDE",
                "shipping_method": "sea",
                "lines": [{"sku_id": str(sku), "quantity": 40}],
            },
        )
    )
    fid = fl["id"]
    assert fl["number"].startswith("FL-")
    assert tenant_a.api.post(f"first-leg-shipments/{fid}/allocate").status_code == 200
    unboxed = tenant_a.api.post(f"first-leg-shipments/{fid}/ship", {"carrier": "Matson", "tracking_number": "M1"})
    assert unboxed.status_code == 422 and "boxes" in body(unboxed)["errors"]
    box = {
        "length_cm": "60",
        "width_cm": "40",
        "height_cm": "40",
        "weight_kg": "18.5",
        "contents": [{"sku_id": str(sku), "quantity": 10}],
    }
    planned = tenant_a.api.put(f"first-leg-shipments/{fid}/boxes", {"boxes": [{**box, "count": 3}]})
    assert planned.status_code == 200
    mismatch = tenant_a.api.post(f"first-leg-shipments/{fid}/ship", {"carrier": "Matson", "tracking_number": "M1"})
    assert mismatch.status_code == 422 and "boxes hold 30" in body(mismatch)["errors"]["boxes"][0]
    tenant_a.api.put(f"first-leg-shipments/{fid}/boxes", {"boxes": [{**box, "count": 4}]})
    labels = tenant_a.api.get(f"first-leg-shipments/{fid}/labels.pdf")
    assert labels.status_code == 200 and labels.data.startswith(b"%PDF") and labels.mimetype == "application/pdf"
    assert b"/Count 4" in labels.data  # one page per carton
    shipped = tenant_a.api.post(
        f"first-leg-shipments/{fid}/ship",
        {
            "carrier": "Matson",
            "tracking_number": "MATS123",
            "freight_cost": {"amount": "420.00", "currency": "USD"},
            "duty": {"amount": "35.10", "currency": "USD"},
        },
    )
    assert shipped.status_code == 200
    s = body(shipped)
    assert (Decimal(s["freight_cost"]), Decimal(s["duty"]), s["cost_currency"]) == (
        Decimal("420"),
        Decimal("35.1"),
        "USD",
    )
    got = tenant_a.api.post(
        f"first-leg-shipments/{fid}/receive",
        {
            "receipts": [{"sku_id": str(sku), "quantity": 38, "note": "2 units short in carton 4"}],
            "complete": True,
            "shortfall_reason": "short-received by FBA; claim opened",
        },
    )
    assert body(got)["status"] == "received" and body(got)["lines"][0]["shortfall_quantity"] == 2


def test_stocktake_with_csv_counts_and_variance(tenant_a):
    wid = _warehouse(tenant_a, "SZ")
    a, b = approved_sku(tenant_a, "CNT-A"), approved_sku(tenant_a, "CNT-B")
    stock(tenant_a, a, uuid.UUID(wid), 10, "2.00")
    stock(tenant_a, b, uuid.UUID(wid), 5, "4.00")
    st = body(tenant_a.api.post("stocktakes", {"warehouse_id": wid}))
    assert st["status"] == "draft" and st["number"].startswith("ST-")
    early = tenant_a.api.post(f"stocktakes/{st['id']}/counts", {"counts": [{"sku_id": str(a), "counted": 1}]})
    assert early.status_code == 409 and body(early)["errors"]["state"] == ["draft"]
    started = body(tenant_a.api.post(f"stocktakes/{st['id']}/start"))
    assert {(ln["sku_code"], ln["snapshot_on_hand"]) for ln in started["lines"]} == {("CNT-A", 10), ("CNT-B", 5)}
    bad_csv = tenant_a.api.request(
        "POST",
        f"stocktakes/{st['id']}/counts.csv",
        data="sku,counted\nNOPE,3\nCNT-A,x\n",
        headers={"Content-Type": "text/csv"},
    )
    assert bad_csv.status_code == 422 and set(body(bad_csv)["errors"]) == {"row 2", "row 3"}
    ok = tenant_a.api.request(
        "POST",
        f"stocktakes/{st['id']}/counts.csv",
        data="sku,counted\nCNT-A,12\nCNT-B,4\n",
        headers={"Content-Type": "text/csv"},
    )
    assert ok.status_code == 200, body(ok)
    report = body(ok)
    lines = {ln["sku_code"]: ln for ln in report["lines"]}
    assert (lines["CNT-A"]["variance"], lines["CNT-A"]["value"]) == (2, "4.00")
    assert (lines["CNT-B"]["variance"], lines["CNT-B"]["value"]) == (-1, "-4.00")
    assert (report["gain_value"], report["loss_value"]) == ("4.00", "4.00")
    posted = body(tenant_a.api.post(f"stocktakes/{st['id']}/post"))
    assert posted["status"] == "posted"
    assert {r["sku_code"]: r["on_hand"] for r in body(tenant_a.api.get(f"stock?warehouse_id={wid}"))} == {
        "CNT-A": 12,
        "CNT-B": 4,
    }
    assert tenant_a.api.post(f"stocktakes/{st['id']}/post").status_code == 409


def test_kit_orders_over_the_api(tenant_a):
    wid = _warehouse(tenant_a, "SZ")
    a, b = approved_sku(tenant_a), approved_sku(tenant_a)
    kit = approved_kit(tenant_a, {a: 1, b: 2}, kit_type="physical")
    bundle = approved_kit(tenant_a, {a: 1, b: 1}, kit_type="virtual")
    stock(tenant_a, a, uuid.UUID(wid), 5, "1.00")
    stock(tenant_a, b, uuid.UUID(wid), 5, "2.00")
    virtual = tenant_a.api.post(
        "kit-orders", {"kind": "assembly", "kit_sku_id": str(bundle), "warehouse_id": wid, "quantity": 1}
    )
    assert virtual.status_code == 422 and "kit_sku_id" in body(virtual)["errors"]
    short = tenant_a.api.post(
        "kit-orders", {"kind": "assembly", "kit_sku_id": str(kit), "warehouse_id": wid, "quantity": 3}
    )
    assert short.status_code == 409
    order = body(
        tenant_a.api.post(
            "kit-orders", {"kind": "assembly", "kit_sku_id": str(kit), "warehouse_id": wid, "quantity": 2}
        )
    )
    done = body(tenant_a.api.post(f"kit-orders/{order['id']}/complete"))
    assert done["status"] == "completed" and done["unit_cost"] == "5.000000"
    assert tenant_a.api.post(f"kit-orders/{order['id']}/cancel").status_code == 409


def test_borrowings_and_platform_reconciliation(tenant_a):
    wid = _warehouse(tenant_a, "SZ")
    fba = _warehouse(tenant_a, "FBA-DE", type="platform", country="DE", marketplace="DE")
    sku = approved_sku(tenant_a)
    stock(tenant_a, sku, uuid.UUID(wid), 10, "2.00")
    loan = tenant_a.api.post(
        "borrowings",
        {"sku_id": str(sku), "warehouse_id": wid, "quantity": 3, "borrower": "KOL Anna", "due_date": "2031-01-01"},
    )
    assert loan.status_code == 201 and body(loan)["number"].startswith("BR-")
    lid = body(loan)["id"]
    back = tenant_a.api.post(f"borrowings/{lid}/returns", {"quantity": 4})
    assert back.status_code == 422 and "quantity" in body(back)["errors"]
    assert body(tenant_a.api.post(f"borrowings/{lid}/returns", {"quantity": 1}))["outstanding"] == 2
    closed = body(tenant_a.api.post(f"borrowings/{lid}/close", {"reason": "kept as gift"}))
    assert closed["status"] == "closed" and closed["written_off_quantity"] == 2
    bad = tenant_a.api.post(
        "stock/platform-reconciliations", {"warehouse_id": wid, "items": [{"sku_id": str(sku), "fulfillable": 1}]}
    )
    assert bad.status_code == 422 and "warehouse_id" in body(bad)["errors"]
    rec = tenant_a.api.post(
        "stock/platform-reconciliations",
        {"warehouse_id": fba, "items": [{"sku_id": str(sku), "fulfillable": 20, "reserved": 2, "unsellable": 1}]},
    )
    assert rec.status_code == 201
    row = body(tenant_a.api.get(f"stock?warehouse_id={fba}"))[0]
    assert (row["on_hand"], row["available"], row["unsellable"]) == (22, 20, 1)
    assert body(tenant_a.api.get("stock/verify"))["drifts"] == []


@pytest.mark.parametrize(
    "path",
    [
        "warehouses",
        "stock",
        "transfers",
        "first-leg-shipments",
        "stocktakes",
        "kit-orders",
        "borrowings",
        "stock/reservations",
    ],
)
def test_lists_paginate(tenant_a, path):
    resp = tenant_a.api.get(f"{path}?page=1&page_size=5")
    assert resp.status_code == 200 and "X-Pagination" in resp.headers


def test_stock_event_keys_are_the_callers_own(tenant_a):
    wid = _warehouse(tenant_a, "SZ")
    sku = approved_sku(tenant_a, "TEE-RED-L")
    payload = {"kind": "opening_balance", "lines": [{"sku_id": str(sku), "warehouse_id": wid, "quantity": 5}]}
    payload["lines"][0]["unit_cost"] = {"amount": "7.50", "currency": "CNY"}
    first = tenant_a.api.post("stock/adjustments", payload, headers={"Idempotency-Key": "open-1"})
    # A colleague whose key happens to be the same starts an event of their own.
    colleague = tenant_a.client_with_roles("warehouse")
    theirs = colleague.post("stock/adjustments", payload, headers={"Idempotency-Key": "open-1"})
    assert theirs.status_code == 201 and body(theirs)["operation_id"] != body(first)["operation_id"]
    assert body(theirs)["replayed"] is False
    # The longest key the HTTP layer takes still names one event, retried or not.
    long_key = "k" * 200
    outcomes = [tenant_a.api.post("stock/adjustments", payload, headers={"Idempotency-Key": long_key}) for _ in "12"]
    assert [r.status_code for r in outcomes] == [201, 201]
    assert body(outcomes[0])["operation_id"] == body(outcomes[1])["operation_id"]
