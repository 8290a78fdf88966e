"""Payables: bills matched three ways with orders and receipts, price differences split between
stock and cost of sales, payments, prepayments, due dates and ageing, forwarders' bills."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.core.finance.helpers import totals_by_root, verify, vouchers
from tests.core.orders.helpers import APPROVE_ALL, settings
from tests.core.purchasing.helpers import approved_order, buyer, inspect, receive
from tests.core.suppliers.factories import approved_supplier
from tests.support import body, pagination


@pytest.fixture
def goods(tenant_a, tenant_b):
    tenant = tenant_a
    assert tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    settings(tenant, review_rules=APPROVE_ALL)
    b = buyer(tenant, prices=("12.50",))
    po = approved_order(b, (10,))
    receipt = receive(b, po, 10)
    inspect(b, receipt, (10, 0))
    return b, po, receipt


def _sell(b, qty):
    resp = b.api.post(
        "orders",
        {
            "currency": "CNY",
            "buyer": {"name": "B"},
            "shipping_address": {"country": "CN", "line1": "1 Rd", "city": "SZ", "postal_code": "518000"},
            "lines": [{"sku_id": str(b.skus[0]), "quantity": qty, "unit_price": "30.00"}],
        },
    )
    order = body(resp)
    assert resp.status_code == 201 and order["status"] == "allocated", order
    assert b.api.post(f"orders/{order['id']}/print", {"document": "label"}).status_code == 200
    assert b.api.post(f"orders/{order['id']}/ship", {"carrier": "SF"}).status_code == 200


def _bill(b, receipt, qty=10, price="13.00", ref="INV-1", expect=201, **kw):
    line = receipt["lines"][0]
    resp = b.api.post(
        "finance/bills",
        {
            "supplier_reference": ref,
            "lines": [
                {"receipt_id": receipt["id"], "receipt_line_id": line["id"], "quantity": qty, "unit_price": price, **kw}
            ],
        },
    )
    assert resp.status_code == expect, body(resp)
    return body(resp)


def test_a_bill_clears_the_accrual_books_vat_and_splits_the_price_difference(goods):
    b, po, receipt = goods
    _sell(b, 4)  # 4 of the 10 units are sold before the bill arrives
    assert b.api.patch("finance/settings", {"bill_price_tolerance": "5"}).status_code == 200
    bill = _bill(b, receipt, tax_rate="0.13")
    assert bill["number"].startswith("BILL-") and bill["status"] == "open"
    assert (bill["amount"], bill["tax"], bill["total"]) == ("130.00", "16.90", "146.90")
    (line,) = bill["lines"]
    assert (line["variance"], line["capitalised"], line["expensed"]) == ("5.00", "3.00", "2.00")
    (v,) = vouchers(b.tenant, "supplier_bill", bill["id"])
    assert totals_by_root(v) == {
        "2202": Decimal("-21.90"),  # 125.00 accrual cleared, 146.90 owed: net credit 21.90
        "1405": Decimal("3.00"),
        "6401": Decimal("2.00"),
        "2221": Decimal("16.90"),
    }
    net = {ln["account_code"]: (ln["debit"], ln["credit"]) for ln in v["lines"]}
    assert net["2202.02"] == ("125.00", "0") and net["2202.01"] == ("0", "146.90")
    report = verify(b.tenant)
    assert report["ok"] is True, report


def test_the_three_way_match_refuses_what_was_not_received_or_not_ordered(goods):
    b, po, receipt = goods
    too_many = _bill(b, receipt, qty=11, expect=422)
    assert "lines.0.quantity" in too_many["errors"] and "received 10" in too_many["message"]
    dearer = _bill(b, receipt, price="14.00", expect=422)
    assert "lines.0.unit_price" in dearer["errors"]
    assert b.api.patch("finance/settings", {"bill_price_tolerance": "15"}).status_code == 200
    _bill(b, receipt, qty=6, price="14.00", ref="INV-A")
    again = _bill(b, receipt, qty=5, price="12.50", ref="INV-B", expect=422)  # 6 + 5 > 10
    assert "11 billed in all" in again["message"]
    dup = _bill(b, receipt, qty=1, price="12.50", ref="INV-A", expect=409)
    assert "already recorded" in dup["message"]
    assert pagination(b.api.get("finance/bills"))["total"] == 1


def test_payments_and_prepayments_settle_bills_and_the_ageing_follows_due_dates(tenant_a, tenant_b):
    tenant = tenant_a
    assert tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    b = buyer(tenant, prices=("10.00",))
    periodic = approved_supplier(
        tenant,
        finance={
            "currency": "CNY",
            "payment_method": "bank_transfer",
            "settlement_mode": "periodic",
            "settlement_days": 30,
        },
        prices={b.skus[0]: {"price": "10.00", "lead_time_days": 5, "moq": 1}},
    )
    b.supplier_id = periodic
    po = approved_order(b, (10,))
    receipt = receive(b, po, 10)
    resp = b.api.post(
        "finance/bills",
        {
            "supplier_reference": "P-1",
            "bill_date": "2026-03-01",
            "lines": [{"receipt_id": receipt["id"], "receipt_line_id": receipt["lines"][0]["id"], "quantity": 10}],
        },
    )
    assert resp.status_code == 201, body(resp)
    bill = body(resp)
    assert bill["due_date"] == "2026-03-31" and bill["total"] == "113.00"  # with the order's 13% VAT
    pay = b.api.post(
        "finance/payments",
        {
            "supplier_id": str(periodic),
            "amount": "60.00",
            "payment_date": "2026-03-20",
            "allocations": [{"bill_id": bill["id"], "amount": "60.00"}],
        },
    )
    assert pay.status_code == 201, body(pay)
    assert body(b.api.get(f"finance/bills/{bill['id']}"))["status"] == "partially_paid"
    (v,) = vouchers(tenant, "supplier_payment", body(pay)["id"])
    assert totals_by_root(v) == {"2202": Decimal("60.00"), "1002": Decimal("-60.00")}
    over = b.api.post(
        "finance/payments",
        {"supplier_id": str(periodic), "amount": "60.00", "allocations": [{"bill_id": bill["id"], "amount": "60.00"}]},
    )
    assert over.status_code == 422 and "53.00" in body(over)["message"]
    ageing = body(b.api.get("finance/reports/ageing?as_of=2026-05-15"))
    row = next(r for r in ageing if r["supplier_id"] == str(periodic))
    assert row["total"] == "53.00" and row["bands"]["31-60"] == "53.00"  # due 3-31, 45 days late
    early = body(b.api.get("finance/reports/ageing?as_of=2026-03-25"))
    assert next(r for r in early if r["supplier_id"] == str(periodic))["bands"]["current"] == "53.00"
    pre = body(
        b.api.post("finance/payments", {"supplier_id": str(periodic), "amount": "60.00", "payment_date": "2026-04-02"})
    )
    assert pre["kind"] == "prepayment" and pre["unapplied"] == "60.00"
    (pv,) = vouchers(tenant, "supplier_payment", pre["id"])
    assert totals_by_root(pv) == {"1123": Decimal("60.00"), "1002": Decimal("-60.00")}
    applied = b.api.post(
        f"finance/payments/{pre['id']}/apply", {"bill_id": bill["id"], "amount": "53.00", "date": "2026-04-03"}
    )
    assert applied.status_code == 200, body(applied)
    assert body(applied)["unapplied"] == "7.00"
    assert body(b.api.get(f"finance/bills/{bill['id']}"))["status"] == "paid"
    app_v = [x for x in vouchers(tenant, "supplier_payment", pre["id"]) if x["rule"] == "supplier_prepayment.applied"]
    assert totals_by_root(app_v[0]) == {"2202": Decimal("53.00"), "1123": Decimal("-53.00")}
    assert verify(tenant)["ok"] is True


def test_a_forwarders_bill_clears_the_accrued_landed_cost_and_books_the_difference(tenant_a, tenant_b):
    from tests.core.finance.test_landed_cost import _first_leg

    books, dest, tid = _first_leg(tenant_a)
    forwarder = approved_supplier(
        tenant_a, finance={"currency": "CNY", "settlement_mode": "periodic", "settlement_days": 15}
    )
    resp = books.api.post(
        "finance/freight-bills",
        {
            "supplier_id": str(forwarder),
            "supplier_reference": "FWD-9",
            "currency": "CNY",
            "lines": [{"transfer_id": str(tid), "freight": "130.00", "duty": "20.00"}],
        },
    )
    assert resp.status_code == 201, body(resp)
    bill = body(resp)
    assert bill["kind"] == "freight" and bill["total"] == "150.00"
    costs = body(books.api.get(f"finance/landed-costs?transfer_id={tid}"))
    by_source = {c["source"]: c for c in costs}
    assert by_source["bill"]["functional_total"] == "13.00"  # 150 billed against 137 accrued
    (v,) = vouchers(books.tenant, "supplier_bill", bill["id"])
    assert totals_by_root(v) == {"2202": Decimal("0.00")}  # accrual cleared, forwarder owed
    again = books.api.post(
        "finance/freight-bills",
        {
            "supplier_id": str(forwarder),
            "supplier_reference": "FWD-9",
            "currency": "CNY",
            "lines": [{"transfer_id": str(tid), "freight": "1"}],
        },
    )
    assert again.status_code == 409
    assert verify(books.tenant)["ok"] is True
    tb = body(books.api.get(f"finance/reports/trial-balance?period={v['period']}"))
    grni = next(r for r in tb["rows"] if r["code"] == "2202.02")
    assert grni["closing_credit"] == grni["closing_debit"] == "0.00"
    assert timedelta(days=15) == date.fromisoformat(bill["due_date"]) - date.fromisoformat(bill["bill_date"])
