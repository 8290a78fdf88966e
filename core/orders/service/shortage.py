"""An order short of stock (缺货订单): the units its open lines miss in a warehouse, and the two
ways to get them there in one step: a stocking request per missing SKU (to buy them,
through core.purchasing) or a draft transfer from another warehouse (through
core.inventory). Either names the order in its note, and the order's timeline records it; an
order that already has open requests, or an open transfer, is refused rather than served
twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.catalog import service as catalog
from core.errors import Conflict, ValidationError
from core.inventory import service as inventory
from core.messages import Msg
from core.orders.service.allocation import needs_of
from core.orders.service.base import get_order, record

SOURCE = "order"  # the stocking requests' source


@dataclass(frozen=True)
class Missing:
    sku_id: uuid.UUID
    sku_code: str
    needed: int  # stocked units the open lines take (a virtual bundle takes its components)
    available: int  # available in the warehouse
    missing: int


def shortfall(order_id: Any, warehouse_id: Any) -> list[Missing]:
    """What the order's open lines miss in the warehouse (empty when its stock is reserved,
    or when the warehouse has enough)."""
    order = get_order(order_id)
    warehouse = _warehouse(warehouse_id, "warehouse_id")
    if order.stock_reserved:
        return []
    kits = catalog.components_of({ln.sku_id for ln in order.lines if ln.kit_type == "virtual" and ln.sku_id})
    needed: dict[uuid.UUID, int] = {}
    for line in needs_of(order, kits).lines:
        for sku_id, units in line.units.items():
            needed[sku_id] = needed.get(sku_id, 0) + units
    if not needed:
        return []
    available = {b.sku_id: max(b.available, 0) for b in inventory.list_buckets(needed, [warehouse.id])}
    codes = catalog.sku_codes(needed)
    out = [
        Missing(sku_id, codes.get(sku_id, str(sku_id)), qty, available.get(sku_id, 0), qty - available.get(sku_id, 0))
        for sku_id, qty in needed.items()
        if qty > available.get(sku_id, 0)
    ]
    return sorted(out, key=lambda m: m.sku_code)


def _warehouse(warehouse_id: Any, field: str) -> inventory.WarehouseFacts:
    found = inventory.warehouse(warehouse_id) if warehouse_id else None
    if found is None:
        raise ValidationError.field(field, Msg("orders.choose_warehouse"))
    return found


def _missing_or_refuse(order_id: Any, warehouse_id: Any) -> list[Missing]:
    missing = shortfall(order_id, warehouse_id)
    if not missing:
        raise Conflict(Msg("orders.nothing_missing"), {"warehouse_id": ["covered"]})
    return missing


def request_stock(order_id: Any, *, warehouse_id: Any, needed_by: date | str | None) -> list[Any]:
    """A stocking request for each SKU the order misses in the warehouse, for the missing
    units. Returns the requests."""
    from core.purchasing.service import requests as purchasing

    order = get_order(order_id)
    missing = _missing_or_refuse(order.id, warehouse_id)
    open_ones = purchasing.open_requests_for(SOURCE, order.number)
    if open_ones:
        raise Conflict(
            Msg("orders.stocking_requests_for_order", number=order.number, items=", ".join(open_ones)),
            {"order_id": [Msg("orders.already_requested")]},
        )
    made = [
        purchasing.create_request(
            sku_id=m.sku_id,
            warehouse_id=warehouse_id,
            quantity=m.missing,
            needed_by=needed_by,
            note=f"for order {order.number}: {m.needed} needed, {m.available} available",
            source=SOURCE,
        )
        for m in missing
    ]
    numbers = [r.number for r in made]
    record(
        order,
        "stock_requested",
        Msg("order.stock_requested", numbers=numbers),
        requests=numbers,
    )
    return made


def transfer_stock(order_id: Any, *, source_warehouse_id: Any, warehouse_id: Any) -> Any:
    """A draft transfer of the missing units from another warehouse to the order's. The
    transfer's allocation checks the source has them."""
    order = get_order(order_id)
    source = _warehouse(source_warehouse_id, "source_warehouse_id")
    if str(source.id) == str(warehouse_id):
        raise ValidationError.field("source_warehouse_id", Msg("orders.choose_other_warehouse"))
    missing = _missing_or_refuse(order.id, warehouse_id)
    open_ones = inventory_transfers().open_transfers_noting(order.number)
    if open_ones:
        raise Conflict(
            Msg("orders.transfer_for_order_already", number=order.number, items=", ".join(open_ones)),
            {"order_id": [Msg("orders.already_transferred")]},
        )
    transfer = inventory_transfers().create_transfer(
        source_warehouse_id=source.id,
        destination_warehouse_id=_warehouse(warehouse_id, "warehouse_id").id,
        lines=[{"sku_id": m.sku_id, "quantity": m.missing} for m in missing],
        note=f"for order {order.number}",
    )
    record(
        order,
        "stock_transfer",
        Msg("order.transfer_drafted", number=transfer.number, warehouse=source.code),
        transfer=transfer.number,
    )
    return transfer


def inventory_transfers() -> Any:
    from core.inventory.service import transfers

    return transfers
