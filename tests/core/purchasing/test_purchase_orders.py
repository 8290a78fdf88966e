"""Purchase orders through the API: drafts with prices, tax and currency; approval (with a
second approver above the threshold) raising inbound stock; orders from stocking requests;
the supplier's confirmation and tracking numbers; cancelling and terminating."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tests.core.purchasing.helpers import (
    approved_order,
    buyer,
    events,
    local_today,
    ok,
    order,
    receive,
)
from tests.support import body

SOON = (date.today() + timedelta(days=20)).isoformat()


def test_a_draft_takes_prices_from_the_supplier_and_tax_from_the_sku(tenants):
    a, b = tenants
    buy = buyer(a, prices=("12.345", "8.00"))
    po = order(buy, (7, 3))
    assert po["status"] == "draft" and po["number"].startswith("PO-") and po["currency"] == "CNY"
    first, second = po["lines"]
    assert (first["unit_price"], first["tax_rate"], first["currency"]) == ("12.345000", "0.1300", "CNY")
    # 7 x 12.345 = 86.415 -> 86.42 (rounded at the line); tax 13 % of 86.42 = 11.2346 -> 11.23
    assert (first["amount"], first["tax_amount"]) == ("86.4200", "11.2300")
    assert (second["amount"], second["tax_amount"]) == ("24.0000", "3.1200")
    assert (po["subtotal"], po["tax_total"], po["total"]) == ("110.4200", "14.3500", "124.7700")
    assert buy.buckets()["inbound_ordered"] == 0  # a draft promises nothing yet

    assert body(b.api.get("purchase-orders")) == []
    assert b.api.get(f"purchase-orders/{po['id']}").status_code == 404
    assert b.api.post(f"purchase-orders/{po['id']}/approve").status_code == 404


def test_approval_raises_inbound_and_is_refused_twice(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100, 40))
    assert po["status"] == "approved" and po["approved_by"]
    # Not given: approval date + the supplier's lead time (10 days), in the tenant's calendar.
    assert po["expected_date"] == (local_today() + timedelta(days=10)).isoformat()
    assert buy.buckets(0)["inbound_ordered"] == 100 and buy.buckets(1)["inbound_ordered"] == 40

    again = a.api.post(f"purchase-orders/{po['id']}/approve")
    assert again.status_code == 409 and "it is approved" in body(again)["message"]
    assert buy.buckets(0)["inbound_ordered"] == 100
    edit = a.api.patch(f"purchase-orders/{po['id']}", {"note": "x"})
    assert edit.status_code == 409 and body(edit)["errors"] == {"state": ["approved"]}

    [approved] = events(a, "purchase_order.approved")
    assert approved["number"] == po["number"] and approved["total"] == "1774.10"
    assert [(x["sku_code"], x["quantity"], x["unit_price"]) for x in approved["lines"]] == [
        (buy.codes[0], 100, "12.500000"),
        (buy.codes[1], 40, "8.000000"),
    ]


def test_an_order_above_the_threshold_needs_a_second_approver(tenants):
    a, _b = tenants
    buy = buyer(a)
    ok(a.api.patch("purchasing/settings", {"second_approval_threshold": "1000"}))
    po = order(buy, (100,))  # 1250 + 13 % tax = 1412.50 CNY
    first = ok(a.api.post(f"purchase-orders/{po['id']}/approve"))
    assert first["status"] == "pending_second_approval" and first["second_approval_required"]
    assert buy.buckets()["inbound_ordered"] == 0  # not approved until the second approval

    same = a.api.post(f"purchase-orders/{po['id']}/approve")
    assert same.status_code == 403 and "someone else" in body(same)["message"]
    # Another key of the same person is the same person.
    assert _owners_second_key(a).post(f"purchase-orders/{po['id']}/approve").status_code == 403
    second = ok(a.client_with_roles("purchasing").post(f"purchase-orders/{po['id']}/approve"))
    assert second["status"] == "approved" and second["first_approved_by"] != second["approved_by"]
    assert buy.buckets()["inbound_ordered"] == 100

    small = order(buy, (10,))  # 141.25: below the threshold, one approval is enough
    assert ok(a.api.post(f"purchase-orders/{small['id']}/approve"))["status"] == "approved"


def _owners_second_key(tenant):
    from tenants import service as tenants
    from tests.support import ApiClient

    with tenant.scope():
        owner = tenants.Principal(
            tenant_id=tenant.id, kind="user", id=tenant.owner_id, label=tenant.owner_email, roles=("owner",)
        )
        _key, plaintext = tenants.create_api_key(owner, name="owner's laptop", roles=["purchasing"])
    return ApiClient(tenant.app.test_client(), plaintext)


def test_the_threshold_compares_the_functional_total_at_the_orders_rate(tenants):
    a, _b = tenants
    buy = buyer(a, prices=("2.00", "1.00"), currency="USD")
    ok(a.api.patch("purchasing/settings", {"second_approval_threshold": "1000"}))
    missing = a.api.post(
        "purchase-orders",
        {
            "supplier_id": str(buy.supplier_id),
            "warehouse_id": str(buy.warehouse_id),
            "lines": [{"sku_id": str(buy.skus[0]), "quantity": 60}],
        },
    )
    assert missing.status_code == 422 and "fx_rate" in body(missing)["errors"]
    # 60 x 2.00 USD = 120 + 13 % = 135.60 USD; at 7.1 that is 962.76 CNY: below 1000.
    po = order(buy, (60,), fx_rate="7.1", fx_source="BOC 2026-11-20")
    assert (po["currency"], po["total"], po["total_functional"]) == ("USD", "135.6000", "962.76")
    assert po["fx_source"] == "BOC 2026-11-20"
    assert ok(a.api.post(f"purchase-orders/{po['id']}/approve"))["status"] == "approved"
    # 70 units: 158.20 USD = 1123.22 CNY: above it.
    big = order(buy, (70,), fx_rate="7.1")
    assert ok(a.api.post(f"purchase-orders/{big['id']}/approve"))["status"] == "pending_second_approval"


def test_bad_lines_are_named_by_index(tenants):
    a, b = tenants
    buy = buyer(a)
    other = buyer(b)
    resp = a.api.post(
        "purchase-orders",
        {
            "supplier_id": str(buy.supplier_id),
            "warehouse_id": str(buy.warehouse_id),
            "lines": [
                {"sku_id": str(buy.skus[0]), "quantity": 0},
                {"sku_id": str(other.skus[0]), "quantity": 5},
                {"sku_id": str(buy.skus[1]), "quantity": 5, "currency": "USD", "tax_rate": "1.5"},
            ],
        },
    )
    assert resp.status_code == 422
    errors = body(resp)["errors"]
    assert set(errors) == {"lines.0.quantity", "lines.1.sku_id", "lines.2.currency", "lines.2.tax_rate"}
    assert errors["lines.1.sku_id"] == ["no such SKU"]
    assert "CNY" in errors["lines.2.currency"][0]
    empty = a.api.post(
        "purchase-orders", {"supplier_id": str(buy.supplier_id), "warehouse_id": str(buy.warehouse_id), "lines": []}
    )
    assert empty.status_code == 422 and "lines" in body(empty)["errors"]


def test_an_unapproved_supplier_cannot_be_ordered_from(tenants):
    from core.suppliers import service as suppliers

    a, _b = tenants
    buy = buyer(a)
    po = order(buy)
    with a.scope():
        suppliers.disable_supplier(buy.supplier_id, "quality problems")
    resp = a.api.post(f"purchase-orders/{po['id']}/approve")
    assert resp.status_code == 422 and "disabled" in body(resp)["errors"]["supplier_id"][0]
    assert (
        a.api.post(
            "purchase-orders",
            {
                "supplier_id": str(buy.supplier_id),
                "warehouse_id": str(buy.warehouse_id),
                "lines": [{"sku_id": str(buy.skus[0]), "quantity": 1}],
            },
        ).status_code
        == 422
    )


def _approved_request(b, sku_index=0, quantity=100, supplier=True):
    payload = {
        "sku_id": str(b.skus[sku_index]),
        "warehouse_id": str(b.warehouse_id),
        "quantity": quantity,
        "needed_by": SOON,
    }
    if supplier:
        payload["supplier_id"] = str(b.supplier_id)
    req = ok(b.api.post("stocking-requests", payload), 201)
    return ok(b.api.post(f"stocking-requests/{req['id']}/approve"))


def test_orders_from_approved_requests_group_per_supplier_and_add_up_skus(tenants):
    a, _b = tenants
    buy = buyer(a)
    r1, r2, r3 = _approved_request(buy, 0, 100), _approved_request(buy, 0, 50), _approved_request(buy, 1, 30)
    [po] = ok(a.api.post("purchase-orders/from-requests", {"request_ids": [r1["id"], r2["id"], r3["id"]]}), 201)
    assert po["status"] == "draft" and po["supplier_id"] == str(buy.supplier_id)
    assert [(line["sku_code"], line["quantity"], line["unit_price"]) for line in po["lines"]] == [
        (buy.codes[0], 150, "12.500000"),
        (buy.codes[1], 30, "8.000000"),
    ]
    for r in (r1, r2, r3):
        got = ok(a.api.get(f"stocking-requests/{r['id']}"))
        assert (got["status"], got["purchase_order_id"]) == ("ordered", po["id"])
    # On an order, a request is no longer terminated by itself.
    late = a.api.post(f"stocking-requests/{r1['id']}/terminate", {})
    assert late.status_code == 409 and "purchase order" in body(late)["message"]
    # Nor put on a second order.
    twice = a.api.post("purchase-orders/from-requests", {"request_ids": [r1["id"]]})
    assert twice.status_code == 409 and "it is ordered" in body(twice)["message"]

    # Dropping a line from the draft puts its request back to be purchased.
    keep = po["lines"][0]
    ok(a.api.patch(f"purchase-orders/{po['id']}", {"lines": [{"id": keep["id"], "quantity": 160}]}))
    assert ok(a.api.get(f"stocking-requests/{r3['id']}"))["status"] == "approved"
    # Cancelling the order puts the rest back too.
    ok(a.api.post(f"purchase-orders/{po['id']}/cancel", {"reason": "supplier out of stock"}))
    assert {ok(a.api.get(f"stocking-requests/{r['id']}"))["status"] for r in (r1, r2)} == {"approved"}


def test_requests_need_a_supplier_to_be_ordered(tenants):
    a, b = tenants
    buy = buyer(a)
    req = _approved_request(buy, supplier=False)
    resp = a.api.post("purchase-orders/from-requests", {"request_ids": [req["id"]]})
    assert resp.status_code == 422 and req["number"] in body(resp)["errors"]["supplier_id"][0]
    [po] = ok(
        a.api.post("purchase-orders/from-requests", {"request_ids": [req["id"]], "supplier_id": str(buy.supplier_id)}),
        201,
    )
    assert po["lines"][0]["quantity"] == 100
    # Another tenant's request ids are unknown.
    other = _approved_request(buyer(b))
    resp = a.api.post("purchase-orders/from-requests", {"request_ids": [other["id"]]})
    assert resp.status_code == 422 and "request_ids" in body(resp)["errors"]


def test_sending_confirming_and_tracking_an_approved_order(tenants):
    a, b = tenants
    buy = buyer(a)
    draft = order(buy)
    for action in ("send", "confirm"):
        resp = a.api.post(f"purchase-orders/{draft['id']}/{action}", {})
        assert resp.status_code == 409 and "it is draft" in body(resp)["message"]
    assert a.api.post(f"purchase-orders/{draft['id']}/trackings", {"tracking_number": "SF1"}).status_code == 409

    po = approved_order(buy)
    assert ok(a.api.post(f"purchase-orders/{po['id']}/send", {}))["sent_at"]
    promised = (date.today() + timedelta(days=12)).isoformat()
    confirmed = ok(
        a.api.post(
            f"purchase-orders/{po['id']}/confirm", {"supplier_reference": "XS-2026-118", "expected_date": promised}
        )
    )
    assert confirmed["confirmed_at"] and confirmed["supplier_reference"] == "XS-2026-118"
    assert confirmed["expected_date"] == promised

    tracking = ok(
        a.api.post(
            f"purchase-orders/{po['id']}/trackings", {"tracking_number": "SF1234567890", "carrier": "SF Express"}
        ),
        201,
    )
    dup = a.api.post(f"purchase-orders/{po['id']}/trackings", {"tracking_number": "sf1234567890"})
    assert dup.status_code == 409
    assert [t["tracking_number"] for t in ok(a.api.get(f"purchase-orders/{po['id']}/trackings"))] == ["SF1234567890"]

    # The dock scans either number.
    assert [o["id"] for o in ok(a.api.get("purchase-orders/lookup?code=SF1234567890"))] == [po["id"]]
    assert [o["id"] for o in ok(a.api.get(f"purchase-orders/lookup?code={po['number'].lower()}"))] == [po["id"]]
    assert b.api.get("purchase-orders/lookup?code=SF1234567890").status_code == 404
    assert a.api.get("purchase-orders/lookup?code=NOPE").status_code == 404
    assert [o["id"] for o in ok(a.api.get("purchase-orders?q=SF1234"))] == [po["id"]]

    assert a.api.delete(f"purchase-orders/{po['id']}/trackings/{tracking['id']}").status_code == 204
    assert a.api.get("purchase-orders/lookup?code=SF1234567890").status_code == 404


def test_terminating_the_rest_closes_the_order_and_lowers_inbound(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100, 40))
    receive(buy, po, 60, 40)
    po = ok(a.api.get(f"purchase-orders/{po['id']}"))
    assert po["status"] == "partially_received"
    cancel = a.api.post(f"purchase-orders/{po['id']}/cancel", {})
    assert cancel.status_code == 409 and "terminate" in body(cancel)["message"]

    too_many = a.api.post(
        f"purchase-orders/{po['id']}/terminate", {"lines": [{"line_id": po["lines"][0]["id"], "quantity": 41}]}
    )
    assert too_many.status_code == 422 and "only 40" in body(too_many)["errors"]["lines.0.quantity"][0]
    part = ok(
        a.api.post(
            f"purchase-orders/{po['id']}/terminate",
            {"lines": [{"line_id": po["lines"][0]["id"], "quantity": 15}], "reason": "short shipped"},
        )
    )
    assert part["status"] == "partially_received" and part["lines"][0]["open_quantity"] == 25
    assert buy.buckets()["inbound_ordered"] == 25

    closed = ok(a.api.post(f"purchase-orders/{po['id']}/terminate", {"reason": "supplier cannot make more"}))
    assert closed["status"] == "closed" and closed["lines"][0]["terminated_quantity"] == 40
    assert buy.buckets()["inbound_ordered"] == 0
    again = a.api.post(f"purchase-orders/{po['id']}/terminate", {})
    assert again.status_code == 409 and "it is closed" in body(again)["message"]
    assert [e["status"] for e in events(a, "purchase_order.terminated")] == ["partially_received", "closed"]


def test_cancelling_an_approved_order_withdraws_its_inbound(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100,))
    assert buy.buckets()["inbound_ordered"] == 100
    cancelled = ok(a.api.post(f"purchase-orders/{po['id']}/cancel", {"reason": "duplicate"}))
    assert cancelled["status"] == "cancelled" and cancelled["reason"] == "duplicate"
    assert buy.buckets()["inbound_ordered"] == 0
    for action in ("approve", "cancel", "send"):
        resp = a.api.post(f"purchase-orders/{po['id']}/{action}", {})
        assert resp.status_code == 409 and "it is cancelled" in body(resp)["message"], action
    assert receive(buy, po, 1, expect=409)["errors"] == {"state": ["cancelled"]}


def test_a_foreign_currency_order_is_valued_at_its_rate(tenants):
    a, _b = tenants
    buy = buyer(a, prices=("2.50", "1.00"), currency="USD")
    po = approved_order(buy, (10,), fx_rate="7.2", fx_source="contract rate")
    receive(buy, po, 10)
    [received] = events(a, "purchase.received")
    assert (received["currency"], received["fx_rate"], received["fx_source"]) == (
        "USD",
        "7.2000000000",
        "contract rate",
    )
    line = received["lines"][0]
    assert (line["unit_price"], line["amount"], line["value"]) == ("2.500000", "25.00", "180.00")
    assert Decimal(received["value"]) == Decimal("180.00") and received["functional_currency"] == "CNY"


def test_roles_on_orders(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = order(buy)
    warehouse_staff = a.client_with_roles("warehouse")
    assert warehouse_staff.get(f"purchase-orders/{po['id']}").status_code == 200
    assert warehouse_staff.post(f"purchase-orders/{po['id']}/approve").status_code == 403
    assert warehouse_staff.patch(f"purchase-orders/{po['id']}", {"note": "x"}).status_code == 403
    assert a.client_with_roles("viewer").post(f"purchase-orders/{po['id']}/cancel", {}).status_code == 403
