"""Inventory's reactions to business events."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent, subscribe
from core.inventory.models import StockMovement
from tenants.service import guard_functional_currency


@guard_functional_currency
def stock_is_valued() -> str | None:
    """Book values of stock are kept in the functional currency; changing it would mix units."""
    if session.execute(select(StockMovement.id).limit(1)).first() is not None:
        return "stock has been valued in it"
    return None


@subscribe("stock.changed", name="inventory.safety_stock")
def check_safety_stock(event: OutboxEvent) -> None:
    """After stock moved, announce `stock.below_safety` for pairs that fell below it."""
    from core.inventory.service.engine import check_safety

    check_safety((uuid.UUID(i.sku_id), uuid.UUID(i.warehouse_id)) for i in event.data.items)  # StockChanged
