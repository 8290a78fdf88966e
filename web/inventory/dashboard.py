"""Inventory on the dashboard: SKUs below their safety stock and shipments on their way."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from core.db import count
from web.dashboard import Card, card


@card("inventory:read")
def stock_cards() -> list[Card]:
    from core.inventory.models import Transfer
    from core.inventory.service.reports import stock_query
    from sqlalchemy import select

    low = count(stock_query(low_stock=True))
    moving = count(select(Transfer.id).where(Transfer.status.in_(("shipped", "partially_received"))))
    return [Card(_("SKUs below safety stock"), low, url=url_for("web.inventory.low"), tone="warn" if low else ""),
            Card(_("Shipments in transit"), moving, url=url_for("web.inventory.transfers"),
                 hint=_("Transfers and first legs"))]
