"""Receiving against an order, QC with put-away, labels, and returns of failed units to the
supplier, through the API; stock read back from inventory after every step."""

from __future__ import annotations

import re
import uuid

from tests.core.purchasing.helpers import approved_order, buyer, events, inspect, ok, order, receive
from tests.support import body


def test_a_receipt_puts_goods_in_qc_and_lowers_inbound(tenants):
    a, b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100, 40))
    receipt = receive(buy, po, 60, 0, tracking_number="SF99")
    assert receipt["status"] == "qc_pending" and receipt["number"].startswith("GR-")
    assert [(line["sku_code"], line["quantity"], line["qc_status"]) for line in receipt["lines"]] == [
        (buy.codes[0], 60, "pending")
    ]
    assert receipt["lines"][0]["value"] == "750.0000"  # 60 x 12.50 CNY
    assert buy.buckets(0) == {
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
        "qc_pending": 60,
        "unsellable": 0,
        "inbound_ordered": 40,
        "in_transit": 0,
    }
    assert ok(a.api.get(f"purchase-orders/{po['id']}"))["status"] == "partially_received"

    [event] = events(a, "purchase.received")
    assert (event["receipt_number"], event["purchase_order_number"]) == (receipt["number"], po["number"])
    assert (event["currency"], event["fx_rate"], event["functional_currency"]) == ("CNY", "1.0000000000", "CNY")
    assert event["lines"] == [
        {
            "receipt_line_id": receipt["lines"][0]["id"],
            "purchase_order_line_id": po["lines"][0]["id"],
            "sku_id": str(buy.skus[0]),
            "sku_code": buy.codes[0],
            "quantity": 60,
            "unit_price": "12.500000",
            "amount": "750.00",
            "tax_rate": "0.1300",
            "tax_amount": "97.50",
            "value": "750.00",
        }
    ]
    assert event["tracking_number"] == "SF99" and event["stock_operation_id"]

    assert b.api.get(f"purchase-receipts/{receipt['id']}").status_code == 404
    assert body(b.api.get("purchase-receipts")) == []
    assert [r["id"] for r in body(a.api.get("purchase-receipts?status=qc_pending"))] == [receipt["id"]]


def test_over_receipt_beyond_the_tolerance_is_refused_naming_the_line(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100,))
    refused = receive(buy, po, 101, expect=422)
    message = refused["errors"]["lines.0.quantity"][0]
    assert "101 is too many" in message and "at most 100 more" in message and buy.codes[0] in message
    assert buy.buckets()["qc_pending"] == 0  # nothing was written

    ok(a.api.patch("purchasing/settings", {"receipt_tolerance_percent": "5"}))
    receive(buy, po, 60)
    refused = receive(buy, po, 46, expect=422)
    assert "at most 45 more" in refused["errors"]["lines.0.quantity"][0]
    receive(buy, po, 45)  # 105 of 100: within 5 %
    done = ok(a.api.get(f"purchase-orders/{po['id']}"))
    assert done["status"] == "received" and done["lines"][0]["received_quantity"] == 105
    assert buy.buckets()["qc_pending"] == 105 and buy.buckets()["inbound_ordered"] == 0
    late = receive(buy, po, 1, expect=409)
    assert "it is received" in late["message"]


def test_receiving_needs_an_approved_order_and_real_lines(tenants):
    a, b = tenants
    buy = buyer(a)
    draft = order(buy)
    assert "it is draft" in receive(buy, draft, 5, expect=409)["message"]
    po = approved_order(buy)
    resp = a.api.post(
        f"purchase-orders/{po['id']}/receipts", {"lines": [{"line_id": str(uuid.uuid4()), "quantity": 1}]}
    )
    assert resp.status_code == 422 and "lines.0.line_id" in body(resp)["errors"]
    resp = a.api.post(
        f"purchase-orders/{po['id']}/receipts", {"lines": [{"line_id": po["lines"][0]["id"], "quantity": 0}]}
    )
    assert resp.status_code == 422 and "lines" in body(resp)["errors"]
    assert (
        b.api.post(
            f"purchase-orders/{po['id']}/receipts", {"lines": [{"line_id": po["lines"][0]["id"], "quantity": 1}]}
        ).status_code
        == 404
    )


def test_qc_puts_passed_units_on_hand_and_failed_units_aside(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100, 40))
    receipt = receive(buy, po, 100, 40)
    done = inspect(buy, receipt, (97, 3), (40, 0), reasons=("scratched", "wrong colour"))
    assert done["status"] == "inspected" and done["inspected_at"]
    first = done["lines"][0]
    assert (first["passed_quantity"], first["failed_quantity"], first["sample_size"]) == (97, 3, 100)
    assert first["defect_reasons"] == ["scratched", "wrong colour"] and first["location_code"].startswith("A-")
    assert buy.buckets(0) == {
        "on_hand": 97,
        "reserved": 0,
        "available": 97,
        "qc_pending": 0,
        "unsellable": 3,
        "inbound_ordered": 0,
        "in_transit": 0,
    }
    assert buy.buckets(1)["on_hand"] == 40
    line = ok(a.api.get(f"purchase-orders/{po['id']}"))["lines"][0]
    assert (line["passed_quantity"], line["failed_quantity"]) == (97, 3)

    [event] = events(a, "purchase_receipt.inspected")
    assert [(x["sku_code"], x["passed_quantity"], x["failed_quantity"], x["failed_value"]) for x in event["lines"]] == [
        (buy.codes[0], 97, 3, "37.50"),
        (buy.codes[1], 40, 0, "0"),
    ]

    again = inspect(buy, done, (100, 0), expect=409)
    assert "it is inspected" in again["message"]


def test_qc_lines_are_checked_one_by_one(tenants):
    a, b = tenants
    buy = buyer(a)
    other = buyer(b)
    po = approved_order(buy, (10, 5))
    receipt = receive(buy, po, 10, 5)
    first, second = receipt["lines"]
    resp = a.api.post(
        f"purchase-receipts/{receipt['id']}/inspect",
        {
            "lines": [
                {"receipt_line_id": first["id"], "passed_quantity": 8, "failed_quantity": 1},
                {
                    "receipt_line_id": second["id"],
                    "passed_quantity": 4,
                    "failed_quantity": 1,
                    "location_id": str(other.bin_id),
                },
            ]
        },
    )
    assert resp.status_code == 422
    errors = body(resp)["errors"]
    assert "add up to the 10 received" in errors["lines.0.passed_quantity"][0]
    assert errors["lines.1.defect_reasons"] == ["say what was wrong with the failed units"]
    assert errors["lines.1.location_id"] == ["is not a bin of the receiving warehouse"]
    assert buy.buckets(0)["qc_pending"] == 10  # nothing moved

    # One line now, the other later: the receipt stays in QC until both are done.
    partial = ok(
        a.api.post(
            f"purchase-receipts/{receipt['id']}/inspect",
            {"lines": [{"receipt_line_id": second["id"], "passed_quantity": 5}]},
        )
    )
    assert partial["status"] == "qc_pending" and partial["lines"][1]["sample_size"] == 5
    assert buy.buckets(1)["on_hand"] == 5
    done = ok(
        a.api.post(
            f"purchase-receipts/{receipt['id']}/inspect",
            {"lines": [{"receipt_line_id": first["id"], "passed_quantity": 10, "sample_size": 2}]},
        )
    )
    assert done["status"] == "inspected"


def test_passed_units_go_to_the_skus_home_bin_by_default(tenants):
    from core.inventory.service.warehouses import set_sku_setting

    a, _b = tenants
    buy = buyer(a)
    with a.scope():
        set_sku_setting(buy.skus[0], buy.warehouse_id, location_id=buy.bin_id)
    po = approved_order(buy, (4,))
    receipt = receive(buy, po, 4)
    done = ok(
        a.api.post(
            f"purchase-receipts/{receipt['id']}/inspect",
            {"lines": [{"receipt_line_id": receipt["lines"][0]["id"], "passed_quantity": 4}]},
        )
    )
    assert done["lines"][0]["location_id"] == str(buy.bin_id)


def test_put_away_labels_are_a_pdf_with_one_label_per_passed_unit(tenants):
    a, b = tenants
    buy = buyer(a)
    po = approved_order(buy, (5, 2))
    receipt = receive(buy, po, 5, 2)
    early = a.api.get(f"purchase-receipts/{receipt['id']}/labels")
    assert early.status_code == 409 and "inspect it first" in body(early)["message"]
    done = inspect(buy, receipt, (4, 1), (2, 0))

    resp = a.api.get(f"purchase-receipts/{receipt['id']}/labels")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = resp.get_data()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 6
    for text in (buy.codes[0], buy.codes[1], done["lines"][0]["location_code"], receipt["number"]):
        assert f"({text})".encode() in pdf or f"(BIN {text})".encode() in pdf, text
    per_line = a.api.get(f"purchase-receipts/{receipt['id']}/labels?per=line").get_data()
    assert len(re.findall(rb"/Type /Page\b", per_line)) == 2
    assert b.api.get(f"purchase-receipts/{receipt['id']}/labels").status_code == 404


def test_failed_units_go_back_to_the_supplier(tenants):
    a, b = tenants
    buy = buyer(a)
    po = approved_order(buy, (100,))
    receipt = receive(buy, po, 100)
    inspect(buy, receipt, (95, 5))
    line_id = po["lines"][0]["id"]

    too_many = a.api.post(
        "purchase-returns",
        {"purchase_order_id": po["id"], "reason": "defective", "lines": [{"line_id": line_id, "quantity": 6}]},
    )
    assert too_many.status_code == 422 and "5 failed units" in body(too_many)["errors"]["lines.0.quantity"][0]
    ret = ok(
        a.api.post(
            "purchase-returns",
            {
                "purchase_order_id": po["id"],
                "reason": "scratched casing",
                "lines": [{"line_id": line_id, "quantity": 3}],
            },
        ),
        201,
    )
    assert ret["status"] == "draft" and ret["number"].startswith("RT-") and ret["amount"] == "37.50"
    # A draft holds its units: a second return can take only the other 2.
    held = a.api.post(
        "purchase-returns",
        {"purchase_order_id": po["id"], "reason": "x", "lines": [{"line_id": line_id, "quantity": 3}]},
    )
    assert held.status_code == 422 and "2 failed units" in body(held)["errors"]["lines.0.quantity"][0]
    assert buy.buckets()["unsellable"] == 5

    shipped = ok(a.api.post(f"purchase-returns/{ret['id']}/ship", {"carrier": "SF", "tracking_number": "SF-R1"}))
    assert shipped["status"] == "shipped" and shipped["shipped_at"] and shipped["lines"][0]["value"] == "37.50"
    assert buy.buckets()["unsellable"] == 2 and buy.buckets()["on_hand"] == 95
    assert ok(a.api.get(f"purchase-orders/{po['id']}"))["lines"][0]["returned_quantity"] == 3
    [event] = events(a, "purchase_return.shipped")
    assert (event["number"], event["amount"], event["tax_amount"], event["value"]) == (
        ret["number"],
        "37.50",
        "4.88",
        "37.50",
    )
    assert event["lines"][0]["quantity"] == 3 and event["tracking_number"] == "SF-R1"

    for action in ("ship", "cancel"):
        resp = a.api.post(f"purchase-returns/{ret['id']}/{action}", {})
        assert resp.status_code == 409 and "it is shipped" in body(resp)["message"]
    assert b.api.get(f"purchase-returns/{ret['id']}").status_code == 404
    assert b.api.post(f"purchase-returns/{ret['id']}/ship", {}).status_code == 404
    assert body(b.api.get("purchase-returns")) == []
    other_po = b.api.post(
        "purchase-returns",
        {"purchase_order_id": po["id"], "reason": "x", "lines": [{"line_id": line_id, "quantity": 1}]},
    )
    assert other_po.status_code == 422 and body(other_po)["errors"] == {"purchase_order_id": ["no such purchase order"]}

    draft = ok(
        a.api.post(
            "purchase-returns",
            {"purchase_order_id": po["id"], "reason": "x", "lines": [{"line_id": line_id, "quantity": 2}]},
        ),
        201,
    )
    assert ok(a.api.post(f"purchase-returns/{draft['id']}/cancel"))["status"] == "cancelled"
    assert buy.buckets()["unsellable"] == 2


def test_warehouse_staff_receive_and_inspect_but_do_not_buy(tenants):
    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (10,))
    staff = a.client_with_roles("warehouse")
    found = ok(staff.get(f"purchase-orders/lookup?code={po['number']}"))
    assert [o["id"] for o in found] == [po["id"]]
    receipt = ok(
        staff.post(
            f"purchase-orders/{po['id']}/receipts", {"lines": [{"line_id": po["lines"][0]["id"], "quantity": 10}]}
        ),
        201,
    )
    ok(
        staff.post(
            f"purchase-receipts/{receipt['id']}/inspect",
            {"lines": [{"receipt_line_id": receipt["lines"][0]["id"], "passed_quantity": 10}]},
        )
    )
    assert (
        staff.post(
            "purchase-orders",
            {
                "supplier_id": str(buy.supplier_id),
                "warehouse_id": str(buy.warehouse_id),
                "lines": [{"sku_id": str(buy.skus[0]), "quantity": 1}],
            },
        ).status_code
        == 403
    )
    viewer = a.client_with_roles("viewer")
    assert (
        viewer.post(
            f"purchase-orders/{po['id']}/receipts", {"lines": [{"line_id": po["lines"][0]["id"], "quantity": 1}]}
        ).status_code
        == 403
    )
