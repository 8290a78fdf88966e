"""The voucher arithmetic as pure functions: conversion, rounding lines, reversals."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.finance.ledger import (
    CREDIT,
    DEBIT,
    Draft,
    Entry,
    Unbalanced,
    balance,
    convert,
    difference,
    rates_needed,
    reversed_lines,
    totals,
)

DAY = date(2026, 3, 10)
AR, REV, FEE, ROUNDING, FX = (uuid.uuid4() for _ in range(5))


def draft(*entries: Entry) -> Draft:
    return Draft("event", DAY, "test", "doc", "1", f"k{uuid.uuid4()}", tuple(entries))


def test_worked_example_of_the_reference_converts_and_balances():
    """finance.md §1.5: a USD sale at 7.10 books 710.00 CNY on both sides."""
    d = draft(
        Entry(DEBIT, Decimal("100.00"), "USD", account_id=AR),
        Entry(CREDIT, Decimal("100.00"), "USD", account_id=REV),
    )
    lines, missing = convert(d, "CNY", {("USD", DAY): Decimal("7.1")})
    assert not missing
    assert [(ln.side, ln.value, ln.rate) for ln in lines] == [
        (DEBIT, Decimal("710.00"), Decimal("7.1")),
        (CREDIT, Decimal("710.00"), Decimal("7.1")),
    ]
    assert balance(lines, "CNY", DAY, rounding_account=ROUNDING) == lines


def test_a_missing_rate_is_reported_with_pair_and_date_never_guessed():
    d = draft(Entry(DEBIT, Decimal("1"), "EUR", account_id=AR), Entry(CREDIT, Decimal("7"), "CNY", account_id=REV))
    assert rates_needed(d, "CNY") == {("EUR", DAY)}
    lines, missing = convert(d, "CNY", {})
    assert [str(m) for m in missing] == ["EUR/CNY on 2026-03-10"]
    assert [ln.currency for ln in lines] == ["CNY"]


def test_rounding_differences_get_an_explicit_line():
    # 3 x 0.33 USD at 7.13 is 3 x 2.35 = 7.05 CNY, but 0.99 USD is 7.06 CNY.
    rate = {("USD", DAY): Decimal("7.13")}
    d = draft(
        *(Entry(DEBIT, Decimal("0.33"), "USD", account_id=FEE) for _ in range(3)),
        Entry(CREDIT, Decimal("0.99"), "USD", account_id=AR),
    )
    lines, _ = convert(d, "CNY", rate)
    assert difference(lines) == Decimal("-0.01")
    out = balance(lines, "CNY", DAY, rounding_account=ROUNDING)
    assert out[-1].kind == "rounding" and out[-1].account_id == ROUNDING
    assert out[-1].side == DEBIT and out[-1].value == Decimal("0.01")
    assert difference(out) == 0


def test_a_real_difference_is_refused_unless_an_fx_difference_is_expected():
    d = draft(
        Entry(DEBIT, Decimal("100"), "USD", account_id=AR, value=Decimal("710.00")),
        Entry(CREDIT, Decimal("100"), "USD", account_id=REV),
    )
    lines, _ = convert(d, "CNY", {("USD", DAY): Decimal("7.2")})
    with pytest.raises(Unbalanced, match="credits exceed debits by 10.00 CNY"):
        balance(lines, "CNY", DAY, rounding_account=ROUNDING)
    out = balance(lines, "CNY", DAY, rounding_account=ROUNDING, difference_account=FX)
    assert (out[-1].kind, out[-1].account_id, out[-1].value) == ("fx", FX, Decimal("10.00"))


def test_red_letter_reversal_nets_turnover_to_zero_and_swap_inflates_it():
    d = draft(Entry(DEBIT, Decimal("5"), "CNY", account_id=AR), Entry(CREDIT, Decimal("5"), "CNY", account_id=REV))
    lines, _ = convert(d, "CNY", {})
    red = reversed_lines(lines, "red")
    assert totals(lines + red) == (0, 0)
    swap = reversed_lines(lines, "swap")
    assert totals(lines + swap) == (Decimal(10), Decimal(10))
    assert difference(lines + swap) == 0


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("2000"), places=6)


@given(st.lists(st.tuples(amounts, st.sampled_from(["USD", "EUR", "JPY", "CNY"])), min_size=1, max_size=12), rates)
def test_any_voucher_balanced_in_its_currencies_balances_in_the_functional_one(items, rate):
    """Debits equal credits per transaction currency; after per-line rounding the functional
    difference is within the rounding tolerance, and the explicit line closes it exactly."""
    entries = []
    for amount, currency in items:
        if currency == "JPY":
            amount = amount.quantize(Decimal(1)) or Decimal(1)
        entries.append(Entry(DEBIT, amount, currency, account_id=FEE))
    for currency in {c for _, c in items}:
        total = sum((e.amount for e in entries if e.currency == currency), Decimal(0))
        entries.append(Entry(CREDIT, total, currency, account_id=AR))
    d = draft(*entries)
    lines, missing = convert(d, "CNY", {(c, DAY): rate for c in ("USD", "EUR", "JPY")})
    assert not missing
    out = balance(lines, "CNY", DAY, rounding_account=ROUNDING)
    assert difference(out) == 0
    extra = out[len(lines) :]
    assert all(line.kind == "rounding" for line in extra) and len(extra) <= 1
