"""Inventory's reactions to business events."""
from __future__ import annotations

import uuid

from core.events import OutboxEvent, subscribe


@subscribe("stock.changed", name="inventory.safety_stock")
def check_safety_stock(event: OutboxEvent) -> None:
    """After stock moved, announce `stock.below_safety` for pairs that fell below it."""
    from core.inventory.service.engine import check_safety

    check_safety((uuid.UUID(i["sku_id"]), uuid.UUID(i["warehouse_id"])) for i in event.payload["items"])
