"""Money (DESIGN §3): Decimal only, ISO 4217 minor units, splits that add up to the whole."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import MINOR_UNITS, Money, allocate, quantum, round_money, to_decimal

currencies = st.sampled_from(sorted(MINOR_UNITS))


@given(
    currency=currencies,
    total=st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30),
)
def test_allocation_always_adds_up_and_stays_fair(currency, total, weights):
    parts = allocate(total, weights, currency)
    assert sum(parts) == round_money(total, currency)
    assert len(parts) == len(weights)
    q = quantum(currency)
    wsum = sum(weights) or len(weights)
    for part, w in zip(parts, weights if sum(weights) else [1] * len(weights), strict=True):
        exact = round_money(total, currency) * Decimal(w) / Decimal(wsum)
        assert abs(part - exact) < q, "each part is within one minor unit of its exact share"
        assert part == part.quantize(q)


def test_minor_units_follow_iso_4217():
    assert round_money("1.005", "USD") == Decimal("1.01")
    assert round_money("1234.5", "JPY") == Decimal("1235")
    assert round_money("1.0005", "KWD") == Decimal("1.001")
    assert allocate("100", [1, 1, 1], "USD") == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert allocate("100", [1, 1, 1], "JPY") == [Decimal("34"), Decimal("33"), Decimal("33")]


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    with pytest.raises(ValueError):
        Money(Decimal(1), "USD") + Money(Decimal(1), "EUR")
    with pytest.raises(ValueError):
        Money(Decimal(1), "XYZ")
    assert (Money(Decimal("1.10"), "USD") + Money(Decimal("2.20"), "USD")).amount == Decimal("3.30")
