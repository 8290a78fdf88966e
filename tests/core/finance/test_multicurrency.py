"""Multi-currency proven end to end for a CNY tenant (reference finance.md §2): orders shipped
in USD and EUR keep their currency, amount and the rate of the day on every line; a USD bill
paid at another rate books the realised difference to 财务费用—汇兑损益; the period end revalues
the foreign receivable and reverses it on the next period's first day; a voucher waiting for a
rate names the pair and the day and posts when the rate arrives."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.core.finance.helpers import shipped, shop, sku_line, verify, vouchers
from tests.core.purchasing.helpers import approved_order, buyer, local_today, receive
from tests.support import body

FX = "6603.01"  # 财务费用—汇兑损益


def _rate(tenant, base, on, value, quote="CNY"):
    resp = tenant.api.post("exchange-rates", {"base": base, "quote": quote, "date": str(on), "rate": value})
    assert resp.status_code in (200, 201), body(resp)


def _line(voucher, code_prefix, currency=None):
    found = [
        ln
        for ln in voucher["lines"]
        if ln["account_code"].startswith(code_prefix) and (currency is None or ln["currency"] == currency)
    ]
    assert len(found) == 1, (code_prefix, voucher["lines"])
    return found[0]


def _net(voucher, code):
    return sum(
        (Decimal(ln["debit"]) - Decimal(ln["credit"]) for ln in voucher["lines"] if ln["account_code"] == code),
        Decimal(0),
    )


def _balanced(voucher):
    debit = sum((Decimal(ln["debit"]) for ln in voucher["lines"]), Decimal(0))
    credit = sum((Decimal(ln["credit"]) for ln in voucher["lines"]), Decimal(0))
    assert debit == credit, voucher


@pytest.fixture
def books(tenant_a, tenant_b):
    return shop(tenant_a)


def test_orders_in_usd_and_eur_keep_currency_amount_and_the_days_rate_on_every_line(books):
    today = local_today()
    _rate(books.tenant, "USD", today, "7.1234")
    _rate(books.tenant, "EUR", today, "7.8001")
    usd = shipped(books, sku_line(books, books.tee, 2, "19.99"), currency="USD")
    eur = shipped(books, sku_line(books, books.cap, 1, "15.55"), currency="EUR")
    (vu,) = vouchers(books.tenant, "sales_order", usd.id)
    (ve,) = vouchers(books.tenant, "sales_order", eur.id)
    for v, cur, amount, rate in ((vu, "USD", "39.98", "7.1234"), (ve, "EUR", "15.55", "7.8001")):
        assert v["status"] == "posted"
        _balanced(v)
        receivable = _line(v, "1122.", cur)
        assert receivable["amount"] == amount and Decimal(receivable["rate"]) == Decimal(rate)
        assert receivable["rate_date"] == str(today)
        value = (Decimal(amount) * Decimal(rate)).quantize(Decimal("0.01"))
        assert Decimal(receivable["debit"]) == value  # 39.98 x 7.1234 = 284.79, 15.55 x 7.8001 = 121.29
        revenue = [ln for ln in v["lines"] if ln["account_code"].startswith("6001") and ln["currency"] == cur]
        assert revenue and all(Decimal(ln["rate"]) == Decimal(rate) for ln in revenue)
        # Cost leaves stock in the functional currency, at the moving average.
        assert _line(v, "6401")["currency"] == "CNY"
    assert verify(books.tenant)["ok"] is True


@pytest.fixture
def usd_bill(tenant_a, tenant_b):
    """A CNY tenant owing a USD supplier 113.00 USD billed at 7.10."""
    tenant = tenant_a
    assert tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    today = local_today()
    _rate(tenant, "USD", today, "7.10")
    b = buyer(tenant, prices=("10.00",), currency="USD")
    po = approved_order(b, (10,))
    receipt = receive(b, po, 10)
    resp = b.api.post(
        "finance/bills",
        {
            "supplier_reference": "US-1",
            "bill_date": str(today),
            "lines": [{"receipt_id": receipt["id"], "receipt_line_id": receipt["lines"][0]["id"], "quantity": 10}],
        },
    )
    assert resp.status_code == 201, body(resp)
    return b, body(resp), today


@pytest.mark.parametrize(
    ("pay_rate", "fx"),
    [("7.25", Decimal("16.95")), ("6.98", Decimal("-13.56"))],  # a loss, then a gain (red, on the debit side)
)
def test_a_usd_bill_paid_at_another_rate_books_the_realised_difference_to_fx(usd_bill, pay_rate, fx):
    b, bill, today = usd_bill
    pay_day = today + timedelta(days=3)
    _rate(b.tenant, "USD", pay_day, pay_rate)
    resp = b.api.post(
        "finance/payments",
        {
            "supplier_id": str(b.supplier_id),
            "amount": "113.00",
            "payment_date": str(pay_day),
            "allocations": [{"bill_id": bill["id"], "amount": "113.00"}],
        },
    )
    assert resp.status_code == 201, body(resp)
    payment = body(resp)
    (v,) = vouchers(b.tenant, "supplier_payment", payment["id"])
    _balanced(v)
    payable = _line(v, "2202.01")
    assert (payable["currency"], payable["amount"], Decimal(payable["rate"])) == ("USD", "113.00", Decimal("7.10"))
    assert payable["debit"] == "802.30"  # carried at the bill's rate
    bank = _line(v, "1002.02")
    assert (bank["currency"], Decimal(bank["rate"]), bank["rate_date"]) == ("USD", Decimal(pay_rate), str(pay_day))
    assert Decimal(bank["credit"]) == (Decimal("113.00") * Decimal(pay_rate)).quantize(Decimal("0.01"))
    (diff,) = [ln for ln in v["lines"] if ln["account_code"] == FX]
    assert diff["kind"] == "fx" and _net(v, FX) == fx and diff["account_name"] == "财务费用—汇兑损益"
    assert verify(b.tenant)["ok"] is True


def test_period_end_revalues_the_foreign_receivable_and_reverses_it_next_period(books):
    today = local_today()
    _rate(books.tenant, "USD", today, "7.10")
    order = shipped(books, sku_line(books, books.tee, 1, "100.00"), currency="USD")
    (sale,) = vouchers(books.tenant, "sales_order", order.id)
    period = sale["period"]
    year, month = map(int, period.split("-"))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    periods = body(books.api.get("finance/periods"))
    pid = next(p["id"] for p in periods if p["key"] == period)

    _rate(books.tenant, "USD", last, "7.20")  # the closing rate of the period's last day
    resp = books.api.post(f"finance/periods/{pid}/revalue")
    assert resp.status_code == 202, body(resp)
    assert body(books.api.get(f"jobs/{body(resp)['job_id']}"))["status"] == "succeeded"
    reval = [v for v in body(books.api.get("finance/vouchers?page_size=100")) if v["kind"] == "revaluation"]
    assert len(reval) == 1, reval
    (rv,) = reval
    _balanced(rv)
    assert rv["date"] == str(last) and rv["period"] == period
    receivable = _line(rv, "1122.")
    assert receivable["currency"] == "USD" and Decimal(receivable["rate"]) == Decimal("7.20")
    # 100.00 USD carried at 7.10 = 710.00, closing 7.20 = 720.00: +10.00 to the receivable,
    # a gain: red on the debit side of 汇兑损益.
    assert _net(rv, receivable["account_code"]) == Decimal("10.00") and _net(rv, FX) == Decimal("-10.00")
    back = [v for v in body(books.api.get("finance/vouchers?page_size=100")) if v["kind"] == "reversal"]
    (rev,) = [v for v in back if v["reverses_id"] == rv["id"]]
    assert rev["date"] == str(last + timedelta(days=1)) and rev["period"] != period
    assert _net(rev, receivable["account_code"]) == Decimal("-10.00") and _net(rev, FX) == Decimal("10.00")
    inventory_lines = [ln for ln in rv["lines"] if ln["account_code"].startswith("1405")]
    assert inventory_lines == []  # stock is never revalued
    tb = body(books.api.get(f"finance/reports/trial-balance?period={period}"))
    row = next(r for r in tb["rows"] if r["code"] == receivable["account_code"])
    assert row["closing_debit"] == "720.00"
    assert verify(books.tenant)["ok"] is True


def test_a_voucher_waits_naming_pair_and_day_and_posts_when_the_rate_arrives(books):
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"), currency="EUR")
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    assert v["status"] == "waiting_rate" and v["number"] is None and v["lines"] == []
    (missing,) = v["waiting_for"]
    assert (missing["from"], missing["to"]) == ("EUR", "CNY") and missing["on"] == v["document_date"]
    # Another currency's rate does not release it; its own does, at that rate, never 1.0.
    _rate(books.tenant, "USD", date.fromisoformat(v["document_date"]), "7.10")
    assert vouchers(books.tenant, "sales_order", order.id)[0]["status"] == "waiting_rate"
    _rate(books.tenant, "EUR", date.fromisoformat(v["document_date"]), "7.7777")
    (posted,) = vouchers(books.tenant, "sales_order", order.id)
    assert posted["status"] == "posted" and posted["number"] and posted["waiting_for"] in (None, [])
    receivable = _line(posted, "1122.", "EUR")
    assert Decimal(receivable["rate"]) == Decimal("7.7777") and receivable["debit"] == "155.55"
    _balanced(posted)
    assert verify(books.tenant)["ok"] is True


def test_revaluation_needs_the_closing_rate_of_the_period_end_not_a_weeks_older_one(books):
    from core.errors import ValidationError
    from core.finance.service import periods, revaluation

    today = local_today()
    _rate(books.tenant, "USD", today, "7.10")
    shipped(books, sku_line(books, books.tee, 1, "100.00"), currency="USD")
    # The month after: its last day is four weeks or more after the only USD rate there is.
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    key = f"{first.year:04d}-{first.month:02d}"
    with books.tenant.scope():
        periods.period_by_key(key, create=True)
        last = periods.period_by_key(key).end_date
        with pytest.raises(ValidationError) as refused:
            revaluation.revalue(key)
        (message,) = refused.value.errors["rates"]
        assert message == f"no closing rate USD/CNY on {last.isoformat()} or in the 7 days before"
    # A rate a few days before the end (a holiday) is the closing rate.
    _rate(books.tenant, "USD", last - timedelta(days=3), "7.30")
    with books.tenant.scope():
        done = revaluation.revalue(key)
    assert done["voucher"] and done["lines"] == 1
