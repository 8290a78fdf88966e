"""What inventory announces: one `stock.changed` per transaction, `stock.below_safety` once per
crossing, and the document events the books need (with values)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent
from core.inventory import service as inv
from core.inventory.service import Doc, Line, adjustments, transfers
from core.inventory.service.warehouses import set_sku_setting
from core.money import Money
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import key, stock, warehouse


def _events(tenant, name):
    with tenant.scope():
        return [
            e.payload
            for e in session.execute(
                select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.id)
            ).scalars()
        ]


def test_one_stock_changed_event_per_transaction(tenant_a):
    a, b, wh = approved_sku(tenant_a), approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, a, wh, 5)
    stock(tenant_a, b, wh, 5)
    before = len(_events(tenant_a, "stock.changed"))
    with tenant_a.scope():
        inv.reserve(Doc("sales_order", "1"), [Line("1", a, wh, 1)], key=key())
        inv.reserve(Doc("sales_order", "2"), [Line("1", b, wh, 1), Line("2", a, wh, 1)], key=key())
    changed = _events(tenant_a, "stock.changed")[before:]
    assert len(changed) == 1
    assert sorted((i["sku_id"], i["warehouse_id"]) for i in changed[0]["items"]) == sorted(
        [(str(a), str(wh)), (str(b), str(wh))]
    )
    assert len(changed[0]["operations"]) == 2


def test_below_safety_fires_once_per_crossing(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 10)
    with tenant_a.scope():
        set_sku_setting(sku, wh, safety_stock=5)
    assert _events(tenant_a, "stock.below_safety") == []
    for n in range(3):  # 10 -> 7 -> 4 (crosses) -> 1 (still below)
        with tenant_a.scope():
            inv.reserve(Doc("sales_order", f"o{n}"), [Line("1", sku, wh, 3)], key=key())
    fired = _events(tenant_a, "stock.below_safety")
    assert len(fired) == 1 and fired[0]["available"] == 4 and fired[0]["safety_stock"] == 5
    stock(tenant_a, sku, wh, 20)  # back above: the next fall announces again
    with tenant_a.scope():
        inv.reserve(Doc("sales_order", "big"), [Line("1", sku, wh, 19)], key=key())
    assert len(_events(tenant_a, "stock.below_safety")) == 2
    with tenant_a.scope():  # raising the safety stock above what is available announces at once
        other = approved_sku(tenant_a)
    stock(tenant_a, other, wh, 3)
    with tenant_a.scope():
        set_sku_setting(other, wh, safety_stock=10)
    assert [e["sku_id"] for e in _events(tenant_a, "stock.below_safety")][-1] == str(other)


def test_first_leg_shipped_carries_freight_duty_and_quantities(tenant_a):
    sku, src = approved_sku(tenant_a), warehouse(tenant_a)
    fba = warehouse(tenant_a, type="platform", country="US", marketplace="US", operator="Amazon FBA")
    stock(tenant_a, sku, src, 20, "5.00")
    with tenant_a.scope():
        t = transfers.create_transfer(
            kind="first_leg",
            source_warehouse_id=src,
            destination_warehouse_id=fba,
            lines=[{"sku_id": sku, "quantity": 10}],
            platform_reference="FBA15TEST",
        )
        transfers.set_boxes(
            t.id, [transfers.BoxPlan(Decimal(50), Decimal(40), Decimal(30), Decimal(12), {sku: 5}, count=2)]
        )
        transfers.allocate(t.id, "first_leg")
        transfers.ship(
            t.id,
            "first_leg",
            carrier="UPS",
            tracking_number="1Z999",
            freight_cost=Money(Decimal("120.00"), "USD"),
            duty=Money(Decimal("8.40"), "USD"),
        )
    (shipped,) = _events(tenant_a, "first_leg.shipped")
    assert (Decimal(shipped["freight_cost"]), Decimal(shipped["duty"]), shipped["cost_currency"]) == (
        Decimal("120"),
        Decimal("8.4"),
        "USD",
    )
    assert shipped["lines"] == [
        {"sku_id": str(sku), "quantity": 10, "unit_cost": "5.000000", "value": "50.00", "currency": "CNY"}
    ]
    assert shipped["platform_reference"] == "FBA15TEST" and len(shipped["boxes"]) == 1


def test_adjustments_announce_signed_quantities_and_values(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 10, "2.50")
    with tenant_a.scope():
        adjustments.scrap([Line("1", sku, wh, 2)], key=key(), reason="expired")
    (adjusted,) = _events(tenant_a, "stock.adjusted")
    assert adjusted["kind"] == "scrap" and adjusted["reason"] == "expired"
    assert adjusted["number"].startswith("ADJ-")
    assert adjusted["lines"][0]["quantity"] == -2 and Decimal(adjusted["lines"][0]["value"]) == Decimal("-5.00")
    assert uuid.UUID(adjusted["operation_id"])


def test_a_failed_event_does_not_hide_the_changes_before_it(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 5)
    before = len(_events(tenant_a, "stock.changed"))
    with tenant_a.scope():
        inv.reserve(Doc("sales_order", "ok"), [Line("1", sku, wh, 2)], key=key())
        try:
            inv.reserve(Doc("sales_order", "short"), [Line("1", sku, wh, 99)], key=key())
        except inv.InsufficientStock:
            pass  # the order goes on hold; the transaction carries on
    changed = _events(tenant_a, "stock.changed")[before:]
    assert [i["sku_id"] for e in changed for i in e["items"]] == [str(sku)]
