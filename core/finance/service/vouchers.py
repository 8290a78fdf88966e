"""Vouchers: reading them, manual vouchers for adjustments, and reversals (红字冲销).

A posted voucher is never edited or deleted. A correction is a reversal that names what it
reverses, then a new voucher (reference finance.md §1.1, 《会计基础工作规范》第五十一条). A
reversal cannot itself be reversed, and a voucher is reversed at most once.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select

from core import money
from core import validation as f
from core.db import get_or_none, session, uuid7
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry, rates_needed, reversed_lines
from core.finance.models import Account, Period, Voucher, VoucherLine
from core.finance.service import accounts, posting, rates
from core.finance.service.setup import functional_currency, settings, tenant_facts
from core.messages import Msg

MAX_LINES = 500


def get_voucher(voucher_id: uuid.UUID | str) -> Voucher:
    v = get_or_none(Voucher, voucher_id)
    if v is None:
        raise NotFound("voucher", voucher_id)
    return v


def lines_of(voucher_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[VoucherLine]]:
    out: dict[uuid.UUID, list[VoucherLine]] = {vid: [] for vid in voucher_ids}
    if not voucher_ids:
        return out
    rows = session.execute(
        select(VoucherLine)
        .where(VoucherLine.voucher_id.in_(voucher_ids))
        .order_by(VoucherLine.voucher_id, VoucherLine.position)
    ).scalars()
    for line in rows:
        out[line.voucher_id].append(line)
    return out


def voucher_query(
    *,
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    account_id: uuid.UUID | None = None,
    source_type: str | None = None,
    source_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> Any:
    stmt = select(Voucher).order_by(Voucher.date.desc(), Voucher.seq.desc().nulls_first(), Voucher.id.desc())
    if period:
        from core.finance.service.periods import parse_key

        year, month = parse_key(period)
        stmt = stmt.join(Period, Period.id == Voucher.period_id).where(Period.year == year, Period.month == month)
    if date_from:
        stmt = stmt.where(Voucher.date >= date_from)
    if date_to:
        stmt = stmt.where(Voucher.date <= date_to)
    if account_id:
        stmt = stmt.where(exists().where(VoucherLine.voucher_id == Voucher.id, VoucherLine.account_id == account_id))
    if source_type:
        stmt = stmt.where(Voucher.source_type == source_type)
    if source_id:
        stmt = stmt.where(Voucher.source_id == source_id)
    if status:
        stmt = stmt.where(Voucher.status == status)
    if kind:
        stmt = stmt.where(Voucher.kind == kind)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(Voucher.number.like(like) | Voucher.memo.like(like) | Voucher.source_number.like(like))
    return stmt


def vouchers_for_document(source_type: str, source_id: str) -> list[Voucher]:
    """Drill-down from a business document: every voucher it produced (and their reversals)."""
    return list(
        session.execute(
            select(Voucher)
            .where(Voucher.source_type == source_type, Voucher.source_id == str(source_id))
            .order_by(Voucher.date, Voucher.seq)
        ).scalars()
    )


def reversal_of(voucher_id: uuid.UUID) -> Voucher | None:
    return session.execute(select(Voucher).where(Voucher.reverses_id == voucher_id)).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# Manual vouchers


def create_manual(data: dict[str, Any]) -> Voucher:
    """A voucher entered by hand: an adjustment, an opening balance, a correction after a
    reversal. Each line names an account (id or code), a debit or a credit in its currency
    (the functional one by default) and optional dimensions. Foreign lines are converted at
    the voucher date's rate; without a rate the voucher is refused, naming the pair and date."""
    settings()
    functional = functional_currency()
    errors = f.Errors()
    day = data.get("date")
    if not isinstance(day, date):
        errors.add("date", Msg("required"))
    memo = f.text(errors, "memo", data.get("memo"), max_len=500, required=True)
    raw_lines = data.get("lines") or []
    if len(raw_lines) < 2:
        errors.add("lines", Msg("finance.voucher_two_lines"))
    if len(raw_lines) > MAX_LINES:
        errors.add("lines", Msg("finance.use_at_most_lines", max_lines=MAX_LINES))
    entries = [_manual_entry(errors, f"lines.{i}", line, functional) for i, line in enumerate(raw_lines)]
    errors.raise_if_any()
    key = uuid7()
    draft = Draft(
        kind="manual",
        document_date=day,
        memo=memo,
        source_type="manual",
        source_id=str(key),
        source_key=f"manual:{key}",
        entries=tuple(e for e in entries if e is not None),
    )
    known = rates.lookup(rates_needed(draft, functional), functional)
    missing = sorted(rates_needed(draft, functional) - set(known))
    if missing:
        raise ValidationError(
            {
                "lines": [
                    f"no exchange rate {cur}/{functional} on {on.isoformat()}: enter it under exchange rates"
                    for cur, on in missing
                ]
            }
        )
    (vid,) = posting.post([draft])
    return get_voucher(vid)


def _manual_entry(errors: f.Errors, path: str, line: dict[str, Any], functional: str) -> Entry | None:
    account = _manual_account(errors, path, line)
    debit, credit = line.get("debit"), line.get("credit")
    amounts = [
        (side, f.decimal(errors, f"{path}.{side}", raw, places=4, minimum=None))
        for side, raw in ((DEBIT, debit), (CREDIT, credit))
        if raw not in (None, "")
    ]
    amounts = [(side, amt) for side, amt in amounts if amt is not None]
    if len(amounts) != 1 or amounts[0][1] == 0:
        errors.add(path, Msg("finance.debit_or_credit"))
        return None
    currency = str(line.get("currency") or functional).strip().upper()
    if not money.is_currency(currency):
        errors.add(f"{path}.currency", Msg("finance.not_iso_currency_2", currency=repr(currency)))
        return None
    side, amount = amounts[0]
    if amount != money.round_money(amount, currency):
        errors.add(
            f"{path}.{side}",
            Msg("finance.use_at_most_decimals", places=money.minor_unit(currency), currency=currency),
        )
    dims = line.get("dims") or {}
    if account is None:
        return None
    return Entry(
        side=side,
        amount=amount,
        currency=currency,
        account_id=account.id,
        dims=Dims(**{k: dims.get(k) for k in Dims.__dataclass_fields__ if dims.get(k)}),
        memo=f.text(errors, f"{path}.memo", line.get("memo"), max_len=200),
    )


def _manual_account(errors: f.Errors, path: str, line: dict[str, Any]) -> Account | None:
    if line.get("account_id"):
        acc = get_or_none(Account, line["account_id"])
    elif line.get("account"):
        acc = accounts.account_by_code(str(line["account"]).strip())
    else:
        errors.add(f"{path}.account", Msg("required"))
        return None
    if acc is None:
        errors.add(f"{path}.account", Msg("finance.no_such_account"))
    return acc


# ---------------------------------------------------------------------------------------------
# Reversal


def reverse(voucher_id: uuid.UUID, *, on: date | None = None, memo: str | None = None) -> Voucher:
    """Reverse a posted voucher with a voucher that names it: red-letter by default (same
    sides, negative amounts), or swapped sides if the tenant chose so. Dated `on` (default:
    today in the tenant's time zone), in the first open period from there."""
    original = get_voucher(voucher_id)
    if original.status != "posted":
        raise InvalidTransition(
            Msg("entity.voucher", ref=original.id), original.status, "reverse", Msg("finance.voucher_not_posted")
        )
    if original.kind == "reversal":
        raise InvalidTransition(
            Msg("entity.voucher", ref=original.number), "a reversal", "reverse", Msg("finance.reversal_not_reversed")
        )
    if reversal_of(original.id) is not None:
        raise Conflict(
            Msg("finance.voucher_already_reversed", number=original.number),
            {"voucher": [Msg("finance.already_reversed")]},
        )
    from core.db import utcnow

    st = settings()
    on = on or tenant_facts().local_date(utcnow())
    period = session.get(Period, original.period_id)
    if memo is None:
        when = original.date
        memo = (
            f"注销 {when.year}年{when.month}月{when.day}日 {original.number} 号凭证"
            if st.chart == "cn"
            else f"Reversal of {original.number} of {when.isoformat()} ({period.key if period else ''})"
        )
    lines = [
        posting_line(line)
        for line in session.execute(
            select(VoucherLine).where(VoucherLine.voucher_id == original.id).order_by(VoucherLine.position)
        ).scalars()
    ]
    entries = [
        Entry(
            side=line.side,
            amount=line.amount,
            currency=line.currency,
            account_id=line.account_id,
            value=line.value,
            dims=line.dims,
            memo=line.memo,
            kind=line.kind,
            rate=line.rate,
            rate_date=line.rate_date,
        )
        for line in reversed_lines(lines, st.reversal_style)
    ]
    draft = Draft(
        kind="reversal",
        document_date=on,
        memo=memo[:500],
        source_type=original.source_type,
        source_id=original.source_id,
        source_number=original.source_number,
        source_key=f"reversal:{original.id}",
        entries=tuple(entries),
        rule=original.rule,
        reverses_id=original.id,
    )
    (vid,) = posting.post([draft])
    return get_voucher(vid)


def posting_line(row: VoucherLine) -> Any:
    from core.finance.ledger import Line

    return Line(
        account_id=row.account_id,
        side=row.side,
        value=Decimal(row.value),
        currency=row.currency,
        amount=Decimal(row.amount),
        rate=Decimal(row.rate),
        rate_date=row.rate_date,
        dims=Dims(row.shop_id, row.warehouse_id, row.supplier_id, row.sku_id, row.order_id),
        memo=row.memo,
        kind=row.kind,
    )
