"""Vouchers as QuickBooks Online JournalEntry bodies (shared/reference/finance.md §4.2).

- Every line is a `JournalEntryLineDetail` with a **positive** Amount and its PostingType; a
  red (negative) line of a reversal is written on the other side, so a reversal is an entry
  of its own that cancels the original.
- Lines naming a customer or a supplier carry `Entity` (Customer / Vendor): QBO requires it
  on receivable and payable lines. A department goes in `DepartmentRef`.
- Amounts are the functional currency's (the company's home currency): no CurrencyRef, so a
  voucher whose lines were in several currencies posts whole, each foreign amount in its
  line's description.
- DocNumber is our voucher's reference (at most 21 characters), used to find it again.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from core.ports import Voucher, VoucherLine

DOC_NUMBER_MAX = 21
_NAMESPACE = uuid.UUID("6f1f3c1e-4b52-4c51-9b6a-2f7f5a0e9d10")


def doc_number(voucher: Voucher) -> str:
    return voucher.reference[:DOC_NUMBER_MAX]


def request_id(connection_id: str, voucher: Voucher) -> str:
    """The same voucher always gets the same requestid on a connection (a retried job too)."""
    return str(uuid.uuid5(_NAMESPACE, f"{connection_id}:{voucher.reference}"))


def side_and_amount(line: VoucherLine) -> tuple[str, Decimal]:
    net = line.debit - line.credit
    return ("Debit", net) if net >= 0 else ("Credit", -net)


def description(line: VoucherLine) -> str:
    text = line.description
    if line.foreign_currency and line.amount_foreign is not None:
        text = f"{text} ({line.foreign_currency} {line.amount_foreign} @ {line.rate})".strip()
    return text[:4000]


def journal_entry(voucher: Voucher) -> dict[str, Any]:
    lines = []
    for line in voucher.lines:
        posting, amount = side_and_amount(line)
        if amount == 0:
            continue
        detail: dict[str, Any] = {"PostingType": posting, "AccountRef": {"value": line.account}}
        if line.dimensions.get("customer"):
            detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": line.dimensions["customer"]}}
        elif line.dimensions.get("supplier"):
            detail["Entity"] = {"Type": "Vendor", "EntityRef": {"value": line.dimensions["supplier"]}}
        if line.dimensions.get("department"):
            detail["DepartmentRef"] = {"value": line.dimensions["department"]}
        lines.append(
            {
                "DetailType": "JournalEntryLineDetail",
                "Amount": amount.quantize(Decimal("0.01")),
                "Description": description(line),
                "JournalEntryLineDetail": detail,
            }
        )
    note = voucher.description
    if voucher.reverses:
        note = f"Reverses {voucher.reverses}" + (
            f" (JournalEntry {voucher.reverses_external_id})" if voucher.reverses_external_id else ""
        )
    return {
        "TxnDate": voucher.date.isoformat()[:10],
        "DocNumber": doc_number(voucher),
        "PrivateNote": note[:4000],
        "Line": lines,
    }
