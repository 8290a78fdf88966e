"""Writing Amazon settlement reports (Flat File V2, reference finance.md §3.1) for emulators,
tests, the demo and benchmarks: the header in Amazon's column order, the summary row, then
detail rows, amounts in the marketplace's number format. The summary's total is the sum of
the detail rows, as in a real report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
)


def fmt_amount(value: Decimal | str | int, locale: str = "us") -> str:
    """`1234.5` as `1234.50` (US) or `1234,50` (EU); Amazon writes no thousands separator in
    detail amounts, but larger totals may carry one (`1.234,56`), which the reader accepts."""
    text = f"{Decimal(value):.2f}"
    return text.replace(".", ",") if locale == "eu" else text


def fmt_datetime(when: datetime | date, locale: str = "us") -> str:
    if locale == "eu":
        return when.strftime("%d.%m.%Y %H:%M:%S UTC") if isinstance(when, datetime) else when.strftime("%d.%m.%Y")
    return when.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(when, datetime) else when.isoformat()


def order_rows(
    order_id: str,
    *,
    sku: str,
    quantity: int = 1,
    principal: Decimal | str,
    shipping: Decimal | str = "0",
    tax: Decimal | str = "0",
    commission: Decimal | str = "0",
    fba_fee: Decimal | str = "0",
    posted: date | None = None,
    marketplace: str = "Amazon.com",
    item_code: str = "",
    merchant_order_id: str = "",
) -> list[dict[str, Any]]:
    """The rows of one sold item: principal, shipping and tax (positive), commission and the FBA
    fee (give them negative)."""
    base = {
        "transaction-type": "Order",
        "order-id": order_id,
        "merchant-order-id": merchant_order_id,
        "marketplace-name": marketplace,
        "fulfillment-id": "AFN" if Decimal(fba_fee) else "MFN",
        "posted-date": posted,
        "order-item-code": item_code or f"{abs(hash((order_id, sku))) % 10**14:014d}",
        "sku": sku,
        "quantity-purchased": quantity,
    }
    out = [{**base, "amount-type": "ItemPrice", "amount-description": "Principal", "amount": principal}]
    for kind, desc, value in (
        ("ItemPrice", "Shipping", shipping),
        ("ItemPrice", "Tax", tax),
        ("ItemFees", "Commission", commission),
        ("ItemFees", "FBAPerUnitFulfillmentFee", fba_fee),
    ):
        if Decimal(value):
            out.append({**base, "amount-type": kind, "amount-description": desc, "amount": value})
    return out


def refund_rows(
    order_id: str,
    adjustment_id: str,
    *,
    sku: str,
    principal: Decimal | str,
    commission_back: Decimal | str = "0",
    refund_commission: Decimal | str = "0",
    posted: date | None = None,
    marketplace: str = "Amazon.com",
) -> list[dict[str, Any]]:
    """A refund: principal paid back (give it negative), commission returned (positive) and
    Amazon's refund administration fee (negative), reference §3.1."""
    base = {
        "transaction-type": "Refund",
        "order-id": order_id,
        "adjustment-id": adjustment_id,
        "marketplace-name": marketplace,
        "posted-date": posted,
        "merchant-adjustment-item-id": f"{adjustment_id}-1",
        "sku": sku,
    }
    out = [{**base, "amount-type": "ItemPrice", "amount-description": "Principal", "amount": principal}]
    if Decimal(commission_back):
        out.append({**base, "amount-type": "ItemFees", "amount-description": "Commission", "amount": commission_back})
    if Decimal(refund_commission):
        out.append(
            {**base, "amount-type": "ItemFees", "amount-description": "RefundCommission", "amount": refund_commission}
        )
    return out


def other_row(description: str, amount: Decimal | str, *, amount_type: str = "other-transaction", **extra: Any) -> dict:
    """A row that belongs to no order: a storage fee, a reserve, advertising, a reimbursement."""
    return {
        "transaction-type": extra.pop("transaction_type", "other-transaction"),
        "amount-type": amount_type,
        "amount-description": description,
        "amount": amount,
        **extra,
    }


def write_v2(
    settlement_id: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    currency: str = "USD",
    start: datetime,
    end: datetime,
    deposit: datetime,
    locale: str = "us",
    total: Decimal | None = None,
) -> str:
    """The whole report as text. `total` overrides the summary's total (a broken file)."""
    return "".join(
        lines_v2(
            settlement_id,
            list(rows),
            currency=currency,
            start=start,
            end=end,
            deposit=deposit,
            locale=locale,
            total=total,
        )
    )


def lines_v2(
    settlement_id: str,
    rows: list[Mapping[str, Any]],
    *,
    currency: str = "USD",
    start: datetime,
    end: datetime,
    deposit: datetime,
    locale: str = "us",
    total: Decimal | None = None,
) -> Iterator[str]:
    """The report a line at a time (a generator: a benchmark's million lines never sit in a
    string)."""
    if total is None:
        total = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    yield "\t".join(COLUMNS) + "\n"
    summary = dict.fromkeys(COLUMNS, "")
    summary.update(
        {
            "settlement-id": settlement_id,
            "settlement-start-date": fmt_datetime(start, locale),
            "settlement-end-date": fmt_datetime(end, locale),
            "deposit-date": fmt_datetime(deposit, locale),
            "total-amount": fmt_amount(total, locale),
            "currency": currency,
        }
    )
    yield "\t".join(summary[c] for c in COLUMNS) + "\n"
    for r in rows:
        yield detail_line(settlement_id, r, locale)


def detail_line(settlement_id: str, r: Mapping[str, Any], locale: str = "us") -> str:
    cells = []
    for c in COLUMNS:
        if c == "settlement-id":
            cells.append(settlement_id)
        elif c == "amount":
            cells.append(fmt_amount(r["amount"], locale))
        elif c == "posted-date":
            posted = r.get("posted-date")
            cells.append(fmt_datetime(posted, locale) if posted else "")
        elif c == "posted-date-time":
            posted = r.get("posted-date")
            cells.append(f"{posted.isoformat()} 12:00:00 UTC" if posted else "")
        else:
            value = r.get(c, "")
            cells.append("" if value is None else str(value))
    return "\t".join(cells) + "\n"
