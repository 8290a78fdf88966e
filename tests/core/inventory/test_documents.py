"""Behaviour of the stock documents beyond their bucket effects: counting while the warehouse
works, cancellations, state machines, and the reports a seller reads."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from core.db import system_session, utcnow
from core.errors import InvalidTransition, ValidationError
from core.inventory import service as inv
from core.inventory.service import Doc, Line, kits, reports, stocktakes, transfers
from core.inventory.service.warehouses import create_location, set_sku_setting
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.inventory.helpers import key, snapshot, stock, warehouse


def test_counting_during_operations_invents_no_losses_or_gains(tenant_a):
    """Units picked but not yet shipped are off the shelf yet on the book; a shipment posted
    after the snapshot but before the count has already left the book. Neither is a variance."""
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 20)
    picked_order, shipped_order = Doc("sales_order", "picked"), Doc("sales_order", "shipped")
    with tenant_a.scope():
        inv.reserve(picked_order, [Line("1", sku, wh, 3)], key=key())
        inv.mark_picked(picked_order, key=key())
        inv.reserve(shipped_order, [Line("1", sku, wh, 5)], key=key())
        st = stocktakes.create_stocktake(warehouse_id=wh, scope="cycle")
        stocktakes.start_counting(st.id)
        assert (st.lines[0].snapshot_on_hand, st.lines[0].snapshot_picked) == (20, 3)
        inv.ship(shipped_order, key=key())  # leaves after the snapshot, before the count
    with tenant_a.scope():
        # On the shelf: 20 - 3 in the packing tote - 5 gone = 12.
        stocktakes.enter_counts(st.id, [stocktakes.Count(sku, 12)])
        report = stocktakes.variance(st.id)
        assert [(v.expected_shelf, v.variance) for v in report.lines] == [(12, 0)]
        stocktakes.post_stocktake(st.id)
    assert snapshot(tenant_a, sku, wh)["on_hand"] == 15
    with tenant_a.scope():  # the picked units still ship
        assert inv.ship(picked_order, key=key()).line("1").quantity == 3


def test_spot_count_by_bin_and_found_sku_and_uncounted_lines(tenant_a):
    wh = warehouse(tenant_a)
    a, b, c = (approved_sku(tenant_a) for _ in range(3))
    for sku in (a, b, c):
        stock(tenant_a, sku, wh, 4)
    with tenant_a.scope():
        bin_a = create_location(wh, code="A-01")
        set_sku_setting(a, wh, location_id=bin_a.id)
        with pytest.raises(ValidationError):
            stocktakes.create_stocktake(warehouse_id=wh, scope="spot")
        st = stocktakes.create_stocktake(warehouse_id=wh, scope="spot", location_ids=[bin_a.id], sku_ids=[b])
        stocktakes.start_counting(st.id)
        assert {ln.sku_id for ln in st.lines} == {a, b}
        stocktakes.enter_counts(st.id, [stocktakes.Count(a, 4), stocktakes.Count(c, 5)])  # c found here too
        report = stocktakes.variance(st.id)
        assert report.uncounted == 1
        stocktakes.post_stocktake(st.id)
        with pytest.raises(InvalidTransition) as exc:
            stocktakes.cancel_stocktake(st.id)
        assert exc.value.current == "posted"
    assert [snapshot(tenant_a, s, wh)["on_hand"] for s in (a, b, c)] == [4, 4, 5]


def test_a_count_that_would_leave_orders_uncovered_is_refused(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 5)
    with tenant_a.scope():
        inv.reserve(Doc("sales_order", "all"), [Line("1", sku, wh, 5)], key=key())
        st = stocktakes.create_stocktake(warehouse_id=wh)
        stocktakes.start_counting(st.id)
        stocktakes.enter_counts(st.id, [stocktakes.Count(sku, 4)])
    with tenant_a.scope():
        with pytest.raises(inv.InsufficientStock):
            stocktakes.post_stocktake(st.id)
    assert snapshot(tenant_a, sku, wh)["on_hand"] == 5


def test_cancelling_an_allocated_transfer_releases_its_stock(tenant_a):
    sku, src, dst = approved_sku(tenant_a), warehouse(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, src, 10)
    with tenant_a.scope():
        t = transfers.create_transfer(
            source_warehouse_id=src, destination_warehouse_id=dst, lines=[{"sku_id": sku, "quantity": 7}]
        )
        transfers.allocate(t.id, "transfer")
    assert snapshot(tenant_a, sku, src)["available"] == 3
    with tenant_a.scope():
        transfers.cancel(t.id, "transfer", "plan changed")
        with pytest.raises(InvalidTransition):
            transfers.allocate(t.id, "transfer")
    assert snapshot(tenant_a, sku, src)["available"] == 10


def test_cancelling_a_kit_order_releases_components(tenant_a):
    wh = warehouse(tenant_a)
    a = approved_sku(tenant_a)
    kit = approved_kit(tenant_a, {a: 3}, kit_type="physical")
    stock(tenant_a, a, wh, 9)
    with tenant_a.scope():
        order = kits.create_kit_order(kind="assembly", kit_sku_id=kit, warehouse_id=wh, quantity=3)
    assert snapshot(tenant_a, a, wh)["available"] == 0
    with tenant_a.scope():
        kits.cancel_kit_order(order.id)
    assert snapshot(tenant_a, a, wh)["available"] == 9


def _backdate(operation_kind: str, sku: uuid.UUID, days: int) -> None:
    with system_session() as s:
        s.execute(
            text("UPDATE inventory_movements SET created_at = :t WHERE sku_id = :s AND kind = :k"),
            {"t": utcnow() - timedelta(days=days), "s": sku, "k": operation_kind},
        )


def test_stock_age_bands_follow_receipts_first_in_first_out(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    with tenant_a.scope():
        inv.receive_purchase(Doc("purchase_order", "old"), [Line("1", sku, wh, 10, _cny("2"))], key=key(), qc=False)
    _backdate("purchase_receipt", sku, 100)
    with tenant_a.scope():
        inv.customer_return(Doc("rma", "r"), [Line("1", sku, wh, 4)], key=key())
    _backdate("customer_return", sku, 45)
    stock(tenant_a, sku, wh, 6, "2.00")  # today
    with tenant_a.scope():
        inv.reserve(Doc("sales_order", "s"), [Line("1", sku, wh, 12)], key=key())
        inv.ship(Doc("sales_order", "s"), key=key())  # 20 in, 12 out: the 8 left are the newest in
        (row,) = reports.stock_age(warehouse_id=wh)
        totals = reports.age_band_totals()  # the dashboard's: summed in the database
    assert row.quantity == 8
    assert (
        totals
        == [(label, q) for label, (q, _) in row.bands.items()]
        == [
            ("0-30", 6),
            ("31-60", 2),
            ("61-90", 0),
            ("90+", 0),
        ]
    )
    assert {k: q for k, (q, _) in row.bands.items()} == {"0-30": 6, "31-60": 2, "61-90": 0, "90+": 0}
    assert row.value == Decimal("16.00") and row.oldest_days == 45


def test_low_stock_with_velocity_and_days_of_cover(tenant_a):
    sku, quiet, wh = approved_sku(tenant_a), approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 100)
    stock(tenant_a, quiet, wh, 2)
    with tenant_a.scope():
        for n in range(3):
            order = Doc("sales_order", f"v{n}")
            inv.reserve(order, [Line("1", sku, wh, 30)], key=key())
            inv.ship(order, key=key())
        set_sku_setting(sku, wh, safety_stock=20)
        set_sku_setting(quiet, wh, safety_stock=5)
        rows = reports.low_stock(warehouse_id=wh, days=30)
        velocity = {v.sku_id: v for v in inv.sales_velocity([sku], [wh], days=30)}
    assert velocity[sku].shipped == 90 and velocity[sku].per_day == Decimal("3.00")
    assert [(r.sku_id, r.available, r.per_day, r.days_of_cover) for r in rows] == [
        (sku, 10, Decimal("3.00"), Decimal("3.3")),
        (quiet, 2, Decimal("0.00"), None),
    ]


def _cny(amount: str):
    from core.money import Money

    return Money(Decimal(amount), "CNY")
