"""Auto-review rules, staff approval, and allocation: which warehouse, split or hold when none
can take the whole order, and the stock each outcome holds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core.db import session
from core.errors import InvalidTransition, ValidationError
from core.orders import service
from core.orders.models import Order
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import (
    APPROVE_ALL,
    T0,
    channel_order,
    connection,
    events,
    line,
    names,
    rates,
    settings,
    snapshot,
    stock,
    warehouse,
)


@pytest.fixture
def shop(tenant_a, tenant_b):
    return tenant_a, connection(tenant_a)


def upsert(tenant, conn, order):
    with tenant.scope():
        result = service.upsert_from_channel(conn, order)
        return service.get_order(result.order_id)


def children(tenant, order_id):
    with tenant.scope():
        rows = session.query(Order).filter(Order.parent_id == order_id).order_by(Order.number).all()
        for r in rows:
            _ = r.lines
        return rows


# ---------------------------------------------------------------------------------------------
# Review


def test_review_rules_outrank_approval_rules_and_say_why(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "R-1")
    stock(tenant, sku, warehouse(tenant), 100)
    settings(
        tenant,
        review_rules=[
            {"name": "High value", "action": "review", "min_total": "500", "currency": "USD"},
            {"name": "Risky destinations", "action": "review", "countries": ["BR"]},
            {"name": "Remarks", "action": "review", "has_remarks": True},
            {"name": "Merchant orders", "action": "approve", "fulfilment": "merchant"},
        ],
    )
    small = upsert(tenant, conn, channel_order(line("R-1", 1, "20.00")))
    big = upsert(tenant, conn, channel_order(line("R-1", 30, "20.00")))
    brazil = upsert(tenant, conn, channel_order(line("R-1", 1, "20.00"), country="BR"))
    remarks = upsert(tenant, conn, channel_order(line("R-1", 1, "20.00"), buyer_remarks="gift wrap please"))
    assert small.status == "allocated"
    assert (big.status, big.review_note) == ("pending_review", "High value: total 600.00 USD is at least 500.00 USD")
    assert brazil.review_note == "Risky destinations: ships to BR"
    assert remarks.review_note == "Remarks: the buyer left remarks"
    approved = events(tenant, "order.approved", small.id)[0].payload
    assert approved["rule"] == "Merchant orders"


def test_amount_rules_compare_other_currencies_through_the_tenants_rates(shop):
    tenant, conn = shop
    approved_sku(tenant, "R-2")
    settings(
        tenant,
        review_rules=[
            {"name": "Over 2000 CNY", "action": "review", "min_total": "2000", "currency": "CNY"},
            {"name": "All", "action": "approve", "fulfilment": "merchant"},
        ],
    )
    unknown = upsert(tenant, conn, channel_order(line("R-2", 1, "10.00"), currency="EUR"))
    assert unknown.status == "pending_review" and "no rate for EUR" in unknown.review_note
    rates(tenant, {"USD": "7.1"})
    big = upsert(tenant, conn, channel_order(line("R-2", 3, "100.00")))
    assert big.review_note == "Over 2000 CNY: total 300.00 USD (2130.00 CNY) is at least 2000.00 CNY"


def test_amounts_are_compared_at_the_rate_of_the_day_the_order_was_placed(shop):
    tenant, conn = shop
    approved_sku(tenant, "R-6")
    settings(
        tenant,
        review_rules=[
            {"name": "Over 2000 CNY", "action": "review", "min_total": "2000", "currency": "CNY"},
            {"name": "All", "action": "approve", "fulfilment": "merchant"},
        ],
    )
    euros = upsert(tenant, conn, channel_order(line("R-6", 1, "10.00"), currency="EUR"))
    assert euros.review_note == (
        "Over 2000 CNY: total 10.00 EUR cannot be compared with 2000.00 CNY "
        "(no rate for EUR to CNY on 2026-11-01 or in the 31 days before)"
    )
    # The orders were placed on 2026-11-01 (T0): a later rate is not theirs, an earlier one is.
    rates(tenant, {"USD": "7.1"}, on=T0.date() + timedelta(days=1))
    rates(tenant, {"USD": "6.0"}, on=T0.date() - timedelta(days=3))
    dollars = upsert(tenant, conn, channel_order(line("R-6", 3, "100.00")))  # 300 USD = 1800 CNY at 6.0
    assert dollars.status != "pending_review" and dollars.review_note == ""
    assert events(tenant, "order.approved", dollars.id)[0].payload["rule"] == "All"
    # At the later rate (2130 CNY) the same order would have waited for review.
    later = channel_order(line("R-6", 3, "100.00"), purchased_at=T0 + timedelta(days=1))
    assert upsert(tenant, conn, later).review_note.startswith("Over 2000 CNY: total 300.00 USD (2130.00 CNY)")


def test_overseas_warehouse_orders_are_approved_by_rule(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "R-3")
    local = approved_sku(tenant, "R-4")
    stock(tenant, sku, warehouse(tenant, "US-3PL", type="overseas_3pl", country="US"), 5)
    stock(tenant, local, warehouse(tenant, "SZ", country="CN"), 5)
    settings(tenant, review_rules=[{"name": "Overseas stock", "action": "approve", "warehouse_type": "overseas_3pl"}])
    overseas = upsert(tenant, conn, channel_order(line("R-3", 1)))
    domestic = upsert(tenant, conn, channel_order(line("R-4", 1)))
    assert overseas.status == "allocated"
    assert domestic.status == "pending_review"


def test_staff_approve_then_allocation_follows_and_wrong_states_are_409(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "R-5")
    wh = warehouse(tenant)
    stock(tenant, sku, wh, 5)
    order = upsert(tenant, conn, channel_order(line("R-5", 2)))
    with tenant.scope():
        service.approve(order.id, note="address checked")
        assert service.get_order(order.id).status == "allocated"
    assert snapshot(tenant, sku, wh)["reserved"] == 2
    with tenant.scope(), pytest.raises(InvalidTransition) as refused:
        service.approve(order.id)
    assert refused.value.message == f"cannot approve order {order.number}: it is allocated"
    assert refused.value.status_code == 409


def test_settings_are_validated_field_by_field(shop):
    tenant, _ = shop
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.update_settings(
            review_rules=[
                {"name": "x", "action": "maybe"},
                {"name": "y", "action": "approve"},
                {"name": "z", "action": "review", "countries": ["ZZ"], "colour": 1},
            ],
            allocation_policy="later",
            package_limits={"max_weight_g": -1},
        )
    errors = bad.value.errors
    assert set(errors) >= {
        "review_rules.0.action",
        "review_rules.1",
        "review_rules.2.countries.0",
        "review_rules.2.colour",
        "allocation_policy",
        "package_limits.max_weight_g",
    }


# ---------------------------------------------------------------------------------------------
# Allocation


def test_the_warehouse_that_holds_everything_wins_then_priority_then_country(shop):
    tenant, conn = shop
    a, b = approved_sku(tenant, "W-A"), approved_sku(tenant, "W-B")
    partial = warehouse(tenant, "PARTIAL", country="US", priority=1)
    cn = warehouse(tenant, "CN-1", country="CN", priority=50)
    us = warehouse(tenant, "US-1", country="US", priority=50)
    stock(tenant, a, partial, 10)
    for wh in (cn, us):
        stock(tenant, a, wh, 10)
        stock(tenant, b, wh, 10)
    settings(tenant, review_rules=APPROVE_ALL)
    to_us = upsert(tenant, conn, channel_order(line("W-A", 1), line("W-B", 1), country="US"))
    to_cn = upsert(tenant, conn, channel_order(line("W-A", 1), line("W-B", 1), country="CN"))
    only_a = upsert(tenant, conn, channel_order(line("W-A", 1), country="CN"))
    assert (to_us.warehouse_id, to_cn.warehouse_id, only_a.warehouse_id) == (us, cn, partial)
    allocated = events(tenant, "order.allocated", to_us.id)[0].payload
    assert allocated["warehouse"]["code"] == "US-1"


def test_same_region_and_lowest_estimated_cost_break_ties(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "W-C", gross_weight_g=2000)
    de = warehouse(tenant, "DE-1", country="DE")
    uk = warehouse(tenant, "UK-1", country="GB")
    cheap = warehouse(tenant, "PL-1", country="PL")
    for wh in (de, uk, cheap):
        stock(tenant, sku, wh, 10)
    settings(tenant, review_rules=APPROVE_ALL)
    to_france = upsert(tenant, conn, channel_order(line("W-C", 1), country="FR"))
    assert to_france.warehouse_id in (de, cheap)  # both EU: the region wins over the UK
    settings(
        tenant,
        shipping_costs=[
            {"warehouse_id": str(de), "destination": "EU", "base": "5", "per_kg": "3", "currency": "EUR"},
            {"warehouse_id": str(cheap), "destination": "*", "base": "2", "per_kg": "2", "currency": "EUR"},
        ],
    )
    rates(tenant, {"EUR": "7.8"})
    again = upsert(tenant, conn, channel_order(line("W-C", 1), country="FR"))
    assert again.warehouse_id == cheap  # 2 + 2x2 = 6 EUR against 5 + 3x2 = 11 EUR


def test_split_by_warehouse_when_none_holds_the_whole_order(shop):
    tenant, conn = shop
    a, b, _c = approved_sku(tenant, "S-A"), approved_sku(tenant, "S-B"), approved_sku(tenant, "S-C")
    one, two = warehouse(tenant, "ONE"), warehouse(tenant, "TWO")
    stock(tenant, a, one, 5)
    stock(tenant, b, two, 5)
    settings(tenant, review_rules=APPROVE_ALL, allocation_policy="split")
    order = upsert(
        tenant,
        conn,
        channel_order(line("S-A", 2, "10.00"), line("S-B", 1, "7.00"), line("S-C", 4, "1.00"), ext="SPLIT-1"),
    )
    assert order.status == "split"
    kids = children(tenant, order.id)
    assert [(k.number, k.status, k.warehouse_id) for k in kids] == [
        (f"{order.number}-1", "allocated", one),
        (f"{order.number}-2", "allocated", two),
        (f"{order.number}-3", "on_hold", None),
    ]
    assert [ln.seller_sku for k in kids for ln in k.lines] == ["S-A", "S-B", "S-C"]
    assert sum((k.total for k in kids), Decimal(0)) == order.total
    assert snapshot(tenant, a, one)["reserved"] == 2 and snapshot(tenant, b, two)["reserved"] == 1
    with tenant.scope():
        hold = service.open_hold(kids[2])
        assert hold.type == "out_of_stock" and hold.problems[0]["sku_code"] == "S-C"
        assert hold.problems[0]["quantity"] == 4 and hold.problems[0]["available"] == 0
    # Each child holds its lines under its own line ids: cancelling one line releases just it.
    with tenant.scope():
        service.refund(
            kids[1].id,
            method="offline",
            reason="discontinued",
            lines=[{"line_id": str(kids[1].lines[0].id), "quantity": 1}],
        )
    assert snapshot(tenant, b, two)["reserved"] == 0 and snapshot(tenant, a, one)["reserved"] == 2
    with tenant.scope():
        assert service.get_order(kids[1].id).status == "cancelled"
    split = events(tenant, "order.split", order.id)[0].payload
    assert [c["number"] for c in split["children"]] == [k.number for k in kids]
    assert all(c["external_order_id"] == "SPLIT-1" for c in split["children"])


def test_policy_hold_keeps_the_order_whole_and_names_what_is_short(shop):
    tenant, conn = shop
    a, b = approved_sku(tenant, "H-A"), approved_sku(tenant, "H-B")
    one, two = warehouse(tenant, "H1"), warehouse(tenant, "H2")
    stock(tenant, a, one, 5)
    stock(tenant, b, two, 1)
    settings(tenant, review_rules=APPROVE_ALL, allocation_policy="hold")
    order = upsert(tenant, conn, channel_order(line("H-A", 1), line("H-B", 3)))
    assert order.status == "on_hold"
    with tenant.scope():
        hold = service.open_hold(order)
        assert hold.type == "out_of_stock" and hold.held_from == "approved"
        short = {p["sku_code"]: (p["quantity"], p["available"]) for p in hold.problems}
        assert short == {"H-A": (1, 1), "H-B": (3, 1)}
    assert snapshot(tenant, a, one)["reserved"] == 0
    # Stock arrives in H1 for both; releasing the hold allocates the order there.
    stock(tenant, b, one, 5)
    with tenant.scope():
        service.release_order(order.id)
        assert service.get_order(order.id).status == "allocated"
    assert snapshot(tenant, a, one)["reserved"] == 1 and snapshot(tenant, b, one)["reserved"] == 3
    assert names(events(tenant, entity_id=order.id))[-3:] == ["order.held", "order.released", "order.allocated"]


def test_a_batch_never_promises_the_same_units_twice(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "B-1")
    wh = warehouse(tenant)
    stock(tenant, sku, wh, 5)
    settings(tenant, review_rules=APPROVE_ALL, allocation_policy="hold")
    with tenant.scope():
        results = service.upsert_many(conn, [channel_order(line("B-1", 2)) for _ in range(4)])
        statuses = [service.get_order(r.order_id).status for r in results]
    assert statuses == ["allocated", "allocated", "on_hold", "on_hold"]
    assert snapshot(tenant, sku, wh)["reserved"] == 4


def test_without_auto_allocation_staff_allocate(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "M-1")
    wh = warehouse(tenant)
    stock(tenant, sku, wh, 5)
    settings(tenant, review_rules=APPROVE_ALL, auto_allocate=False)
    order = upsert(tenant, conn, channel_order(line("M-1", 2)))
    assert order.status == "approved" and snapshot(tenant, sku, wh)["reserved"] == 0
    with tenant.scope():
        service.allocate(order.id)
    assert snapshot(tenant, sku, wh)["reserved"] == 2


def test_only_the_tenants_chosen_warehouses_ship_orders(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "C-1")
    first, second = warehouse(tenant, "FIRST", priority=1), warehouse(tenant, "SECOND", priority=2)
    stock(tenant, sku, first, 5)
    stock(tenant, sku, second, 5)
    settings(tenant, review_rules=APPROVE_ALL, warehouse_ids=[str(second)])
    assert upsert(tenant, conn, channel_order(line("C-1", 1))).warehouse_id == second
