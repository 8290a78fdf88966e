"""Ledger reports in the functional currency, read from the balance rows (one per account,
period and currency), never by summing every voucher line: a trial balance over millions of
lines reads a few thousand rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from core.db import session
from core.finance.models import DEBIT_NORMAL, Account, Balance, Period
from core.finance.service.accounts import all_accounts
from core.finance.service.periods import period_by_key
from core.finance.service.setup import functional_currency
from core.money import quantum

ZERO = Decimal(0)


@dataclass
class TrialRow:
    account_id: uuid.UUID
    code: str
    name: str
    type: str
    level: int
    leaf: bool
    opening: Decimal = ZERO  # debit positive
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    def to_json(self) -> dict[str, Any]:
        def split(net: Decimal) -> tuple[str, str]:
            zero = str(net - net)  # 0.00, in the amounts' own precision
            return (str(net), zero) if net >= 0 else (zero, str(-net))

        od, oc = split(self.opening)
        cd, cc = split(self.closing)
        return {
            "account_id": str(self.account_id),
            "code": self.code,
            "name": self.name,
            "type": self.type,
            "level": self.level,
            "leaf": self.leaf,
            "opening_debit": od,
            "opening_credit": oc,
            "debit": str(self.debit),
            "credit": str(self.credit),
            "closing_debit": cd,
            "closing_credit": cc,
        }


@dataclass
class TrialBalance:
    period: str
    currency: str
    rows: list[TrialRow] = field(default_factory=list)

    def leaf_rows(self) -> list[TrialRow]:
        return [r for r in self.rows if r.leaf]

    @property
    def totals(self) -> dict[str, Decimal]:
        leaves = self.leaf_rows()
        return {
            "opening": sum((r.opening for r in leaves), ZERO),
            "debit": sum((r.debit for r in leaves), ZERO),
            "credit": sum((r.credit for r in leaves), ZERO),
            "closing": sum((r.closing for r in leaves), ZERO),
        }

    @property
    def balanced(self) -> bool:
        t = self.totals
        return t["opening"] == 0 and t["debit"] == t["credit"] and t["closing"] == 0

    def to_json(self) -> dict[str, Any]:
        t = self.totals
        return {
            "period": self.period,
            "currency": self.currency,
            "balanced": self.balanced,
            "totals": {k: str(v) for k, v in t.items()},
            "rows": [r.to_json() for r in self.rows],
        }


def account_sums(period: Period) -> dict[uuid.UUID, tuple[Decimal, Decimal, Decimal]]:
    """(opening net, period debit, period credit) per account, from the balance rows."""
    b, p = Balance, Period
    before = p.start_date < period.start_date
    stmt = (
        select(
            b.account_id,
            func.coalesce(func.sum(case((before, b.debit - b.credit), else_=0)), 0),
            func.coalesce(func.sum(case((p.id == period.id, b.debit), else_=0)), 0),
            func.coalesce(func.sum(case((p.id == period.id, b.credit), else_=0)), 0),
        )
        .join(p, p.id == b.period_id)
        .where(p.start_date <= period.start_date)
        .group_by(b.account_id)
    )
    q = quantum(functional_currency())
    return {
        row[0]: (Decimal(row[1]).quantize(q), Decimal(row[2]).quantize(q), Decimal(row[3]).quantize(q))
        for row in session.execute(stmt).all()
    }


def trial_balance(period_key: str) -> TrialBalance:
    """科目余额表: per account, the opening balance, the period's debits and credits and the
    closing balance; parents add up their sub-accounts. Leaf rows sum to zero."""
    period = period_by_key(period_key, create=True)
    sums = account_sums(period)
    accs = all_accounts()
    by_id = {a.id: a for a in accs}
    parents = {a.parent_id for a in accs if a.parent_id}
    rows: dict[uuid.UUID, TrialRow] = {}
    for a in accs:
        level, up = 1, a.parent_id
        while up is not None:
            level, up = level + 1, by_id[up].parent_id
        rows[a.id] = TrialRow(a.id, a.code, a.name, a.type, level, a.id not in parents)
    for account_id, (opening, debit, credit) in sums.items():
        acc: Account | None = by_id.get(account_id)
        while acc is not None:
            row = rows[acc.id]
            row.opening += opening
            row.debit += debit
            row.credit += credit
            acc = by_id.get(acc.parent_id) if acc.parent_id else None
    out = [
        rows[a.id]
        for a in accs
        if rows[a.id].opening or rows[a.id].debit or rows[a.id].credit or a.id in sums or a.parent_id is None
    ]
    return TrialBalance(period.key, functional_currency(), out)


def normal_balance(account_type: str, net: Decimal) -> Decimal:
    """A debit-positive net as the account's own sign (income positive on the credit side)."""
    return net if account_type in DEBIT_NORMAL else -net


# ---------------------------------------------------------------------------------------------
# General ledger of one account


def general_ledger(account_id: uuid.UUID, period_key: str) -> dict[str, Any]:
    """明细账: the account's (and its sub-accounts') opening balance, every line of the period
    with the running balance, and the closing balance."""
    from core.finance.models import Voucher, VoucherLine
    from core.finance.service.accounts import get_account

    acc = get_account(account_id)
    period = period_by_key(period_key, create=True)
    ids = _with_descendants(acc.id)
    sums = account_sums(period)
    opening = sum((sums.get(i, (ZERO, ZERO, ZERO))[0] for i in ids), ZERO)
    q = quantum(functional_currency())
    rows = session.execute(
        select(VoucherLine, Voucher.number, Voucher.memo, Voucher.id)
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(VoucherLine.account_id.in_(ids), VoucherLine.period_id == period.id)
        .order_by(VoucherLine.date, Voucher.seq, VoucherLine.position)
    ).all()
    running = opening
    lines = []
    for line, number, memo, vid in rows:
        debit, credit = line.debit.quantize(q), line.credit.quantize(q)
        running += debit - credit
        lines.append(
            {
                "date": line.date.isoformat(),
                "voucher_id": str(vid),
                "number": number,
                "memo": line.memo or memo,
                "debit": str(debit),
                "credit": str(credit),
                "currency": line.currency,
                "amount": str(line.amount),
                "rate": str(line.rate),
                "balance": str(running),
            }
        )
    return {
        "account": {"id": str(acc.id), "code": acc.code, "name": acc.name, "type": acc.type},
        "period": period.key,
        "currency": functional_currency(),
        "opening": str(opening),
        "debit": str(sum((Decimal(x["debit"]) for x in lines), ZERO).quantize(q)),
        "credit": str(sum((Decimal(x["credit"]) for x in lines), ZERO).quantize(q)),
        "closing": str(running),
        "lines": lines,
    }


def _with_descendants(account_id: uuid.UUID) -> list[uuid.UUID]:
    accs = all_accounts()
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for a in accs:
        if a.parent_id:
            children.setdefault(a.parent_id, []).append(a.id)
    out, todo = [], [account_id]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, ()))
    return out


# ---------------------------------------------------------------------------------------------
# Balance sheet and profit and loss


def _top_level(tb: TrialBalance) -> list[TrialRow]:
    return [r for r in tb.rows if r.level == 1]


def balance_sheet(period_key: str) -> dict[str, Any]:
    """资产负债表 at the period's end: assets against liabilities and equity, with the profit
    not yet closed to equity shown as current earnings, so both sides are equal."""
    tb = trial_balance(period_key)
    sections: dict[str, list[dict[str, str]]] = {"asset": [], "liability": [], "equity": []}
    earnings = ZERO
    for row in _top_level(tb):
        if row.type in ("income", "expense"):
            earnings -= row.closing  # income has a credit (negative) closing balance
            continue
        amount = normal_balance(row.type, row.closing)
        if amount:
            sections[row.type].append({"code": row.code, "name": row.name, "amount": str(amount)})
    totals = {k: sum((Decimal(x["amount"]) for x in v), ZERO) for k, v in sections.items()}
    totals["earnings"] = earnings
    return {
        "period": tb.period,
        "currency": tb.currency,
        "assets": sections["asset"],
        "liabilities": sections["liability"],
        "equity": sections["equity"],
        "current_earnings": str(earnings),
        "total_assets": str(totals["asset"]),
        "total_liabilities_and_equity": str(totals["liability"] + totals["equity"] + earnings),
        "balanced": totals["asset"] == totals["liability"] + totals["equity"] + earnings,
    }


def profit_and_loss(period_key: str) -> dict[str, Any]:
    """利润表 of the period: income and expense accounts' movements, and the profit."""
    tb = trial_balance(period_key)
    income, expenses = [], []
    for row in _top_level(tb):
        movement = row.debit - row.credit
        if row.type == "income" and movement:
            income.append({"code": row.code, "name": row.name, "amount": str(-movement)})
        elif row.type == "expense" and movement:
            expenses.append({"code": row.code, "name": row.name, "amount": str(movement)})
    total_income = sum((Decimal(x["amount"]) for x in income), ZERO)
    total_expenses = sum((Decimal(x["amount"]) for x in expenses), ZERO)
    return {
        "period": tb.period,
        "currency": tb.currency,
        "income": income,
        "expenses": expenses,
        "total_income": str(total_income),
        "total_expenses": str(total_expenses),
        "profit": str(total_income - total_expenses),
    }


def stock_value_trend(period_keys: list[str]) -> list[dict[str, str]]:
    """The stock accounts' closing balance at the end of each period (the chart's series)."""
    from core.finance.service.verify import stock_accounts

    accounts = stock_accounts()
    out = []
    for key in period_keys:
        period = period_by_key(key, create=True)
        sums = account_sums(period)
        value = sum((o + d - c for acc, (o, d, c) in sums.items() if acc in accounts), ZERO)
        out.append({"period": key, "value": str(value)})
    return out
