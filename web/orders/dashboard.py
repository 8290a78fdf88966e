"""Order queues on the dashboard: waiting for review, on hold, and to ship."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.db import session
from core.orders.models import Order
from web.dashboard import Card, card


@card("orders:read")
def order_queues() -> list[Card]:
    counts = dict(session.execute(select(Order.status, func.count()).where(
        Order.status.in_(("pending_review", "on_hold", "allocated", "awaiting_shipment"))).group_by(Order.status)).all())
    review, held = counts.get("pending_review", 0), counts.get("on_hold", 0)
    to_ship = counts.get("allocated", 0) + counts.get("awaiting_shipment", 0)
    return [
        Card(_("Orders to review"), review, url=url_for("web.orders.index", status="pending_review"),
             tone="warn" if review else ""),
        Card(_("Orders on hold"), held, url=url_for("web.orders.index", status="on_hold"), tone="bad" if held else ""),
        Card(_("Orders to ship"), to_ship, url=url_for("web.orders.index", status="allocated"), tone=""),
    ]
