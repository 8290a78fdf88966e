"""Uploading Amazon settlement reports through the API: stored with every line, categories
and raw amounts; the same settlement twice creates nothing; a bad file is refused with its
problems by line and nothing of it is stored; unknown descriptions are kept and flagged;
another tenant sees none of it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.finance.settlements import lines as settlement_lines
from core.testing import settlements as v2
from tests.core.finance.settlements_helpers import report, upload
from tests.core.orders.helpers import connection
from tests.support import body


@pytest.fixture
def amazon_shop(tenant_a, tenant_b):
    assert tenant_a.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    return connection(tenant_a, "Amazon US")


def _rows():
    return [
        *v2.order_rows(
            "111-0000001-0000001", sku="TEE", principal="20.00", shipping="4.99", commission="-3.75", fba_fee="-3.22"
        ),
        *v2.refund_rows(
            "111-0000002-0000002",
            "amzn1:adj:1",
            sku="CAP",
            principal="-8.00",
            commission_back="1.20",
            refund_commission="-0.24",
        ),
        v2.other_row("Storage Fee", "-12.40"),
        v2.other_row("Current Reserve Amount", "-30.00"),
        v2.other_row(
            "TransactionTotalAmount", "-15.00", amount_type="Cost of Advertising", transaction_type="ServiceFee"
        ),
        v2.other_row(
            "WAREHOUSE_LOST",
            "9.10",
            amount_type="FBA Inventory Reimbursement",
            transaction_type="Adjustment",
            sku="TEE",
        ),
        v2.other_row(
            "Interplanetary Shipping Surcharge",
            "-2.00",
            amount_type="ItemFees",
            transaction_type="Order",
            **{"order-id": "111-0000001-0000001"},
        ),
    ]


def test_an_amazon_settlement_is_stored_with_its_lines_and_deduplicated(amazon_shop, tenant_a, tenant_b):
    sid, text = report(_rows())
    resp = upload(tenant_a, text, amazon_shop)
    assert resp.status_code == 201, body(resp)
    s = body(resp)
    assert s["external_id"] == sid and s["source"] == "amazon" and s["created"] is True
    assert s["currency"] == "USD" and s["line_count"] == 12 and s["unknown_count"] == 1
    assert Decimal(s["total"]) == Decimal("-39.32")  # the sum of the detail rows
    cats = {c["category"]: Decimal(c["amount"]) for c in s["categories"]}
    assert cats["principal"] == Decimal("12.00") and cats["commission"] == Decimal("-2.55")
    assert cats["reserve"] == Decimal("-30.00") and cats["unknown"] == Decimal("-2.00")
    # The upload names its matching job, whose progress the jobs API shows.
    job = body(tenant_a.api.get(f"jobs/{s['match_job_id']}"))
    assert job["kind"] == "finance.match_settlement" and job["status"] == "succeeded"

    lines = body(tenant_a.api.get(f"finance/settlements/{s['id']}/lines?page_size=100"))
    assert [ln["line_no"] for ln in lines] == list(range(3, 15))
    unknown = body(tenant_a.api.get(f"finance/settlements/{s['id']}/lines?known=false"))
    assert [(u["amount_description"], u["category"], u["amount"]) for u in unknown] == [
        ("Interplanetary Shipping Surcharge", "unknown", "-2.0000")
    ]

    again = upload(tenant_a, text, amazon_shop)
    assert again.status_code == 200 and body(again)["created"] is False and body(again)["id"] == s["id"]
    assert len(body(tenant_a.api.get("finance/settlements"))) == 1
    assert len(body(tenant_a.api.get(f"finance/settlements/{s['id']}/lines?page_size=100"))) == 12

    # Another tenant sees nothing of it.
    assert tenant_b.api.get(f"finance/settlements/{s['id']}").status_code == 404
    assert tenant_b.api.get(f"finance/settlements/{s['id']}/lines").status_code == 404
    assert body(tenant_b.api.get("finance/settlements")) == []


def test_an_eu_report_reads_decimal_commas(amazon_shop, tenant_a):
    rows = v2.order_rows(
        "302-1234567-1234567", sku="TEE", principal="1234.56", commission="-185.18", marketplace="Amazon.de"
    )
    _, text = report(rows, locale="eu", currency="EUR")
    resp = upload(tenant_a, text, amazon_shop)
    assert resp.status_code == 201, body(resp)
    s = body(resp)
    assert s["locale"] == "eu" and Decimal(s["total"]) == Decimal("1049.38") and s["currency"] == "EUR"
    lines = body(tenant_a.api.get(f"finance/settlements/{s['id']}/lines"))
    assert [(ln["raw_amount"], ln["amount"]) for ln in lines] == [("1234,56", "1234.5600"), ("-185,18", "-185.1800")]


def test_a_bad_file_is_refused_by_line_and_nothing_is_imported(amazon_shop, tenant_a):
    rows = _rows()
    _, text = report(rows)
    lines = text.splitlines(keepends=True)
    lines[4] = lines[4].replace("\t-3.75\t", "\tabc\t")  # the commission of line 5
    lines[7] = lines[7].replace("\tRefund\t", "\t\t").replace("\tItemFees\t", "\t\t").replace("\tCommission\t", "\t\t")
    resp = upload(tenant_a, "".join(lines), amazon_shop)
    assert resp.status_code == 422, body(resp)
    problems = body(resp)["errors"]["file"]
    assert problems[0] == "line 5: amount: 'abc' is not an amount in the US number format"
    assert problems[1].startswith("line 8: transaction-type:")
    assert "nothing was imported" in body(resp)["message"]
    assert body(resp)["message_code"] == "finance.file_problems"
    first = body(resp)["error_codes"]["file"][0]
    assert first["code"] == "finance.file_line_column" and first["params"]["line"] == 5
    assert first["params"]["problem"] == {
        "code": "finance.not_an_amount_in_format",
        "params": {"value": "'abc'", "number_format": "US"},
    }
    assert body(tenant_a.api.get("finance/settlements")) == []
    # The fixed file then imports.
    assert upload(tenant_a, text, amazon_shop).status_code == 201


def test_a_report_written_in_chunks_keeps_every_line_and_a_late_problem_stores_nothing(
    amazon_shop, tenant_a, monkeypatch
):
    # Chunks of two lines: each chunk's INSERT is in flight while the next is read.
    monkeypatch.setattr(settlement_lines, "CHUNK", 2)
    rows = _rows()
    _, text = report(rows)
    bad = text.splitlines(keepends=True)
    bad[-1] = bad[-1].replace("\t-2.00\t", "\t-2,00\t")  # the last line, after five chunks were written
    resp = upload(tenant_a, "".join(bad), amazon_shop)
    assert resp.status_code == 422, body(resp)
    assert body(resp)["errors"]["file"][0].startswith("line 14: amount:")
    assert body(tenant_a.api.get("finance/settlements")) == []

    resp = upload(tenant_a, text, amazon_shop)
    assert resp.status_code == 201, body(resp)
    s = body(resp)
    lines = body(tenant_a.api.get(f"finance/settlements/{s['id']}/lines?page_size=100"))
    assert [ln["line_no"] for ln in lines] == list(range(3, 15))
    assert [ln["amount"] for ln in lines] == [f"{Decimal(r['amount']):.4f}" for r in rows]


def test_bad_form_fields_are_named(amazon_shop, tenant_a):
    _, text = report(_rows())
    resp = upload(tenant_a, text, amazon_shop, locale="mars", deposit_currency="XYZ", deposit_amount="-1")
    assert resp.status_code == 422
    errors = body(resp)["errors"]
    assert set(errors) >= {"locale", "deposit_currency", "deposit_amount"}
    resp = upload(tenant_a, text, "0190f0c4-0000-7000-8000-000000000000")
    assert resp.status_code == 422 and "connection_id" in body(resp)["errors"]
    resp = upload(tenant_a, "just some text\n", amazon_shop)
    assert resp.status_code == 422 and "tab-delimited" in body(resp)["errors"]["file"][0]
    assert body(tenant_a.api.get("finance/settlements")) == []
