"""Posting: the one way vouchers are written.

`post(drafts)` takes drafts (from a rule, a person, a reversal, the revaluation), and in the
caller's transaction:
1. skips drafts whose `source_key` already has a voucher (the same event delivered twice, a
   retried job): posting is idempotent, the earlier voucher is returned;
2. resolves roles to accounts, converts at the transaction date's rates and balances each
   voucher with an explicit rounding or FX line (`core.finance.ledger`);
3. holds a voucher whose rate is not known as "waiting for a rate" (no number, no lines yet);
4. numbers the rest per period (记-0001, ...), writes vouchers and lines in bulk and adds
   their turnover to the balance rows of each account and period, in a stable order.

`book_waiting()` posts the vouchers that waited once their rates are there.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from core import numbering
from core.db import bulk_insert, session, utcnow, uuid7
from core.errors import Conflict, ValidationError
from core.finance.charts import VOUCHER_PREFIX
from core.finance.ledger import Draft, Line, MissingRate, Unbalanced, balance, convert, rates_needed, totals
from core.finance.models import Balance, Period, Voucher, VoucherLine
from core.finance.service import accounts, rates
from core.finance.service.periods import Periods
from core.finance.service.setup import functional_currency, settings
from core.messages import Msg
from core.tenancy import current_actor, current_tenant_id

CHUNK = 1000


@dataclass
class Prepared:
    draft: Draft
    period: Period
    date: date
    lines: list[Line] | None  # None while waiting
    missing: list[MissingRate]


class PostingError(ValidationError):
    """A draft that cannot be posted (unbalanced, an account that takes no postings)."""


def existing_vouchers(keys: Iterable[str]) -> dict[str, uuid.UUID]:
    keys = list(dict.fromkeys(keys))
    out: dict[str, uuid.UUID] = {}
    for i in range(0, len(keys), CHUNK):
        part = keys[i : i + CHUNK]
        out.update(session.execute(select(Voucher.source_key, Voucher.id).where(Voucher.source_key.in_(part))).all())
    return out


def post(drafts: Sequence[Draft]) -> list[uuid.UUID]:
    """Post the drafts; returns each one's voucher id (the earlier voucher for a replay)."""
    if not drafts:
        return []
    existing = existing_vouchers(d.source_key for d in drafts)
    fresh: dict[str, Draft] = {}
    for d in drafts:
        if d.source_key not in existing and d.source_key not in fresh:
            fresh[d.source_key] = d
    if fresh:
        prepared = prepare(list(fresh.values()))
        ids = write(prepared)
        existing.update(zip(fresh, ids))
    return [existing[d.source_key] for d in drafts]


def prepare(drafts: Sequence[Draft], *, at: tuple[Period, date] | None = None) -> list[Prepared]:
    """Resolve, convert and balance (no writes but automatic sub-accounts and periods).
    `at` posts every draft into that period on that date (a replay compares like that)."""
    functional = functional_currency()
    resolver = accounts.Resolver()
    periods = Periods()
    resolved = [_resolve(d, resolver) for d in drafts]
    needed: set[tuple[str, date]] = set()
    for d in resolved:
        needed |= rates_needed(d, functional)
    known = rates.lookup(needed, functional)
    rounding = resolver.account("rounding")
    out: list[Prepared] = []
    for d in resolved:
        period, day = at or periods.for_date(d.document_date)
        lines, missing = convert(d, functional, known)
        if missing:
            out.append(Prepared(d, period, day, None, missing))
            continue
        role = d.difference_role
        try:
            lines = balance(
                lines,
                functional,
                day,
                rounding_account=rounding,
                difference_account=resolver.account(role, d.rule) if role else None,
                difference_kind="fx" if role == "fx" else "variance",
            )
        except Unbalanced as exc:
            raise PostingError({"lines": [str(exc)]}, f"{d.memo or d.source_key}: {exc}") from None
        out.append(Prepared(d, period, day, lines, []))
    _check_accounts(out)
    return out


def _resolve(d: Draft, resolver: accounts.Resolver) -> Draft:
    entries = []
    for e in d.entries:
        if e.account_id is None:
            if not e.role:
                raise ValueError("an entry needs a role or an account")
            e = replace(e, account_id=resolver.account(e.role, d.rule, e.dims))
        entries.append(e)
    return d.with_entries(entries)


def _check_accounts(prepared: list[Prepared]) -> None:
    currencies: dict[uuid.UUID, set[str]] = defaultdict(set)
    for p in prepared:
        for line in p.lines or ():
            currencies[line.account_id].add(line.currency)
    problems = accounts.check_postable(currencies, currencies)
    if problems:
        raise PostingError({f"accounts.{code}": msgs for code, msgs in problems.items()})


def _base(now: Any) -> dict[str, Any]:
    return {"id": uuid7(), "tenant_id": current_tenant_id(), "created_at": now, "updated_at": now}


def write(prepared: list[Prepared], *, waiting_ids: dict[str, uuid.UUID] | None = None) -> list[uuid.UUID]:
    """Write prepared vouchers. `waiting_ids` maps the source key of a voucher that waited
    to its row, which is then completed instead of inserted."""
    waiting_ids = waiting_ids or {}
    now, functional, actor = utcnow(), functional_currency(), str(current_actor())[:200]
    prefix = VOUCHER_PREFIX[settings().chart]
    _lock_periods({p.period.id for p in prepared if p.lines is not None})
    numbers = _numbers([p.period for p in prepared if p.lines is not None])
    vouchers: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    ids: list[uuid.UUID] = []
    for p in prepared:
        d = p.draft
        vid = waiting_ids.get(d.source_key) or uuid7()
        ids.append(vid)
        posted = p.lines is not None
        seq = next(numbers[p.period.id]) if posted else None
        debit, _credit = totals(p.lines or ())
        row = {
            "period_id": p.period.id,
            "number": f"{prefix}-{seq:04d}" if seq is not None else None,
            "seq": seq,
            "status": "posted" if posted else "waiting_rate",
            "date": p.date,
            "note": d.note or _moved_note(d.document_date, p.period),
            "total": debit,
            "draft": None if posted else d.to_json(),
            "waiting_for": None if posted else [m.to_json() for m in p.missing],
            "posted_at": now if posted else None,
        }
        if d.source_key in waiting_ids:
            if posted:
                completed.append({"id": vid, **row, "updated_at": now})
        else:
            vouchers.append(
                {
                    **_base(now),
                    "id": vid,
                    **row,
                    "kind": d.kind,
                    "document_date": d.document_date,
                    "memo": d.memo[:500],
                    "source_type": d.source_type,
                    "source_id": d.source_id[:64],
                    "source_number": d.source_number[:64],
                    "source_key": d.source_key,
                    "event_id": d.event_id,
                    "event_name": d.event_name,
                    "rule": d.rule,
                    "reverses_id": d.reverses_id,
                    "currency": functional,
                    "created_by": actor,
                }
            )
        for n, line in enumerate(p.lines or (), start=1):
            lines.append(
                {
                    **_base(now),
                    "voucher_id": vid,
                    "position": n,
                    "period_id": p.period.id,
                    "date": p.date,
                    "account_id": line.account_id,
                    "side": line.side,
                    "value": line.value,
                    "currency": line.currency,
                    "amount": line.amount,
                    "rate": line.rate,
                    "rate_date": line.rate_date,
                    "kind": line.kind,
                    "memo": line.memo[:200],
                    "shop_id": line.dims.shop_id,
                    "warehouse_id": line.dims.warehouse_id,
                    "supplier_id": line.dims.supplier_id,
                    "sku_id": line.dims.sku_id,
                    "order_id": line.dims.order_id,
                }
            )
    for i in range(0, len(vouchers), CHUNK):
        bulk_insert(Voucher.__table__, vouchers[i : i + CHUNK])
    if completed:
        _complete(completed)
    for i in range(0, len(lines), CHUNK * 4):
        bulk_insert(VoucherLine.__table__, lines[i : i + CHUNK * 4])
    add_to_balances(lines)
    return ids


def _lock_periods(ids: set[uuid.UUID]) -> None:
    """Share-lock the periods posted into: a concurrent close waits for this transaction, and
    a period closed meanwhile is refused (the caller retries and posts to the next one)."""
    if not ids:
        return
    rows = session.execute(
        select(Period.id, Period.status, Period.year, Period.month)
        .where(Period.id.in_(ids))
        .order_by(Period.id)
        .with_for_update(read=True)
    ).all()
    closed = [f"{r.year:04d}-{r.month:02d}" for r in rows if r.status != "open"]
    if closed:
        raise Conflict(Msg("finance.period_was_closed_meanwhile", items=", ".join(closed)), {"period": ["closed"]})


def _moved_note(document_date: date, period: Period) -> str:
    if (document_date.year, document_date.month) == (period.year, period.month):
        return ""
    if settings().chart == "cn":
        return f"单据日期 {document_date.isoformat()} 所在期间已结账，记入 {period.key}"
    return f"Dated {document_date.isoformat()} in a closed period; posted in {period.key}"


def _numbers(periods: list[Period]) -> dict[uuid.UUID, Any]:
    """Consecutive numbers per period, taken in one statement each (no gaps: the sequence
    moves in the posting's own transaction)."""
    counts: dict[uuid.UUID, int] = defaultdict(int)
    by_id: dict[uuid.UUID, Period] = {}
    for p in periods:
        counts[p.id] += 1
        by_id[p.id] = p
    out = {}
    for pid, n in counts.items():
        name = f"finance_voucher:{by_id[pid].key}"
        first = numbering.next_value(name)  # creates the sequence on first use, without a gap
        out[pid] = iter([first, *numbering.next_values(name, n - 1)])
    return out


def _complete(rows: list[dict[str, Any]]) -> None:
    table = Voucher.__table__
    for row in rows:
        vid = row.pop("id")
        session.execute(
            update(table).where(table.c.id == vid, table.c.status == "waiting_rate").values(**row),
        )


def add_to_balances(lines: list[dict[str, Any]]) -> None:
    """Add the lines' turnover to the balance rows (insert or add), one row per account,
    period and currency, in a stable order so concurrent postings never deadlock."""
    sums: dict[tuple[uuid.UUID, uuid.UUID, str], list[Decimal]] = {}
    for line in lines:
        key = (line["account_id"], line["period_id"], line["currency"])
        acc = sums.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        if line["side"] == "debit":
            acc[0] += line["value"]
            acc[2] += line["amount"]
        else:
            acc[1] += line["value"]
            acc[2] -= line["amount"]
    if not sums:
        return
    now, tenant_id = utcnow(), current_tenant_id()
    rows = [
        {
            "id": uuid7(),
            "tenant_id": tenant_id,
            "created_at": now,
            "updated_at": now,
            "account_id": account_id,
            "period_id": period_id,
            "currency": currency,
            "debit": debit,
            "credit": credit,
            "amount": amount,
        }
        for (account_id, period_id, currency), (debit, credit, amount) in sorted(
            sums.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]), kv[0][2])
        )
    ]
    table = Balance.__table__
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    stmt = ins.on_conflict_do_update(
        index_elements=["tenant_id", "account_id", "period_id", "currency"],
        set_={
            "debit": table.c.debit + ins.excluded.debit,
            "credit": table.c.credit + ins.excluded.credit,
            "amount": table.c.amount + ins.excluded.amount,
            "updated_at": ins.excluded.updated_at,
        },
    )
    for i in range(0, len(rows), CHUNK):
        session.execute(stmt, rows[i : i + CHUNK])


# ---------------------------------------------------------------------------------------------
# Vouchers waiting for a rate


def waiting_vouchers(limit: int | None = None) -> list[Voucher]:
    stmt = select(Voucher).where(Voucher.status == "waiting_rate").order_by(Voucher.document_date, Voucher.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt.with_for_update()).scalars())


def book_waiting() -> int:
    """Post every waiting voucher whose rates are now known. Returns how many were posted."""
    rows = waiting_vouchers()
    if not rows:
        return 0
    prepared = prepare([Draft.from_json(v.draft) for v in rows if v.draft])
    ready = [p for p in prepared if p.lines is not None]
    if not ready:
        return 0
    write(ready, waiting_ids={v.source_key: v.id for v in rows})
    session.expire_all()
    return len(ready)
