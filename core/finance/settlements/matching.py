"""Matching a settlement's lines to orders, the reconciliation per order, and the hand-over to
the books (reference finance.md §3.4 "Matching to orders and refunds", §3.5, §2.4).

1. Lines find their order by the channel's order id (`order-id`) within the settlement's shop,
   then by the seller's own order number (`merchant-order-id`); a PayPal line by the shop's
   order number in its `invoice_id`, then by the order id in its `custom_field` (§3.3), both
   within the shop the PayPal connection pays. Then, for a line that names
   only an adjustment, through another line of the same adjustment id. A line manually
   matched or unmatched by a person is never touched again by a run. Lines that belong to no
   order (storage, advertising, reserves, reimbursements) are `none`; those that name a SKU
   (storage per SKU, §3.1) keep the key `sku`, and the profit report gives their fees to that
   SKU (`core.finance.service.profit.settlement_fees`) instead of leaving them on the shop.
2. Per order: `expected` is what the order and its refunds leave for the marketplace to pay
   (total - refunded), `earlier` what earlier settlements of the shop already paid for it (an
   order spread over several settlements), `settled` the sale lines here (principal, shipping,
   tax, promotions, refunds; facilitator tax withheld is left out on both sides), `fees` the
   order's fee lines, and `difference = expected - earlier - settled`. A difference gets a
   reason from the checklist of §3.5 when the cause is plain (a partial refund, the rest still
   to come, the marketplace kept the tax, an order not found); otherwise a person gives one.
3. When no sale line is left unmatched (or when a person closes the settlement), the
   settlement is handed to the books once, as `settlement.reconciled`: the sale lines at the
   functional value their orders were booked at (the rate of the shipment's voucher, of the
   refund's for refund lines), so the deposit's difference is realised FX.

Set-based: one UPDATE per key, aggregates in SQL, results written in batches, so a million
lines match in seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, bindparam, case, delete, func, insert, literal, null, or_, select, true, update

from core.db import random_uuid, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.finance.events import CategoryTotal, SettlementReconciled
from core.finance.settlements.categories import BOOKING, ORDER_SALE
from core.finance.settlements.models import REASONS, Settlement, SettlementLine, SettlementOrder
from core.messages import Msg
from core.money import minor_unit
from core.tenancy import current_actor, current_tenant_id

ZERO = Decimal(0)
SALE = tuple(sorted(ORDER_SALE - {"withheld_tax"}))
# Payment sources that are one of an order's gateways, not its marketplace (decision 0014).
SPLIT_TENDER_SOURCES = frozenset(("paypal",))
Progress = Callable[[int, str], None]


def _orders_table() -> Any:
    """Orders as a read-only subquery of the orders service's query (the tenant's own, through
    its filter and RLS): finance reads orders, never writes them."""
    from core.orders import service as orders

    return orders.order_query().order_by(None).subquery()


def match(settlement_id: uuid.UUID, progress: Progress | None = None) -> dict[str, Any]:
    """One matching run over a settlement (the `finance.match_settlement` job)."""
    say = progress or (lambda _p, _m: None)
    s = _locked(settlement_id)
    if s.status == "closed":
        return {"skipped": "the settlement is closed"}
    L, o = SettlementLine, _orders_table()
    mine = and_(L.settlement_id == s.id, L.match_status.in_(("pending", "unmatched")))
    for i, rule in enumerate(key_rules(s)):
        say(10 + 10 * i, f"matching by {rule.key.replace('_', ' ')}")
        line_col = getattr(L, rule.line_column)
        shop = _in_shop(o, s) if rule.in_shop else true()
        session.execute(
            update(L)
            .where(mine, line_col != "", line_col == getattr(o.c, rule.order_column), shop, o.c.parent_id.is_(None))
            .values(order_id=o.c.id, match_status="matched", match_key=rule.key)
            .execution_options(synchronize_session=False)
        )
    say(40, "matching by adjustment id")
    # Lines that name an adjustment but no order (rare: V2 refunds carry their order id) take
    # the order of another line of that adjustment. Only those lines and adjustment ids are
    # joined, so a settlement of a million lines never joins the table with itself.
    orphans = dict(
        session.execute(
            select(L.id, L.adjustment_id).where(mine, L.adjustment_id != "", L.external_order_id == "").limit(100_000)
        ).all()
    )
    if orphans:
        twin = SettlementLine.__table__.alias("twin")
        session.execute(
            update(L)
            .where(
                L.id.in_(list(orphans)),
                twin.c.tenant_id == current_tenant_id(),
                twin.c.adjustment_id.in_(sorted(set(orphans.values()))),
                twin.c.adjustment_id == L.adjustment_id,
                twin.c.order_id.is_not(None),
            )
            .values(order_id=twin.c.order_id, match_status="matched", match_key="adjustment_id")
            .execution_options(synchronize_session=False)
        )
    say(50, "lines of no order")
    session.execute(
        update(L)
        .where(mine, _of_no_order(L))
        .values(match_status="none", match_key=case((L.sku != "", "sku"), else_=""))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(L)
        .where(mine, L.order_id.is_(None))
        .values(match_status="unmatched")
        .execution_options(synchronize_session=False)
    )
    say(60, "reconciling per order")
    written = refresh_orders(s)
    say(90, "counting")
    _count(s)
    s.status = "matched" if s.status == "imported" else s.status
    s.matched_at = utcnow()
    booked = False
    if s.booked_at is None and _unmatched_sales(s) == 0:
        book(s)
        booked = True
    return {"orders": written, "unmatched": s.unmatched_count, "booked": booked}


@dataclass(frozen=True)
class KeyRule:
    """A way a line finds its order: the line's column equal to the order's, within the
    settlement's shop or not. `unique`: at most one order can match (a unique index holds it),
    so the rule can be applied as a join while the lines are written (`on_arrival`)."""

    line_column: str
    order_column: str
    in_shop: bool
    key: str
    unique: bool


def key_rules(s: Settlement) -> list[KeyRule]:
    """The rules of step 1, in the order they are tried: a line takes the first that finds."""
    if s.source == "paypal":
        # PayPal names an order twice (reference §3.3): `invoice_id`, the shop's order number
        # (the line's merchant_order_id), tried first, and `custom_field`, the shop's order id.
        # A PayPal invoice is the shop's number, never Tradelane's.
        return [
            KeyRule("merchant_order_id", "external_number", True, "invoice_id", False),
            KeyRule("external_order_id", "external_order_id", True, "custom_field", True),
        ]
    return [
        KeyRule("external_order_id", "external_order_id", True, "order_id", True),
        KeyRule("merchant_order_id", "number", False, "merchant_order_id", True),
    ]


def _in_shop(o: Any, s: Settlement) -> Any:
    return o.c.connection_id == s.connection_id if s.connection_id else o.c.connection_id.is_(None)


def _of_no_order(t: Any) -> Any:
    """A line that names no order, merchant order nor adjustment (storage, advertising, ...)."""
    return and_(t.external_order_id == "", t.merchant_order_id == "", t.adjustment_id == "")


@dataclass(frozen=True)
class Arrival:
    """The match of lines as they are written (`on_arrival`): the lines joined to their
    orders, and the order id, status and key of each."""

    joined: Any
    order_id: Any
    match_status: Any
    match_key: Any


def on_arrival(s: Settlement, staged: Any) -> Arrival:
    """Step 1 as joins of the lines being written (`staged`, a table of the lines' columns)
    to the tenant's orders, so that a million lines are matched as they are inserted instead
    of being rewritten by an UPDATE afterwards. Only the leading rules that can find one order
    at most are joined (a join finding two would write a line twice); a line they leave is
    `pending` and the matching run tries every rule on it. Lines of no order are `none` as the
    run would make them."""
    rules = []
    for rule in key_rules(s):
        if not rule.unique or (rule.in_shop and not s.connection_id):
            break
        rules.append(rule)
    joined, found, tenant = staged, [], current_tenant_id()
    c = staged.c
    for rule in rules:
        o = _orders_table()
        line_col = c[rule.line_column]
        cond = and_(
            o.c.tenant_id == tenant,  # an INSERT's select gets no tenant filter of the ORM's: say it here
            line_col != "",
            line_col == getattr(o.c, rule.order_column),
            o.c.parent_id.is_(None),
            *([_in_shop(o, s)] if rule.in_shop else []),
            *(prev.c.id.is_(None) for prev, _ in found),
        )
        joined = joined.outerjoin(o, cond)
        found.append((o, rule))
    none = _of_no_order(c)
    order_id = func.coalesce(*(o.c.id for o, _ in found)) if len(found) > 1 else found[0][0].c.id if found else null()
    status = case(*((o.c.id.is_not(None), "matched") for o, _ in found), (none, "none"), else_="pending")
    key = case(*((o.c.id.is_not(None), rule.key) for o, rule in found), (and_(none, c.sku != ""), "sku"), else_="")
    return Arrival(joined, order_id, status, key)


def _locked(settlement_id: uuid.UUID) -> Settlement:
    s = session.execute(select(Settlement).where(Settlement.id == settlement_id).with_for_update()).scalar_one_or_none()
    if s is None:
        raise NotFound("settlement", settlement_id)
    return s


def _count(s: Settlement) -> None:
    L = SettlementLine
    s.unmatched_count = session.execute(
        select(func.count()).where(L.settlement_id == s.id, L.match_status == "unmatched")
    ).scalar_one()


def _unmatched_sales(s: Settlement) -> int:
    L = SettlementLine
    return session.execute(
        select(func.count()).where(
            L.settlement_id == s.id, L.match_status == "unmatched", L.category.in_(tuple(ORDER_SALE))
        )
    ).scalar_one()


# ---------------------------------------------------------------------------------------------
# Results per order


def refresh_orders(s: Settlement, order_keys: Iterable[str] | None = None) -> int:
    """(Re)write the reconciliation rows of the settlement (of some orders: their order ids or
    channel order ids), keeping the reasons and notes people gave.

    One `INSERT ... SELECT`: the lines grouped per order, joined to the order and to what
    earlier settlements paid for it, the difference and its reason computed in SQL (step 2 of
    the module's docstring), so 200,000 orders are reconciled without a row passing through
    Python. A reason or note a person gave is read before and put back after."""
    R = SettlementOrder
    keys = list(order_keys) if order_keys is not None else None
    kept = _kept_reasons(s, keys)
    gone = delete(R).where(R.settlement_id == s.id)
    if keys is not None:
        gone = gone.where(_result_key(R.order_id, R.external_order_id).in_(keys))
    session.execute(gone)
    names, rows = _results(s, keys)
    # rowcount of an INSERT is kept only when asked for (SQLAlchemy 2.0, preserve_rowcount).
    written = (
        session.connection()
        .execute(insert(R.__table__).from_select(names, rows).execution_options(preserve_rowcount=True))
        .rowcount
    )
    t = R.__table__
    mine = and_(t.c.tenant_id == current_tenant_id(), t.c.settlement_id == s.id)
    # A reason a person chose is put back with its note; a note alone is put back alone, and
    # the reason stays the one this run computed.
    explained = {"reason": bindparam("r"), "reason_auto": False, "note": bindparam("n")}
    for values, chosen in ((explained, True), ({"note": bindparam("n")}, False)):
        group = [(key, r, n) for key, (r, n, by_person) in kept.items() if by_person is chosen]
        by_order = [{"o": o, "r": r, "n": n} for (o, _x), r, n in group if o is not None]
        by_external = [{"x": x, "r": r, "n": n} for (o, x), r, n in group if o is None]
        if by_order:
            session.connection().execute(update(t).where(mine, t.c.order_id == bindparam("o")).values(values), by_order)
        if by_external:
            session.connection().execute(
                update(t).where(mine, t.c.order_id.is_(None), t.c.external_order_id == bindparam("x")).values(values),
                by_external,
            )
    return written


def _result_key(order_id: Any, external: Any) -> Any:
    """An order's key among a settlement's results: its order id, or the channel's order id
    of lines that found no order."""
    return func.coalesce(func.cast(order_id, String()), external)


def _results(s: Settlement, keys: list[str] | None) -> tuple[list[str], Any]:
    """The columns and the select of the settlement's reconciliation rows (of `keys` only).

    Per order: `settled` (sale lines), `withheld` (facilitator tax), `fees` (the rest) and the
    refund lines it has; `expected` = total - refunded of the order, `earlier` what earlier
    settlements of the shop paid for it, `difference = expected - earlier - settled` in the
    currency's minor unit, and its reason from reference §3.5 when the cause is plain."""
    L, tenant = SettlementLine, current_tenant_id()
    # The statement is no ORM select, so the tenant filter is written out (RLS holds it too).
    g = (
        select(
            L.order_id.label("order_id"),
            func.max(L.external_order_id).label("external"),
            func.sum(case((L.category.in_(SALE), L.amount), else_=ZERO)).label("settled"),
            func.sum(case((L.category == "withheld_tax", L.amount), else_=ZERO)).label("withheld"),
            func.sum(case((L.category.in_(tuple(ORDER_SALE)), ZERO), else_=L.amount)).label("fees"),
            func.sum(case((L.transaction_type.ilike("%refund%"), 1), else_=0)).label("refunds"),
        )
        .where(
            L.tenant_id == tenant,
            L.settlement_id == s.id,
            L.match_status != "none",
            (L.order_id.is_not(None)) | (L.external_order_id != ""),
        )
        .group_by(L.order_id, case((L.order_id.is_(None), L.external_order_id), else_=""))
    )
    if keys is not None:
        g = g.where(_result_key(L.order_id, L.external_order_id).in_(keys))
    g = g.subquery("g")
    o, e = _orders_table(), _earlier(s, g)
    found = o.c.id.is_not(None)
    expected = case((found, func.coalesce(o.c.total, ZERO) - func.coalesce(o.c.refunded_amount, ZERO)), else_=ZERO)
    before = func.coalesce(e.c.amount, ZERO)
    settled = func.coalesce(g.c.settled, ZERO)
    x = (
        select(
            g.c.order_id,
            func.coalesce(
                func.nullif(o.c.external_order_id, ""), func.nullif(g.c.external, ""), func.cast(g.c.order_id, String())
            ).label("external"),
            o.c.id.label("found"),
            o.c.currency.label("order_currency"),
            func.coalesce(o.c.total, ZERO).label("total"),
            func.coalesce(o.c.refunded_amount, ZERO).label("refunded"),
            expected.label("expected"),
            before.label("earlier"),
            settled.label("settled"),
            func.coalesce(g.c.fees, ZERO).label("fees"),
            func.coalesce(g.c.withheld, ZERO).label("withheld"),
            func.coalesce(g.c.refunds, 0).label("refunds"),
            case((found, func.round(expected - before - settled, minor_unit(s.currency))), else_=-settled).label(
                "difference"
            ),
        )
        .select_from(
            g.outerjoin(o, and_(o.c.id == g.c.order_id, o.c.tenant_id == tenant)).outerjoin(
                e, e.c.order_id == g.c.order_id
            )
        )
        .subquery("x")
    )
    d = x.c.difference
    reason = case(
        (d == 0, ""),
        (x.c.found.is_(None), "data_quality"),  # §3.5 #10: an order id the shop does not know
        (x.c.order_currency != s.currency, "fx"),  # §3.5 #4: the order is in another currency
        (and_(x.c.refunds != 0, x.c.refunded == 0), "partial_refund"),  # a refund the order does not know yet
        (and_(x.c.refunded != 0, func.abs(d) <= func.abs(x.c.refunded) + func.abs(x.c.total)), "partial_refund"),
        (and_(x.c.withheld != 0, d == -x.c.withheld), "tax"),
        # §3.5 #9: a gateway takes its part of an order in one payment, so less than the order
        # is the rest paid another way (a gift card, the shop's other gateway), not late.
        *(
            [((and_(x.c.settled != 0, func.abs(x.c.settled + x.c.earlier) < func.abs(x.c.expected))), "split_tender")]
            if s.source in SPLIT_TENDER_SOURCES
            else []
        ),
        # the rest is in another settlement
        (or_(x.c.settled == 0, func.abs(x.c.settled + x.c.earlier) < func.abs(x.c.expected)), "timing"),
        else_="",
    )
    R = SettlementOrder.__table__
    columns = {
        "id": random_uuid(),
        "tenant_id": literal(tenant, R.c.tenant_id.type),
        "created_at": literal(utcnow(), R.c.created_at.type),
        "updated_at": literal(utcnow(), R.c.updated_at.type),
        "settlement_id": literal(s.id, R.c.settlement_id.type),
        "order_id": x.c.order_id,
        "external_order_id": x.c.external,
        "currency": literal(s.currency, R.c.currency.type),
        "expected": x.c.expected,
        "settled": x.c.settled,
        "fees": x.c.fees,
        "earlier": x.c.earlier,
        "difference": d,
        "reason": reason,
        "reason_auto": literal(True, R.c.reason_auto.type),
        "note": literal("", R.c.note.type),
    }
    return list(columns), select(*columns.values()).select_from(x)


def _earlier(s: Settlement, g: Any) -> Any:
    """Per order of `g`, what settlements of the same shop that ended before this one paid."""
    lt, st, tenant = SettlementLine.__table__.alias("l2"), Settlement.__table__.alias("s2"), current_tenant_id()
    stmt = (
        select(lt.c.order_id, func.sum(lt.c.amount).label("amount"))
        .join(st, st.c.id == lt.c.settlement_id)
        .where(
            lt.c.tenant_id == tenant,
            st.c.tenant_id == tenant,
            st.c.id != s.id,
            st.c.source == s.source,
            lt.c.category.in_(SALE),
            lt.c.order_id.in_(select(g.c.order_id).where(g.c.order_id.is_not(None))),
        )
        .group_by(lt.c.order_id)
    )
    if s.connection_id:
        stmt = stmt.where(st.c.connection_id == s.connection_id)
    if s.end_at is not None:
        stmt = stmt.where(st.c.end_at < s.end_at)
    return stmt.subquery("e")


def _kept_reasons(s: Settlement, keys: list[str] | None) -> dict[tuple[Any, str], tuple[str, str, bool]]:
    """{(order id, channel order id): (reason, note, reason chosen by a person)} of the results
    a person explained or wrote a note on."""
    R = SettlementOrder
    stmt = select(R.order_id, R.external_order_id, R.reason, R.note, R.reason_auto).where(
        R.settlement_id == s.id, (R.reason_auto.is_(False)) | (R.note != "")
    )
    out = {}
    for order_id, external, reason, note, auto in session.execute(stmt):
        if keys is None or (str(order_id) if order_id else external) in keys:
            out[(order_id, external)] = (reason, note, not auto)
    return out


# ---------------------------------------------------------------------------------------------
# To the books


def book(s: Settlement) -> None:
    """Hand the settlement to the books once (`settlement.reconciled`, booked by the voucher
    rule `settlement.imported`)."""
    if s.booked_at is not None:
        return
    L = SettlementLine
    cats: dict[str, Decimal] = {}
    for category, amount in session.execute(
        select(L.category, func.sum(L.amount)).where(L.settlement_id == s.id).group_by(L.category)
    ):
        if category in ORDER_SALE:
            continue
        booking = BOOKING.get(category, "other_fee")
        cats[booking] = cats.get(booking, ZERO) + (amount or ZERO)
    sales, value, unvalued = _sales_value(s)
    total = s.total
    deposit_amount = s.deposit_amount if s.deposit_amount is not None else total
    emit(
        "settlement.reconciled",
        SettlementReconciled(
            settlement_id=s.id,
            source=s.source,
            external_id=s.external_id,
            connection_id=s.connection_id,
            currency=s.currency,
            total=total,
            deposit_date=s.deposit_date or (s.end_at.date() if s.end_at else None),
            deposit_currency=s.deposit_currency or s.currency,
            deposit_amount=deposit_amount,
            sales=sales,
            sales_value=value,
            sales_unvalued=unvalued,
            categories=tuple(CategoryTotal(category=c, amount=a) for c, a in sorted(cats.items()) if a),
        ),
        entity_type="settlement",
        entity_id=s.id,
    )
    s.carrying_value = value
    s.carrying_rate = (value / sales).quantize(Decimal("0.0000000001")) if value is not None and sales else None
    s.status = "booked" if s.status != "closed" else s.status
    s.booked_at = utcnow()


def _sales_value(s: Settlement) -> tuple[Decimal, Decimal | None, Decimal]:
    """(sale amount with a known booking rate, its functional value, sale amount without one).
    The rate of an order is the one its shipment's voucher booked the receivable at; a refund
    line takes the rate of the order's refund voucher when there is one. One query: each
    order's sale sums (its refunds apart) valued at its rates, rounded per sum, added up."""
    from core.finance.models import Voucher, VoucherLine
    from core.finance.service.setup import functional_currency

    L, tenant = SettlementLine, current_tenant_id()
    functional = functional_currency()
    sale = and_(L.tenant_id == tenant, L.settlement_id == s.id, L.category.in_(tuple(ORDER_SALE)))
    if s.currency == functional:
        total = session.execute(select(func.coalesce(func.sum(L.amount), ZERO)).where(sale)).scalar_one()
        return total, total, ZERO
    is_refund = L.transaction_type.ilike("%refund%")
    g = (
        select(L.order_id, is_refund.label("refund"), func.sum(L.amount).label("amount"))
        .where(sale)
        .group_by(L.order_id, is_refund)
        .subquery("g")
    )
    V, VL = Voucher, VoucherLine
    rates = (
        select(
            VL.order_id,
            func.max(case((V.event_name == "order.shipped", VL.rate))).label("shipped"),
            func.max(case((V.event_name == "order.refunded", VL.rate))).label("refunded"),
        )
        .join(V, V.id == VL.voucher_id)
        .where(
            VL.tenant_id == tenant,
            V.tenant_id == tenant,
            VL.order_id.in_(select(g.c.order_id).where(g.c.order_id.is_not(None))),
            VL.currency == s.currency,
            V.event_name.in_(("order.shipped", "order.refunded")),
            V.status == "posted",
            V.reverses_id.is_(None),
        )
        .group_by(VL.order_id)
        .subquery("r")
    )
    # A refund's own rate when it has one (not zero), else the shipment's.
    rate = case((and_(g.c.refund, func.coalesce(rates.c.refunded, 0) != 0), rates.c.refunded), else_=rates.c.shipped)
    valued, value, unvalued = session.execute(
        select(
            func.coalesce(func.sum(case((rate.is_not(None), g.c.amount))), ZERO),
            func.coalesce(func.sum(func.round(g.c.amount * rate, minor_unit(functional))), ZERO),
            func.coalesce(func.sum(case((rate.is_(None), g.c.amount))), ZERO),
        ).select_from(g.outerjoin(rates, rates.c.order_id == g.c.order_id))
    ).one()
    return valued, (value if valued or not unvalued else None), unvalued


# ---------------------------------------------------------------------------------------------
# A person's actions (the reconciliation workspace)


def _open(settlement_id: uuid.UUID) -> Settlement:
    s = _locked(settlement_id)
    if s.status == "closed":
        raise InvalidTransition(
            Msg("entity.settlement", ref=s.external_id), "closed", "change", Msg("finance.closed_settlement_fixed")
        )
    return s


def _line(s: Settlement, line_id: uuid.UUID) -> SettlementLine:
    line = session.execute(
        select(SettlementLine).where(SettlementLine.id == line_id, SettlementLine.settlement_id == s.id)
    ).scalar_one_or_none()
    if line is None:
        raise NotFound("settlement line", line_id)
    return line


def _key(order_id: uuid.UUID | None, external: str) -> str:
    return str(order_id) if order_id else external


def match_line(settlement_id: uuid.UUID, line_id: uuid.UUID, order_id: Any, note: str = "") -> SettlementLine:
    """Match a line to an order by hand; a later run leaves it as it is."""
    from core.orders import service as orders

    s = _open(settlement_id)
    line = _line(s, line_id)
    try:
        order = orders.get_order(uuid.UUID(str(order_id)))
    except (NotFound, ValueError):
        raise ValidationError.field("order_id", Msg("finance.choose_an_order")) from None
    before = _key(line.order_id, line.external_order_id)
    line.order_id, line.match_status, line.match_key = order.id, "manual", "manual"
    line.note = (note or line.note)[:2000]
    session.flush()
    refresh_orders(s, {before, str(order.id), line.external_order_id} - {""})
    _count(s)
    return line


def unmatch_line(settlement_id: uuid.UUID, line_id: uuid.UUID, note: str = "") -> SettlementLine:
    """Take a line off its order; it stays unmatched (a run does not match it again)."""
    s = _open(settlement_id)
    line = _line(s, line_id)
    before = _key(line.order_id, line.external_order_id)
    line.order_id, line.match_status, line.match_key = None, "manual", ""
    line.note = (note or line.note)[:2000]
    session.flush()
    refresh_orders(s, {before, line.external_order_id} - {""})
    _count(s)
    return line


def explain(settlement_id: uuid.UUID, result_id: uuid.UUID, *, reason: str | None, note: str | None) -> SettlementOrder:
    """Give (or clear) the reason of an order's difference, with a note."""
    s = _open(settlement_id)
    row = session.execute(
        select(SettlementOrder).where(SettlementOrder.id == result_id, SettlementOrder.settlement_id == s.id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("settlement order", result_id)
    if reason is not None:
        if reason and reason not in REASONS:
            raise ValidationError.field("reason", Msg("one_of", choices=", ".join(REASONS)))
        row.reason, row.reason_auto = reason, False
    if note is not None:
        row.note = note[:2000]
    return row


def close(settlement_id: uuid.UUID, tolerance: Decimal = ZERO) -> Settlement:
    """Close the settlement: only when every order's difference is within the tolerance or has
    a reason. Hands it to the books if the matching run did not."""
    s = _open(settlement_id)
    R = SettlementOrder
    open_rows = session.execute(
        select(func.count()).where(R.settlement_id == s.id, func.abs(R.difference) > tolerance, R.reason == "")
    ).scalar_one()
    if open_rows:
        raise Conflict(Msg("finance.order_settlement_differ_without", open_rows=open_rows, external_id=s.external_id))
    unmatched_sales = _unmatched_sales(s)
    if unmatched_sales:
        raise Conflict(
            Msg("finance.sale_line_settlement_match", unmatched_sales=unmatched_sales, external_id=s.external_id)
        )
    book(s)
    s.status, s.closed_at, s.closed_by = "closed", utcnow(), str(current_actor())[:200]
    return s


def result_query(settlement_id: uuid.UUID, *, open_only: bool = False, tolerance: Decimal = ZERO) -> Any:
    R = SettlementOrder
    stmt = select(R).where(R.settlement_id == settlement_id)
    if open_only:
        stmt = stmt.where(func.abs(R.difference) > tolerance)
    return stmt.order_by(func.abs(R.difference).desc(), R.external_order_id)


def find_order(text: str) -> uuid.UUID | None:
    """The order whose number or channel order id is `text` (for matching by hand)."""
    text = (text or "").strip()
    if not text:
        return None
    o = _orders_table()
    row = session.execute(
        select(o.c.id).where((o.c.number == text) | (o.c.external_order_id == text), o.c.parent_id.is_(None)).limit(1)
    ).first()
    return row[0] if row else None
