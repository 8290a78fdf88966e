"""Transaction Search rows -> payouts (reference finance.md §3.3): each T-code group's part in
a day's payout of one currency balance, the orders named by invoice_id and custom_field, and
the deposit a conversion or a withdrawal makes of the day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.testing import VirtualClock
from plugins.payments.paypal import mapping
from plugins.payments.paypal.emulator import PayPalEmulator

DAY = date(2026, 11, 20)
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def pp():
    return PayPalEmulator(seed=5, clock=VirtualClock(AT + timedelta(days=3)))


def rows(emulator):
    return [{"transaction_info": r} for r in emulator.rows]


def payouts(emulator, prefix="WC-"):
    return mapping.payouts(rows(emulator), account="ACC", invoice_prefix=prefix)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("T0006", "charge"),
        ("T0001", "charge"),
        ("T1107", "refund"),
        ("T1106", "refund"),
        ("T1105", "reserve"),
        ("T0106", "fee"),
        ("T1201", "dispute"),
        ("T1503", "reserve"),
        ("T2101", "reserve"),
        ("T0200", mapping.CONVERSION),
        ("T0300", mapping.BANK),
        ("T0400", mapping.BANK),
        ("T1300", mapping.NO_MONEY),
        ("T0700", "T0700"),
    ],
)
def test_each_t_code_group_has_its_part(code, kind):
    assert mapping.kind_of(code) == kind


def test_payments_and_refunds_are_sales_with_their_fees_naming_the_order_twice(pp):
    paid = pp.pay("100.00", "USD", invoice_id="WC-1042", custom_field="1042", at=AT)
    pp.refund(paid, "40.00", at=AT + timedelta(hours=2))
    (p,) = payouts(pp)
    charge, refund = p.transactions
    assert (charge.type, charge.code, charge.amount, charge.fee, charge.net) == (
        "charge",
        "T0006",
        Decimal("100.00"),
        Decimal("3.98"),
        Decimal("96.02"),
    )
    assert (charge.order_number, charge.source_order_id) == ("1042", "1042")
    assert (refund.type, refund.code, refund.amount, refund.fee, refund.net) == (
        "refund",
        "T1107",
        Decimal("-40.00"),
        Decimal("0"),
        Decimal("-40.00"),
    )
    assert refund.order_number == "1042"
    assert p.net == Decimal("56.02") and p.status == "in_balance" and p.paid_on == DAY
    assert p.payout_id == "ACC-USD-20261120" and p.deposit_currency == "" and p.deposit_amount is None


def test_custom_field_in_paypal_standards_json_and_an_invoice_without_the_prefix():
    assert mapping.order_id('{"order_id": 77, "order_key": "wc_order_x"}') == "77"
    assert mapping.order_id("{broken") == ""
    assert mapping.order_number("INV-5", "WC-") == "INV-5"
    assert mapping.order_number("WC-5", "WC-") == "5"


def test_fees_holds_reserves_and_chargebacks_are_lines_of_the_day(pp):
    pp.pay("50.00", "USD", invoice_id="WC-1", custom_field="1", at=AT)
    pp.fee("20.00", "USD", at=AT + timedelta(minutes=5))
    pp.hold("10.00", "USD", at=AT + timedelta(minutes=6))
    pp.hold("-10.00", "USD", code="T1105", at=AT + timedelta(minutes=7))
    pp.hold("5.00", "USD", code="T2101", at=AT + timedelta(minutes=8))
    pp.hold("25.00", "USD", code="T1201", at=AT + timedelta(minutes=9), invoice_id="WC-1", custom_field="1")
    (p,) = payouts(pp)
    assert [(t.code, t.type, t.net) for t in p.transactions] == [
        ("T0006", "charge", Decimal("47.76")),
        ("T0106", "fee", Decimal("-20.00")),
        ("T1503", "reserve", Decimal("-10.00")),
        ("T1105", "reserve", Decimal("10.00")),
        ("T2101", "reserve", Decimal("-5.00")),
        ("T1201", "dispute", Decimal("-25.00")),
    ]
    assert p.net == sum(t.net for t in p.transactions)


def test_a_conversion_of_the_whole_day_is_the_deposit_at_its_implied_rate(pp):
    pp.pay("100.00", "USD", invoice_id="WC-1", custom_field="1", at=AT)
    pp.pay("200.00", "USD", invoice_id="WC-2", custom_field="2", at=AT)
    arrived = pp.sweep(DAY, "USD", to="CNY", rate="7.0123")
    (p,) = payouts(pp)  # the CNY balance's day (conversion in, withdrawal out) is no payout
    assert p.currency == "USD" and p.status == "paid"
    assert [t.code for t in p.transactions] == ["T0006", "T0006"]
    assert p.deposit_currency == "CNY" and p.deposit_amount == arrived
    assert arrived == (p.net * Decimal("7.0123")).quantize(Decimal("0.01"))


def test_a_withdrawal_of_the_whole_day_pays_it_out_in_its_currency(pp):
    pp.pay("80.00", "EUR", invoice_id="WC-3", custom_field="3", at=AT)
    pp.sweep(DAY, "EUR")
    (p,) = payouts(pp)
    assert p.status == "paid" and p.deposit_currency == "" and p.net == Decimal("76.72")


def test_a_part_withdrawn_leaves_the_day_in_the_balance(pp):
    pp.pay("80.00", "USD", invoice_id="WC-3", custom_field="3", at=AT)
    pp.withdraw("10.00", "USD", at=AT + timedelta(hours=1))
    pp.convert("5.00", "USD", "CNY", "7", at=AT + timedelta(hours=2))
    (p,) = payouts(pp)
    assert p.status == "in_balance" and p.deposit_currency == "" and p.deposit_amount is None


def test_days_and_balances_are_payouts_of_their_own_rows_seen_twice_count_once(pp):
    pp.pay("10.00", "USD", invoice_id="WC-1", custom_field="1", at=AT)
    pp.pay("10.00", "EUR", invoice_id="WC-2", custom_field="2", at=AT)
    pp.pay("10.00", "USD", invoice_id="WC-3", custom_field="3", at=AT + timedelta(days=1))
    pp._add("T0006", Decimal("9"), "USD", at=AT, status="P")  # pending: no money moved yet
    pp._add("T1300", Decimal("9"), "USD", at=AT)  # an authorisation
    got = mapping.payouts(rows(pp) + rows(pp), account="ACC")
    assert [(p.paid_on, p.currency, len(p.transactions)) for p in got] == [
        (DAY, "EUR", 1),
        (DAY, "USD", 1),
        (DAY + timedelta(days=1), "USD", 1),
    ]


def test_an_unknown_group_is_kept_under_its_code(pp):
    pp._add("T0700", Decimal("-3.00"), "USD", at=AT)
    (p,) = payouts(pp)
    assert [(t.type, t.code, t.net) for t in p.transactions] == [("T0700", "T0700", Decimal("-3.00"))]
