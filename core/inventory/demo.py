"""Demo inventory: a self-run warehouse in Shenzhen with bins, an overseas 3PL in Los Angeles
and Amazon FBA US; opening stock of the demo catalogue, safety stock, a transfer on its way to
Los Angeles and a first-leg shipment being packed for FBA. The warehouses and their opening
stock were set up six weeks before the demo's today (`backdated`), when the shop moved to
Tradelane; FBA US starts with the platform's own count of every listed product, so the
Amazon shop's FBA orders reserve and consume stock there (the sync demo ties FBA US to that
shop's connection and marketplace)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.catalog import service as catalog
from core.db import backdated, session
from core.inventory.service import Line, adjustments, transfers, warehouses
from core.money import Money

ADDRESS = {"company": "Demo Trading Co.", "contact_name": "Li Wei", "phone": "+86 755 8888 0000"}


def seed(base_url: str) -> None:
    with backdated(days=45):
        sz, la, fba, stocked = _opening()
    if stocked:
        _transfers(sz, la, fba, stocked)


def _opening() -> tuple[Any, Any, Any, list[Any]]:
    sz = warehouses.create_warehouse(
        code="SZ",
        name="深圳自营仓 Shenzhen",
        type="domestic",
        country="CN",
        priority=10,
        address_line1="Bao'an District, Fuyong Road 88",
        city="Shenzhen",
        state="Guangdong",
        postal_code="518103",
        **ADDRESS,
    )
    la = warehouses.create_warehouse(
        code="LA-3PL",
        name="Los Angeles 3PL",
        type="overseas_3pl",
        country="US",
        operator="Winit",
        priority=20,
        address_line1="1200 E Francis St",
        city="Ontario",
        state="CA",
        postal_code="91761",
    )
    fba = warehouses.create_warehouse(
        code="FBA-US",
        name="Amazon FBA US",
        type="platform",
        country="US",
        operator="Amazon FBA",
        marketplace="US",
        priority=30,
        address_line1="3351 Cattle Dr",
        city="Eastvale",
        state="CA",
        postal_code="92880",
    )
    bins = [warehouses.create_location(sz.id, code=f"A-01-{n:02d}") for n in range(1, 7)]
    stocked = list(session.execute(catalog.sku_query(status="approved", active=True, kit_type="none")).scalars())
    if not stocked:
        return sz, la, fba, []
    lines = [
        Line(str(n), sku.id, sz.id, 25 + 15 * (n % 4), Money(sku.purchase_price or Decimal("5"), "CNY"))
        for n, sku in enumerate(stocked)
    ]
    # What Amazon counted in FBA US when the shop connected: every listed product (the
    # T-shirts and mugs are sold from Shenzhen only).
    lines += [
        Line(f"fba{n}", sku.id, fba.id, 25 + 5 * (n % 3), Money(sku.purchase_price or Decimal("5"), "CNY"))
        for n, sku in enumerate(stocked)
        if sku.customs_name_en not in ("Men's cotton T-shirt", "Ceramic mug")
    ]
    adjustments.opening_balance(lines, key="demo:opening", reason="stock when the shop moved to Tradelane")
    for n, sku in enumerate(stocked):
        warehouses.set_sku_setting(
            sku.id, sz.id, safety_stock=20 if n % 3 == 0 else 10, location_id=bins[n % len(bins)].id
        )
    return sz, la, fba, stocked


def _transfers(sz: Any, la: Any, fba: Any, stocked: list[Any]) -> None:
    first = stocked[0]
    t = transfers.create_transfer(
        source_warehouse_id=sz.id,
        destination_warehouse_id=la.id,
        lines=[{"sku_id": first.id, "quantity": 24}],
        note="restock the US West Coast",
    )
    transfers.allocate(t.id, "transfer")
    transfers.ship(t.id, "transfer", carrier="Matson", tracking_number="MATU2463018", shipping_method="sea")
    last = stocked[-1]
    fl = transfers.create_transfer(
        kind="first_leg",
        source_warehouse_id=sz.id,
        destination_warehouse_id=fba.id,
        lines=[{"sku_id": last.id, "quantity": 40}],
        platform_reference="FBA15DEMO001",
        shipping_method="air",
    )
    transfers.set_boxes(
        fl.id, [transfers.BoxPlan(Decimal(50), Decimal(40), Decimal(30), Decimal("16.4"), {last.id: 20}, count=2)]
    )
    transfers.allocate(fl.id, "first_leg")
