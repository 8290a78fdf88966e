"""The allocation planner as a pure function: orders' needs, stock per site, site facts and
estimated costs in, a plan out. No database: these tests build the inputs by hand."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.orders.service.planner import LineNeed, OrderNeeds, Site, Stock, plan, shortages

CUP, LID, MUG = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
SZ = Site(uuid.uuid4(), "SZ", "domestic", "CN", 100)
LA = Site(uuid.uuid4(), "LA", "overseas_3pl", "US", 100)
DE = Site(uuid.uuid4(), "DE", "overseas_3pl", "DE", 100)


def line(units: dict[uuid.UUID, int], quantity: int = 1, code: str = "") -> LineNeed:
    return LineNeed(uuid.uuid4(), quantity, units, seller_sku=code, sku_id=next(iter(units)), sku_code=code)


def order(country: str, *lines: LineNeed) -> OrderNeeds:
    return OrderNeeds(uuid.uuid4(), country, tuple(lines))


def test_the_site_that_holds_everything_ships_it_and_the_destination_country_wins_a_tie():
    o = order("US", line({CUP: 2}), line({LID: 1}))
    stock = Stock({(CUP, SZ.id): 5, (LID, SZ.id): 5, (CUP, LA.id): 2, (LID, LA.id): 1})
    assert plan(o, [SZ, LA], stock).site == LA
    # LA is short of a lid: only SZ holds the whole order
    stock = Stock({(CUP, SZ.id): 5, (LID, SZ.id): 5, (CUP, LA.id): 2})
    assert plan(o, [SZ, LA], stock).site == SZ


def test_priority_outranks_country_and_region_outranks_cost():
    o = order("FR", line({CUP: 1}))
    stock = Stock({(CUP, s.id): 9 for s in (SZ, LA, DE)})
    first = Site(SZ.id, "SZ", "domestic", "CN", 1)
    assert plan(o, [first, LA, DE], stock).site == first
    # FR and DE are both in the EU: DE wins over LA even when LA is cheaper
    costs = {(o.order_id, LA.id): Decimal("1"), (o.order_id, DE.id): Decimal("50")}
    assert plan(o, [LA, DE], stock, costs=costs).site == DE


def test_the_lowest_estimated_cost_decides_between_equal_sites_and_unknown_costs_rank_last():
    o = order("BR", line({CUP: 1}))
    stock = Stock({(CUP, SZ.id): 9, (CUP, LA.id): 9})
    assert plan(o, [SZ, LA], stock).site == LA  # no costs: the code decides
    assert plan(o, [SZ, LA], stock, costs={(o.order_id, SZ.id): Decimal("3")}).site == SZ
    costs = {(o.order_id, SZ.id): Decimal("3"), (o.order_id, LA.id): Decimal("2.5")}
    assert plan(o, [SZ, LA], stock, costs=costs).site == LA


def test_a_virtual_bundle_needs_all_its_components_in_one_site():
    bundle = line({CUP: 2, LID: 2}, quantity=2, code="SET")
    o = order("US", bundle)
    stock = Stock({(CUP, LA.id): 2, (LID, LA.id): 1, (CUP, SZ.id): 1, (LID, SZ.id): 2})
    held = plan(o, [SZ, LA], stock, policy="hold")
    assert held.site is None and not held.groups
    assert held.problems == [
        {
            "type": "out_of_stock",
            "seller_sku": "SET",
            "sku_id": CUP,
            "sku_code": "SET",
            "quantity": 2,
            "available": 1,
            "message": "SET: 2 needed, at most 1 in one warehouse",
        }
    ]


def test_split_takes_whole_lines_from_the_site_with_the_most_units_first_and_leaves_the_rest():
    cups, lids, mugs = line({CUP: 3}, 3, "CUP"), line({LID: 1}, 1, "LID"), line({MUG: 4}, 4, "MUG")
    o = order("US", cups, lids, mugs)
    stock = Stock({(CUP, SZ.id): 3, (LID, LA.id): 1, (MUG, LA.id): 1})
    result = plan(o, [SZ, LA], stock, policy="split")
    assert result.site is None
    assert result.groups == [(SZ, [cups.line_id]), (LA, [lids.line_id])]
    assert result.leftover == [mugs.line_id]
    assert [p["sku_code"] for p in result.problems] == ["MUG"]
    assert result.problems[0]["available"] == 1
    # planning takes nothing: the caller draws the stock of the plan it acts on
    assert stock.units[(CUP, SZ.id)] == 3


def test_hold_policy_and_no_sites_give_shortages_only():
    o = order("US", line({CUP: 1}, 1, "CUP"))
    assert plan(o, [SZ], Stock(), policy="hold").problems[0]["available"] == 0
    nowhere = plan(o, [], Stock({(CUP, SZ.id): 5}))
    assert nowhere.site is None and nowhere.groups == []
    assert nowhere.problems[0]["message"] == "CUP: 1 needed, no warehouse to ship from"
    assert plan(order("US"), [SZ], Stock()).site is None  # nothing open: nothing to plan
    with pytest.raises(ValueError):
        plan(o, [SZ], Stock(), policy="cheapest")


def test_a_batch_sees_what_earlier_orders_took():
    first, second = order("US", line({CUP: 2})), order("US", line({CUP: 2}))
    stock = Stock({(CUP, LA.id): 3, (CUP, SZ.id): 2})
    chosen = plan(first, [SZ, LA], stock).site
    assert chosen == LA
    stock.take([ln.units for ln in first.lines], chosen.id)
    assert plan(second, [SZ, LA], stock).site == SZ


def test_negative_availability_counts_as_none():
    stock = Stock({(CUP, SZ.id): -4})
    assert stock.units[(CUP, SZ.id)] == 0
    assert shortages(order("US", line({CUP: 1}, 1, "CUP")), [SZ], stock)[0]["available"] == 0


@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=3, max_size=3),
    st.lists(st.integers(min_value=0, max_value=6), min_size=3, max_size=3),
    st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3),
)
def test_a_plan_never_ships_more_than_a_site_holds(sz_stock, la_stock, quantities):
    skus = [CUP, LID, MUG]
    o = order("US", *(line({skus[i]: q}, q, f"S{i}") for i, q in enumerate(quantities)))
    units = {(skus[i], SZ.id): n for i, n in enumerate(sz_stock)} | {
        (skus[i], LA.id): n for i, n in enumerate(la_stock)
    }
    result = plan(o, [SZ, LA], Stock(units), policy="split")
    groups = [(result.site, [ln.line_id for ln in o.lines])] if result.site else result.groups
    for site, line_ids in groups:
        for sku in skus:
            wanted = sum(o.line(i).units.get(sku, 0) for i in line_ids)
            assert wanted <= units[(sku, site.id)]
    unplanned = result.leftover if groups else [ln.line_id for ln in o.lines]
    planned = [i for _, ids in groups for i in ids]
    assert sorted(planned + unplanned) == sorted(ln.line_id for ln in o.lines)  # every line once
    assert [p["seller_sku"] for p in result.problems] == [o.line(i).seller_sku for i in unplanned]
