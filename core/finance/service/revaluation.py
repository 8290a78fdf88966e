"""Period-end revaluation of monetary items in foreign currency (reference finance.md §2.5).

For every monetary account (receivables, payables, bank and clearing accounts, the accrual;
never inventory, prepayments for goods or lent stock: §2.3) and every foreign currency it
holds, `delta = foreign balance x closing rate - functional balance` is posted on the period's
last day against exchange gains and losses, and reversed on the first day of the next period
(style (a) of §2.5: a later payment then realises its difference against the original rate,
keeping realised and unrealised apart). The job runs on the `finance` queue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import session
from core.errors import InvalidTransition, ValidationError
from core.finance.ledger import DEBIT, Draft, Entry
from core.finance.models import Account, Balance, Period, Voucher
from core.finance.service import posting, rates
from core.finance.service.periods import period_by_key
from core.finance.service.setup import functional_currency, settings
from core.finance.service.vouchers import get_voucher, reverse
from core.messages import Msg
from core.money import round_money

ZERO = Decimal(0)
# The closing rate is the rate of the balance-sheet date (reference finance.md §2.5). A stored
# rate covers the days after it only across a holiday (Golden Week is seven days), not the
# month that a transaction's rate may span: a month-old rate would revalue at the wrong rate.
CLOSING_RATE_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Position:
    account_id: uuid.UUID
    currency: str
    foreign: Decimal
    functional: Decimal


def positions(period: Period) -> list[Position]:
    """Foreign-currency balances of monetary accounts at the end of `period`."""
    functional = functional_currency()
    b, p, a = Balance, Period, Account
    rows = session.execute(
        select(b.account_id, b.currency, func.sum(b.amount), func.sum(b.debit - b.credit))
        .join(p, p.id == b.period_id)
        .join(a, a.id == b.account_id)
        .where(p.start_date <= period.start_date, a.monetary.is_(True), b.currency != functional)
        .group_by(b.account_id, b.currency)
    ).all()
    return [Position(acc, cur, Decimal(fx), Decimal(fn)) for acc, cur, fx, fn in rows if fx or fn]


def entries(found: list[Position], closing: dict[str, Decimal], functional: str, on: object) -> list[Entry]:
    """One line per account and currency that moved, and the exchange difference against
    them (all on the debit side with signed values: a gain is red), or none."""
    out = []
    total = ZERO
    for pos in sorted(found, key=lambda x: (str(x.account_id), x.currency)):
        delta = round_money(pos.foreign * closing[pos.currency], functional) - round_money(pos.functional, functional)
        if delta:
            out.append(
                Entry(
                    DEBIT,
                    ZERO,
                    pos.currency,
                    account_id=pos.account_id,
                    value=delta,
                    rate=closing[pos.currency],
                    rate_date=on,
                )
            )
            total += delta
    if out:
        out.append(Entry(DEBIT, -total, functional, role="fx", value=-total))
    return out


def revalue(period_key: str) -> dict[str, object]:
    """Revalue the period's monetary balances and reverse it on the next period's first day.
    Running it again posts only what changed since (often nothing)."""
    st = settings()
    functional = functional_currency()
    period = period_by_key(period_key)
    if period.status != "open":
        raise InvalidTransition(Msg("entity.period", ref=period.key), period.status, "revalue")
    found = positions(period)
    needed = {(pos.currency, period.end_date) for pos in found}
    known = rates.lookup(needed, functional, window_days=CLOSING_RATE_WINDOW_DAYS)
    missing = sorted(needed - set(known))
    if missing:
        raise ValidationError(
            {
                "rates": [
                    f"no closing rate {cur}/{functional} on {on.isoformat()} "
                    f"or in the {CLOSING_RATE_WINDOW_DAYS} days before"
                    for cur, on in missing
                ]
            }
        )
    lines = entries(found, {cur: known[(cur, period.end_date)] for cur, _ in needed}, functional, period.end_date)
    if not lines:
        return {"period": period.key, "voucher": None, "reversal": None, "lines": 0}
    runs = session.execute(
        select(func.count()).select_from(Voucher).where(Voucher.kind == "revaluation", Voucher.source_id == period.key)
    ).scalar_one()
    memo = (
        f"期末汇兑损益调整 {period.key}"
        if st.chart == "cn"
        else f"Period-end revaluation of foreign balances {period.key}"
    )
    draft = Draft(
        kind="revaluation",
        document_date=period.end_date,
        memo=memo,
        source_type="revaluation",
        source_id=period.key,
        source_number=period.key,
        source_key=f"revaluation:{period.key}:{runs + 1}",
        entries=tuple(lines),
        rule="revaluation",
    )
    (vid,) = posting.post([draft])
    voucher = get_voucher(vid)
    back = reverse(
        vid,
        on=period.end_date + timedelta(days=1),
        memo=(
            f"冲回 {period.key} 期末汇兑损益调整" if st.chart == "cn" else f"Reversal of the {period.key} revaluation"
        ),
    )
    return {"period": period.key, "voucher": voucher.number, "reversal": back.number, "lines": len(lines) - 1}


def revalue_last_month() -> dict[str, object]:
    """The month before today's (tenant time), if it is open and was never revalued."""
    from core.db import utcnow
    from core.finance.service.periods import month_bounds
    from core.finance.service.setup import find_settings, tenant_facts

    if find_settings() is None:
        return {"skipped": "finance is not set up"}
    today = tenant_facts().local_date(utcnow())
    last = month_bounds(today.year, today.month)[0] - timedelta(days=1)
    key = f"{last.year:04d}-{last.month:02d}"
    period = session.execute(
        select(Period).where(Period.year == last.year, Period.month == last.month)
    ).scalar_one_or_none()
    if period is None or period.status != "open":
        return {"skipped": f"period {key} is not open"}
    done = session.execute(
        select(func.count()).select_from(Voucher).where(Voucher.kind == "revaluation", Voucher.source_id == key)
    ).scalar_one()
    if done:
        return {"skipped": f"period {key} is revalued"}
    if not positions(period):
        return {"skipped": f"period {key} holds no foreign monetary balances"}
    return revalue(key)
