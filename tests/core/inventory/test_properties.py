"""Property: any sequence of stock events, including ones that must be refused, leaves the
buckets equal to a simple model, never negative, never oversold, with a stock value that the
ledger reproduces to the cent and that never outlives the units it belongs to."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import Conflict
from core.inventory import service as inv
from core.inventory.service import Doc, Line, adjustments
from core.inventory.service.reconcile import verify
from core.money import Money
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import key, warehouse

events = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(1, 20), st.sampled_from(["1.00", "2.50", "3.33"]), st.booleans()),
        st.tuples(st.just("qc_pass"), st.integers(1, 10)),
        st.tuples(st.just("reserve"), st.integers(1, 12)),
        st.tuples(st.just("release"), st.integers(0, 4)),
        st.tuples(st.just("ship"), st.integers(0, 4)),
        st.tuples(st.just("scrap"), st.integers(1, 6)),
        st.tuples(st.just("return"), st.integers(1, 4), st.sampled_from(["restock", "inspect", "damaged"])),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events)
def test_any_sequence_of_events_keeps_the_books_consistent(tenant_a, wh_for_properties, seq):
    wh = wh_for_properties
    sku = approved_sku(tenant_a)
    model = {"on_hand": 0, "reserved": 0, "qc_pending": 0, "unsellable": 0}
    held: list[tuple[Doc, int]] = []
    for event in seq:
        name = event[0]
        try:
            with tenant_a.scope():
                if name == "receive":
                    _, qty, cost, qc = event
                    inv.receive_purchase(
                        Doc("purchase_order", uuid.uuid4()),
                        [Line("1", sku, wh, qty, Money(Decimal(cost), "CNY"))],
                        key=key(),
                        qc=qc,
                    )
                    model["qc_pending" if qc else "on_hand"] += qty
                elif name == "qc_pass":
                    inv.qc_pass(Doc("purchase_order", "qc"), [Line("1", sku, wh, event[1])], key=key())
                    model["qc_pending"] -= event[1]
                    model["on_hand"] += event[1]
                elif name == "reserve":
                    doc = Doc("sales_order", uuid.uuid4())
                    inv.reserve(doc, [Line("1", sku, wh, event[1])], key=key())
                    held.append((doc, event[1]))
                    model["reserved"] += event[1]
                elif name in ("release", "ship") and held:
                    doc, qty = held.pop(event[1] % len(held))
                    (inv.release if name == "release" else inv.ship)(doc, key=key())
                    model["reserved"] -= qty
                    if name == "ship":
                        model["on_hand"] -= qty
                elif name == "scrap":
                    adjustments.scrap([Line("1", sku, wh, event[1])], key=key(), reason="property")
                    model["on_hand"] -= event[1]
                elif name == "return":
                    _, qty, condition = event
                    inv.customer_return(
                        Doc("rma", uuid.uuid4()), [Line("1", sku, wh, qty)], key=key(), condition=condition
                    )
                    model[{"restock": "on_hand", "inspect": "qc_pending", "damaged": "unsellable"}[condition]] += qty
        except Conflict:
            pass  # refused (not enough stock): the model did not change either
        with tenant_a.scope():
            b = inv.get_buckets(sku, wh)
        assert {k: getattr(b, k) for k in model} == model, (event, model)
        assert 0 <= b.reserved <= b.on_hand and min(b.qc_pending, b.unsellable) >= 0
        assert b.stock_value >= 0
        assert b.valued_quantity or b.stock_value == 0  # no value left behind without units
    with tenant_a.scope():
        assert verify().ok


def test_value_is_zero_exactly_when_nothing_is_left(tenant_a, wh_for_properties):
    sku, wh = approved_sku(tenant_a), wh_for_properties
    with tenant_a.scope():
        inv.receive_purchase(
            Doc("purchase_order", "p"), [Line("1", sku, wh, 3, Money(Decimal("3.33"), "CNY"))], key=key(), qc=False
        )
        for n in range(3):  # 9.99 split over three shipments: 3.33 each, nothing left over
            doc = Doc("sales_order", f"s{n}")
            inv.reserve(doc, [Line("1", sku, wh, 1)], key=key())
            assert inv.ship(doc, key=key()).value == Decimal("3.33")
        b = inv.get_buckets(sku, wh)
    assert (b.on_hand, b.stock_value) == (0, Decimal(0))


@pytest.fixture
def wh_for_properties(tenant_a):
    return warehouse(tenant_a)
