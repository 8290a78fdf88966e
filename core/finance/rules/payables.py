"""Rules for payables: supplier bills, payments and prepayments (reference §1.2 #6, #7, #8)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid
from core.money import round_money

ZERO = Decimal(0)


def _carried(
    side: str, role: str, amount: Decimal, currency: str, rate: Decimal, ctx: Context, dims: Dims, on: Any
) -> Entry:
    """An entry at the rate the item is carried at (the bill's, the prepayment's)."""
    return Entry(
        side,
        amount,
        currency,
        role=role,
        value=round_money(amount * rate, ctx.functional),
        rate=rate,
        rate_date=ctx.day(on) if on else None,
        dims=dims,
    )


def _payable_role(kind: str | None) -> str:
    return "payable_forwarder" if kind == "freight" else "payable"


@rule(
    "supplier_bill.posted",
    "Supplier bill: clears the accrual, books input VAT and the price difference, owes the supplier",
    ("supplier_bill.posted",),
    ("grni", "inventory", "cogs", "input_vat", "payable", "payable_forwarder", "fx"),
)
def supplier_bill_posted(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #6: Dr 应付账款—暂估 at what the receipt accrued (at the receipt's rate), Dr 应交税费—
    进项税额 for recoverable input VAT, Dr 库存商品 / 主营业务成本 for the price difference (units
    held / sold), Cr 应付账款—供应商 (or —货代 for a forwarder) at the bill date's rate; the
    accrual's rate against the bill's is an explicit FX line. A forwarder's bill clears the
    first leg's accrued landed cost; its difference is booked as landed cost."""
    p = ev.payload
    currency, supplier = p["currency"], uid(p.get("supplier_id"))
    recoverable = p.get("input_vat_recoverable", True)
    entries: list[Entry] = []
    for line in p.get("lines", ()):
        dims = Dims(supplier_id=supplier, sku_id=uid(line.get("sku_id")), warehouse_id=uid(line.get("warehouse_id")))
        accrued, accrued_value = dec(line.get("accrued")), dec(line.get("accrued_value"))
        billed = dec(line.get("amount"))
        if p.get("kind") == "freight":
            accrued = billed  # the landed cost of the difference accrued the rest
        if accrued or accrued_value:
            entries.append(
                Entry(DEBIT, accrued, currency, role="grni", value=accrued_value, dims=dims, memo=line.get("memo", ""))
            )
        for role, key in (("inventory", "capitalised"), ("cogs", "expensed")):
            value = dec(line.get(key))
            if value:
                entries.append(
                    Entry(DEBIT, value, ctx.functional, role=role, value=value, dims=dims, memo="price difference")
                )
        tax = dec(line.get("tax"))
        if tax and recoverable:
            entries.append(Entry(DEBIT, tax, currency, role="input_vat", dims=dims))
    entries.append(
        Entry(CREDIT, dec(p.get("total")), currency, role=_payable_role(p.get("kind")), dims=Dims(supplier_id=supplier))
    )
    return Draft(
        kind="event",
        document_date=ctx.day(p["bill_date"]),
        memo=ctx.text(
            f"供应商发票 {p.get('number', '')} {p.get('supplier', '')} {p.get('supplier_reference', '')}",
            f"Bill {p.get('number', '')} from {p.get('supplier', '')} ({p.get('supplier_reference', '')})",
        ).strip()[:500],
        source_type="supplier_bill",
        source_id=str(p["bill_id"]),
        source_number=p.get("number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="supplier_bill.posted",
        difference_role="fx",
    )


@rule(
    "supplier_payment.made",
    "Supplier payment: settles bills at their carrying rate, the rest as a prepayment; realised FX",
    ("supplier_payment.made",),
    ("payable", "payable_forwarder", "prepayment", "bank_charges", "fx"),
)
def supplier_payment_made(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #7 and §2.4: Dr 应付账款 at each bill's rate, Dr 预付账款 for what it does not
    settle, Dr 财务费用—手续费 for bank charges, Cr 银行存款 at the payment date's rate; the
    difference is the realised exchange gain or loss."""
    p = ev.payload
    currency, supplier = p["currency"], uid(p.get("supplier_id"))
    dims = Dims(supplier_id=supplier)
    entries: list[Entry] = []
    for a in p.get("allocations", ()):
        entries.append(
            _carried(
                DEBIT,
                _payable_role(a.get("bill_kind")),
                dec(a["amount"]),
                currency,
                dec(a["bill_rate"]),
                ctx,
                dims,
                None,
            )
        )
    prepaid = dec(p.get("prepaid"))
    if prepaid:
        entries.append(Entry(DEBIT, prepaid, currency, role="prepayment", dims=dims))
    charges = dec(p.get("bank_charges"))
    if charges:
        entries.append(Entry(DEBIT, charges, currency, role="bank_charges", dims=dims))
    entries.append(Entry(CREDIT, dec(p["amount"]) + charges, currency, account_id=uid(p["bank_account_id"]), dims=dims))
    return _draft(
        ev,
        ctx,
        entries,
        p["payment_date"],
        ctx.text(
            f"付款 {p.get('number', '')} {p.get('supplier', '')}",
            f"Payment {p.get('number', '')} to {p.get('supplier', '')}",
        ),
        p,
    )


@rule(
    "supplier_prepayment.applied",
    "Prepayment applied to a bill: the payable against the prepayment, each at its own rate",
    ("supplier_prepayment.applied",),
    ("payable", "payable_forwarder", "prepayment", "fx"),
)
def supplier_prepayment_applied(ev: EventIn, ctx: Context) -> Draft | None:
    p = ev.payload
    currency, dims = p["currency"], Dims(supplier_id=uid(p.get("supplier_id")))
    amount = dec(p["amount"])
    entries = [
        _carried(DEBIT, _payable_role(p.get("bill_kind")), amount, currency, dec(p["bill_rate"]), ctx, dims, None),
        _carried(CREDIT, "prepayment", amount, currency, dec(p["payment_rate"]), ctx, dims, None),
    ]
    return _draft(
        ev,
        ctx,
        entries,
        p["applied_on"],
        ctx.text(
            f"预付款核销 {p.get('number', '')} → {p.get('bill_number', '')}",
            f"Prepayment {p.get('number', '')} applied to {p.get('bill_number', '')}",
        ),
        p,
    )


def _draft(ev: EventIn, ctx: Context, entries: list[Entry], day: Any, memo: str, p: Mapping[str, Any]) -> Draft:
    return Draft(
        kind="event",
        document_date=ctx.day(day),
        memo=memo.strip()[:500],
        source_type="supplier_payment",
        source_id=str(p["payment_id"]),
        source_number=p.get("number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule=ev.name,
        difference_role="fx",
    )
