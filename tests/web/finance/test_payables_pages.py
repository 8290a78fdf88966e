"""Payables in the portal: a bill for a received purchase order matched three ways (errors
beside the line that is off), a payment in the supplier's currency at another rate than the
bill with its realised exchange difference, a prepayment, the ageing report, the lists and
their downloads, in English and Chinese."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.core.finance.helpers import vouchers
from tests.core.purchasing.helpers import approved_order, buyer, local_today, receive
from tests.support import body
from tests.web.conftest import visible_text
from tests.web.finance.test_ledger_setup_pages import chinese


def _rate(tenant, on, value):
    resp = tenant.api.post("exchange-rates", {"base": "USD", "quote": "CNY", "date": str(on), "rate": value})
    assert resp.status_code in (200, 201), body(resp)


@pytest.fixture
def received(tenant_a, tenant_b):
    """A CNY tenant that received 10 units at 10.00 USD from a USD supplier (rate 7.10)."""
    tenant = tenant_a
    assert tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    today = local_today()
    _rate(tenant, today, "7.10")
    b = buyer(tenant, prices=("10.00",), currency="USD")
    po = approved_order(b, (10,))
    receipt = receive(b, po, 10)
    return b, po, receipt, today


def test_a_bill_against_a_receipt_is_matched_three_ways_with_errors_beside_the_line(received, portal):
    b, po, receipt, today = received
    client = portal(b.tenant, "finance")
    choose = client.text("/finance/bills/new")
    assert receipt["number"] in choose and po["number"] in choose and "Bill it" in choose
    form_url = f"/finance/bills/new?receipt_id={receipt['id']}"
    form = client.get(form_url).get_data(as_text=True)
    assert 'name="lines.0.quantity" value="10"' in form and 'name="lines.0.unit_price" value="10"' in form
    assert "Tolerance quantity 0%, price 0%" in visible_text(form)  # the tolerances in force

    fields = {"supplier_reference": "INV-77", "bill_date": str(today), "lines.0.tax_rate": "0.13"}
    too_many = client.post(form_url, {**fields, "lines.0.quantity": "11", "lines.0.unit_price": "10.00"})
    html = too_many.get_data(as_text=True)
    assert too_many.status_code == 422
    cell = html.split('name="lines.0.quantity"')[1].split("</td>")[0]
    assert f"11 billed in all, but receipt {receipt['number']} received 10" in cell  # beside the quantity
    dearer = client.post(form_url, {**fields, "lines.0.quantity": "10", "lines.0.unit_price": "10.60"})
    cell = dearer.get_data(as_text=True).split('name="lines.0.unit_price"')[1].split("</td>")[0]
    assert dearer.status_code == 422 and "differs from the order price 10" in cell
    assert 'value="10.60"' in dearer.get_data(as_text=True)  # what was typed is kept

    assert b.api.patch("finance/settings", {"bill_price_tolerance": "5"}).status_code == 200
    ok = client.post(form_url, {**fields, "lines.0.quantity": "10", "lines.0.unit_price": "10.20"})
    assert ok.status_code == 302, visible_text(ok.get_data(as_text=True))[:500]
    detail = client.text(ok.headers["Location"])
    assert "INV-77" in detail and "Within tolerance" in detail and "2.00%" in detail
    assert "1 USD = 7.1 CNY" in detail and "$115.26" in detail  # 102.00 + 13% VAT
    bill_id = ok.headers["Location"].rstrip("/").split("/")[-1]
    (v,) = vouchers(b.tenant, "supplier_bill", bill_id)
    assert v["number"] in detail

    zh = chinese(portal(b.tenant, "finance")).text(f"/finance/bills/{bill_id}")
    assert "三单匹配" in zh and "在容差内" in zh and "供应商发票号" in zh

    listing = client.text("/finance/bills?status=open")
    assert "INV-77" in listing
    csv = client.get("/finance/bills/export?format=csv").get_data().decode("utf-8-sig")
    assert "INV-77" in csv and ",115.26," in csv
    xlsx = client.get("/finance/bills/export?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet.cell(2, 4).value == "INV-77" and Decimal(str(sheet.cell(2, 11).value)) == Decimal("115.26")
    assert client.get("/finance/bills/new?receipt_id=00000000-0000-0000-0000-000000000001").status_code == 404


def test_paying_a_usd_bill_at_another_rate_shows_the_realised_difference_and_prepayments(received, portal):
    b, po, receipt, today = received
    line = receipt["lines"][0]
    bill = body(
        b.api.post(
            "finance/bills",
            {
                "supplier_reference": "INV-88",
                "bill_date": str(today),
                "lines": [{"receipt_id": receipt["id"], "receipt_line_id": line["id"], "quantity": 10}],
            },
        )
    )
    assert bill["total"] == "113.00", bill
    client = portal(b.tenant, "finance")

    later = today + timedelta(days=40)
    ageing = client.text(f"/finance/ageing?as_of={later}")
    assert re.search(r"USD .*113\.00", ageing) and "31–60 days" in ageing
    csv = client.get(f"/finance/ageing/export?as_of={later}&format=csv").get_data().decode("utf-8-sig")
    assert "113.00" in csv.splitlines()[1]

    pay_day = today + timedelta(days=1)
    _rate(b.tenant, pay_day, "7.25")
    form_url = f"/finance/payments/new?supplier_id={b.supplier_id}&bill_id={bill['id']}"
    form = client.get(form_url).get_data(as_text=True)
    assert 'name="allocations.0.amount" value="113.00"' in form and "1002.02" in form  # the USD bank account
    over = client.post(form_url, {"amount": "100.00", "payment_date": str(pay_day), "allocations.0.amount": "113.00"})
    assert over.status_code == 422 and "more than the payment of 100.00" in over.get_data(as_text=True)
    paid = client.post(form_url, {"amount": "113.00", "payment_date": str(pay_day), "allocations.0.amount": "113.00"})
    assert paid.status_code == 302, visible_text(paid.get_data(as_text=True))[:500]
    detail = client.text(paid.headers["Location"])
    # 113.00 USD carried at 7.10 (802.30 CNY), paid at 7.25 (819.25 CNY): 16.95 CNY lost.
    assert "loss of 16.95 CNY" in detail and "16.95 CNY" in detail.split("Bills settled")[1]
    payment_id = paid.headers["Location"].rstrip("/").split("/")[-1]
    (v,) = vouchers(b.tenant, "supplier_payment", payment_id)
    fx = [ln for ln in v["lines"] if ln["account_code"] == "6603.01"]
    assert [(ln["debit"], ln["kind"]) for ln in fx] == [("16.95", "fx")]
    assert body(b.api.get(f"finance/bills/{bill['id']}"))["status"] == "paid"
    zh = chinese(portal(b.tenant, "finance")).text(f"/finance/payments/{payment_id}")
    assert "已实现汇兑损益" in zh and "损失 16.95 CNY" in zh

    pre = client.post(
        f"/finance/payments/new?supplier_id={b.supplier_id}", {"amount": "50.00", "payment_date": str(pay_day)}
    )
    assert pre.status_code == 302
    pre_page = client.text(pre.headers["Location"])
    assert "Prepayment" in pre_page and "$50.00" in pre_page and "No open bills of this supplier" in pre_page
    listing = client.text("/finance/payments")
    assert "Prepayment" in listing and "$113.00" in listing
    assert "50.00" in client.get("/finance/payments/export?format=csv").get_data().decode("utf-8-sig")
