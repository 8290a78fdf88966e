"""Carrier labels (shipping's events) and the rule still waiting for its events, marketplace
settlements: registered, shown on the rules page and mappable now, it books as soon as
settlements emit the event with the payload described here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid


@rule(
    "label.purchased",
    "Carrier label bought: outbound freight, an expense, owed to the carrier",
    ("shipment.label_bought", "shipment.voided"),
    ("freight_out", "payable_carrier"),
)
def label_purchased(ev: EventIn, ctx: Context) -> Draft | None:
    """Freight to customers is an expense, never inventory (§1.2 #8). Shipping's payloads
    (core/shipping/events.py): `shipment_id`, `order_id`, `order_number`, `shop_id`,
    `warehouse_id`, `carrier`, `tracking_number`, `amount` and `currency` (the label's price).
    A voided label (`shipment.voided`) is booked red, dated the day it was voided."""
    p = ev.payload
    amount = dec(p.get("amount"))
    if not amount or not p.get("currency"):
        return None
    sign = Decimal(-1) if ev.name == "shipment.voided" else Decimal(1)
    dims = Dims(shop_id=uid(p.get("shop_id")), order_id=uid(p.get("order_id")), warehouse_id=uid(p.get("warehouse_id")))
    currency = p["currency"]
    entries = (
        Entry(DEBIT, sign * amount, currency, role="freight_out", dims=dims, memo=p.get("tracking_number", "")),
        Entry(CREDIT, sign * amount, currency, role="payable_carrier", dims=dims),
    )
    verb = ("作废面单", "Label voided") if sign < 0 else ("购买面单", "Label bought")
    return Draft(
        kind="event",
        document_date=ctx.day(ev.occurred_at),
        memo=ctx.text(
            f"{verb[0]} {p.get('carrier') or ''} {p.get('order_number') or ''}",
            f"{verb[1]} {p.get('carrier') or ''} {p.get('order_number') or ''}",
        ),
        source_type="sales_order" if p.get("order_id") else "shipment",
        source_id=str(p.get("order_id") or p.get("shipment_id") or ev.entity_id),
        source_number=p.get("order_number") or "",
        source_key=ctx.key(ev),
        entries=entries,
        event_id=ev.id,
        event_name=ev.name,
        rule="label.purchased",
    )


# A settlement's booking category -> the role on the other side of the marketplace receivable
# (§1.2 #3, #12-16; core/finance/settlements/categories.py maps the report's lines to these).
SETTLEMENT_ROLES: dict[str, str] = {
    "commission": "commission",
    "fulfilment_fee": "fulfilment_fee",
    "storage_fee": "storage_fee",
    "advertising": "advertising",
    "reimbursement": "other_income",
    "reserve": "reserve_receivable",
    "transfer": "bank_foreign",
    "other_fee": "commission",
}


@rule(
    "settlement.imported",
    "Marketplace settlement: fees, reserves, reimbursements and the payout against the receivable",
    ("settlement.reconciled",),
    ("marketplace_receivable", "bank", "fx", *sorted(set(SETTLEMENT_ROLES.values()))),
)
def settlement_imported(ev: EventIn, ctx: Context) -> Draft | None:
    """The receivable per shop is the hub (reference §1.5, §3.4): each fee category debits
    its expense, a reserve held moves to 其他应收款—平台保留款 (a release comes back red), a
    reimbursement is other income, all against the receivable. Sales and refunds were booked
    at shipment and refund; the deposit clears them at `sales_value`, the functional value
    they were booked at, and the rest of the receivable at the deposit date's rate. The bank
    takes what arrived (`deposit_amount` in `deposit_currency`, which may differ from the
    settlement's: a collection account converting USD to CNY), so the difference is realised
    FX to 汇兑损益 (§2.4). Payload: `SettlementReconciled` (core/finance/events.py)."""
    p = ev.payload
    currency = p["currency"]
    shop = uid(p.get("connection_id"))
    dims = Dims(shop_id=shop)
    entries = []
    for item in p.get("categories", ()):
        category, amount = item.get("category"), dec(item.get("amount"))
        role = SETTLEMENT_ROLES.get(category or "", "commission")
        if not amount:
            continue
        # The report's sign is the receivable's: a fee (-) is Dr expense, Cr receivable.
        entries.append(Entry(DEBIT, -amount, currency, role=role, dims=dims, memo=category or ""))
        entries.append(Entry(CREDIT, -amount, currency, role="marketplace_receivable", dims=dims, memo=category or ""))
    total, sales = dec(p.get("total")), dec(p.get("sales"))
    deposit_currency = p.get("deposit_currency") or currency
    deposit_amount = dec(p.get("deposit_amount")) if p.get("deposit_amount") not in (None, "") else total
    if deposit_amount:
        bank = "bank" if deposit_currency == ctx.functional else "bank_foreign"
        entries.append(Entry(DEBIT, deposit_amount, deposit_currency, role=bank, dims=dims, memo="deposit"))
    sales_value = dec(p.get("sales_value")) if p.get("sales_value") not in (None, "") else None
    if sales:
        entries.append(
            Entry(CREDIT, sales, currency, role="marketplace_receivable", value=sales_value, dims=dims, memo="sales")
        )
    unvalued = dec(p.get("sales_unvalued"))
    if unvalued:
        entries.append(Entry(CREDIT, unvalued, currency, role="marketplace_receivable", dims=dims, memo="sales"))
    # What the categories left of the total (fees cleared by the deposit), at the day's rate.
    rest = total - sales - unvalued
    if rest:
        entries.append(Entry(CREDIT, rest, currency, role="marketplace_receivable", dims=dims, memo="fees"))
    if not entries:
        return None
    sid = p.get("external_id") or p.get("settlement_id") or ""
    return Draft(
        kind="event",
        document_date=date.fromisoformat(p["deposit_date"]) if p.get("deposit_date") else ctx.day(ev.occurred_at),
        memo=ctx.text(f"平台结算 {sid}", f"Settlement {sid}"),
        source_type="settlement",
        source_id=str(p.get("settlement_id") or ev.entity_id),
        source_number=str(sid),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="settlement.imported",
        difference_role="fx",
    )
