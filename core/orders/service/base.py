"""What every order use case shares: loading and locking orders, the state machine's guard,
the timeline, line money and totals, the stock document, and the payloads of events."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import events
from core.db import get_or_none, new_object, session, utcnow
from core.errors import InvalidTransition, NotFound
from core.event_types import Payload
from core.inventory.service import Doc, Line
from core.messages import Msg, detail, parse
from core.money import allocate, round_money
from core.orders.events import OrderPlaced, OrderSummary, OrderWithLines, PlacedLine, SoldLine
from core.orders.models import LINE_AMOUNTS, Order, OrderActivity, OrderHold, OrderLine
from core.tenancy import current_actor

# Order numbers (SO-...): intake numbers new orders, splitting numbers their children.
NUMBER_SEQUENCE = "sales_order"
NUMBER_PREFIX = "SO"

DOC_TYPE = "sales_order"

# Rows and events an import creates, held back until its decisions are made (see `staged`).
_staged: ContextVar[list[Any] | None] = ContextVar("orders_staged", default=None)


@contextmanager
def staged() -> Iterator[list[Any]]:
    """Collect the rows and events created inside the block and write them when it ends.

    An import decides review, splits and the warehouse before anything is written, so each
    row is inserted once, in its final state and in bulk (`rows.insert_new`), and the
    savepoints of stock reservations do not flush half-decided orders. Nothing is written if
    the block raises. The orders stay outside the session: read them again to change them."""
    items: list[Any] = []
    token = _staged.set(items)
    try:
        yield items
    finally:
        _staged.reset(token)
    from core.orders.service.rows import insert_new

    insert_new([item for item in items if not isinstance(item, tuple)])
    events.emit_many([item for item in items if isinstance(item, tuple)])


def add(obj: Any) -> None:
    """`session.add`, or held back while an import is being decided."""
    buffer = _staged.get()
    if buffer is None:
        session.add(obj)
    else:
        buffer.append(obj)


def emit_event(name: str, payload: Payload, entity_type: str, entity_id: Any) -> None:
    buffer = _staged.get()
    if buffer is None:
        events.emit(name, payload, entity_type=entity_type, entity_id=entity_id)
    else:
        buffer.append((name, payload, entity_type, entity_id))


# ---------------------------------------------------------------------------------------------
# Loading


def _ident(order_id: Any) -> uuid.UUID | None:
    if isinstance(order_id, uuid.UUID):
        return order_id
    try:
        return uuid.UUID(str(order_id))
    except ValueError:
        return None


def get_order(order_id: uuid.UUID | str) -> Order:
    order = get_or_none(Order, order_id)
    if order is None:
        raise NotFound("order", order_id)
    return order


def lock_order(order_id: uuid.UUID | str) -> Order:
    """The order, locked until the transaction ends, so two actions on it never interleave."""
    ident = _ident(order_id)
    order = (
        None
        if ident is None
        else session.execute(
            select(Order)
            .where(Order.id == ident)
            .options(selectinload(Order.lines))
            .with_for_update(of=Order)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
    )
    if order is None:
        raise NotFound("order", order_id)
    return order


def lock_orders(order_ids: Iterable[uuid.UUID | str]) -> list[Order]:
    """Several orders, locked in id order (a stable order, so concurrent callers never deadlock)."""
    idents = sorted({i for i in (_ident(x) for x in order_ids) if i is not None})
    rows = (
        session.execute(
            select(Order)
            .where(Order.id.in_(idents))
            .options(selectinload(Order.lines))
            .order_by(Order.id)
            .with_for_update(of=Order)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    found = {o.id for o in rows}
    for raw in order_ids:
        if _ident(raw) not in found:
            raise NotFound("order", raw)
    return list(rows)


def open_hold(order: Order) -> OrderHold | None:
    for obj in [*(_staged.get() or ()), *session.new]:  # a hold placed in this transaction, not yet written
        if isinstance(obj, OrderHold) and obj.order_id == order.id and obj.released_at is None:
            return obj
    return session.execute(
        select(OrderHold).where(OrderHold.order_id == order.id, OrderHold.released_at.is_(None))
    ).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# The state machine's guard and the timeline


def require_status(order: Order, allowed: Iterable[str], action: str, hint: str = "") -> None:
    if order.status not in tuple(allowed):
        if not hint and order.status == "split":
            hint = Msg("orders.child_orders")
        elif not hint and order.status == "merged":
            hint = Msg("orders.merged_away")
        raise InvalidTransition(Msg("entity.order", ref=order.number), order.status, action, hint)


def record(
    order: Order,
    action: str,
    message: str = "",
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    **data: Any,
) -> OrderActivity:
    """Add a line to the order's timeline: who did what, and why. The portal shows a coded
    message in the reader's language (`OrderActivity.coded_message`): its code and parameters
    are read back from the English when that gives exactly them (most messages: "imported
    from shopify (1001)"), and kept beside the English (`data["message"]`) only when it does
    not (nested or ambiguous ones). An import writes millions of these entries."""
    from core.jsonutil import jsonable

    data = jsonable(data)
    coded = detail(message)
    if coded is not None and detail(parse(str(message))) != coded:
        data["message"] = coded
    entry = new_object(
        OrderActivity,
        order_id=order.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        message=str(message),
        actor=str(current_actor())[:200],
        data=data,
    )
    add(entry)
    return entry


def set_status(order: Order, status: str, action: str, message: str = "", **data: Any) -> OrderActivity:
    before = order.status
    order.status = status
    return record(order, action, message, from_status=before, to_status=status, **data)


# ---------------------------------------------------------------------------------------------
# Money of lines


def share(amount: Decimal, part: int, whole: int, currency: str) -> Decimal:
    """The part of a line amount that `part` of its `whole` units carry (largest remainder, so
    the shares of a line's units always add up to the line)."""
    if part >= whole:
        return amount
    if part <= 0:
        return Decimal(0)
    return allocate(amount, [part, whole - part], currency)[0]


def line_gross(line: OrderLine, prices_include_tax: bool) -> Decimal:
    """What the buyer pays for the whole line."""
    tax = Decimal(0) if prices_include_tax else line.item_tax + line.shipping_tax
    return line.item_amount + line.shipping + tax - line.discount - line.promotion


def live_amounts(line: OrderLine, currency: str) -> dict[str, Decimal]:
    """The line's amounts without its cancelled units."""
    if not line.quantity_cancelled:
        return {name: getattr(line, name) for name in LINE_AMOUNTS}
    return {
        name: getattr(line, name) - share(getattr(line, name), line.quantity_cancelled, line.quantity, currency)
        for name in LINE_AMOUNTS
    }


def gross_of(amounts: dict[str, Decimal], prices_include_tax: bool) -> Decimal:
    tax = Decimal(0) if prices_include_tax else amounts["item_tax"] + amounts["shipping_tax"]
    return amounts["item_amount"] + amounts["shipping"] + tax - amounts["discount"] - amounts["promotion"]


def line_live_total(order: Order, line: OrderLine) -> Decimal:
    return gross_of(live_amounts(line, order.currency), order.prices_include_tax)


def recompute_totals(order: Order) -> None:
    """Order totals are the sums of the lines' live amounts (cancelled units excluded)."""
    sums = {name: Decimal(0) for name in LINE_AMOUNTS}
    for line in order.lines:
        for name, value in live_amounts(line, order.currency).items():
            sums[name] += value
    order.goods_amount = sums["item_amount"]
    order.tax_amount = sums["item_tax"] + sums["shipping_tax"]
    order.shipping_amount = sums["shipping"]
    order.discount_amount = sums["discount"] + sums["promotion"]
    order.total = gross_of(sums, order.prices_include_tax)


# ---------------------------------------------------------------------------------------------
# Stock


def stock_doc(order: Order) -> Doc:
    return Doc(DOC_TYPE, order.id, order.number)


def stock_key(order: Order, operation: str) -> str:
    """A deterministic idempotency key per stock event of this order: a retried job replays
    the same event instead of moving stock twice."""
    order.stock_events = (order.stock_events or 0) + 1
    return f"order:{order.id}:{order.stock_events}:{operation}"


def stock_lines(
    order: Order,
    warehouse_id: uuid.UUID,
    lines: Iterable[OrderLine] | None = None,
    quantities: dict[uuid.UUID, int] | None = None,
) -> list[Line]:
    """Inventory lines for order lines: stock units are ordered units x units per item (a
    "pack of 3" listing takes three). Bundles pass as themselves; inventory takes components."""
    out = []
    for line in order.lines if lines is None else lines:
        qty = quantities[line.id] if quantities is not None else line.open_quantity
        if qty > 0 and line.sku_id is not None:
            out.append(Line(str(line.id), line.sku_id, warehouse_id, qty * line.units_per_item))
    return out


# ---------------------------------------------------------------------------------------------
# Event payloads (no buyer personal data: events are readable by every integration)


def line_payload(order: Order, line: OrderLine, quantity: int | None = None) -> dict[str, Any]:
    amounts = live_amounts(line, order.currency)
    qty = line.live_quantity if quantity is None else quantity
    if quantity is not None and quantity != line.live_quantity:
        amounts = {k: share(v, quantity, line.live_quantity, order.currency) for k, v in amounts.items()}
    return {
        "line_id": line.id,
        "external_order_id": line.external_order_id or order.external_order_id,
        "external_line_id": line.external_line_id,
        "seller_sku": line.seller_sku,
        "sku_id": line.sku_id,
        "sku_code": line.sku_code,
        "kit_type": line.kit_type,
        "quantity": qty,
        "stock_quantity": qty * line.units_per_item,
        "unit_price": line.unit_price,
        **{k: round_money(v, order.currency) for k, v in amounts.items()},
        "total": round_money(gross_of(amounts, order.prices_include_tax), order.currency),
    }


def order_fields(order: Order, lines: bool = True) -> dict[str, Any]:
    """The fields of `OrderSummary` (and `lines` of `OrderWithLines`) for the order."""
    data: dict[str, Any] = {
        "order_id": order.id,
        "number": order.number,
        "channel": order.channel,
        "connection_id": order.connection_id,
        "marketplace": order.marketplace,
        "external_order_id": order.external_order_id,
        "fulfilment": order.fulfilment,
        "status": order.status,
        "parent_id": order.parent_id,
        "purchased_at": order.purchased_at,
        "ship_country": order.ship_country,
        "currency": order.currency,
        "prices_include_tax": order.prices_include_tax,
        "amounts": {
            k: round_money(v, order.currency)
            for k, v in (
                ("goods", order.goods_amount),
                ("tax", order.tax_amount),
                ("shipping", order.shipping_amount),
                ("discount", order.discount_amount),
                ("total", order.total),
                ("refunded", order.refunded_amount or Decimal(0)),
            )
        },
        "warehouse_id": order.warehouse_id,
    }
    if lines:
        data["lines"] = tuple(SoldLine(**line_payload(order, line)) for line in order.lines if line.live_quantity)
    return data


def order_payload(order: Order) -> OrderWithLines:
    return OrderWithLines(**order_fields(order))


def placed_payload(order: Order) -> OrderPlaced:
    """`order.imported` / `order.created`: ids and amounts, the lines as ids, units and totals."""
    cur = order.currency
    return OrderPlaced(
        order_id=order.id,
        number=order.number,
        channel=order.channel,
        connection_id=order.connection_id,
        marketplace=order.marketplace,
        external_order_id=order.external_order_id,
        fulfilment=order.fulfilment,
        status=order.status,
        purchased_at=order.purchased_at,
        ship_country=order.ship_country,
        currency=cur,
        prices_include_tax=order.prices_include_tax,
        amounts={
            "goods": round_money(order.goods_amount, cur),
            "tax": round_money(order.tax_amount, cur),
            "shipping": round_money(order.shipping_amount, cur),
            "discount": round_money(order.discount_amount, cur),
            "total": round_money(order.total, cur),
        },
        lines=tuple(
            PlacedLine(
                line_id=line.id,
                sku_id=line.sku_id,
                quantity=line.live_quantity,
                total=round_money(gross_of(live_amounts(line, cur), order.prices_include_tax), cur),
            )
            for line in order.lines
            if line.live_quantity
        ),
        parent_id=order.parent_id,
        warehouse_id=order.warehouse_id,
    )


def emit(name: str, order: Order, payload: type[OrderSummary] = OrderWithLines, **extra: Any) -> None:
    """An order event of the declared `payload` class, a subclass of `OrderSummary`. State
    changes that move no money or goods (held, released, printed, ...) carry the order's
    summary without its lines; the others carry the lines (unless `extra` brings its own).
    The three events of every import carry less and are built where they happen
    (`placed_payload`, `OrderApproved`, `OrderAllocated`)."""
    with_lines = issubclass(payload, OrderWithLines) and "lines" not in extra
    emit_event(name, payload(**order_fields(order, lines=with_lines), **extra), "order", order.id)


def now() -> Any:
    return utcnow()
