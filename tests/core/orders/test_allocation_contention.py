"""Allocation under contention: another transaction takes the stock between the planner's read
and the reservation (issue 10 §4). The order must be planned again, never fail with a 500."""

from __future__ import annotations

import threading
import uuid

from core.inventory import service as inventory
from core.inventory.service import Doc, Line
from core.orders import service
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import APPROVE_ALL, channel_order, connection, line, settings, snapshot, stock, warehouse
from tests.core.orders.test_review_and_allocation import children


def take_in_another_transaction(tenant, sku, wh, qty):
    """Reserve `qty` units for some other document, committed on a connection of its own."""
    failure: list[BaseException] = []

    def run():
        try:
            with tenant.scope("rival"):
                inventory.reserve(
                    Doc("test_rival", uuid.uuid4()), [Line("1", sku, wh, qty)], key=f"rival:{uuid.uuid4()}"
                )
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the rival transaction is blocked by the allocation's"
    if failure:
        raise failure[0]


def test_a_split_child_whose_stock_is_taken_before_it_is_reserved_is_planned_again(tenant_a, monkeypatch):
    tenant, conn = tenant_a, connection(tenant_a)
    a, b = approved_sku(tenant, "K-A"), approved_sku(tenant, "K-B")
    one = warehouse(tenant, "K-ONE", priority=1)
    two = warehouse(tenant, "K-TWO", priority=2)
    three = warehouse(tenant, "K-THREE", priority=3)
    stock(tenant, a, one, 5)
    stock(tenant, b, two, 5)
    stock(tenant, a, three, 5)
    settings(tenant, review_rules=APPROVE_ALL, allocation_policy="split")

    # No warehouse holds K-A and K-B together: the plan splits into K-A from K-ONE (first by
    # priority) and K-B from K-TWO. Just before the batch reserves, a rival takes all of K-A in
    # K-ONE, so the first child's reservation fails and it must be planned again on its own.
    real = inventory.reserve_many
    calls = []

    def contended(requests):
        if not calls:
            take_in_another_transaction(tenant, a, one, 5)
        calls.append(len(requests))
        return real(requests)

    monkeypatch.setattr(inventory, "reserve_many", contended)
    with tenant.scope():
        results = service.upsert_many(
            conn,
            [
                channel_order(line("K-A", 2), line("K-B", 1), ext="CONTENDED-1"),
                channel_order(line("K-B", 1), ext="CONTENDED-2"),
            ],
        )
        parent_id, other_id = results[0].order_id, results[1].order_id
        parent = service.get_order(parent_id)
        other = service.get_order(other_id)
        assert parent.status == "split"
        assert (other.status, other.warehouse_id) == ("allocated", two)
    assert calls == [3, 1], "the first child was reserved again on its own after the rival took its stock"
    kids = children(tenant, parent_id)
    assert [(k.status, k.warehouse_id, [ln.seller_sku for ln in k.lines]) for k in kids] == [
        ("allocated", three, ["K-A"]),
        ("allocated", two, ["K-B"]),
    ]
    assert snapshot(tenant, a, one)["reserved"] == 5  # the rival's, nothing of ours
    assert snapshot(tenant, a, three)["reserved"] == 2
    assert snapshot(tenant, b, two)["reserved"] == 2


def test_a_split_child_that_finds_no_stock_anywhere_after_the_race_is_held(tenant_a, monkeypatch):
    tenant, conn = tenant_a, connection(tenant_a)
    a, b = approved_sku(tenant, "L-A"), approved_sku(tenant, "L-B")
    one = warehouse(tenant, "L-ONE", priority=1)
    two = warehouse(tenant, "L-TWO", priority=2)
    stock(tenant, a, one, 5)
    stock(tenant, b, two, 5)
    settings(tenant, review_rules=APPROVE_ALL, allocation_policy="split")
    real = inventory.reserve_many
    calls = []

    def contended(requests):
        if not calls:
            take_in_another_transaction(tenant, a, one, 4)
        calls.append(len(requests))
        return real(requests)

    monkeypatch.setattr(inventory, "reserve_many", contended)
    with tenant.scope():
        result = service.upsert_from_channel(conn, channel_order(line("L-A", 2), line("L-B", 1)))
        assert service.get_order(result.order_id).status == "split"
    kids = children(tenant, result.order_id)
    assert [(k.status, k.warehouse_id) for k in kids] == [("on_hold", None), ("allocated", two)]
    with tenant.scope():
        hold = service.open_hold(kids[0])
        assert hold.type == "out_of_stock"
        assert hold.problems[0]["sku_code"] == "L-A" and hold.problems[0]["available"] == 1
    assert snapshot(tenant, a, one)["reserved"] == 4 and snapshot(tenant, b, two)["reserved"] == 1
