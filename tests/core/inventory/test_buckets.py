"""Every movement kind against the event -> bucket table (shared/reference/inventory-and-peers.md
§3.3): each test asserts exactly which buckets change and by how much, that every other bucket
stays put, and that the ledger and the balances still agree afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.errors import ValidationError
from core.inventory import service as inv
from core.inventory.service import Doc, Line, adjustments, kits, stocktakes, transfers
from core.money import Money
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.inventory.helpers import diff, key, snapshot, stock, value, warehouse


@dataclass
class Env:
    tenant: Any
    sku: uuid.UUID
    wh: uuid.UUID
    other_wh: uuid.UUID

    def snap(self, sku: uuid.UUID | None = None, wh: uuid.UUID | None = None) -> dict[str, int]:
        return snapshot(self.tenant, sku or self.sku, wh or self.wh)

    def value(self, sku: uuid.UUID | None = None, wh: uuid.UUID | None = None) -> Decimal:
        return value(self.tenant, sku or self.sku, wh or self.wh)


@pytest.fixture
def env(tenant_a, tenant_b):
    e = Env(
        tenant_a,
        approved_sku(tenant_a),
        warehouse(tenant_a, type="domestic"),
        warehouse(tenant_a, type="overseas_3pl", country="US", operator="Winit"),
    )
    yield e
    from core.inventory.service.reconcile import verify

    with tenant_a.scope():
        report = verify()
    assert report.ok, report.drifts


def doc(kind: str = "sales_order") -> Doc:
    return Doc(kind, uuid.uuid4(), f"{kind.upper()[:2]}-1")


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


# --- purchasing -----------------------------------------------------------------------------


def test_po_approved_raises_inbound_ordered_only(env):
    before = env.snap()
    with env.tenant.scope():
        p = inv.expect_inbound(doc("purchase_order"), [Line("l1", env.sku, env.wh, 30)], key=key())
    assert diff(before, env.snap()) == {"inbound_ordered": 30}
    assert p.value == 0


def test_po_cancelled_or_closed_short_drops_what_is_still_expected(env):
    po = doc("purchase_order")
    with env.tenant.scope():
        inv.expect_inbound(po, [Line("l1", env.sku, env.wh, 30), Line("l2", env.sku, env.other_wh, 5)], key=key())
        inv.receive_purchase(po, [Line("l1", env.sku, env.wh, 10, cny("4"))], key=key(), qc=False)
    before = env.snap()
    with env.tenant.scope():
        inv.cancel_inbound(po, [Line("l1", env.sku, env.wh, 8)], key=key())  # closed short by 8
    assert diff(before, env.snap()) == {"inbound_ordered": -8}
    with env.tenant.scope():
        with pytest.raises(ValidationError) as exc:
            inv.cancel_inbound(po, [Line("l1", env.sku, env.wh, 13)], key=key())
        assert "only 12 still expected" in str(exc.value.errors)
        p = inv.cancel_inbound(po, key=key())  # cancel everything left on the PO
    assert {(ln.ref, ln.quantity) for ln in p.lines} == {("l1", 12), ("l2", 5)}
    assert env.snap()["inbound_ordered"] == 0 and env.snap(wh=env.other_wh)["inbound_ordered"] == 0


def test_goods_received_into_qc(env):
    po = doc("purchase_order")
    with env.tenant.scope():
        inv.expect_inbound(po, [Line("l1", env.sku, env.wh, 30)], key=key())
    before = env.snap()
    with env.tenant.scope():
        p = inv.receive_purchase(po, [Line("l1", env.sku, env.wh, 20, cny("12.50"))], key=key(), qc=True)
    assert diff(before, env.snap()) == {"qc_pending": 20, "inbound_ordered": -20}
    assert p.line("l1").value == Decimal("250.00") and env.value() == Decimal("250.00")


def test_goods_received_without_qc_and_over_receipt(env):
    po = doc("purchase_order")
    with env.tenant.scope():
        inv.expect_inbound(po, [Line("l1", env.sku, env.wh, 10)], key=key())
    before = env.snap()
    with env.tenant.scope():
        inv.receive_purchase(po, [Line("l1", env.sku, env.wh, 12, cny("3"))], key=key(), qc=False)
    # Two more than ordered arrived: inbound_ordered only drops by what was expected.
    assert diff(before, env.snap()) == {"on_hand": 12, "available": 12, "inbound_ordered": -10}


def test_receipt_in_a_foreign_currency_needs_a_rate(env):
    with env.tenant.scope():
        with pytest.raises(ValidationError) as exc:
            inv.receive_purchase(
                doc("purchase_order"), [Line("l1", env.sku, env.wh, 2, Money(Decimal("2"), "USD"))], key=key()
            )
        assert "lines.0.unit_cost" in exc.value.errors
        p = inv.receive_purchase(
            doc("purchase_order"),
            [Line("l1", env.sku, env.wh, 2, Money(Decimal("2"), "USD"))],
            key=key(),
            fx_rate=Decimal("7.1"),
        )
    assert p.line("l1").unit_cost == Decimal("14.2")
    assert env.value() == Decimal("28.40")


def test_qc_passed(env):
    po = doc("purchase_order")
    with env.tenant.scope():
        inv.receive_purchase(po, [Line("l1", env.sku, env.wh, 20, cny("5"))], key=key(), qc=True)
    before = env.snap()
    with env.tenant.scope():
        inv.qc_pass(po, [Line("l1", env.sku, env.wh, 18)], key=key())
    assert diff(before, env.snap()) == {"qc_pending": -18, "on_hand": 18, "available": 18}
    assert env.value() == Decimal("100.00")  # a status move inside the warehouse keeps the value


def test_qc_rejected_then_returned_to_supplier(env):
    po = doc("purchase_order")
    with env.tenant.scope():
        inv.receive_purchase(po, [Line("l1", env.sku, env.wh, 20, cny("5"))], key=key(), qc=True)
    before = env.snap()
    with env.tenant.scope():
        inv.qc_reject(po, [Line("l1", env.sku, env.wh, 2)], key=key(), reason="cracked")
    assert diff(before, env.snap()) == {"qc_pending": -2, "unsellable": 2}
    before = env.snap()
    with env.tenant.scope():
        p = inv.return_to_supplier(po, [Line("l1", env.sku, env.wh, 2)], key=key())
    assert diff(before, env.snap()) == {"unsellable": -2}
    assert p.line("l1").value == Decimal("10.00") and env.value() == Decimal("90.00")


# --- orders ---------------------------------------------------------------------------------


def test_order_reserved_when_stock_is_available(env):
    stock(env.tenant, env.sku, env.wh, 10)
    before = env.snap()
    with env.tenant.scope():
        inv.reserve(doc(), [Line("1", env.sku, env.wh, 4)], key=key())
    assert diff(before, env.snap()) == {"reserved": 4, "available": -4}


def test_order_short_holds_nothing(env):
    stock(env.tenant, env.sku, env.wh, 3)
    other = approved_sku(env.tenant)
    stock(env.tenant, other, env.wh, 50)
    before, before_other = env.snap(), env.snap(other)
    with env.tenant.scope():
        with pytest.raises(inv.InsufficientStock) as exc:
            inv.reserve(doc(), [Line("a", other, env.wh, 5), Line("b", env.sku, env.wh, 4)], key=key())
    assert exc.value.status_code == 409
    assert [(s.ref, s.requested, s.available) for s in exc.value.shortages] == [("b", 4, 3)]
    assert env.snap() == before and env.snap(other) == before_other  # all or nothing


def test_order_cancelled_before_shipment_releases(env):
    stock(env.tenant, env.sku, env.wh, 10)
    order = doc()
    with env.tenant.scope():
        inv.reserve(order, [Line("1", env.sku, env.wh, 4)], key=key())
    before = env.snap()
    with env.tenant.scope():
        p = inv.release(order, key=key())
    assert diff(before, env.snap()) == {"reserved": -4, "available": 4}
    assert p.line("1").quantity == 4


def test_order_shipped_takes_on_hand_and_reserved_at_average_cost(env):
    stock(env.tenant, env.sku, env.wh, 10, "4.00")
    stock(env.tenant, env.sku, env.wh, 10, "6.00")  # average 5.00
    order = doc()
    with env.tenant.scope():
        inv.reserve(order, [Line("1", env.sku, env.wh, 4)], key=key())
    before = env.snap()
    with env.tenant.scope():
        p = inv.ship(order, key=key())
    assert diff(before, env.snap()) == {"on_hand": -4, "reserved": -4}
    assert p.line("1").value == Decimal("20.00") and p.line("1").unit_cost == Decimal("5")
    assert env.value() == Decimal("80.00")


def test_customer_return_restockable_inspect_or_damaged(env):
    stock(env.tenant, env.sku, env.wh, 10, "5.00")
    for condition, expected in (
        ("restock", {"on_hand": 2, "available": 2}),
        ("inspect", {"qc_pending": 2}),
        ("damaged", {"unsellable": 2}),
    ):
        before = env.snap()
        with env.tenant.scope():
            p = inv.customer_return(
                doc("rma"), [Line("1", env.sku, env.wh, 2, cny("5.00"))], key=key(), condition=condition
            )
        assert diff(before, env.snap()) == expected, condition
        assert p.line("1").value == Decimal("10.00")


# --- transfers and first-leg shipments ------------------------------------------------------


def _transfer(env: Env, kind: str = "transfer", qty: int = 10) -> Any:
    with env.tenant.scope():
        return transfers.create_transfer(
            kind=kind,
            source_warehouse_id=env.wh,
            destination_warehouse_id=env.other_wh,
            lines=[{"sku_id": env.sku, "quantity": qty}],
        ).id


def test_transfer_allocate_ship_receive_with_shortfall(env):
    stock(env.tenant, env.sku, env.wh, 30, "2.00")
    tid = _transfer(env)
    src, dst = env.snap(), env.snap(wh=env.other_wh)
    with env.tenant.scope():
        transfers.allocate(tid, "transfer")
    assert diff(src, env.snap()) == {"reserved": 10, "available": -10}
    src = env.snap()
    with env.tenant.scope():
        transfers.ship(tid, "transfer", carrier="SF Express", tracking_number="SF123")
    assert diff(src, env.snap()) == {"on_hand": -10, "reserved": -10}
    assert diff(dst, env.snap(wh=env.other_wh)) == {"in_transit": 10}
    assert env.value(wh=env.other_wh) == Decimal("20.00")  # value travels with the units
    dst = env.snap(wh=env.other_wh)
    with env.tenant.scope():
        transfers.receive(tid, "transfer", [transfers.Receipt(env.sku, 6)], key=key())
    assert diff(dst, env.snap(wh=env.other_wh)) == {"on_hand": 6, "available": 6, "in_transit": -6}
    dst = env.snap(wh=env.other_wh)
    with env.tenant.scope():
        t = transfers.receive(
            tid,
            "transfer",
            [transfers.Receipt(env.sku, 3)],
            key=key(),
            complete=True,
            shortfall_reason="one carton crushed",
        )
        assert t.status == "received" and t.lines[0].shortfall_quantity == 1
    assert diff(dst, env.snap(wh=env.other_wh)) == {"on_hand": 3, "available": 3, "in_transit": -4}
    assert env.value(wh=env.other_wh) == Decimal("18.00")  # the lost unit left the books as a loss


def test_first_leg_shipment_moves_like_a_transfer(env):
    stock(env.tenant, env.sku, env.wh, 30, "2.00")
    fid = _transfer(env, "first_leg", 12)
    with env.tenant.scope():
        transfers.set_boxes(
            fid, [transfers.BoxPlan(Decimal(40), Decimal(30), Decimal(20), Decimal("8.5"), {env.sku: 6}, count=2)]
        )
        transfers.allocate(fid, "first_leg")
    src, dst = env.snap(), env.snap(wh=env.other_wh)
    with env.tenant.scope():
        transfers.ship(
            fid,
            "first_leg",
            carrier="Matson",
            tracking_number="MATS1",
            freight_cost=Money(Decimal("300"), "USD"),
            duty=Money(Decimal("45.5"), "USD"),
        )
    assert diff(src, env.snap()) == {"on_hand": -12, "reserved": -12}
    assert diff(dst, env.snap(wh=env.other_wh)) == {"in_transit": 12}
    dst = env.snap(wh=env.other_wh)
    with env.tenant.scope():
        transfers.receive(fid, "first_leg", [transfers.Receipt(env.sku, 12)], key=key(), to_qc=True)
    assert diff(dst, env.snap(wh=env.other_wh)) == {"qc_pending": 12, "in_transit": -12}


# --- stocktakes -----------------------------------------------------------------------------


def test_stocktake_gain_and_loss(env):
    other = approved_sku(env.tenant)
    stock(env.tenant, env.sku, env.wh, 10, "3.00")
    stock(env.tenant, other, env.wh, 10, "3.00")
    with env.tenant.scope():
        st = stocktakes.create_stocktake(warehouse_id=env.wh, scope="cycle")
        stocktakes.start_counting(st.id)
        stocktakes.enter_counts(st.id, [stocktakes.Count(env.sku, 12), stocktakes.Count(other, 7)])
    before, before_other = env.snap(), env.snap(other)
    with env.tenant.scope():
        stocktakes.post_stocktake(st.id)
    assert diff(before, env.snap()) == {"on_hand": 2, "available": 2}  # 盘盈
    assert diff(before_other, env.snap(other)) == {"on_hand": -3, "available": -3}  # 盘亏


# --- kits -----------------------------------------------------------------------------------


def test_kit_assembly_and_disassembly(env):
    a, b = approved_sku(env.tenant), approved_sku(env.tenant)
    kit = approved_kit(env.tenant, {a: 2, b: 1}, kit_type="physical")
    stock(env.tenant, a, env.wh, 10, "1.00")
    stock(env.tenant, b, env.wh, 10, "3.00")
    sa, sb, sk = env.snap(a), env.snap(b), env.snap(kit)
    with env.tenant.scope():
        order = kits.create_kit_order(kind="assembly", kit_sku_id=kit, warehouse_id=env.wh, quantity=4)
    assert diff(sa, env.snap(a)) == {"reserved": 8, "available": -8}  # held while the work is done
    with env.tenant.scope():
        done = kits.complete_kit_order(order.id)
        assert done.unit_cost == Decimal("5")  # 2 x 1.00 + 1 x 3.00, rolled up
    assert diff(sa, env.snap(a)) == {"on_hand": -8, "available": -8}
    assert diff(sb, env.snap(b)) == {"on_hand": -4, "available": -4}
    assert diff(sk, env.snap(kit)) == {"on_hand": 4, "available": 4}
    assert env.value(kit) == Decimal("20.00")
    sa, sb, sk = env.snap(a), env.snap(b), env.snap(kit)
    with env.tenant.scope():
        order = kits.create_kit_order(kind="disassembly", kit_sku_id=kit, warehouse_id=env.wh, quantity=1)
        kits.complete_kit_order(order.id)
    assert diff(sk, env.snap(kit)) == {"on_hand": -1, "available": -1}
    assert diff(sa, env.snap(a)) == {"on_hand": 2, "available": 2}
    assert diff(sb, env.snap(b)) == {"on_hand": 1, "available": 1}
    assert env.value(kit) == Decimal("15.00")


def test_virtual_bundle_reserves_components_at_import_and_takes_them_at_shipment(env):
    a, b = approved_sku(env.tenant), approved_sku(env.tenant)
    bundle = approved_kit(env.tenant, {a: 2, b: 1}, kit_type="virtual")
    stock(env.tenant, a, env.wh, 9, "1.00")
    stock(env.tenant, b, env.wh, 3, "3.00")
    with env.tenant.scope():
        assert inv.get_buckets(bundle, env.wh).available == 3  # min(9 // 2, 3 // 1)
    sa, sb = env.snap(a), env.snap(b)
    order = doc()
    with env.tenant.scope():
        inv.reserve(order, [Line("1", bundle, env.wh, 2)], key=key())
        assert inv.get_buckets(bundle, env.wh).available == 1
    assert diff(sa, env.snap(a)) == {"reserved": 4, "available": -4}
    assert diff(sb, env.snap(b)) == {"reserved": 2, "available": -2}
    with env.tenant.scope():
        p = inv.ship(order, key=key())
    assert p.line("1").quantity == 2 and p.line("1").value == Decimal("10.00")  # 2 x (2 x 1.00 + 3.00)
    assert diff(sa, env.snap(a)) == {"on_hand": -4, "available": -4}
    assert diff(sb, env.snap(b)) == {"on_hand": -2, "available": -2}


# --- adjustments ----------------------------------------------------------------------------


def test_scrap_from_on_hand_or_unsellable(env):
    stock(env.tenant, env.sku, env.wh, 10, "2.00")
    with env.tenant.scope():
        inv.customer_return(doc("rma"), [Line("1", env.sku, env.wh, 3)], key=key(), condition="damaged")
    before = env.snap()
    with env.tenant.scope():
        adjustments.scrap([Line("1", env.sku, env.wh, 2)], key=key(), reason="water damage")
        adjustments.scrap(
            [Line("1", env.sku, env.wh, 3)], key=key(), reason="unsellable returns", from_bucket="unsellable"
        )
    assert diff(before, env.snap()) == {"on_hand": -2, "available": -2, "unsellable": -3}


def test_requisition_takes_on_hand(env):
    stock(env.tenant, env.sku, env.wh, 10, "2.00")
    before = env.snap()
    with env.tenant.scope():
        p = adjustments.requisition([Line("1", env.sku, env.wh, 1)], key=key(), reason="photo shoot")
    assert diff(before, env.snap()) == {"on_hand": -1, "available": -1}
    assert p.value == Decimal("2.00")


def test_opening_balance_brings_stock_in_at_cost(env):
    before = env.snap()
    with env.tenant.scope():
        adjustments.opening_balance([Line("1", env.sku, env.wh, 7, cny("8.00"))], key=key())
    assert diff(before, env.snap()) == {"on_hand": 7, "available": 7}
    assert env.value() == Decimal("56.00")


def test_borrow_out_and_back(env):
    stock(env.tenant, env.sku, env.wh, 10, "2.00")
    before = env.snap()
    with env.tenant.scope():
        loan = adjustments.borrow_out(
            sku_id=env.sku, warehouse_id=env.wh, quantity=3, borrower="Studio Lin", key=key(), due_date=date(2030, 1, 1)
        )
        loan_id = loan.id
    assert diff(before, env.snap()) == {"on_hand": -3, "available": -3}
    before = env.snap()
    with env.tenant.scope():
        adjustments.borrow_return(loan_id, quantity=2, key=key())
        row = adjustments.borrow_return(loan_id, quantity=1, key=key(), condition="damaged")
        assert row.status == "closed"
    assert diff(before, env.snap()) == {"on_hand": 2, "available": 2, "unsellable": 1}
    assert env.value() == Decimal("20.00")  # came back at the cost it left with


def test_platform_reconciliation_adjusts_each_bucket_by_the_difference(env):
    fba = warehouse(env.tenant, type="platform", country="US", operator="Amazon FBA", marketplace="US")
    with env.tenant.scope():
        adjustments.opening_balance([Line("1", env.sku, fba, 20, cny("10"))], key=key())
        inv.reserve(doc(), [Line("1", env.sku, fba, 2)], key=key())
    before = env.snap(wh=fba)
    with env.tenant.scope():
        adjustments.reconcile_platform(
            fba, [adjustments.PlatformStock(env.sku, fulfillable=14, reserved=4, unsellable=1, inbound=6)], key=key()
        )
    # on_hand 20 -> 18 (14 + 4), unsellable 0 -> 1, in_transit 0 -> 6, and the platform holds 2
    # units beyond our own order's 2, so available equals what the platform calls fulfillable.
    assert diff(before, env.snap(wh=fba)) == {
        "on_hand": -2,
        "reserved": 2,
        "available": -4,
        "unsellable": 1,
        "in_transit": 6,
    }
    assert env.snap(wh=fba)["available"] == 14
    before = env.snap(wh=fba)
    with env.tenant.scope():  # the next report: the platform hold is replaced, not added to
        adjustments.reconcile_platform(
            fba, [adjustments.PlatformStock(env.sku, fulfillable=14, reserved=2, unsellable=1, inbound=6)], key=key()
        )
    assert diff(before, env.snap(wh=fba)) == {"on_hand": -2, "reserved": -2}
