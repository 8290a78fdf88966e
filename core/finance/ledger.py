"""The arithmetic of a voucher, as pure functions over data (no database).

A rule or a person writes a `Draft`: entries on the debit or credit side, each an amount in
its own currency, posted to a role ("revenue") or an account. Posting then
1. converts every entry to the functional currency at the rate of the transaction date and
   rounds it there, per line (reference finance.md §2.6: round at the line, half up);
2. balances the voucher: a difference of at most half a minor unit per converted line is
   rounding and goes to an explicit rounding line; a larger one is refused, unless the draft
   names the role that takes an expected difference (an exchange difference between a book
   value at one rate and a liability at another goes to "fx"; a cost variance to "cogs"),
   which then gets an explicit line of its own. Nothing is ever plugged silently.

Rounding and FX lines go on the debit side of an expense account with a signed value: a
gain is a red (negative) debit, the Chinese way of booking 财务费用 (its debit turnover is
then the net cost), and both charts follow it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from core.money import quantum, round_money

DEBIT, CREDIT = "debit", "credit"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Dims:
    """What a line is about, for reports and drill-down (核算维度)."""

    shop_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    sku_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None

    def to_json(self) -> dict[str, str | None]:
        return {k: (str(v) if v is not None else None) for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Dims:
        data = data or {}
        return cls(**{k: (uuid.UUID(v) if v else None) for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Entry:
    """One line to be: `amount` of `currency` on `side`, to `role` or `account_id`. `value` is
    the functional amount when the source already knows it (a book value from inventory);
    otherwise posting converts `amount` at the transaction date's rate."""

    side: str
    amount: Decimal
    currency: str
    role: str | None = None
    account_id: uuid.UUID | None = None
    value: Decimal | None = None
    dims: Dims = field(default_factory=Dims)
    memo: str = ""
    kind: str = ""
    # A line copied from another voucher (a reversal) keeps the rate it was booked at.
    rate: Decimal | None = None
    rate_date: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": str(self.rate) if self.rate is not None else None,
            "rate_date": self.rate_date.isoformat() if self.rate_date else None,
            "side": self.side,
            "amount": str(self.amount),
            "currency": self.currency,
            "role": self.role,
            "account_id": str(self.account_id) if self.account_id else None,
            "value": str(self.value) if self.value is not None else None,
            "dims": self.dims.to_json(),
            "memo": self.memo,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            side=data["side"],
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            role=data.get("role"),
            account_id=uuid.UUID(data["account_id"]) if data.get("account_id") else None,
            value=Decimal(data["value"]) if data.get("value") is not None else None,
            dims=Dims.from_json(data.get("dims")),
            memo=data.get("memo", ""),
            kind=data.get("kind", ""),
            rate=Decimal(data["rate"]) if data.get("rate") is not None else None,
            rate_date=date.fromisoformat(data["rate_date"]) if data.get("rate_date") else None,
        )


@dataclass(frozen=True)
class Draft:
    """A voucher to post. `source_key` is its idempotency key; `difference_role` names where a
    difference beyond rounding goes when the entries mix values at different rates or costs on
    purpose ("fx", "cogs"); without it such a difference is refused."""

    kind: str
    document_date: date
    memo: str
    source_type: str
    source_id: str
    source_key: str
    entries: tuple[Entry, ...]
    source_number: str = ""
    event_id: uuid.UUID | None = None
    event_name: str = ""
    rule: str = ""
    difference_role: str | None = None
    reverses_id: uuid.UUID | None = None
    note: str = ""

    def with_entries(self, entries: Iterable[Entry]) -> Draft:
        return replace(self, entries=tuple(entries))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "document_date": self.document_date.isoformat(),
            "memo": self.memo,
            "source_type": self.source_type,
            "source_id": self.source_id,
            "source_key": self.source_key,
            "source_number": self.source_number,
            "event_id": str(self.event_id) if self.event_id else None,
            "event_name": self.event_name,
            "rule": self.rule,
            "difference_role": self.difference_role,
            "reverses_id": str(self.reverses_id) if self.reverses_id else None,
            "note": self.note,
            "entries": [e.to_json() for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        return cls(
            kind=data["kind"],
            document_date=date.fromisoformat(data["document_date"]),
            memo=data["memo"],
            source_type=data["source_type"],
            source_id=data["source_id"],
            source_key=data["source_key"],
            source_number=data.get("source_number", ""),
            event_id=uuid.UUID(data["event_id"]) if data.get("event_id") else None,
            event_name=data.get("event_name", ""),
            rule=data.get("rule", ""),
            difference_role=data.get("difference_role"),
            reverses_id=uuid.UUID(data["reverses_id"]) if data.get("reverses_id") else None,
            note=data.get("note", ""),
            entries=tuple(Entry.from_json(e) for e in data["entries"]),
        )


@dataclass(frozen=True)
class Line:
    """A posted line: the entry with its account, functional value, rate and rate date."""

    account_id: uuid.UUID
    side: str
    value: Decimal
    currency: str
    amount: Decimal
    rate: Decimal
    rate_date: date
    dims: Dims = field(default_factory=Dims)
    memo: str = ""
    kind: str = ""


@dataclass(frozen=True)
class MissingRate:
    """No rate is known for `currency` -> `functional` on `on`: the voucher waits for it."""

    currency: str
    functional: str
    on: date

    def to_json(self) -> dict[str, str]:
        return {"from": self.currency, "to": self.functional, "on": self.on.isoformat()}

    def __str__(self) -> str:
        return f"{self.currency}/{self.functional} on {self.on.isoformat()}"


class Unbalanced(ValueError):
    """Debits and credits differ by more than rounding, and no FX difference was expected."""

    def __init__(self, difference: Decimal, currency: str) -> None:
        side = "debits exceed credits" if difference > 0 else "credits exceed debits"
        super().__init__(f"the voucher does not balance: {side} by {abs(difference)} {currency}")
        self.difference = difference
        self.currency = currency


def rates_needed(draft: Draft, functional: str) -> set[tuple[str, date]]:
    """The (currency, date) rates converting the draft needs."""
    return {(e.currency, draft.document_date) for e in draft.entries if e.value is None and e.currency != functional}


def convert(
    draft: Draft, functional: str, rates: Mapping[tuple[str, date], Decimal]
) -> tuple[list[Line], list[MissingRate]]:
    """Each entry as a line in the functional currency (accounts must be resolved). Entries of
    zero amount and zero value are left out. Missing rates are returned, never guessed."""
    lines: list[Line] = []
    missing: dict[tuple[str, date], MissingRate] = {}
    on = draft.document_date
    for e in draft.entries:
        if e.account_id is None:
            raise ValueError(f"entry to role {e.role!r} has no account")
        if e.value is not None:
            value = round_money(e.value, functional)
            rate = e.rate if e.rate is not None else _implied_rate(e, value, functional)
        elif e.currency == functional:
            value, rate = round_money(e.amount, functional), Decimal(1)
        else:
            rate = rates.get((e.currency, on))
            if rate is None:
                missing[(e.currency, on)] = MissingRate(e.currency, functional, on)
                continue
            value = round_money(e.amount * rate, functional)
        if value == 0 and e.amount == 0:
            continue
        lines.append(
            Line(e.account_id, e.side, value, e.currency, e.amount, rate, e.rate_date or on, e.dims, e.memo, e.kind)
        )
    return lines, list(missing.values())


def _implied_rate(e: Entry, value: Decimal, functional: str) -> Decimal:
    """The rate a line with a known value was booked at (value / amount), 1 when both are in
    the functional currency or the amount is zero."""
    if e.currency == functional or e.amount == 0 or value == 0:
        return Decimal(1)
    return abs(value / e.amount).quantize(Decimal("0.0000000001"))


def difference(lines: Iterable[Line]) -> Decimal:
    """Σ debit values − Σ credit values."""
    total = ZERO
    for line in lines:
        total += line.value if line.side == DEBIT else -line.value
    return total


def rounding_tolerance(lines: Iterable[Line], functional: str) -> Decimal:
    """Half a minor unit for every line converted at a rate (each is rounded once)."""
    converted = sum(1 for line in lines if line.currency != functional)
    return quantum(functional) * converted / 2


def balance(
    lines: list[Line],
    functional: str,
    on: date,
    *,
    rounding_account: uuid.UUID | None,
    difference_account: uuid.UUID | None = None,
    difference_kind: str = "fx",
) -> list[Line]:
    """The lines plus, when they do not balance, one explicit rounding line, or a line of
    `difference_kind` ("fx", "variance") to `difference_account` when one is given."""
    diff = difference(lines)
    if diff == 0:
        return lines
    if abs(diff) <= rounding_tolerance(lines, functional):
        kind, account = "rounding", rounding_account
    elif difference_account is not None:
        kind, account = difference_kind, difference_account
    else:
        raise Unbalanced(diff, functional)
    if account is None:
        raise ValueError(f"no account for the {kind} line")
    # Debit side with a signed value: where debits exceed credits the line is red (a gain).
    return [*lines, Line(account, DEBIT, -diff, functional, -diff, Decimal(1), on, Dims(), "", kind)]


def reversed_lines(lines: Iterable[Line], style: str) -> list[Line]:
    """The lines of a reversal: red-letter (same sides, negated amounts, so turnover nets to
    zero) or swapped sides (reference finance.md §1.1)."""
    out = []
    for line in lines:
        if style == "swap":
            side = CREDIT if line.side == DEBIT else DEBIT
            out.append(replace(line, side=side))
        else:
            out.append(replace(line, value=-line.value, amount=-line.amount))
    return out


def totals(lines: Iterable[Line]) -> tuple[Decimal, Decimal]:
    debit = credit = ZERO
    for line in lines:
        if line.side == DEBIT:
            debit += line.value
        else:
            credit += line.value
    return debit, credit
