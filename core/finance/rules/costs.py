"""Rules for finance's own cost documents: landed cost applied to a first leg's stock."""

from __future__ import annotations

from decimal import Decimal

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid


@rule(
    "landed_cost.applied",
    "Landed cost: freight, duty and insurance into the stock still held, the rest to cost of sales",
    ("landed_cost.applied",),
    ("in_transit", "inventory", "cogs", "grni"),
)
def landed_cost_applied(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #8 and #9, §1.4: Dr 在途物资 / 库存商品—<destination> for the share the units still
    held took (in transit or arrived), Dr 主营业务成本 for the share of units already sold,
    Cr 应付账款—暂估 for the cost in its own currency at its own date's rate (the forwarder's
    bill clears it). A negative difference (a bill below its estimate) is booked red."""
    p = ev.payload
    dest = uid(p.get("destination_warehouse_id"))
    entries = []
    for line in p.get("lines", ()):
        dims = Dims(warehouse_id=dest, sku_id=uid(line.get("sku_id")))
        for bucket, value in (line.get("held") or {}).items():
            value = dec(value)
            if value:
                role = "in_transit" if bucket == "in_transit" else "inventory"
                entries.append(Entry(DEBIT, value, ctx.functional, role=role, value=value, dims=dims, memo=bucket))
        expensed = dec(line.get("expensed"))
        if expensed:
            entries.append(Entry(DEBIT, expensed, ctx.functional, role="cogs", value=expensed, dims=dims))
    total = dec(p.get("functional_total"))
    if not total and not entries:
        return None
    entries.append(
        Entry(
            CREDIT,
            dec(p.get("amount")),
            p["currency"],
            role="grni",
            value=total,
            rate=dec(p.get("rate")) or Decimal(1),
            rate_date=ctx.day(p["cost_date"]) if p.get("cost_date") else None,
            dims=Dims(warehouse_id=dest),
        )
    )
    number = p.get("transfer_number", "")
    return Draft(
        kind="event",
        document_date=ctx.day(p.get("cost_date") or ev.occurred_at),
        memo=ctx.text(f"头程费用分摊 {number}", f"Landed cost of {number}"),
        source_type=p.get("transfer_kind") or "first_leg",
        source_id=str(p.get("transfer_id")),
        source_number=number,
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="landed_cost.applied",
    )
