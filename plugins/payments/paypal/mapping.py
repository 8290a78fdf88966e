"""PayPal Transaction Search rows <-> the payout data of the ports (reference finance.md §3.3).

PayPal keeps a balance per currency and no payouts of its own, so a payout here is one UTC
day's transactions of one currency balance. What the T-code group (`T` + 2 digits) says:

| group | line of the payout | type |
|---|---|---|
| T00 payments | the sale, its fee beside it | `charge` |
| T11 reversals (T1107 refund, ...) | the refund, its returned fee beside it | `refund` |
| T1105 release of a hold, T15 holds, T21 reserves | money held back or released | `reserve` |
| T01 non-payment fees | a fee | `fee` |
| T12 adjustments (T1201 chargeback) | a dispute | `dispute` |
| T02 currency conversion | no line: the way out of this balance (the deposit) | |
| T03 / T04 bank deposit / withdrawal | no line: the way out to the bank (the deposit) | |
| T13 authorisations | no line: no money moved | |
| any other group | imported as its T-code, flagged unknown for a person | `T....` |

The deposit of a day: when the day's money left the balance whole by a conversion (T02,
two rows: this currency debited, another credited), the deposit is the credited currency and
amount, so the implied rate is the realised FX (§2.4, §3.5 #4); when it left whole by a bank
withdrawal, the deposit is that withdrawal. Otherwise the money stays in the PayPal balance,
which is the deposit (status `in_balance`); a later withdrawal moves it between the seller's
own accounts and is no settlement's business.

Orders: `invoice_id` is the shop's order number (WooCommerce PayPal Payments writes it with
the invoice prefix of its settings, which is taken off) and `custom_field` the shop's order id
(a plain id, or PayPal Standard's JSON `{"order_id": ...}`); finance tries the invoice first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from core.ports import Payout, PayoutTransaction

ZERO = Decimal(0)
CONVERSION, BANK, NO_MONEY = "conversion", "bank", "none"
GROUPS = {
    "T00": "charge",
    "T11": "refund",
    "T01": "fee",
    "T12": "dispute",
    "T15": "reserve",
    "T21": "reserve",
    "T02": CONVERSION,
    "T03": BANK,
    "T04": BANK,
    "T13": NO_MONEY,
}
CODES = {"T1105": "reserve"}  # §3.3: T1105 releases a hold, though it is in the reversals group
# Transaction statuses that moved the balance: S success, V reversed (its reversal is a row of
# its own). P pending and D denied moved nothing yet.
BOOKED_STATUSES = frozenset(("S", "V"))


def kind_of(code: str) -> str:
    """What a T-code is to a payout (the table above); the code itself when unknown."""
    code = (code or "").strip().upper()
    return CODES.get(code) or GROUPS.get(code[:3]) or code or "unknown"


def parse_time(value: str) -> datetime:
    """PayPal writes `2026-11-20T10:01:02+0000` (or with `Z`, or `+00:00`)."""
    text = value.strip().replace("Z", "+0000")
    try:
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed.astimezone(UTC)


def _money(obj: Any) -> tuple[str, Decimal]:
    if not isinstance(obj, Mapping):
        return "", ZERO
    return str(obj.get("currency_code") or "").upper(), Decimal(str(obj.get("value") or "0"))


@dataclass(frozen=True)
class Transaction:
    """One row of `transaction_details`, as the payouts need it."""

    transaction_id: str
    code: str
    kind: str
    status: str
    at: datetime
    currency: str
    amount: Decimal  # signed: + credits the balance
    fee: Decimal  # signed as PayPal writes it: - a fee charged, + a fee returned
    invoice_id: str
    custom_field: str
    reference: str  # paypal_reference_id: a conversion's rows, a refund's payment

    @property
    def net(self) -> Decimal:
        return self.amount + self.fee


def transaction(item: Mapping[str, Any]) -> Transaction:
    info = item.get("transaction_info") or {}
    currency, amount = _money(info.get("transaction_amount"))
    _fee_currency, fee = _money(info.get("fee_amount"))
    code = str(info.get("transaction_event_code") or "")
    return Transaction(
        transaction_id=str(info.get("transaction_id") or ""),
        code=code,
        kind=kind_of(code),
        status=str(info.get("transaction_status") or ""),
        at=parse_time(str(info.get("transaction_initiation_date"))),
        currency=currency,
        amount=amount,
        fee=fee,
        invoice_id=str(info.get("invoice_id") or ""),
        custom_field=str(info.get("custom_field") or ""),
        reference=str(info.get("paypal_reference_id") or ""),
    )


def order_number(invoice_id: str, prefix: str) -> str:
    """The shop's order number in an invoice id: the invoice prefix taken off."""
    text = invoice_id.strip()
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    return text[:100]


def order_id(custom_field: str) -> str:
    """The shop's order id in `custom_field`: the value itself, or PayPal Standard's JSON."""
    text = custom_field.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return ""
        value = data.get("order_id") if isinstance(data, dict) else None
        return str(value)[:100] if value not in (None, "") else ""
    return text[:100]


def payout_transaction(t: Transaction, prefix: str) -> PayoutTransaction:
    return PayoutTransaction(
        transaction_id=t.transaction_id,
        type=t.kind,
        amount=t.amount,
        fee=-t.fee,
        net=t.net,
        source_order_id=order_id(t.custom_field),
        processed_at=t.at,
        order_number=order_number(t.invoice_id, prefix),
        code=t.code,
    )


def payouts(items: Iterable[Mapping[str, Any]], *, account: str, invoice_prefix: str = "") -> list[Payout]:
    """The payouts (one per UTC day and currency balance with money moved) of these rows,
    oldest first. Rows seen twice count once."""
    seen: dict[str, Transaction] = {}
    for item in items:
        t = transaction(item)
        if t.status in BOOKED_STATUSES and t.transaction_id and t.kind != NO_MONEY:
            seen.setdefault(t.transaction_id, t)
    rows = sorted(seen.values(), key=lambda t: (t.at, t.transaction_id))
    days: dict[tuple[date, str], list[Transaction]] = {}
    for t in rows:
        days.setdefault((t.at.date(), t.currency), []).append(t)
    credits = [t for t in rows if t.kind == CONVERSION and t.amount > 0]
    out = []
    for (day, currency), day_rows in sorted(days.items()):
        lines = [t for t in day_rows if t.kind not in (CONVERSION, BANK)]
        if not lines:
            continue
        net = sum((t.net for t in lines), ZERO)
        deposit_currency, deposit_amount, status = "", None, "in_balance"
        converted = [t for t in day_rows if t.kind == CONVERSION and t.amount < 0]
        withdrawn = -sum((t.amount for t in day_rows if t.kind == BANK), ZERO)
        twins = [_twin(t, credits) for t in converted]
        targets = {t.currency for t in twins if t is not None}
        if converted and None not in twins and len(targets) == 1 and -sum(t.amount for t in converted) == net:
            deposit_currency = targets.pop()
            deposit_amount = sum((t.amount for t in twins if t is not None), ZERO)
            status = "paid"
        elif withdrawn and withdrawn == net:
            status = "paid"
        out.append(
            Payout(
                payout_id=f"{account}-{currency}-{day:%Y%m%d}"[:100],
                status=status,
                paid_on=day,
                currency=currency,
                net=net,
                transactions=tuple(payout_transaction(t, invoice_prefix) for t in lines),
                deposit_currency=deposit_currency,
                deposit_amount=deposit_amount,
            )
        )
    return out


def _twin(debit: Transaction, credits: list[Transaction]) -> Transaction | None:
    """The credit row of a conversion: another currency, the same `paypal_reference_id` (or,
    without one, the same moment)."""
    for c in credits:
        if c.currency == debit.currency:
            continue
        if (debit.reference and c.reference == debit.reference) or (not debit.reference and c.at == debit.at):
            return c
    return None
