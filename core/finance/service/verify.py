"""Proving the books: every voucher balances, the balance rows equal the lines they were kept
from, and the trial balance sums to zero (reference finance.md §6). `tradelane finance
verify` and the nightly job run it, as `tradelane inventory verify` does for stock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from core.db import session
from core.finance.models import Balance, Voucher, VoucherLine

ZERO = Decimal(0)


@dataclass
class Problem:
    check: str
    subject: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "subject": self.subject, "detail": self.detail}


@dataclass
class LedgerReport:
    vouchers: int = 0
    lines: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "vouchers": self.vouchers,
            "lines": self.lines,
            "problems": [p.to_json() for p in self.problems],
        }


def _signed(column: Any) -> Any:
    return case((VoucherLine.side == "debit", column), else_=-column)


def check_ledger(report: LedgerReport | None = None) -> LedgerReport:
    report = report or LedgerReport()
    report.vouchers = session.execute(
        select(func.count()).select_from(Voucher).where(Voucher.status == "posted")
    ).scalar_one()
    report.lines = session.execute(select(func.count()).select_from(VoucherLine)).scalar_one()
    # 1. Every voucher balances in the functional currency. Rounded to the values' scale: SQLite
    # (the embedded demo) sums NUMERIC as floating point, which leaves noise like 1e-14.
    unbalanced = session.execute(
        select(VoucherLine.voucher_id, func.sum(_signed(VoucherLine.value)))
        .group_by(VoucherLine.voucher_id)
        .having(func.round(func.sum(_signed(VoucherLine.value)), 4) != 0)
        .limit(100)
    ).all()
    numbers = dict(
        session.execute(select(Voucher.id, Voucher.number).where(Voucher.id.in_([vid for vid, _ in unbalanced]))).all()
    )
    for vid, diff in unbalanced:
        report.problems.append(Problem("voucher balances", numbers.get(vid) or str(vid), f"off by {diff}"))
    # 2. Posted vouchers have lines; waiting ones have none.
    empty = session.execute(
        select(Voucher.number)
        .where(Voucher.status == "posted", ~select(VoucherLine.id).where(VoucherLine.voucher_id == Voucher.id).exists())
        .limit(100)
    ).scalars()
    for number in empty:
        report.problems.append(Problem("voucher has lines", number, "a posted voucher without lines"))
    # 3. The balance rows equal the lines, per account, period and currency.
    from_lines = {
        (a, p, c): (Decimal(d), Decimal(cr), Decimal(amt))
        for a, p, c, d, cr, amt in session.execute(
            select(
                VoucherLine.account_id,
                VoucherLine.period_id,
                VoucherLine.currency,
                func.sum(case((VoucherLine.side == "debit", VoucherLine.value), else_=0)),
                func.sum(case((VoucherLine.side == "credit", VoucherLine.value), else_=0)),
                func.sum(_signed(VoucherLine.amount)),
            ).group_by(VoucherLine.account_id, VoucherLine.period_id, VoucherLine.currency)
        ).all()
    }
    stored = {
        (b.account_id, b.period_id, b.currency): (Decimal(b.debit), Decimal(b.credit), Decimal(b.amount))
        for b in session.execute(select(Balance)).scalars()
    }
    for key in sorted(set(from_lines) | set(stored), key=str):
        want = from_lines.get(key, (ZERO, ZERO, ZERO))
        have = stored.get(key, (ZERO, ZERO, ZERO))
        if want != have:
            report.problems.append(
                Problem("balances equal lines", _key(key), f"stored {_triple(have)}, lines say {_triple(want)}")
            )
    # 4. The trial balance sums to zero.
    total = sum((d - c for d, c, _ in stored.values()), ZERO)
    if total != 0:
        report.problems.append(Problem("trial balance is zero", "all accounts", f"sums to {total}"))
    return report


def _key(key: tuple[uuid.UUID, uuid.UUID, str]) -> str:
    return f"account {key[0]} period {key[1]} {key[2]}"


def _triple(t: tuple[Decimal, Decimal, Decimal]) -> str:
    return f"debit {t[0]}, credit {t[1]}, amount {t[2]}"


STOCK_ROLES = ("inventory", "in_transit")


def stock_accounts() -> set[uuid.UUID]:
    """The accounts stock is valued in: the template's inventory and in-transit accounts,
    their per-warehouse sub-accounts, and any account a tenant mapped those roles to."""
    from core.finance.models import Account, AccountMapping

    base = set(session.execute(select(Account.id).where(Account.role.in_(STOCK_ROLES))).scalars())
    subs = set(session.execute(select(Account.id).where(Account.parent_id.in_(base))).scalars()) if base else set()
    mapped = set(
        session.execute(select(AccountMapping.account_id).where(AccountMapping.role.in_(STOCK_ROLES))).scalars()
    )
    return base | subs | mapped


def stock_by_warehouse() -> dict[uuid.UUID | None, Decimal]:
    """What the stock accounts hold per warehouse (every stock line names its warehouse)."""
    accounts = stock_accounts()
    if not accounts:
        return {}
    rows = session.execute(
        select(VoucherLine.warehouse_id, func.sum(_signed(VoucherLine.value)))
        .where(VoucherLine.account_id.in_(accounts))
        .group_by(VoucherLine.warehouse_id)
    ).all()
    return {wh: Decimal(v) for wh, v in rows}


def check_stock(report: LedgerReport) -> LedgerReport:
    """The stock accounts agree with inventory's valuation, warehouse by warehouse (reference
    finance.md §6: subledgers equal their control accounts)."""
    from core.inventory.service import list_buckets

    valuation: dict[uuid.UUID | None, Decimal] = {}
    for b in list_buckets():
        if b.bundle_available is None:  # a virtual bundle holds no stock of its own
            valuation[b.warehouse_id] = valuation.get(b.warehouse_id, ZERO) + Decimal(b.stock_value)
    books = stock_by_warehouse()
    waiting = session.execute(
        select(func.count()).select_from(Voucher).where(Voucher.status == "waiting_rate")
    ).scalar_one()
    from core.finance.models import UnbookedEvent

    unbooked = session.execute(
        select(func.count()).select_from(UnbookedEvent).where(UnbookedEvent.status == "open")
    ).scalar_one()
    hint = ""
    if waiting or unbooked:
        hint = f" ({waiting} voucher(s) wait for a rate, {unbooked} event(s) are not booked)"
    from core.finance.service.setup import functional_currency
    from core.money import quantum

    q = quantum(functional_currency())
    for wh in sorted(set(valuation) | set(books), key=str):
        have, want = books.get(wh, ZERO).quantize(q), valuation.get(wh, ZERO).quantize(q)
        if have != want:
            report.problems.append(
                Problem(
                    "stock accounts equal the stock valuation",
                    f"warehouse {wh}" if wh else "lines without a warehouse",
                    f"the books hold {have}, inventory values the stock at {want}, {want - have} more{hint}",
                )
            )
    return report


def verify() -> LedgerReport:
    """Every check of the books: vouchers, balances, the trial balance, the stock valuation."""
    return check_stock(check_ledger())
