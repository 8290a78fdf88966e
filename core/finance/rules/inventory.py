"""Rules for inventory's events: transfers and first legs (in transit at cost), stock
adjustments (stocktakes, scrap, requisitions, borrowing, opening balances, platform
reconciliation) and kit orders. Every value is the book value inventory moved, in the
functional currency, so the stock accounts always equal the stock valuation."""

from __future__ import annotations

from decimal import Decimal

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid

ZERO = Decimal(0)


def _value_entry(side: str, role: str, value: Decimal, ctx: Context, dims: Dims, memo: str = "") -> Entry:
    return Entry(side, value, ctx.functional, role=role, value=value, dims=dims, memo=memo)


def _draft(ev: EventIn, ctx: Context, entries: list[Entry], memo: str, source_type: str, number: str) -> Draft | None:
    if not entries:
        return None
    return Draft(
        kind="event",
        document_date=ctx.day(ev.payload.get("shipped_at") or ev.occurred_at),
        memo=memo.strip()[:500],
        source_type=source_type,
        source_id=str(ev.payload.get("id") or ev.entity_id),
        source_number=number,
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule=_RULE_OF.get(ev.name, ev.name),
    )


_RULE_OF = {
    "transfer.shipped": "transfer.shipped",
    "first_leg.shipped": "transfer.shipped",
    "transfer.received": "transfer.received",
    "first_leg.received": "transfer.received",
    "kit.assembled": "kit.completed",
    "kit.disassembled": "kit.completed",
}


@rule(
    "transfer.shipped",
    "Transfer or first leg shipped: stock in transit to the destination at its book cost",
    ("transfer.shipped", "first_leg.shipped"),
    ("in_transit", "inventory"),
)
def transfer_shipped(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #10: Dr 在途物资—<destination>, Cr 库存商品—<source>, value moving at cost. A
    first leg's freight and duty are landed cost, booked by the landed cost allocation."""
    p = ev.payload
    source, dest = uid(p.get("source_warehouse_id")), uid(p.get("destination_warehouse_id"))
    entries = []
    for line in p.get("lines", ()):
        value, sku = dec(line.get("value")), uid(line.get("sku_id"))
        if value:
            entries.append(_value_entry(DEBIT, "in_transit", value, ctx, Dims(warehouse_id=dest, sku_id=sku)))
            entries.append(_value_entry(CREDIT, "inventory", value, ctx, Dims(warehouse_id=source, sku_id=sku)))
    first_leg = ev.name.startswith("first_leg")
    number = p.get("number", "")
    memo = ctx.text(
        f"{'头程发货' if first_leg else '调拨出库'} {number}",
        f"{'First leg' if first_leg else 'Transfer'} {number} shipped",
    )
    return _draft(ev, ctx, entries, memo, "first_leg" if first_leg else "transfer", number)


@rule(
    "transfer.received",
    "Transfer or first leg received: in transit into stock; what never arrived pending as a loss",
    ("transfer.received", "first_leg.received"),
    ("inventory", "in_transit", "pending_loss"),
)
def transfer_received(ev: EventIn, ctx: Context) -> Draft | None:
    """Dr 库存商品—<destination>, Cr 在途物资; a shortfall goes to 待处理财产损溢 until it is
    explained (a carrier's or the platform's claim, or a loss)."""
    p = ev.payload
    dest = uid(p.get("destination_warehouse_id"))
    entries = []
    for line in p.get("received", ()):
        value, dims = dec(line.get("value")), Dims(warehouse_id=dest, sku_id=uid(line.get("sku_id")))
        if value:
            entries.append(_value_entry(DEBIT, "inventory", value, ctx, dims))
            entries.append(_value_entry(CREDIT, "in_transit", value, ctx, dims))
    for line in p.get("shortfall", ()):
        value, dims = dec(line.get("value")), Dims(warehouse_id=dest, sku_id=uid(line.get("sku_id")))
        if value:
            entries.append(_value_entry(DEBIT, "pending_loss", value, ctx, dims, p.get("shortfall_reason", "")))
            entries.append(_value_entry(CREDIT, "in_transit", value, ctx, dims))
    first_leg = ev.name.startswith("first_leg")
    number = p.get("number", "")
    memo = ctx.text(
        f"{'头程到货' if first_leg else '调拨入库'} {number}",
        f"{'First leg' if first_leg else 'Transfer'} {number} received",
    )
    return _draft(ev, ctx, entries, memo, "first_leg" if first_leg else "transfer", number)


# What each kind of stock adjustment posts against the inventory account: the other role,
# for units coming in (+) and going out (-). Borrowing lends stock out as an asset of its own.
ADJUSTMENT_ROLES: dict[str, tuple[str, str]] = {
    "opening_balance": ("opening_balance", "opening_balance"),
    "stocktake": ("pending_loss", "pending_loss"),
    "platform_reconciliation": ("pending_loss", "pending_loss"),
    "scrap": ("scrap", "scrap"),
    "requisition": ("samples", "samples"),
    "borrow_out": ("stock_lent", "stock_lent"),
    "borrow_return": ("stock_lent", "stock_lent"),
}
ADJUSTMENT_TITLES = {
    "opening_balance": ("期初库存", "Opening stock"),
    "stocktake": ("盘点", "Stocktake"),
    "platform_reconciliation": ("平台库存对账", "Platform stock reconciliation"),
    "scrap": ("报废", "Scrap"),
    "requisition": ("领用", "Requisition"),
    "borrow_out": ("借出", "Lent out"),
    "borrow_return": ("借出归还", "Lending returned"),
    "borrow_write_off": ("借出核销", "Lending written off"),
}


@rule(
    "stock.adjusted",
    "Stock adjustment: stocktake gains and losses, scrap, requisitions, borrowing, opening stock",
    ("stock.adjusted",),
    ("inventory", "pending_loss", "scrap", "samples", "stock_lent", "opening_balance"),
)
def stock_adjusted(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #11: a stocktake gain is Dr 库存商品 / Cr 待处理财产损溢, a loss the reverse (the
    approved write-off to 管理费用 or 营业外支出 is a manual voucher). Scrap: Dr 营业外支出;
    requisition: Dr 销售费用—样品及领用; lent stock stays an asset (其他应收款—借出存货) until
    it comes back or is written off to 待处理财产损溢."""
    p = ev.payload
    kind = p.get("kind", "")
    document = p.get("document") or {}
    entries: list[Entry] = []
    for line in p.get("lines", ()):
        value = dec(line.get("value"))
        if not value:
            continue
        dims = Dims(warehouse_id=uid(line.get("warehouse_id") or p.get("warehouse_id")), sku_id=uid(line.get("sku_id")))
        if kind == "borrow_write_off":  # the stock left the books when it was lent
            entries.append(_value_entry(DEBIT, "pending_loss", -value, ctx, dims))
            entries.append(_value_entry(CREDIT, "stock_lent", -value, ctx, dims))
            continue
        roles = ADJUSTMENT_ROLES.get(kind)
        if roles is None:
            raise UnknownAdjustment(kind)
        other = roles[0] if value > 0 else roles[1]
        if value > 0:
            entries.append(_value_entry(DEBIT, "inventory", value, ctx, dims))
            entries.append(_value_entry(CREDIT, other, value, ctx, dims))
        else:
            entries.append(_value_entry(DEBIT, other, -value, ctx, dims))
            entries.append(_value_entry(CREDIT, "inventory", -value, ctx, dims))
    cn, en = ADJUSTMENT_TITLES.get(kind, (kind, kind))
    number = p.get("number", "")
    draft = _draft(
        ev,
        ctx,
        entries,
        ctx.text(f"{cn} {number} {p.get('reason', '')}", f"{en} {number}: {p.get('reason', '')}"),
        str(document.get("type") or ev.entity_type),
        number,
    )
    if draft is not None and document.get("id"):
        from dataclasses import replace

        draft = replace(draft, source_id=str(document["id"]))
    return draft


class UnknownAdjustment(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"no rule books stock adjustments of kind {kind!r}")
        self.kind = kind


@rule(
    "kit.completed",
    "Kit assembled or taken apart: components and kits move inside the warehouse at cost",
    ("kit.assembled", "kit.disassembled"),
    ("inventory",),
)
def kit_completed(ev: EventIn, ctx: Context) -> Draft | None:
    """What was consumed leaves the warehouse's inventory and what was made enters it, at the
    value the kit order rolled up (or split down): no profit or loss, a move between SKUs."""
    p = ev.payload
    wh = uid(p.get("warehouse_id"))
    entries = []
    for side, key in ((DEBIT, "produced"), (CREDIT, "consumed")):
        for item in p.get(key, ()):
            value = dec(item.get("value"))
            if value:
                entries.append(
                    _value_entry(side, "inventory", value, ctx, Dims(warehouse_id=wh, sku_id=uid(item.get("sku_id"))))
                )
    assembly = ev.name == "kit.assembled"
    number = p.get("number", "")
    memo = ctx.text(
        f"{'组装' if assembly else '拆分'} {number}", f"Kit {'assembly' if assembly else 'disassembly'} {number}"
    )
    return _draft(ev, ctx, entries, memo, "kit_order", number)
