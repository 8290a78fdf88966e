"""Shipment, delivery, cancellation, refunds and returns: their effect on stock, on the
order's money and status, and the events the books and the sync engine receive."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import InvalidTransition, ValidationError
from core.orders import service
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.orders.helpers import (
    APPROVE_ALL,
    channel_order,
    connection,
    events,
    line,
    names,
    settings,
    snapshot,
    stock,
    warehouse,
)


@pytest.fixture
def shop(tenant_a, tenant_b):
    tenant = tenant_a
    conn = connection(tenant)
    tee = approved_sku(tenant, "TEE")
    cap = approved_sku(tenant, "CAP")
    wh = warehouse(tenant, "SZ")
    stock(tenant, tee, wh, 20, cost="12.00")
    stock(tenant, cap, wh, 20, cost="5.00")
    settings(tenant, review_rules=APPROVE_ALL)
    return tenant, conn, wh, tee, cap


def order_of(tenant, conn, *lines, **kw):
    with tenant.scope():
        result = service.upsert_from_channel(conn, channel_order(*lines, **kw))
        order = service.get_order(result.order_id)
        _ = order.lines
        return order


def reload(tenant, order_id):
    with tenant.scope():
        order = service.get_order(order_id)
        _ = order.lines
        return order


def line_of(order, sku_code):
    return next(ln for ln in order.lines if ln.sku_code == sku_code)


def test_print_then_ship_moves_the_stock_out_at_book_cost_and_tells_the_channel(shop):
    tenant, conn, wh, tee, cap = shop
    order = order_of(
        tenant,
        conn,
        line("TEE", 2, "20.00", ext="T1", item_tax=Decimal("3.20")),
        line("CAP", 1, "8.00", ext="C1"),
        ext="SHIP-1",
        marketplace="US",
    )
    with tenant.scope():
        service.mark_printed(order.id, "pick_list")
        assert service.get_order(order.id).status == "awaiting_shipment"
        service.ship(
            order.id,
            carrier="UPS",
            service="Ground",
            tracking_number="1Z999",
            weight_g=900,
            length_cm="30",
            width_cm="20",
            height_cm="10",
        )
    assert snapshot(tenant, tee, wh)["on_hand"] == 18 and snapshot(tenant, tee, wh)["reserved"] == 0
    assert snapshot(tenant, cap, wh)["on_hand"] == 19
    shipped = reload(tenant, order.id)
    assert shipped.status == "shipped" and line_of(shipped, "TEE").cost_value == Decimal("24.00")
    payload = events(tenant, "order.shipped", order.id)[0].payload
    assert (payload["connection_id"], payload["external_order_id"], payload["marketplace"]) == (
        str(conn),
        "SHIP-1",
        "US",
    )
    assert (payload["carrier"], payload["service"], payload["tracking_number"]) == ("UPS", "Ground", "1Z999")
    assert payload["channel_orders"] == [
        {
            "external_order_id": "SHIP-1",
            "lines": [{"external_line_id": "T1", "quantity": 2}, {"external_line_id": "C1", "quantity": 1}],
        }
    ]
    assert (payload["cost_value"], payload["cost_currency"]) == ("29.00", "CNY")
    tee_line = next(x for x in payload["lines"] if x["sku_code"] == "TEE")
    assert tee_line["cost"]["value"] == "24.00" and tee_line["total"] == "43.20"
    assert payload["shipped_amounts"]["total"] == "51.20"
    with tenant.scope():
        service.deliver(order.id)
        assert service.get_order(order.id).status == "delivered"
        with pytest.raises(InvalidTransition) as refused:
            service.ship(order.id, carrier="UPS")
        assert refused.value.message == f"cannot ship order {order.number}: it is delivered"
    assert names(events(tenant, entity_id=order.id))[-3:] == ["order.printed", "order.shipped", "order.delivered"]


def test_shipping_needs_a_carrier_and_an_allocated_order(shop):
    tenant, conn, wh, tee, cap = shop
    settings(tenant, auto_allocate=False)
    order = order_of(tenant, conn, line("TEE", 1))
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.ship(order.id, carrier="", weight_g=-5)
    assert set(bad.value.errors) == {"carrier", "weight_g"}
    with tenant.scope(), pytest.raises(InvalidTransition) as refused:
        service.ship(order.id, carrier="UPS")
    assert "it is approved (allocate it first)" in refused.value.message


def test_bundles_ship_their_components(shop):
    tenant, conn, wh, tee, cap = shop
    approved_kit(tenant, {tee: 1, cap: 2}, code="SET")
    order = order_of(tenant, conn, line("SET", 2))
    with tenant.scope():
        service.ship(order.id, carrier="DHL")
    assert snapshot(tenant, tee, wh)["on_hand"] == 18 and snapshot(tenant, cap, wh)["on_hand"] == 16
    payload = events(tenant, "order.shipped", order.id)[0].payload
    assert payload["lines"][0]["cost"]["value"] == "44.00"  # 2 x (12 + 2 x 5)


def test_cancelling_before_shipment_releases_everything(shop):
    tenant, conn, wh, tee, cap = shop
    order = order_of(tenant, conn, line("TEE", 3, "10.00"))
    assert snapshot(tenant, tee, wh)["reserved"] == 3
    with tenant.scope():
        with pytest.raises(ValidationError) as bad:
            service.cancel(order.id, "")
        assert "reason" in bad.value.errors
        service.cancel(order.id, "buyer asked")
    assert snapshot(tenant, tee, wh)["reserved"] == 0
    cancelled = reload(tenant, order.id)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.total) == ("cancelled", "buyer asked", Decimal(0))
    payload = events(tenant, "order.cancelled", order.id)[0].payload
    assert payload["cancelled_amount"] == "30.00" and payload["cancelled_lines"][0]["quantity"] == 3
    with tenant.scope(), pytest.raises(InvalidTransition):
        service.cancel(order.id, "again")


def test_a_refund_before_shipment_cancels_the_lines_it_pays_back(shop):
    tenant, conn, wh, tee, cap = shop
    order = order_of(tenant, conn, line("TEE", 3, "10.00", shipping_price=Decimal("3.00")), line("CAP", 1, "8.00"))
    tee_line = line_of(order, "TEE")
    with tenant.scope():
        refund = service.refund(
            order.id, method="offline", reason="out of the colour", lines=[{"line_id": str(tee_line.id), "quantity": 1}]
        )
    assert (refund.type, refund.amount) == ("cancellation", Decimal("11.00"))  # 10.00 + a third of 3.00
    after = reload(tenant, order.id)
    assert after.status == "allocated" and after.total == Decimal("41.00") - Decimal("11.00")
    assert line_of(after, "TEE").quantity_cancelled == 1
    assert snapshot(tenant, tee, wh)["reserved"] == 2 and snapshot(tenant, cap, wh)["reserved"] == 1
    payload = events(tenant, "order.refunded", order.id)[0].payload["refund"]
    assert (payload["stage"], payload["method"], payload["amount"], payload["lines"][0]["quantity"]) == (
        "before_shipment",
        "offline",
        "11.00",
        1,
    )
    assert names(events(tenant, entity_id=order.id))[-2:] == ["order.lines_cancelled", "order.refunded"]
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.refund(order.id, method="platform", reason="x", amount="5")
    assert "lines" in bad.value.errors


def shipped_order(tenant, conn, *lines):
    order = order_of(tenant, conn, *lines)
    with tenant.scope():
        service.ship(order.id, carrier="UPS", tracking_number="1Z")
    return reload(tenant, order.id)


def test_refunds_after_shipment_by_line_and_by_amount_add_up_to_the_order(shop):
    tenant, conn, wh, tee, cap = shop
    order = shipped_order(tenant, conn, line("TEE", 3, "10.00", shipping_price=Decimal("1.00")), line("CAP", 1, "8.00"))
    tee_line = line_of(order, "TEE")
    with tenant.scope():
        first = service.refund(
            order.id, method="platform", reason="late", lines=[{"line_id": str(tee_line.id), "quantity": 1}]
        )
        assert reload(tenant, order.id).status == "partially_refunded"
        second = service.refund(order.id, method="offline", reason="goodwill", amount="5.00")
        with pytest.raises(ValidationError) as bad:
            service.refund(order.id, method="offline", reason="too much", amount="100.00")
        assert "amount" in bad.value.errors
        rest = reload(tenant, order.id)
        last = service.refund(
            order.id, method="offline", reason="the rest", amount=str(rest.total - rest.refunded_amount)
        )
    final = reload(tenant, order.id)
    assert first.amount == Decimal("10.33") and second.amount == Decimal("5.00")
    assert first.amount + second.amount + last.amount == final.total == Decimal("39.00")
    assert final.status == "refunded" and final.refunded_amount == final.total
    assert sum(ln.refunded for ln in final.lines) == final.total
    assert snapshot(tenant, tee, wh)["on_hand"] == 17  # refunds alone bring nothing back
    refunds = [e.payload["refund"] for e in events(tenant, "order.refunded", order.id)]
    assert [(r["stage"], r["type"], r["amount"]) for r in refunds] == [
        ("after_shipment", "refund_only", "10.33"),
        ("after_shipment", "refund_only", "5.00"),
        ("after_shipment", "refund_only", str(last.amount)),
    ]


def test_refund_without_return_needs_evidence(shop):
    tenant, conn, wh, tee, cap = shop
    order = shipped_order(tenant, conn, line("TEE", 2, "10.00"))
    item = [{"line_id": str(order.lines[0].id), "quantity": 1}]
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.refund(order.id, method="platform", reason="broken", type="refund_without_return", lines=item)
    assert "evidence" in bad.value.errors
    with tenant.scope():
        refund = service.refund(
            order.id,
            method="platform",
            reason="broken",
            type="refund_without_return",
            lines=item,
            evidence=["https://photos.example/broken.jpg"],
        )
    assert refund.amount == Decimal("10.00") and refund.evidence == ["https://photos.example/broken.jpg"]
    payload = events(tenant, "order.refunded", order.id)[0].payload["refund"]
    assert payload["type"] == "refund_without_return" and payload["evidence"] == ["https://photos.example/broken.jpg"]


def test_a_return_comes_back_at_the_cost_it_left_with(shop):
    tenant, conn, wh, tee, cap = shop
    order = shipped_order(tenant, conn, line("TEE", 3, "10.00"), line("CAP", 2, "8.00"))
    stock(tenant, tee, wh, 10, cost="30.00")  # the average moves after the shipment
    tee_line, cap_line = line_of(order, "TEE"), line_of(order, "CAP")
    with tenant.scope():
        rma = service.create_return(
            order.id,
            lines=[{"line_id": str(tee_line.id), "quantity": 2}, {"line_id": str(cap_line.id), "quantity": 2}],
            reason="wrong size",
            carrier="USPS",
            tracking_number="RET-1",
        )
        with pytest.raises(ValidationError):  # more than shipped and not already coming back
            service.create_return(order.id, lines=[{"line_id": str(tee_line.id), "quantity": 2}], reason="again")
        with pytest.raises(ValidationError) as bad:
            service.receive_return(rma.id, inspection=[{"line_id": str(tee_line.id), "restock": 1, "damaged": 0}])
        assert set(bad.value.errors) >= {"inspection.0"}
        before = snapshot(tenant, tee, wh)
        service.receive_return(
            rma.id,
            inspection=[
                {"line_id": str(tee_line.id), "restock": 1, "damaged": 1, "note": "torn seam"},
                {"line_id": str(cap_line.id), "restock": 2, "damaged": 0},
            ],
        )
    after = snapshot(tenant, tee, wh)
    assert (after["on_hand"] - before["on_hand"], after["unsellable"] - before["unsellable"]) == (1, 1)
    payload = events(tenant, "return.received")[0].payload
    tee_item = next(x for x in payload["lines"] if x["sku_code"] == "TEE")
    assert (tee_item["restock_value"], tee_item["damaged_value"]) == ("12.00", "12.00")  # its 12.00, not 20.00
    assert (payload["value_restocked"], payload["value_damaged"], payload["cost_currency"]) == ("22.00", "12.00", "CNY")
    with tenant.scope():
        refund = service.refund(order.id, method="platform", reason="returned", type="return", return_id=rma.id)
        assert refund.amount == Decimal("36.00") and refund.return_id == rma.id
        again = service.create_return(order.id, lines=[{"line_id": str(tee_line.id), "quantity": 1}], reason="last")
        service.receive_return(again.id, inspection=[{"line_id": str(tee_line.id), "restock": 1}])
    final = reload(tenant, order.id)
    assert final.status == "returned" and final.refunded_amount == Decimal("36.00")
    assert names(events(tenant))[-1] == "return.received"
    with tenant.scope(), pytest.raises(InvalidTransition):
        service.receive_return(rma.id, inspection=[])


def test_returns_and_refunds_need_a_shipped_order(shop):
    tenant, conn, wh, tee, cap = shop
    order = order_of(tenant, conn, line("TEE", 1))
    with tenant.scope(), pytest.raises(InvalidTransition) as refused:
        service.create_return(order.id, lines=[{"line_id": str(order.lines[0].id), "quantity": 1}], reason="x")
    assert "it has not shipped" in refused.value.message
