"""Profit per order, SKU, shop or month, from the ledger's lines and their dimensions:

    revenue − refunds − cost of goods sold (landed cost included) − marketplace fees − outbound freight

Revenue and refunds are the revenue accounts' lines (shipping income and discounts with them),
refunds being those booked by the refund rule; COGS includes landed cost that went to sold
units. Order-level amounts (fees, freight) are spread over the order's SKUs by their revenue
when grouping by SKU.

Fees are the real ones where a booked settlement has them: a settlement's voucher books its
fees per shop (rule `settlement.imported`), and its lines say which order (or, for lines of no
order such as storage per SKU, which SKU) each fee belongs to (reference finance.md §3.1,
§3.4). Those fees are moved from the shop to their order or SKU at the rate the voucher booked
them, so every grouping still adds up to the ledger. An order no booked settlement has matched
gets its fees estimated from the shop's channel (`fee_estimates`, percent of revenue); each
order row says which (`fees_source`: `settlement`, `estimate` or `ledger`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import String, case, cast, func, select

from core.db import session
from core.finance.models import Account, AccountMapping, Period, Voucher, VoucherLine
from core.finance.service.periods import parse_key
from core.finance.service.setup import functional_currency, settings
from core.messages import Msg
from core.money import allocate, quantum, round_money

ZERO = Decimal(0)
CATEGORIES = {
    "revenue": "revenue",
    "shipping_income": "revenue",
    "sales_discount": "revenue",
    "cogs": "cogs",
    "commission": "fees",
    "fulfilment_fee": "fees",
    "storage_fee": "fees",
    "advertising": "fees",
    "freight_out": "freight",
}
GROUPS = ("order", "sku", "shop", "month")
# Ids per IN list: below the bound-parameter limits of PostgreSQL (65,535) and SQLite (32,766).
IN_CHUNK = 10_000


def categories() -> dict[uuid.UUID, str]:
    """Each account that carries a P&L category: by its role or its parent's, or by mapping."""
    accs = {a.id: a for a in session.execute(select(Account)).scalars()}
    out: dict[uuid.UUID, str] = {}
    for a in accs.values():
        current: Account | None = a
        while current is not None:
            if current.role in CATEGORIES:
                out[a.id] = CATEGORIES[current.role]
                break
            current = accs.get(current.parent_id) if current.parent_id else None
    for m in session.execute(select(AccountMapping)).scalars():
        if m.role in CATEGORIES:
            out[m.account_id] = CATEGORIES[m.role]
    return out


@dataclass
class ProfitRow:
    key: str
    label: str = ""
    revenue: Decimal = ZERO
    refunds: Decimal = ZERO
    cogs: Decimal = ZERO
    fees: Decimal = ZERO
    fees_estimated: Decimal = ZERO
    freight: Decimal = ZERO
    settled_orders: int = 0  # orders whose fees came from a booked settlement
    estimated_orders: int = 0  # orders whose fees are estimated
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.refunds - self.cogs - self.fees - self.fees_estimated - self.freight

    @property
    def margin(self) -> Decimal | None:
        net = self.revenue - self.refunds
        return (self.profit / net * 100).quantize(Decimal("0.1")) if net else None

    @property
    def fees_source(self) -> str:
        """Where the row's fees come from: `settlement` (real fees of booked settlements),
        `estimate`, `mixed` (a group holding both), or `ledger` (fees booked otherwise)."""
        if self.settled_orders and self.estimated_orders:
            return "mixed"
        if self.settled_orders:
            return "settlement"
        if self.estimated_orders:
            return "estimate"
        return "ledger"

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "revenue": str(self.revenue),
            "refunds": str(self.refunds),
            "cogs": str(self.cogs),
            "fees": str(self.fees + self.fees_estimated),
            "fees_estimated": self.fees_estimated != 0,
            "estimated_fees": str(self.fees_estimated),
            "fees_source": self.fees_source,
            "settled_orders": self.settled_orders,
            "estimated_orders": self.estimated_orders,
            "freight": str(self.freight),
            "profit": str(self.profit),
            "margin_percent": str(self.margin) if self.margin is not None else None,
            **self.extra,
        }


def _months(date_from: str, date_to: str) -> tuple[date, date]:
    y1, m1 = parse_key(date_from)
    y2, m2 = parse_key(date_to)
    return date(y1, m1, 1), date(y2, m2, 1)


def profit(group: str, period_from: str, period_to: str | None = None) -> list[ProfitRow]:
    """Profit rows grouped by `group` (order, sku, shop, month) over the periods from
    `period_from` to `period_to` (YYYY-MM), in the functional currency."""
    if group not in GROUPS:
        from core.errors import ValidationError

        raise ValidationError.field("group", Msg("one_of", choices=", ".join(GROUPS)))
    start, end = _months(period_from, period_to or period_from)
    functional = functional_currency()
    cats = categories()
    if not cats:
        return []
    ln, v, p = VoucherLine, Voucher, Period
    signed = case((ln.side == "debit", ln.value), else_=-ln.value)
    rows = session.execute(
        select(
            ln.account_id,
            ln.order_id,
            ln.sku_id,
            ln.shop_id,
            p.year,
            p.month,
            v.rule,
            func.sum(signed),
        )
        .join(v, v.id == ln.voucher_id)
        .join(p, p.id == ln.period_id)
        .where(ln.account_id.in_(list(cats)), p.start_date >= start, p.start_date <= end)
        .group_by(ln.account_id, ln.order_id, ln.sku_id, ln.shop_id, p.year, p.month, v.rule)
    ).all()
    # Per order (or per line without one): amounts by category and SKU.
    orders: dict[Any, dict[str, Any]] = {}
    for account_id, order_id, sku_id, shop_id, year, month, rule, net in rows:
        net = Decimal(net)
        cat = cats[account_id]
        month_key = f"{year:04d}-{month:02d}"
        o = _bucket(orders, order_id or ("none", shop_id, month_key, sku_id), shop_id, month_key, order_id)
        o["month"] = min(o["month"], month_key)
        bucket = o["skus"][sku_id]
        if cat == "revenue":
            if rule == "order.refunded":
                bucket["refunds"] += net  # red credits: a positive net debit is money given back
            else:
                bucket["revenue"] -= net
        else:
            bucket[cat] += net
    _move_settlement_fees(orders, settlement_fees(start, end))
    settled_orders = _settled_orders([o["order"] for o in orders.values() if o["order"]])
    estimates = {k: Decimal(str(v)) for k, v in (settings().fee_estimates or {}).items()}
    channels = _channels({o["shop"] for o in orders.values() if o["shop"]})
    out: dict[str, ProfitRow] = {}
    for o in orders.values():
        skus = o["skus"]
        revenue = sum((b["revenue"] for b in skus.values()), ZERO)
        refunds = sum((b["refunds"] for b in skus.values()), ZERO)
        fees = sum((b["fees"] for b in skus.values()), ZERO)
        estimated = ZERO
        settled = o["order"] in settled_orders
        if o["order"] and not settled and not fees:
            pct = estimates.get(channels.get(o["shop"], ""), ZERO)
            estimated = round_money((revenue - refunds) * pct / 100, functional)
        if group == "sku":
            _spread_to_skus(out, skus, estimated, functional, settled=settled, is_order=bool(o["order"]))
            continue
        key = {"order": str(o["order"] or ""), "shop": str(o["shop"] or ""), "month": o["month"]}[group]
        row = out.setdefault(key, ProfitRow(key))
        if o["order"]:
            row.settled_orders += settled
            row.estimated_orders += bool(estimated)
        row.revenue += revenue
        row.refunds += refunds
        row.cogs += sum((b["cogs"] for b in skus.values()), ZERO)
        row.fees += fees
        row.fees_estimated += estimated
        row.freight += sum((b["freight"] for b in skus.values()), ZERO)
    _label(out, group)
    q = quantum(functional)
    for row in out.values():
        for name in ("revenue", "refunds", "cogs", "fees", "fees_estimated", "freight"):
            setattr(row, name, getattr(row, name).quantize(q))
    return sorted(out.values(), key=lambda r: (r.key if group == "month" else -r.profit, r.key))


def _spread_to_skus(
    out: dict[str, ProfitRow],
    skus: dict[Any, dict[str, Decimal]],
    estimated: Decimal,
    currency: str,
    *,
    settled: bool = False,
    is_order: bool = False,
) -> None:
    """Order-level fees and freight (lines without a SKU) go to the order's SKUs by revenue."""
    named = [s for s in skus if s is not None]
    loose = skus.get(None, {})
    weights = [max(skus[s]["revenue"], ZERO) for s in named]
    if not any(weights):
        weights = [Decimal(1)] * len(named)  # no revenue in the range: equal shares
    shares: dict[str, list[Decimal]] = {}
    for cat, amount in (
        ("fees", loose.get("fees", ZERO)),
        ("freight", loose.get("freight", ZERO)),
        ("estimated", estimated),
    ):
        shares[cat] = allocate(amount, weights, currency) if named and amount else [ZERO] * len(named)
    for i, s in enumerate(named):
        b = skus[s]
        row = out.setdefault(str(s), ProfitRow(str(s)))
        row.revenue += b["revenue"]
        row.refunds += b["refunds"]
        row.cogs += b["cogs"]
        row.fees += b["fees"] + shares["fees"][i]
        row.freight += b["freight"] + shares["freight"][i]
        row.fees_estimated += shares["estimated"][i]
        if is_order:
            row.settled_orders += settled
            row.estimated_orders += bool(estimated) and not settled


@dataclass
class SettlementFees:
    """The fees of the settlements booked in a range of periods, by what they belong to, in
    the functional currency at the rate each settlement's voucher booked them."""

    orders: dict[Any, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    skus: dict[tuple[Any, str, Any], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    moved: dict[tuple[Any, str], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    order_shop: dict[Any, tuple[Any, str]] = field(default_factory=dict)


def _fee_categories() -> tuple[str, ...]:
    """Settlement line categories the `settlement.imported` rule books to a fee role (the
    roles `CATEGORIES` counts as fees)."""
    from core.finance.rules.later import SETTLEMENT_ROLES
    from core.finance.settlements.categories import BOOKING

    return tuple(sorted(c for c, b in BOOKING.items() if CATEGORIES.get(SETTLEMENT_ROLES.get(b, "")) == "fees"))


def settlement_fees(start: date, end: date) -> SettlementFees:
    """Fees of the settlements whose (unreversed, posted) voucher lies in the months from
    `start` to `end`, per matched order and per SKU of lines that name a SKU but no order
    (reference finance.md §3.1: storage and other lines per SKU)."""
    from core.catalog.service import sku_ids_by_code
    from core.finance.settlements.models import Settlement, SettlementLine

    functional = functional_currency()
    out = SettlementFees()
    v, ln, p, L, S = Voucher, VoucherLine, Period, SettlementLine, Settlement
    reversed_ids = select(v.reverses_id).where(v.reverses_id.is_not(None))
    booked = (
        select(v.source_id, p.year, p.month, func.max(ln.rate))
        .join(ln, ln.voucher_id == v.id)
        .join(p, p.id == v.period_id)
        .join(S, cast(S.id, String) == v.source_id)
        .where(
            v.source_type == "settlement",
            v.rule == "settlement.imported",
            v.status == "posted",
            v.reverses_id.is_(None),
            v.id.not_in(reversed_ids),
            ln.currency == S.currency,
            ln.memo.not_in(("sales", "deposit")),
        )
        .group_by(v.source_id, p.year, p.month)
    )
    in_range: dict[str, tuple[str, Decimal]] = {}
    for source_id, year, month, rate in session.execute(booked):
        if start <= date(year, month, 1) <= end:
            in_range[source_id] = (f"{year:04d}-{month:02d}", Decimal(rate or 1))
    if not in_range:
        return out
    ids = [uuid.UUID(k) for k in in_range]
    stmt = (
        select(S.id, S.connection_id, S.currency, L.order_id, L.sku, func.sum(L.amount))
        .join(S, S.id == L.settlement_id)
        .where(L.settlement_id.in_(ids), L.category.in_(_fee_categories()))
        .group_by(S.id, S.connection_id, S.currency, L.order_id, L.sku)
    )
    rows = session.execute(stmt).all()
    codes = sku_ids_by_code(sku for _, _, _, order_id, sku, _ in rows if order_id is None and sku)
    for sid, shop, currency, order_id, sku, amount in rows:
        month, rate = in_range[str(sid)]
        if not amount or (order_id is None and not sku):
            continue  # a fee of the shop: it stays where the voucher booked it
        sku_id = None
        if order_id is None:
            sku_id = codes.get(sku.strip())
            if sku_id is None:
                continue  # a SKU the catalog does not know: the fee stays with the shop
        value = round_money(-Decimal(amount) * (rate if currency != functional else Decimal(1)), functional)
        out.moved[(shop, month)] += value
        if order_id is not None:
            out.orders[order_id] += value
            out.order_shop.setdefault(order_id, (shop, month))
        else:
            out.skus[(shop, month, sku_id)] += value
    return out


def _settled_orders(order_ids: list[Any]) -> set[Any]:
    """The orders among these that a booked settlement matched: none of them is estimated,
    whichever months the settlement lies in."""
    from core.finance.settlements.models import Settlement, SettlementLine

    L = SettlementLine
    booked = select(Settlement.id).where(Settlement.booked_at.is_not(None))
    found: set[Any] = set()
    for i in range(0, len(order_ids), IN_CHUNK):
        chunk = order_ids[i : i + IN_CHUNK]
        stmt = select(L.order_id).where(L.order_id.in_(chunk), L.settlement_id.in_(booked)).distinct()
        found.update(session.execute(stmt).scalars())
    return found


def _bucket(orders: dict[Any, dict[str, Any]], okey: Any, shop: Any, month: str, order: Any) -> dict[str, Any]:
    o = orders.setdefault(
        okey, {"shop": shop, "month": month, "skus": defaultdict(lambda: defaultdict(lambda: ZERO)), "order": order}
    )
    o["shop"] = o["shop"] or shop
    return o


def _move_settlement_fees(orders: dict[Any, dict[str, Any]], real: SettlementFees) -> None:
    """Take the settlements' order and SKU fees off their shop (where the voucher booked them)
    and give them to their order or SKU."""
    for (shop, month), value in real.moved.items():
        _bucket(orders, ("none", shop, month, None), shop, month, None)["skus"][None]["fees"] -= value
    for order_id, value in real.orders.items():
        shop, month = real.order_shop[order_id]
        _bucket(orders, order_id, shop, month, order_id)["skus"][None]["fees"] += value
    for (shop, month, sku_id), value in real.skus.items():
        _bucket(orders, ("none", shop, month, sku_id), shop, month, None)["skus"][sku_id]["fees"] += value


def _channels(shop_ids: set[Any]) -> dict[Any, str]:
    from core.errors import NotFound
    from tenants.service import get_connection

    out = {}
    for sid in shop_ids:
        try:
            out[sid] = get_connection(sid).plugin
        except NotFound:
            out[sid] = ""
    return out


def _label(rows: dict[str, ProfitRow], group: str) -> None:
    if group == "month":
        for r in rows.values():
            r.label = r.key
        return
    if group == "order":
        ids = [k for k in rows if k]
        numbers = (
            dict(
                session.execute(
                    select(Voucher.source_id, func.max(Voucher.source_number))
                    .where(Voucher.source_type == "sales_order", Voucher.source_id.in_(ids))
                    .group_by(Voucher.source_id)
                ).all()
            )
            if ids
            else {}
        )
        for k, r in rows.items():
            r.label = numbers.get(k, k or "-")
        return
    if group == "shop":
        names = {}
        for k in rows:
            if k:
                from core.errors import NotFound
                from tenants.service import get_connection

                try:
                    names[k] = get_connection(uuid.UUID(k)).display_name
                except (NotFound, ValueError):
                    names[k] = k
        for k, r in rows.items():
            r.label = names.get(k) or ("manual" if not k else k)
        return
    from core.catalog.service import get_sku
    from core.errors import NotFound

    for k, r in rows.items():
        try:
            r.label = get_sku(uuid.UUID(k)).code if k and k != "None" else "-"
        except (NotFound, ValueError):
            r.label = k
