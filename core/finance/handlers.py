"""Finance's reactions to business events, and its guard on the functional currency."""

from __future__ import annotations

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent, subscribe
from core.finance import rules
from core.finance.models import Voucher
from tenants.service import guard_functional_currency


@guard_functional_currency
def books_are_kept() -> str | None:
    """Vouchers are kept in the functional currency; changing it would mix units."""
    if session.execute(select(Voucher.id).limit(1)).first() is not None:
        return "the books hold vouchers in it"
    return None


@subscribe(*rules.booked_events(), name="finance.vouchers", ordered=True)
def book_voucher(event: OutboxEvent) -> None:
    """Every event a voucher rule books becomes its voucher (or a not-booked entry), in the
    transaction that records the delivery: booked once however often it is delivered, and in
    commit order (a refund never before its sale: a failing event holds back the rest)."""
    from core.finance.service.booking import book_event

    book_event(event)


@subscribe("first_leg.shipped", "transfer.shipped", name="finance.landed_cost", ordered=True)
def landed_cost_of_shipment(event: OutboxEvent) -> None:
    """A first leg (or transfer) that ships with freight or duty brings its landed cost."""
    from core.finance.service.landed import from_shipment

    from_shipment(event)


@subscribe("exchange_rate.set", name="finance.rates_arrived")
def rates_arrived(event: OutboxEvent) -> None:
    """New rates: apply the landed costs and post the vouchers that waited for them."""
    from core.finance.service.fxrates import resume_waiting

    resume_waiting()
