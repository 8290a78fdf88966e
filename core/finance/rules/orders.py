"""Rules for orders: revenue and cost at shipment, refunds, returns received.

Revenue is recognised gross when the order ships, the seller being the principal (reference
§1.2 #2a; marketplace fees are expenses, booked when settlements bring them). Tax the platform
collects and remits (marketplace facilitator) is neither revenue nor the seller's liability,
so it is left out; tax the seller collects is a liability (§1.2 #18).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.finance.ledger import CREDIT, DEBIT, Dims, Draft, Entry
from core.finance.rules import Context, EventIn, dec, rule, uid
from core.money import round_money

ZERO = Decimal(0)


def components(line: Mapping[str, Any], include_tax: bool) -> dict[str, Decimal]:
    """What the buyer pays for a line, split into goods, shipping, tax and discounts (the
    discount negative), so that the parts add up to the line's total."""
    item_tax, shipping_tax = dec(line.get("item_tax")), dec(line.get("shipping_tax"))
    return {
        "goods": dec(line.get("item_amount")) - (item_tax if include_tax else ZERO),
        "shipping": dec(line.get("shipping")) - (shipping_tax if include_tax else ZERO),
        "tax": item_tax + shipping_tax,
        "discount": -(dec(line.get("discount")) + dec(line.get("promotion"))),
    }


def scaled(parts: dict[str, Decimal], amount: Decimal, currency: str) -> dict[str, Decimal]:
    """The parts of a partial amount (a refund) in proportion to the whole, each rounded, the
    goods taking the remainder so they add up to `amount` exactly."""
    whole = sum(parts.values(), ZERO)
    if whole == 0:
        return {"goods": amount, "shipping": ZERO, "tax": ZERO, "discount": ZERO}
    out = {k: round_money(v * amount / whole, currency) for k, v in parts.items()}
    out["goods"] += amount - sum(out.values(), ZERO)
    return out


def sale_entries(
    parts: dict[str, Decimal], currency: str, dims: Dims, facilitator: bool, sign: Decimal, memo: str
) -> tuple[list[Entry], Decimal]:
    """Revenue, shipping income, discount and seller tax entries of one line (negative with
    `sign` -1 for a red-letter refund), and what the marketplace owes for it."""
    entries = []
    if parts["goods"]:
        entries.append(Entry(CREDIT, sign * parts["goods"], currency, role="revenue", dims=dims, memo=memo))
    if parts["shipping"]:
        entries.append(Entry(CREDIT, sign * parts["shipping"], currency, role="shipping_income", dims=dims, memo=memo))
    if parts["discount"]:
        entries.append(Entry(DEBIT, sign * -parts["discount"], currency, role="sales_discount", dims=dims, memo=memo))
    receivable = parts["goods"] + parts["shipping"] + parts["discount"]
    if parts["tax"] and not facilitator:
        entries.append(Entry(CREDIT, sign * parts["tax"], currency, role="sales_tax", dims=dims, memo=memo))
        receivable += parts["tax"]
    return entries, receivable


def _order_dims(p: Mapping[str, Any], **extra: Any) -> Dims:
    return Dims(shop_id=uid(p.get("connection_id")), order_id=uid(p.get("order_id")), **extra)


def _shop(p: Mapping[str, Any]) -> str:
    return " ".join(x for x in (p.get("channel") or "", p.get("marketplace") or "") if x)


@rule(
    "order.shipped",
    "Shipment: revenue and the marketplace receivable; cost of goods sold out of inventory",
    ("order.shipped",),
    ("marketplace_receivable", "revenue", "shipping_income", "sales_discount", "sales_tax", "cogs", "inventory"),
)
def order_shipped(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #2a and #2b: Dr 应收账款—<shop> (what the buyer pays, less tax the platform
    remits), Cr 主营业务收入 (goods, shipping income; discounts as a contra line), Cr 应交税费
    for tax the seller owes; Dr 主营业务成本, Cr 库存商品—<warehouse> at the book value that
    left stock (the costing engine's moving average)."""
    p = ev.payload
    currency = p["currency"]
    facilitator = (p.get("channel") or "") in ctx.facilitator_channels
    include_tax = bool(p.get("prices_include_tax"))
    warehouse = uid(p.get("warehouse_id"))
    entries: list[Entry] = []
    receivable = ZERO
    for line in p.get("lines", ()):
        sku = uid(line.get("sku_id"))
        dims = _order_dims(p, sku_id=sku, warehouse_id=warehouse)
        sale, owed = sale_entries(components(line, include_tax), currency, dims, facilitator, Decimal(1), _code(line))
        entries.extend(sale)
        receivable += owed
        cost = line.get("cost") or {}
        value = dec(cost.get("value"))
        if value:
            entries.append(Entry(DEBIT, value, ctx.functional, role="cogs", value=value, dims=dims, memo=_code(line)))
            entries.append(
                Entry(CREDIT, value, ctx.functional, role="inventory", value=value, dims=dims, memo=_code(line))
            )
    entries.insert(0, Entry(DEBIT, receivable, currency, role="marketplace_receivable", dims=_order_dims(p)))
    return Draft(
        kind="event",
        document_date=ctx.day(p.get("shipped_at") or ev.occurred_at),
        memo=ctx.text(
            f"销售出库 {p.get('number', '')} {_shop(p)}", f"Shipment of {p.get('number', '')} {_shop(p)}"
        ).strip(),
        source_type="sales_order",
        source_id=str(p.get("order_id") or ev.entity_id),
        source_number=p.get("number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="order.shipped",
    )


def _code(line: Mapping[str, Any]) -> str:
    return str(line.get("sku_code") or line.get("seller_sku") or "")


@rule(
    "order.refunded",
    "Refund after shipment: red-letter revenue and receivable for the refunded components",
    ("order.refunded",),
    ("marketplace_receivable", "revenue", "shipping_income", "sales_discount", "sales_tax"),
)
def order_refunded(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #4a: the refunded part of each line, split like its sale into goods, shipping,
    discount and tax, booked red (same sides, negative). A refund before shipment cancels
    lines whose revenue was never recognised: there is nothing to book."""
    p = ev.payload
    refund = p.get("refund") or {}
    if refund.get("stage") != "after_shipment":
        return None
    currency = refund.get("currency") or p["currency"]
    facilitator = (p.get("channel") or "") in ctx.facilitator_channels
    include_tax = bool(p.get("prices_include_tax"))
    lines = {str(line.get("line_id")): line for line in p.get("lines", ())}
    entries: list[Entry] = []
    receivable = ZERO
    for item in refund.get("lines", ()):
        amount = dec(item.get("amount"))
        line = lines.get(str(item.get("line_id")))
        if not amount:
            continue
        parts = (
            scaled(components(line, include_tax), amount, currency)
            if line is not None
            else {"goods": amount, "shipping": ZERO, "tax": ZERO, "discount": ZERO}
        )
        dims = _order_dims(p, sku_id=uid(item.get("sku_id")), warehouse_id=uid(p.get("warehouse_id")))
        sale, owed = sale_entries(parts, currency, dims, facilitator, Decimal(-1), _code(item))
        entries.extend(sale)
        receivable += owed
    if not entries:
        return None
    entries.insert(0, Entry(DEBIT, -receivable, currency, role="marketplace_receivable", dims=_order_dims(p)))
    return Draft(
        kind="event",
        document_date=ctx.day(ev.occurred_at),
        memo=ctx.text(
            f"销售退款 {p.get('number', '')} {refund.get('reason', '')}",
            f"Refund on {p.get('number', '')}: {refund.get('reason', '')}",
        ).strip()[:500],
        source_type="sales_order",
        source_id=str(p.get("order_id") or ev.entity_id),
        source_number=p.get("number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="order.refunded",
    )


@rule(
    "return.received",
    "Return received: inventory back at the cost the units shipped at, cost of sales reversed",
    ("return.received",),
    ("inventory", "cogs"),
)
def return_received(ev: EventIn, ctx: Context) -> Draft | None:
    """§1.2 #4b: Dr 库存商品 at the original cost of the sale, Cr 主营业务成本 (red). Damaged
    units come back too, into the unsellable bucket, which inventory keeps at value; they are
    written off when scrapped (the scrap rule), so the stock accounts keep agreeing with the
    stock valuation."""
    p = ev.payload
    warehouse = uid(p.get("warehouse_id"))
    entries: list[Entry] = []
    for item in p.get("lines", ()):
        value = dec(item.get("restock_value")) + dec(item.get("damaged_value"))
        if not value:
            continue
        dims = _order_dims(p, sku_id=uid(item.get("sku_id")), warehouse_id=warehouse)
        entries.append(Entry(DEBIT, value, ctx.functional, role="inventory", value=value, dims=dims, memo=_code(item)))
        entries.append(Entry(DEBIT, -value, ctx.functional, role="cogs", value=-value, dims=dims, memo=_code(item)))
    if not entries:
        return None
    return Draft(
        kind="event",
        document_date=ctx.day(p.get("received_at") or ev.occurred_at),
        memo=ctx.text(
            f"销售退货入库 {p.get('return_number', '')} ({p.get('number', '')})",
            f"Return {p.get('return_number', '')} received ({p.get('number', '')})",
        ),
        source_type="sales_order",
        source_id=str(p.get("order_id") or ev.entity_id),
        source_number=p.get("number", ""),
        source_key=ctx.key(ev),
        entries=tuple(entries),
        event_id=ev.id,
        event_name=ev.name,
        rule="return.received",
    )
