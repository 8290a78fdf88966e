"""Stocking requests (备货) through the API: submit, approve or reject, terminate; bad input
named by field; invalid transitions refused with the current state; two tenants apart."""

from __future__ import annotations

from datetime import date, timedelta

from tests.core.catalog.factories import approved_sku
from tests.core.purchasing.helpers import buyer, events, ok
from tests.support import body, pagination

SOON = (date.today() + timedelta(days=20)).isoformat()


def _submit(b, **extra):
    payload = {
        "sku_id": str(b.skus[0]),
        "warehouse_id": str(b.warehouse_id),
        "quantity": 200,
        "needed_by": SOON,
        **extra,
    }
    return ok(b.api.post("stocking-requests", payload), 201)


def test_a_request_is_submitted_then_approved_to_purchase(tenants):
    a, b = tenants
    buy = buyer(a)
    req = _submit(buy, supplier_id=str(buy.supplier_id), note="for the Q1 promotion")
    assert req["status"] == "submitted" and req["number"].startswith("SR-")
    assert req["sku_code"] == buy.codes[0] and req["quantity"] == 200 and req["needed_by"] == SOON
    assert req["source"] == "manual" and req["supplier"].startswith("SUP-")

    queue = a.api.get("stocking-requests?status=submitted")
    assert [r["id"] for r in body(queue)] == [req["id"]] and pagination(queue)["total"] == 1

    approved = ok(a.api.post(f"stocking-requests/{req['id']}/approve"))
    assert approved["status"] == "approved" and approved["decided_by"]
    assert [r["id"] for r in body(a.api.get("stocking-requests?status=approved"))] == [req["id"]]
    assert [e["number"] for e in events(a, "stocking_request.approved")] == [req["number"]]

    # Tenant B sees none of it and cannot act on it.
    assert body(b.api.get("stocking-requests")) == []
    assert b.api.get(f"stocking-requests/{req['id']}").status_code == 404
    assert b.api.post(f"stocking-requests/{req['id']}/terminate", {}).status_code == 404


def test_invalid_transitions_are_409_naming_the_current_state(tenants):
    a, _b = tenants
    buy = buyer(a)
    req = _submit(buy)
    ok(a.api.post(f"stocking-requests/{req['id']}/approve"))

    again = a.api.post(f"stocking-requests/{req['id']}/approve")
    assert again.status_code == 409 and "it is approved" in body(again)["message"]
    reject = a.api.post(f"stocking-requests/{req['id']}/reject", {"reason": "too late"})
    assert reject.status_code == 409 and body(reject)["errors"] == {"state": ["approved"]}
    edit = a.api.patch(f"stocking-requests/{req['id']}", {"quantity": 5})
    assert edit.status_code == 409 and "it is approved" in body(edit)["message"]

    terminated = ok(a.api.post(f"stocking-requests/{req['id']}/terminate", {"reason": "supplier discontinued"}))
    assert terminated["status"] == "terminated" and terminated["reason"] == "supplier discontinued"
    twice = a.api.post(f"stocking-requests/{req['id']}/terminate", {})
    assert twice.status_code == 409 and "it is terminated" in body(twice)["message"]


def test_rejecting_needs_a_reason_and_is_final(tenants):
    a, _b = tenants
    buy = buyer(a)
    req = _submit(buy)
    missing = a.api.post(f"stocking-requests/{req['id']}/reject", {"reason": "  "})
    assert missing.status_code == 422 and "reason" in body(missing)["errors"]
    rejected = ok(a.api.post(f"stocking-requests/{req['id']}/reject", {"reason": "enough stock in the US"}))
    assert rejected["status"] == "rejected" and rejected["reason"] == "enough stock in the US"
    assert a.api.post(f"stocking-requests/{req['id']}/approve").status_code == 409


def test_a_submitted_request_can_be_changed(tenants):
    a, _b = tenants
    buy = buyer(a)
    req = _submit(buy)
    later = (date.today() + timedelta(days=40)).isoformat()
    changed = ok(
        a.api.patch(
            f"stocking-requests/{req['id']}", {"quantity": 150, "needed_by": later, "supplier_id": str(buy.supplier_id)}
        )
    )
    assert (changed["quantity"], changed["needed_by"], changed["supplier_id"]) == (150, later, str(buy.supplier_id))


def test_bad_input_is_422_naming_each_field(tenants):
    a, b = tenants
    buy = buyer(a)
    other = buyer(b)
    resp = a.api.post(
        "stocking-requests",
        {"sku_id": str(buy.skus[0]), "warehouse_id": str(buy.warehouse_id), "quantity": 0, "needed_by": "2001-01-01"},
    )
    assert resp.status_code == 422
    assert set(body(resp)["errors"]) == {"quantity", "needed_by"}

    # Another tenant's SKU, warehouse and supplier are unknown here.
    resp = a.api.post(
        "stocking-requests",
        {
            "sku_id": str(other.skus[0]),
            "warehouse_id": str(other.warehouse_id),
            "quantity": 5,
            "needed_by": SOON,
            "supplier_id": str(other.supplier_id),
        },
    )
    assert resp.status_code == 422
    assert body(resp)["errors"] == {
        "sku_id": ["no such SKU"],
        "warehouse_id": ["no such warehouse"],
        "supplier_id": ["no such supplier"],
    }

    resp = a.api.post("stocking-requests", {"warehouse_id": str(buy.warehouse_id), "quantity": 5, "needed_by": SOON})
    assert resp.status_code == 422 and "sku_id" in body(resp)["errors"]


def test_only_purchasable_skus_can_be_requested(tenants):
    from core.catalog import service as catalog

    a, _b = tenants
    buy = buyer(a)
    sku = approved_sku(a)
    with a.scope():
        catalog.set_sku_active(sku, False)
    resp = a.api.post(
        "stocking-requests",
        {"sku_id": str(sku), "warehouse_id": str(buy.warehouse_id), "quantity": 5, "needed_by": SOON},
    )
    assert resp.status_code == 422
    assert "inactive" in body(resp)["errors"]["sku_id"][0]


def test_roles_decide_who_requests_and_who_approves(tenants):
    a, _b = tenants
    buy = buyer(a)
    warehouse_staff = a.client_with_roles("warehouse")
    viewer = a.client_with_roles("viewer")
    payload = {"sku_id": str(buy.skus[0]), "warehouse_id": str(buy.warehouse_id), "quantity": 5, "needed_by": SOON}
    assert warehouse_staff.post("stocking-requests", payload).status_code == 403
    assert viewer.post("stocking-requests", payload).status_code == 403
    assert ok(a.client_with_roles("operations").get("stocking-requests")) == []
    created = ok(a.client_with_roles("purchasing").post("stocking-requests", payload), 201)
    assert viewer.get(f"stocking-requests/{created['id']}").status_code == 200
    assert warehouse_staff.post(f"stocking-requests/{created['id']}/approve").status_code == 403
    assert (
        ok(a.client_with_roles("purchasing").post(f"stocking-requests/{created['id']}/approve"))["status"] == "approved"
    )
