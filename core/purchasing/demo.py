"""Demo purchasing, buying the demo catalogue from the demo suppliers into the domestic
warehouse, so that every purchasing page has something on it:

- stocking requests: one submitted (awaiting approval), one approved (to purchase), and two
  approved ones already on a draft purchase order;
- purchase orders through their life cycle: that draft; one approved, sent, confirmed by the
  supplier and with the supplier's tracking number; one partially received whose receipt went
  through QC with failed units (unsellable stock a return to the supplier can take); one
  received in full and put away;

Each step carries the date it would have had (`backdated`): the received orders were
approved weeks before their receipts, so the supplier scorecards show real lead times. The
replenishment run comes last in `core.demo`, once the sales history is in.

Everything goes through the purchasing services, so stock moves exactly as it would in use:
inbound expected, received into QC, put away or set aside as unsellable.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from core.catalog import service as catalog
from core.db import backdated, session
from core.inventory.service import warehouses
from core.purchasing.service import orders, receiving, requests
from core.purchasing.service.common import local_date
from core.suppliers import service as suppliers

ORDER_QUANTITY = 300  # the apparel supplier's minimum order quantity per colour and size
MUGS_ORDERED, MUGS_ARRIVED, MUGS_FAILED = 200, 120, 3


def _quoted_skus() -> list[tuple[uuid.UUID, list[Any]]]:
    """Approved suppliers with the purchasable SKUs they quote for, the supplier quoting the
    most SKUs first; each SKU under its cheapest quote."""
    skus = {
        s.id: s for s in session.execute(catalog.sku_query(status="approved", active=True, kit_type="none")).scalars()
    }
    quotes = suppliers.approved_quotes(skus)
    labels = suppliers.supplier_labels({q.supplier_id for q in quotes})  # "CODE name": a price tie goes by code
    rows = sorted(
        ((q.supplier_id, q.price, skus[q.sku_id]) for q in quotes),
        key=lambda row: (row[2].code, row[1], labels.get(row[0], "")),
    )
    by_supplier: dict[uuid.UUID, list[Any]] = {}
    seen: set[uuid.UUID] = set()
    for supplier_id, _price, sku in rows:
        if sku.id not in seen:
            seen.add(sku.id)
            by_supplier.setdefault(supplier_id, []).append(sku)
    # The apparel maker first (its T-shirts were the first products), then the porcelain shop.
    return sorted(by_supplier.items(), key=lambda item: item[1][0].code)


def seed(base_url: str) -> None:
    warehouse = session.execute(warehouses.list_warehouses(active=True, type="domestic").limit(1)).scalar_one_or_none()
    quoted = _quoted_skus()
    if warehouse is None or not quoted:
        return
    apparel, tees = quoted[0]
    kitchen, mugs = quoted[1] if len(quoted) > 1 else quoted[0]
    wh = warehouse.id
    today = local_date()

    def tee(n: int) -> Any:
        return tees[n % len(tees)]

    # Received in full: the first order of the season, approved four weeks ago and received
    # twelve days later; every unit passed QC and was put away.
    with backdated(days=28):
        first = _first_order(apparel, wh, tee)
    with backdated(days=26):
        orders.confirm_order(first.id, supplier_reference="JC-SO-2611-031")
    with backdated(days=19):
        orders.add_tracking(
            first.id,
            tracking_number="YT8806512240317",
            carrier="圆通速递 YTO Express",
            note="整批发货，共10箱 / shipped complete, 10 cartons",
        )
    with backdated(days=16):
        receipt = receiving.receive(
            first.id,
            lines=[{"line_id": line.id, "quantity": line.quantity} for line in first.lines],
            tracking_number="YT8806512240317",
            note="10箱外箱完好，数量清点无误。 10 cartons, outer boxes intact, count correct.",
        )
        receiving.inspect(
            receipt.id,
            lines=[
                {"receipt_line_id": rl.id, "sample_size": 32, "passed_quantity": rl.quantity, "failed_quantity": 0}
                for rl in receipt.lines
            ],
        )

    _mugs_and_repeat(apparel, kitchen, wh, tee, mugs, today)
    _requests(apparel, kitchen, wh, tee, mugs, today)


def _first_order(apparel: Any, wh: Any, tee: Any) -> Any:
    first = orders.create_order(
        supplier_id=apparel,
        warehouse_id=wh,
        lines=[{"sku_id": tee(0).id, "quantity": ORDER_QUANTITY}, {"sku_id": tee(3).id, "quantity": ORDER_QUANTITY}],
        note="首单，按色卡生产，每件独立OPP袋包装。\nFirst order: colours as per the swatch card, each piece in "
        "its own OPP bag.",
    )
    orders.approve_order(first.id)
    orders.send_order(first.id)
    return first


def _mugs_and_repeat(apparel: Any, kitchen: Any, wh: Any, tee: Any, mugs: list[Any], today: Any) -> None:
    # Partially received: the first batch of mugs arrived five days after approval, QC found
    # chipped ones.
    with backdated(days=9):
        mug_order = _mug_order(kitchen, wh, mugs)
    with backdated(days=4):
        receipt = receiving.receive(
            mug_order.id,
            lines=[{"line_id": mug_order.lines[0].id, "quantity": MUGS_ARRIVED}],
            tracking_number="SF1409826731548",
            note=f"第一批到货 {MUGS_ARRIVED} 只，余下 {MUGS_ORDERED - MUGS_ARRIVED} 只供应商下周发。 "
            f"First {MUGS_ARRIVED} mugs arrived; the supplier ships the remaining "
            f"{MUGS_ORDERED - MUGS_ARRIVED} next week.",
        )
        receiving.inspect(
            receipt.id,
            lines=[
                {
                    "receipt_line_id": receipt.lines[0].id,
                    "sample_size": MUGS_ARRIVED,
                    "passed_quantity": MUGS_ARRIVED - MUGS_FAILED,
                    "failed_quantity": MUGS_FAILED,
                    "defect_reasons": ["杯口磕破 Chipped rim", "釉面起泡 Glaze bubbles"],
                }
            ],
        )
    with backdated(days=6):
        repeat = _repeat_order(apparel, wh, tee, today)
    with backdated(days=1):
        orders.add_tracking(
            repeat.id,
            tracking_number="ZTO75318642097",
            carrier="中通快递 ZTO Express",
            note="供应商已发货 / shipped by the supplier",
        )


def _mug_order(kitchen: Any, wh: Any, mugs: list[Any]) -> Any:
    mug_order = orders.create_order(
        supplier_id=kitchen,
        warehouse_id=wh,
        lines=[{"sku_id": mugs[0].id, "quantity": MUGS_ORDERED}],
        note="马克杯每只加气泡膜，6只一内盒。\nWrap every mug in bubble film, 6 to an inner box.",
    )
    orders.approve_order(mug_order.id)
    orders.send_order(mug_order.id)
    orders.add_tracking(
        mug_order.id,
        tracking_number="SF1409826731548",
        carrier="顺丰速运 SF Express",
        note=f"第一批 {MUGS_ARRIVED} 只 / first batch of {MUGS_ARRIVED}",
    )
    return mug_order


def _repeat_order(apparel: Any, wh: Any, tee: Any, today: Any) -> Any:
    # Approved and sent; the supplier confirmed it and shipped under a tracking number.
    repeat = orders.create_order(
        supplier_id=apparel,
        warehouse_id=wh,
        lines=[{"sku_id": tee(1).id, "quantity": ORDER_QUANTITY}, {"sku_id": tee(4).id, "quantity": ORDER_QUANTITY}],
        note="返单，旺季备货，请务必在约定日期前发货。\nRepeat order for the peak season; please ship by the "
        "agreed date.",
    )
    orders.approve_order(repeat.id)
    orders.send_order(repeat.id)
    orders.confirm_order(repeat.id, supplier_reference="JC-SO-2611-058", expected_date=today + timedelta(days=10))
    return repeat


def _requests(apparel: Any, kitchen: Any, wh: Any, tee: Any, mugs: list[Any], today: Any) -> None:
    # Stocking requests: two approved ones become a draft order, one waits to be purchased,
    # one waits for approval.
    for_draft = [
        requests.create_request(
            sku_id=tee(2).id,
            warehouse_id=wh,
            quantity=ORDER_QUANTITY,
            needed_by=today + timedelta(days=35),
            supplier_id=apparel,
            note="工厂下月放假停产，提前备货。 Stock up before the factory's holiday shutdown next month.",
        ),
        requests.create_request(
            sku_id=tee(5).id,
            warehouse_id=wh,
            quantity=ORDER_QUANTITY,
            needed_by=today + timedelta(days=35),
            supplier_id=apparel,
            note="停产前备货，这个码最容易断货。 Stock up before the shutdown: this size sells out first.",
        ),
    ]
    to_purchase = requests.create_request(
        sku_id=tee(3).id,
        warehouse_id=wh,
        quantity=ORDER_QUANTITY,
        needed_by=today + timedelta(days=45),
        supplier_id=apparel,
        note="亚马逊FBA补货计划，随下次头程发出。 For the next FBA first-leg shipment (Amazon US replenishment).",
    )
    for req in (*for_draft, to_purchase):
        requests.approve_request(req.id)
    orders.create_orders_from_requests(
        [req.id for req in for_draft],
        note="停产前备货单，待供应商确认交期后审批。\nStock before the factory shutdown; to be approved once the "
        "supplier confirms delivery dates.",
    )
    requests.create_request(
        sku_id=mugs[0].id,
        warehouse_id=wh,
        quantity=MUGS_ORDERED,
        needed_by=today + timedelta(days=21),
        supplier_id=kitchen,
        note="大促前补马克杯，礼盒套装也要用。 Top up mugs before the next sale; the gift sets use them too.",
    )
