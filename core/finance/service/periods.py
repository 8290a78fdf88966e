"""Monthly periods: created open when first needed, closed and reopened by hand.

A document dated in a closed period posts to the first open period after it, on that
period's first day, and the voucher keeps the document's own date beside it (reference
finance.md §6: no posting dated in a closed period; late events post in the first open one).
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date

from sqlalchemy import func, select

from core.db import get_or_none, locked, session, utcnow
from core.errors import InvalidTransition, NotFound, ValidationError
from core.finance.models import Period, Voucher
from core.messages import Msg
from core.tenancy import current_actor


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def parse_key(key: str) -> tuple[int, int]:
    """ "2026-03" -> (2026, 3)."""
    try:
        year, month = (int(x) for x in key.split("-"))
        if not 1 <= month <= 12 or not 1900 <= year <= 9999:
            raise ValueError
    except ValueError:
        raise ValidationError.field("period", Msg("finance.not_period_use_yyyy", key=repr(key))) from None
    return year, month


class Periods:
    """The tenant's periods for one posting batch: found or created, cached."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], Period] = {
            (p.year, p.month): p for p in session.execute(select(Period)).scalars()
        }

    def get(self, year: int, month: int) -> Period:
        row = self.rows.get((year, month))
        if row is None:
            row = ensure(year, month)
            self.rows[(year, month)] = row
        return row

    def for_date(self, day: date) -> tuple[Period, date]:
        """The period a document dated `day` posts to, and the posting date in it."""
        year, month = day.year, day.month
        period = self.get(year, month)
        while period.status != "open":
            year, month = next_month(year, month)
            period = self.get(year, month)
        return period, (day if (period.year, period.month) == (day.year, day.month) else period.start_date)


def ensure(year: int, month: int) -> Period:
    """The period, created open if it does not exist yet (a concurrent creator wins)."""
    from sqlalchemy.exc import IntegrityError

    row = session.execute(select(Period).where(Period.year == year, Period.month == month)).scalar_one_or_none()
    if row is not None:
        return row
    start, end = month_bounds(year, month)
    try:
        with session.begin_nested():
            row = Period(year=year, month=month, start_date=start, end_date=end, status="open")
            session.add(row)
    except IntegrityError:
        row = session.execute(select(Period).where(Period.year == year, Period.month == month)).scalar_one()
    return row


def list_periods() -> list[Period]:
    return list(session.execute(select(Period).order_by(Period.year.desc(), Period.month.desc())).scalars())


def get_period(period_id: uuid.UUID | str) -> Period:
    row = get_or_none(Period, period_id)
    if row is None:
        raise NotFound("period", period_id)
    return row


def period_by_key(key: str, *, create: bool = False) -> Period:
    year, month = parse_key(key)
    row = session.execute(select(Period).where(Period.year == year, Period.month == month)).scalar_one_or_none()
    if row is None:
        if not create:
            raise NotFound("period", key)
        row = ensure(year, month)
    return row


def lock(period: Period) -> Period:
    """The period row locked until the transaction ends: closing waits for postings into it
    and postings wait for the close, so nothing slips into a period as it closes."""
    return locked(Period, period.id, "period")


def close(period_id: uuid.UUID) -> Period:
    """Close a period: nothing more posts into it. Refused while vouchers dated in it still
    wait for an exchange rate (book them first, or they would move to the next period)."""
    period = lock(get_period(period_id))
    if period.status == "closed":
        raise InvalidTransition(Msg("entity.period", ref=period.key), "closed", "close")
    waiting = session.execute(
        select(func.count())
        .select_from(Voucher)
        .where(Voucher.status == "waiting_rate", Voucher.period_id == period.id)
    ).scalar_one()
    if waiting:
        raise InvalidTransition(
            Msg("entity.period", ref=period.key),
            "open",
            "close",
            Msg("finance.vouchers_wait_for_rate", waiting=waiting),
        )
    period.status = "closed"
    period.closed_at = utcnow()
    period.closed_by = str(current_actor())[:200]
    session.flush()
    return period


def reopen(period_id: uuid.UUID) -> Period:
    period = lock(get_period(period_id))
    if period.status == "open":
        raise InvalidTransition(Msg("entity.period", ref=period.key), "open", "reopen")
    period.status = "open"
    period.reopened_at = utcnow()
    period.reopened_by = str(current_actor())[:200]
    session.flush()
    return period


def month_keys(first: str, last: str, limit: int = 120) -> list[str]:
    """ "2026-01".."2026-04" -> every month between, at most `limit`."""
    y, m = parse_key(first)
    end = parse_key(last)
    if (y, m) > end:
        raise ValidationError.field("period_to", Msg("finance.not_before_period_from"))
    out = []
    while (y, m) <= end and len(out) < limit:
        out.append(f"{y:04d}-{m:02d}")
        y, m = next_month(y, m)
    return out
