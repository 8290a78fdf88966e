"""Landed cost of first legs: allocated by weight, volume or value (duty by value), added to the
unit cost at the destination, the share of units already sold to cost of sales."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal

import pytest

from core.finance.landed import Box, LegLine, ZeroBasis, split
from core.inventory.service import get_buckets, transfers
from core.money import Money
from tests.core.finance.helpers import shop, totals_by_root, verify, vouchers
from tests.core.inventory.helpers import key, warehouse
from tests.support import body

A, B = uuid.uuid4(), uuid.uuid4()
LINES = [LegLine(A, 10, Decimal("100.00")), LegLine(B, 30, Decimal("300.00"))]
BOXES = [
    Box(2, Decimal(50), Decimal(40), Decimal(30), Decimal("12"), {A: 5}),  # 24 kg, 0.12 m³ of A
    Box(1, Decimal(60), Decimal(50), Decimal(40), Decimal("8"), {B: 30}),  # 8 kg, 0.12 m³ of B
]


def test_freight_follows_the_chosen_basis_and_duty_the_value():
    costs = {"freight": Decimal("100.00"), "duty": Decimal("40.00"), "insurance": Decimal("0")}
    by_weight = split(costs, LINES, BOXES, "weight", "USD")
    assert (by_weight[A]["freight"], by_weight[B]["freight"]) == (Decimal("75.00"), Decimal("25.00"))
    assert (by_weight[A]["duty"], by_weight[B]["duty"]) == (Decimal("10.00"), Decimal("30.00"))
    by_volume = split(costs, LINES, BOXES, "volume", "USD")
    assert (by_volume[A]["freight"], by_volume[B]["freight"]) == (Decimal("50.00"), Decimal("50.00"))
    by_value = split(costs, LINES, BOXES, "value", "USD")
    assert (by_value[A]["freight"], by_value[B]["freight"]) == (Decimal("25.00"), Decimal("75.00"))


def test_shares_add_up_to_the_cent_and_a_missing_basis_is_refused_loudly():
    odd = split({"freight": Decimal("100.01")}, LINES * 1, BOXES, "weight", "USD")
    assert odd[A]["freight"] + odd[B]["freight"] == Decimal("100.01")
    with pytest.raises(ZeroBasis, match="by weight"):
        split({"freight": Decimal("10")}, LINES, [], "weight", "USD")


@pytest.fixture
def leg(tenant_a, tenant_b):
    return _first_leg(tenant_a)


def _first_leg(tenant):
    """A shop whose first leg of 10 tees and 10 caps shipped with 120 freight and 17 duty."""
    books = shop(tenant)
    dest = warehouse(books.tenant, f"US-{secrets.token_hex(2)}", type="overseas_3pl", priority=1, country="US")
    with books.tenant.scope():
        t = transfers.create_transfer(
            kind="first_leg",
            source_warehouse_id=books.wh,
            destination_warehouse_id=dest,
            lines=[{"sku_id": books.tee, "quantity": 10}, {"sku_id": books.cap, "quantity": 10}],
        )
        transfers.set_boxes(
            t.id,
            [
                transfers.BoxPlan(Decimal(50), Decimal(40), Decimal(30), Decimal("9"), {books.tee: 10}),
                transfers.BoxPlan(Decimal(50), Decimal(40), Decimal(30), Decimal("3"), {books.cap: 10}),
            ],
        )
        transfers.allocate(t.id, "first_leg")
    with books.tenant.scope():
        transfers.ship(
            t.id,
            "first_leg",
            carrier="Matson",
            tracking_number="M1",
            freight_cost=Money(Decimal("120.00"), "CNY"),
            duty=Money(Decimal("17.00"), "CNY"),
        )
    return books, dest, t.id


def test_a_first_leg_that_ships_with_freight_raises_the_unit_cost_at_the_destination(leg):
    books, dest, tid = leg
    (cost,) = body(books.api.get(f"finance/landed-costs?transfer_id={tid}"))
    assert cost["status"] == "applied" and cost["source"] == "leg" and cost["functional_total"] == "137.00"
    alloc = {a["sku_id"]: a for a in cost["allocation"]}
    # Freight by weight (9 kg against 3 kg), duty by value (120 against 50).
    assert alloc[str(books.tee)]["freight"] == "90.00" and alloc[str(books.cap)]["freight"] == "30.00"
    assert alloc[str(books.tee)]["duty"] == "12.00" and alloc[str(books.cap)]["duty"] == "5.00"
    with books.tenant.scope():
        tee = get_buckets(books.tee, dest)
    assert tee.in_transit == 10 and tee.stock_value == Decimal("222.00")  # 120 + 90 + 12
    shipped_v, landed_v = vouchers(books.tenant, "first_leg", tid)
    assert landed_v["rule"] == "landed_cost.applied"
    assert totals_by_root(landed_v) == {"1402": Decimal("137.00"), "2202": Decimal("-137.00")}
    assert verify(books.tenant)["ok"] is True


def test_a_later_cost_splits_between_the_stock_still_held_and_cost_of_sales(leg):
    books, dest, tid = leg
    with books.tenant.scope():
        transfers.receive(
            tid, "first_leg", [transfers.Receipt(books.tee, 10), transfers.Receipt(books.cap, 10)], key=key()
        )
    # 4 of the 10 tees are sold from the destination before the insurance bill arrives.
    _ship_from(books, dest, books.tee, 4)
    resp = books.api.post(f"finance/transfers/{tid}/landed-costs", {"currency": "CNY", "insurance": "34.00"})
    assert resp.status_code == 201, body(resp)
    cost = body(resp)
    alloc = {a["sku_id"]: a for a in cost["allocation"]}
    tee = alloc[str(books.tee)]
    # Insurance by the value shipped (120 against 50): 24.00 for the tees, 6 of 10 still held.
    assert (tee["value"], tee["capitalised"], tee["expensed"]) == ("24.00", "14.40", "9.60")
    (later,) = [
        v
        for v in vouchers(books.tenant, "first_leg", tid)
        if v["source"]["event_name"] == "landed_cost.applied" and v["total"] == "34.00"
    ]
    net = totals_by_root(later)
    assert net["6401"] == Decimal("9.60") and net["2202"] == Decimal("-34.00")
    assert verify(books.tenant)["ok"] is True


def _ship_from(books, wh, sku, qty):
    """Sell `qty` units from warehouse `wh` (a manual order allocated there)."""
    resp = books.api.post(
        "orders",
        {
            "currency": "CNY",
            "buyer": {"name": "B"},
            "shipping_address": {"country": "US", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701"},
            "lines": [{"sku_id": str(sku), "quantity": qty, "unit_price": "50.00"}],
        },
    )
    assert resp.status_code == 201, body(resp)
    order = body(resp)
    assert order["warehouse_id"] == str(wh), order["status"]  # the destination ships first
    assert books.api.post(f"orders/{order['id']}/print", {"document": "label"}).status_code == 200
    done = books.api.post(f"orders/{order['id']}/ship", {"carrier": "UPS"})
    assert done.status_code == 200, body(done)
    return order
