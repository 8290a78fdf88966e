"""Reserving an order's stock in the warehouse chosen for it, and marking it allocated (one
order, or many in one inventory call). Allocation and splitting both use it.

An import reserves last (`deferred`): its orders are planned against the stock it read and
marked allocated, their rows, timeline and audit entries are written, and only then is the
stock of the whole page reserved in one inventory call. The balance rows, which every import
of the tenant touches, are locked from that call to the commit, not while the page is written,
so imports of shops that sell the same SKUs overlap instead of taking turns. The few orders
whose stock another transaction took since the read are put back (their allocation's timeline
entry and event are taken back before anything commits) and allocated again from a fresh read:
another warehouse, a split, or a hold for missing stock (`allocation.reserving_last`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from core.inventory import service as inventory
from core.inventory.service import InsufficientStock
from core.messages import Msg
from core.orders.events import OrderAllocated, WarehouseRef
from core.orders.models import Order, OrderActivity
from core.orders.service.base import emit_event, set_status, stock_doc, stock_key, stock_lines


@dataclass
class Deferred:
    """A reservation an import makes last: the request, and what marked its order allocated."""

    order: Order
    request: inventory.ReserveRequest
    activity: OrderActivity


@dataclass
class Batch:
    """The reservations deferred in a block, and the orders allocated again at its end (read
    again, by id: the block's own objects of those orders are out of date)."""

    items: list[Deferred] = field(default_factory=list)
    corrected: dict[uuid.UUID, Order] = field(default_factory=dict)


_deferred: ContextVar[Batch | None] = ContextVar("orders_deferred_reservations", default=None)


def _allocated(order: Order, site_id: uuid.UUID, site_code: str, held: bool, message: str = "") -> OrderActivity:
    order.warehouse_id = site_id
    order.stock_reserved = held
    entry = set_status(
        order, "allocated", "allocated", message or Msg("order.reserved", warehouse=site_code), warehouse=site_code
    )
    emit_event(
        "order.allocated",
        OrderAllocated(
            order_id=order.id,
            status=order.status,
            warehouse=WarehouseRef(id=site_id, code=site_code),
            stock_reserved=held,
        ),
        "order",
        order.id,
    )
    return entry


def reserve(order: Order, site_id: uuid.UUID, site_code: str, message: str = "") -> None:
    """Hold the order's open lines in one warehouse (all or nothing: InsufficientStock)."""
    lines = stock_lines(order, site_id)
    if lines:
        inventory.reserve(stock_doc(order), lines, key=stock_key(order, "reserve"))
    _allocated(order, site_id, site_code, bool(lines), message)


def reserve_all(
    choices: Sequence[tuple[Order, uuid.UUID, str, str]], *, defer: bool = False
) -> list[tuple[Order, InsufficientStock]]:
    """Reserve many orders, each in its chosen warehouse, in one inventory call; returns the
    orders that found too little stock after all (nothing was held for them). With `defer`
    inside `deferred()`, the orders are marked allocated now and reserved when it ends."""
    pending = _deferred.get() if defer else None
    requests, waiting = [], []
    for order, site_id, code, message in choices:
        lines = stock_lines(order, site_id)
        if not lines:
            _allocated(order, site_id, code, False, message)
        elif pending is not None:
            request = inventory.ReserveRequest(stock_doc(order), lines, stock_key(order, "reserve"))
            pending.items.append(Deferred(order, request, _allocated(order, site_id, code, True, message)))
        else:
            requests.append(inventory.ReserveRequest(stock_doc(order), lines, stock_key(order, "reserve")))
            waiting.append((order, site_id, code, message))
    if not requests:
        return []
    failed = []
    for (order, site_id, code, message), result in zip(waiting, inventory.reserve_many(requests)):
        if isinstance(result, InsufficientStock):
            failed.append((order, result))
        else:
            _allocated(order, site_id, code, True, message)
    return failed


@contextmanager
def deferring() -> Iterator[Batch]:
    """Collect the reservations of `reserve_all(..., defer=True)` inside the block instead of
    making them (`allocation.reserving_last` makes them when its block ends)."""
    batch = Batch()
    token = _deferred.set(batch)
    try:
        yield batch
    finally:
        _deferred.reset(token)
