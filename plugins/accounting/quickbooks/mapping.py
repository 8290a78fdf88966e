"""Vouchers as QuickBooks Online JournalEntry bodies (shared/reference/finance.md §4.2).

- Every line is a `JournalEntryLineDetail` with a **positive** Amount and its PostingType; a
  red (negative) line of a reversal is written on the other side, so a reversal is an entry
  of its own that cancels the original.
- Lines naming a customer or a supplier carry `Entity` (Customer / Vendor): QBO requires it
  on receivable and payable lines. A department goes in `DepartmentRef`.
- Currency (§4.2 "Multicurrency"): `CurrencyRef` applies to the whole entry and `ExchangeRate`
  is home-currency units per one foreign unit, one currency per entry. A voucher whose lines
  are all in one foreign currency at one rate posts as one entry in that currency, its
  amounts the lines' own; QBO's home amounts (amount × rate, rounded) are then our
  functional values. A voucher in the home currency posts without CurrencyRef. A voucher
  mixing currencies or rates (a settlement paid at one rate and booked at another, its FX
  line in the home currency) is split, as §4.2 says it must be: one entry per currency and
  rate, each balanced by a line to the connection's clearing account (in that entry's
  currency) where its own lines do not balance. The clearing lines of one voucher cancel in
  the home currency, up to QBO's rounding of each entry.
- DocNumber is our voucher's reference (at most 21 characters), used to find it again; the
  entries of a split voucher add `~1`, `~2`, … to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.money import round_money
from core.ports import RemoteRejected, Voucher, VoucherLine

DOC_NUMBER_MAX = 21
_NAMESPACE = uuid.UUID("6f1f3c1e-4b52-4c51-9b6a-2f7f5a0e9d10")


@dataclass
class Part:
    """One JournalEntry of a voucher: its currency, rate (None in the home currency) and
    lines as (voucher line, signed amount in the part's currency, debit positive)."""

    currency: str
    rate: Decimal | None
    lines: list[tuple[VoucherLine | None, Decimal]] = field(default_factory=list)

    @property
    def imbalance(self) -> Decimal:
        return sum((amount for _, amount in self.lines), Decimal(0))


def doc_number(voucher: Voucher, part: int = 0, parts: int = 1) -> str:
    if parts == 1:
        return voucher.reference[:DOC_NUMBER_MAX]
    suffix = f"~{part + 1}"
    return voucher.reference[: DOC_NUMBER_MAX - len(suffix)] + suffix


def request_id(connection_id: str, voucher: Voucher, part: int = 0, parts: int = 1) -> str:
    """The same voucher (part) always gets the same requestid on a connection, a retried job too."""
    name = f"{connection_id}:{voucher.reference}" if parts == 1 else f"{connection_id}:{voucher.reference}:{part}"
    return str(uuid.uuid5(_NAMESPACE, name))


def _signed(line: VoucherLine, voucher: Voucher) -> tuple[str, Decimal | None, Decimal]:
    """The line's currency, rate and signed amount (debit positive) in that currency. A red
    line's foreign amount is negative like its value, so the side's sign applies to both."""
    home = line.debit - line.credit
    if line.foreign_currency and line.amount_foreign is not None and line.rate:
        sign = 1 if line.debit != 0 else -1
        amount = round_money(line.amount_foreign * sign, line.foreign_currency)
        if amount != 0:
            return line.foreign_currency, line.rate.normalize(), amount
    return voucher.currency, None, home


def parts(voucher: Voucher, clearing_account: str = "") -> list[Part]:
    """The voucher as QBO entries, each balanced in its own currency. Refused (naming the
    setting) when it must be split and the connection has no clearing account."""
    by_key: dict[tuple[str, Decimal | None], Part] = {}
    for line in voucher.lines:
        currency, rate, amount = _signed(line, voucher)
        if amount == 0:
            continue
        by_key.setdefault((currency, rate), Part(currency, rate)).lines.append((line, amount))
    out = list(by_key.values()) or [Part(voucher.currency, None)]
    if len(out) == 1 and out[0].imbalance == 0:
        return out
    if not clearing_account:
        mix = ", ".join(f"{p.currency} @ {p.rate}" if p.rate else p.currency for p in out)
        raise RemoteRejected(
            f"the voucher mixes currencies or rates ({mix}): QuickBooks takes one currency and rate per "
            "journal entry, so it is split, and each part is balanced through the clearing account: "
            "set clearing_account on the connection"
        )
    for p in out:
        if p.imbalance != 0:
            p.lines.append((None, -p.imbalance))
    return out


def _line(line: VoucherLine | None, amount: Decimal, clearing_account: str, currency: str) -> dict[str, Any]:
    posting = "Debit" if amount > 0 else "Credit"
    if line is None:
        detail: dict[str, Any] = {"PostingType": posting, "AccountRef": {"value": clearing_account}}
        text = "Currency clearing of a voucher split by currency"
    else:
        detail = {"PostingType": posting, "AccountRef": {"value": line.account}}
        if line.dimensions.get("customer"):
            detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": line.dimensions["customer"]}}
        elif line.dimensions.get("supplier"):
            detail["Entity"] = {"Type": "Vendor", "EntityRef": {"value": line.dimensions["supplier"]}}
        if line.dimensions.get("department"):
            detail["DepartmentRef"] = {"value": line.dimensions["department"]}
        text = line.description
    return {
        "DetailType": "JournalEntryLineDetail",
        "Amount": round_money(abs(amount), currency),
        "Description": text[:4000],
        "JournalEntryLineDetail": detail,
    }


def journal_entries(voucher: Voucher, clearing_account: str = "") -> list[dict[str, Any]]:
    """The JournalEntry bodies of a voucher, in the order they are sent."""
    split = parts(voucher, clearing_account)
    note = voucher.description
    if voucher.reverses:
        note = f"Reverses {voucher.reverses}" + (
            f" (JournalEntry {voucher.reverses_external_id})" if voucher.reverses_external_id else ""
        )
    out = []
    for i, part in enumerate(split):
        body: dict[str, Any] = {
            "TxnDate": voucher.date.isoformat()[:10],
            "DocNumber": doc_number(voucher, i, len(split)),
            "PrivateNote": (note if len(split) == 1 else f"{note} (part {i + 1} of {len(split)})")[:4000],
            "Line": [_line(line, amount, clearing_account, part.currency) for line, amount in part.lines],
        }
        if part.rate is not None:
            body["CurrencyRef"] = {"value": part.currency}
            body["ExchangeRate"] = part.rate
        out.append(body)
    return out
