"""Rules for purchasing's events: goods received (暂估入库) and goods returned to a supplier."""

from __future__ import annotations

from decimal import Decimal

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid


@rule(
    "purchase.received",
    "Purchase receipt: inventory at the order price against goods received not invoiced",
    ("purchase.received",),
    ("inventory", "grni", "fx"),
)
def purchase_received(ev: EventIn, ctx: Context) -> Draft | None:
    """Reference §1.2 #5: Dr 库存商品 (the book value stock took in, functional currency),
    Cr 应付账款—暂估 (the order amount before tax, in the order's currency at the receipt
    date's rate). The book value was converted at the order's own rate, so a difference
    between the two rates is an explicit FX line (IAS 2.16 keeps it out of cost)."""
    p = ev.payload
    supplier, warehouse = uid(p.get("supplier_id")), uid(p.get("warehouse_id"))
    entries = []
    for line in p.get("lines", ()):
        entries.append(
            Entry(
                DEBIT,
                dec(line["value"]),
                ctx.functional,
                role="inventory",
                value=dec(line["value"]),
                dims=Dims(warehouse_id=warehouse, supplier_id=supplier, sku_id=uid(line.get("sku_id"))),
                memo=line.get("sku_code", ""),
            )
        )
    amount = sum((dec(line["amount"]) for line in p.get("lines", ())), Decimal(0))
    entries.append(Entry(CREDIT, amount, p["currency"], role="grni", dims=Dims(supplier_id=supplier)))
    supplier_name = p.get("supplier") or ""
    number = f"{p.get('receipt_number', '')} ({p.get('purchase_order_number', '')})"
    return Draft(
        kind="event",
        document_date=ctx.day(p.get("received_at") or ev.occurred_at),
        memo=ctx.text(f"采购入库 {number} {supplier_name}", f"Goods received {number} {supplier_name}").strip(),
        source_type="purchase_receipt",
        source_id=str(p.get("receipt_id") or ev.entity_id),
        source_number=p.get("receipt_number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="purchase.received",
        difference_role="fx",
    )


@rule(
    "purchase_return.shipped",
    "Return to supplier: the credit due against the book value that left stock",
    ("purchase_return.shipped",),
    ("grni", "inventory", "cogs"),
)
def purchase_return_shipped(ev: EventIn, ctx: Context) -> Draft | None:
    """Dr 应付账款—暂估 (the credit due, order currency), Cr 库存商品 (the book value that
    left, functional). The units leave at the warehouse's average cost, not at the price
    they were bought at: the difference is a cost variance line to COGS."""
    p = ev.payload
    supplier, warehouse = uid(p.get("supplier_id")), uid(p.get("warehouse_id"))
    entries = []
    amount = Decimal(0)
    for line in p.get("lines", ()):
        value = dec(line.get("value"))
        amount += dec(line["amount"])
        entries.append(
            Entry(
                CREDIT,
                value,
                ctx.functional,
                role="inventory",
                value=value,
                dims=Dims(warehouse_id=warehouse, supplier_id=supplier, sku_id=uid(line.get("sku_id"))),
                memo=line.get("sku_code", ""),
            )
        )
    entries.insert(0, Entry(DEBIT, amount, p["currency"], role="grni", dims=Dims(supplier_id=supplier)))
    return Draft(
        kind="event",
        document_date=ctx.day(ev.occurred_at),
        memo=ctx.text(
            f"采购退货 {p.get('number', '')} ({p.get('purchase_order_number', '')})",
            f"Return to supplier {p.get('number', '')} ({p.get('purchase_order_number', '')})",
        ),
        source_type="purchase_return",
        source_id=str(p.get("return_id") or ev.entity_id),
        source_number=p.get("number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="purchase_return.shipped",
        difference_role="cogs",
    )
