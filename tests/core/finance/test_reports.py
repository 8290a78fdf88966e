"""Reports in the functional currency: trial balance, general ledger, balance sheet, profit
and loss, profit per order, SKU, shop and month (fees estimated until settlements), exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.orders import service as orders
from tests.core.finance.helpers import shipped, shop, sku_line, vouchers
from tests.support import body


@pytest.fixture
def month(tenant_a, tenant_b):
    books = shop(tenant_a)
    assert books.api.patch("finance/settings", {"fee_estimates": {"dummy": "10"}}).status_code == 200
    first = shipped(books, sku_line(books, books.tee, 2, "30.00"), sku_line(books, books.cap, 1, "10.00"))
    second = shipped(books, sku_line(books, books.tee, 1, "30.00"))
    with books.tenant.scope():
        orders.refund(second.id, method="platform", reason="late", amount="6.00")
    period = vouchers(books.tenant, "sales_order", first.id)[0]["period"]
    return books, first, second, period


def test_profit_per_order_estimates_fees_and_marks_them(month):
    books, first, second, period = month
    rows = {r["label"]: r for r in body(books.api.get(f"finance/reports/profit?group=order&period_from={period}"))}
    a, b = rows[first.number], rows[second.number]
    # 70 revenue, COGS 2 x 12 + 5 = 29, fees estimated at 10 % of 70.
    assert (a["revenue"], a["refunds"], a["cogs"], a["fees"], a["fees_estimated"]) == (
        "70.00",
        "0.00",
        "29.00",
        "7.00",
        True,
    )
    assert a["profit"] == "34.00" and a["margin_percent"] == "48.6"
    # 30 revenue, 6 refunded, COGS 12, fees 10 % of 24.
    assert (b["revenue"], b["refunds"], b["fees"], b["profit"]) == ("30.00", "6.00", "2.40", "9.60")


def test_profit_per_sku_shop_and_month_add_up_to_the_same(month):
    books, first, second, period = month
    by = {
        g: body(books.api.get(f"finance/reports/profit?group={g}&period_from={period}"))
        for g in ("order", "sku", "shop", "month")
    }
    totals = {g: sum(Decimal(r["profit"]) for r in rows) for g, rows in by.items()}
    assert len(set(totals.values())) == 1 and totals["order"] == Decimal("43.60")
    skus = {r["label"]: r for r in by["sku"]}
    assert len(skus) == 2 and all(r["fees_estimated"] for r in skus.values())
    assert by["shop"][0]["label"] == "Amazon US"
    assert by["month"][0]["key"] == period
    assert books.api.get(f"finance/reports/profit?group=planet&period_from={period}").status_code == 422


def test_statements_balance_and_the_ledger_runs(month):
    books, first, second, period = month
    pnl = body(books.api.get(f"finance/reports/profit-and-loss?period={period}"))
    # Revenue 100 less the refund of 6; COGS 41.
    assert pnl["total_income"] == "94.00" and pnl["total_expenses"] == "41.00" and pnl["profit"] == "53.00"
    bs = body(books.api.get(f"finance/reports/balance-sheet?period={period}"))
    assert bs["balanced"] is True and bs["current_earnings"] == "53.00"
    acc = next(a for a in body(books.api.get("finance/accounts?q=1405&page_size=50")) if a["code"] == "1405")
    gl = body(books.api.get(f"finance/reports/general-ledger?account_id={acc['id']}&period={period}"))
    assert gl["opening"] == "0.00" and gl["debit"] == "340.00" and gl["credit"] == "41.00" and gl["closing"] == "299.00"
    assert gl["lines"][-1]["balance"] == "299.00"
    trend = body(books.api.get(f"finance/reports/stock-value?period_from={period}&period_to={period}"))
    assert trend == [{"period": period, "value": "299.00"}]


def test_reports_export_as_csv_and_xlsx(month):
    books, first, second, period = month
    resp = books.api.get(f"finance/reports/trial-balance?period={period}&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0][:2] == ["code", "name"] and any(r[1] == "库存商品" for r in rows)
    x = books.api.get(f"finance/reports/profit?group=order&period_from={period}&format=xlsx")
    assert x.status_code == 200 and "spreadsheetml" in x.mimetype
    sheet = load_workbook(io.BytesIO(x.get_data())).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["key", "label", "revenue"]
    assert isinstance(sheet.cell(row=2, column=3).value, (int, float))  # numbers, not text
    assert books.api.get(f"finance/reports/balance-sheet?period={period}&format=pdf").status_code == 422
