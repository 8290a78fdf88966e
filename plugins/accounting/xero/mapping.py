"""Vouchers as Xero ManualJournals (shared/reference/finance.md §4.3).

- `LineAmount` is positive for a debit and negative for a credit; the lines net to zero. A
  red reversal line is negative on its side, so its amount has the opposite sign: a reversal
  is a journal of its own that cancels the original.
- Manual journals are in the organisation's base currency (§4.3: there is no currency field,
  so convert before sending): the amounts are our functional values, and a foreign line's
  currency, amount and rate go in its description as §4.3's sample writes them
  ("Payout (USD 79.80 @7.15)"). A voucher whose lines are all in one foreign currency says so
  in the narration too, with its total there.
- A department is a tracking option, mapped as "Category:Option".
- The narration starts with our voucher's reference, which `find_voucher` looks for.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from core.money import round_money
from core.ports import Voucher, VoucherLine

IDEMPOTENCY_KEY_MAX = 128  # §4.3
_NAMESPACE = uuid.UUID("0b8e2f0c-5a8c-4b1f-9d57-7d1e4c9a2b31")


def idempotency_key(connection_id: str, voucher: Voucher) -> str:
    """ASCII (a header), at most 128 characters, the same for the same voucher on every try."""
    return f"tradelane-{uuid.uuid5(_NAMESPACE, f'{connection_id}:{voucher.reference}')}"[:IDEMPOTENCY_KEY_MAX]


def foreign_text(line: VoucherLine) -> str:
    """ "USD 79.80 @7.15": the line's own currency and amount at its rate, or "" at home."""
    if not line.foreign_currency or line.amount_foreign is None:
        return ""
    amount = round_money(line.amount_foreign, line.foreign_currency)
    rate = f" @{line.rate.normalize():f}" if line.rate else ""
    return f"{line.foreign_currency} {amount:f}{rate}"


def _foreign_total(voucher: Voucher) -> str:
    """ "USD 79.80" when every line is in one foreign currency: the debit side's total there."""
    lines = [ln for ln in voucher.lines if ln.debit - ln.credit != 0]
    currencies = {ln.foreign_currency for ln in lines}
    if len(currencies) != 1 or None in currencies or any(ln.amount_foreign is None for ln in lines):
        return ""
    (currency,) = currencies
    total = sum((ln.amount_foreign for ln in lines if ln.debit != 0), Decimal(0))  # type: ignore[misc]
    return f"{currency} {round_money(total, currency):f}"


def narration(voucher: Voucher) -> str:
    text = f"{voucher.reference} {voucher.description}".strip()
    foreign = _foreign_total(voucher)
    if foreign:
        text += f" ({foreign})"
    if voucher.reverses:
        text += f" (reverses {voucher.reverses})"
    return text[:4000]


def manual_journal(voucher: Voucher) -> dict[str, Any]:
    lines = []
    for line in voucher.lines:
        amount = (line.debit - line.credit).quantize(Decimal("0.01"))
        if amount == 0:
            continue
        foreign = foreign_text(line)
        text = f"{line.description} ({foreign})".strip() if foreign else line.description
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
