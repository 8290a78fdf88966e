"""The rate rule of core.money (docs/decisions/0010-dated-exchange-rates.md), as a pure
function over plain data: no database, no tenant."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import money
from core.money import RATE_WINDOW_DAYS, Quote, RateBook, RateNotFound, choose_rate

DAY = date(2026, 11, 20)


def q(pair: str, rate: str, on: date = DAY, source: str = "manual") -> Quote:
    base, quote = pair.split("/")
    return Quote(base, quote, on, Decimal(rate), source)


def test_the_same_currency_is_one_without_any_rate():
    found = choose_rate("CNY", "CNY", DAY, [])
    assert (found.rate, found.legs, found.rate_date, found.describe()) == (Decimal(1), (), DAY, "same currency")


def test_the_rate_of_the_day_or_the_latest_before_it_within_the_window():
    quotes = [q("USD/CNY", "7.10", DAY - timedelta(days=3)), q("USD/CNY", "7.20", DAY - timedelta(days=1))]
    assert choose_rate("USD", "CNY", DAY, quotes).rate == Decimal("7.2")
    # A rate dated after the day asked for is not used for it.
    assert choose_rate("USD", "CNY", DAY, [*quotes, q("USD/CNY", "9.99", DAY + timedelta(days=1))]).rate == Decimal(
        "7.2"
    )
    # The oldest usable day is the window's first; one day older is stale.
    edge = DAY - timedelta(days=RATE_WINDOW_DAYS)
    assert choose_rate("USD", "CNY", DAY, [q("USD/CNY", "7.0", edge)]).rate_date == edge
    assert choose_rate("USD", "CNY", DAY, [q("USD/CNY", "7.0", edge - timedelta(days=1))]) is None
    assert choose_rate("USD", "CNY", DAY, [q("USD/CNY", "7.0", DAY - timedelta(days=3))], window_days=2) is None


def test_a_pair_quoted_the_other_way_round_is_inverted_to_ten_decimals():
    found = choose_rate("CNY", "USD", DAY, [q("USD/CNY", "7.1")])
    assert found.rate == Decimal("0.1408450704")
    assert found.describe() == "manual 1/(USD/CNY) 2026-11-20"
    # Either way round, the latest day wins; on the same day the pair as asked wins.
    older_direct = [q("CNY/USD", "0.15", DAY - timedelta(days=2)), q("USD/CNY", "8", DAY)]
    assert choose_rate("CNY", "USD", DAY, older_direct).rate == Decimal("0.125")
    same_day = [q("CNY/USD", "0.15"), q("USD/CNY", "8")]
    assert choose_rate("CNY", "USD", DAY, same_day).rate == Decimal("0.15")


def test_a_cross_through_the_functional_currency_first_then_the_latest_intermediate():
    ecb = [q("EUR/USD", "1.05", source="file"), q("EUR/GBP", "0.84", source="file")]
    own = [q("USD/CNY", "7.2", DAY - timedelta(days=5)), q("GBP/CNY", "9.0", DAY - timedelta(days=5))]
    via_eur = choose_rate("USD", "GBP", DAY, ecb)
    assert (via_eur.via, via_eur.rate, via_eur.source) == ("EUR", Decimal("0.8000000000"), "file")
    assert via_eur.describe() == "file 1/(EUR/USD)+EUR/GBP 2026-11-20"
    # With the tenant's own rates as well, the functional currency is preferred though older.
    via_cny = choose_rate("USD", "GBP", DAY, ecb + own, prefer_via="CNY")
    assert (via_cny.via, via_cny.rate, via_cny.rate_date) == ("CNY", Decimal("0.8000000000"), DAY - timedelta(days=5))
    # Without a preference the intermediate whose older leg is the latest wins.
    assert choose_rate("USD", "GBP", DAY, ecb + own).via == "EUR"
    # A direct rate beats any cross.
    assert choose_rate("USD", "GBP", DAY, [*ecb, q("USD/GBP", "0.79", DAY - timedelta(days=9))]).rate == Decimal("0.79")


def test_only_one_intermediate_and_no_rate_means_none():
    chain = [q("USD/EUR", "0.95"), q("EUR/CNY", "7.7"), q("CNY/JPY", "21")]
    assert choose_rate("USD", "CNY", DAY, chain).via == "EUR"
    assert choose_rate("USD", "JPY", DAY, chain) is None
    assert choose_rate("USD", "CNY", DAY, []) is None


@given(
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4),
    age=st.integers(min_value=0, max_value=RATE_WINDOW_DAYS),
)
def test_a_stored_rate_is_found_as_is_and_its_inverse_round_trips(rate, age):
    on = DAY - timedelta(days=age)
    assert choose_rate("USD", "JPY", DAY, [q("USD/JPY", str(rate), on)]).rate == rate
    inverse = choose_rate("JPY", "USD", DAY, [q("USD/JPY", str(rate), on)]).rate
    assert abs(inverse * rate - 1) <= rate * Decimal("1E-10")


def test_rate_asks_the_registered_lookup_and_never_answers_one_by_itself(monkeypatch):
    asked = []

    def lookup(base, quote, first, last):
        asked.append((base, quote, first, last))
        return RateBook((q("USD/CNY", "7.1"),), prefer_via="CNY")

    monkeypatch.setattr(money, "_lookup", [lookup])
    assert money.rate("USD", "CNY", DAY) == Decimal("7.1")
    assert asked == [("USD", "CNY", DAY - timedelta(days=RATE_WINDOW_DAYS), DAY)]
    assert money.rate("EUR", "EUR", DAY) == 1 and len(asked) == 1  # identity needs no lookup
    with pytest.raises(RateNotFound) as missing:
        money.rate("EUR", "CNY", DAY)
    assert str(missing.value) == "no rate for EUR to CNY on 2026-11-20 or in the 31 days before"
    assert (missing.value.status_code, missing.value.base, missing.value.on) == (422, "EUR", DAY)
    assert isinstance(missing.value, LookupError)
    with pytest.raises(ValueError):
        money.rate("USD", "XXX", DAY)
