"""Vouchers as Xero ManualJournals (shared/reference/finance.md §4.3).

- `LineAmount` is positive for a debit and negative for a credit; the lines net to zero. A
  red reversal line is negative on its side, so its amount has the opposite sign: a reversal
  is a journal of its own that cancels the original.
- Manual journals are in the organisation's base currency: the amounts are our functional
  values; a foreign line's currency, amount and rate go in its description.
- A department is a tracking option, mapped as "Category:Option".
- The narration starts with our voucher's reference, which `find_voucher` looks for.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from core.ports import Voucher

IDEMPOTENCY_KEY_MAX = 128  # §4.3
_NAMESPACE = uuid.UUID("0b8e2f0c-5a8c-4b1f-9d57-7d1e4c9a2b31")


def idempotency_key(connection_id: str, voucher: Voucher) -> str:
    """ASCII (a header), at most 128 characters, the same for the same voucher on every try."""
    return f"tradelane-{uuid.uuid5(_NAMESPACE, f'{connection_id}:{voucher.reference}')}"[:IDEMPOTENCY_KEY_MAX]


def narration(voucher: Voucher) -> str:
    text = f"{voucher.reference} {voucher.description}".strip()
    if voucher.reverses:
        text += f" (reverses {voucher.reverses})"
    return text[:4000]


def manual_journal(voucher: Voucher) -> dict[str, Any]:
    lines = []
    for line in voucher.lines:
        amount = (line.debit - line.credit).quantize(Decimal("0.01"))
        if amount == 0:
            continue
        text = line.description
        if line.foreign_currency and line.amount_foreign is not None:
            text = f"{text} ({line.foreign_currency} {line.amount_foreign} @ {line.rate})".strip()
        out: dict[str, Any] = {"LineAmount": amount, "AccountCode": line.account, "Description": text[:4000]}
        department = line.dimensions.get("department")
        if department and ":" in department:
            category, option = department.split(":", 1)
            out["Tracking"] = [{"Name": category, "Option": option}]
        lines.append(out)
    return {
        "Narration": narration(voucher),
        "Date": voucher.date.isoformat()[:10],
        "Status": "POSTED",
        "LineAmountTypes": "NoTax",
        "JournalLines": lines,
    }
