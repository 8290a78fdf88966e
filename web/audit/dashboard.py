"""Dashboard cards of the audit section: the health of business-event delivery."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.db import session
from core.events import EventDelivery, OutboxEvent
from web.dashboard import Card, card


@card("audit:read")
def event_cards() -> list[Card]:
    pending = session.execute(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
    ).scalar_one()
    failed = session.execute(
        select(func.count()).select_from(EventDelivery).where(EventDelivery.status.in_(("failed", "dead")))
    ).scalar_one()
    return [
        Card(_("Events waiting for delivery"), pending, tone="warn" if pending else ""),
        Card(_("Failed event deliveries"), failed, url=url_for("web.audit.deliveries"), tone="bad" if failed else ""),
    ]
