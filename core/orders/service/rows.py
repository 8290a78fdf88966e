"""Writing the rows an import creates in bulk: one INSERT per table (`core.db.bulk_insert`),
with the rows' audit entries, instead of the unit of work's bookkeeping per object. Imports
create tens of thousands of rows a minute; this is where their time went. Rows are complete
(defaults applied) before they are written, exactly as a flush would write them.

Audit: one compact entry per order, naming the digest of the payload it was made from
(`core.audit.summary_entries`); its lines are part of that payload and get none of their
own. Holds and shipments made on the way get the usual full entry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from core.audit import AuditEntry, created_entries, summary_entries
from core.db import bulk_insert, session
from core.orders.models import Order, OrderActivity, OrderHold, OrderLine, OrderShipment
from core.orders.service import reports
from core.orders.service.reports import utc_day

# In foreign-key order.
BULK = (Order, OrderLine, OrderHold, OrderActivity, OrderShipment)


def _defaults(cls: type) -> list[tuple[str, Any, bool, bool]]:
    return [
        (c.key, c.default.arg, c.default.is_callable, c.nullable)
        for c in cls.__table__.columns
        if c.default is not None
    ]


DEFAULTS = {cls: _defaults(cls) for cls in BULK}


def complete(obj: Any) -> None:
    """Apply the column defaults a flush would apply to attributes never set, on a new object
    (straight into its state, as a flush reads it: no attribute events for a dozen defaults of
    every row of an import)."""
    given = obj.__dict__
    for key, default, is_callable, nullable in DEFAULTS[type(obj)]:
        # Copied from an object whose default was not applied yet: None where NULL is refused.
        if key not in given or (given[key] is None and not nullable):
            given[key] = default(None) if is_callable else default


def insert_new(objects: Iterable[Any]) -> None:
    """INSERT new order rows (and their audit entries) in bulk; other objects are added to
    the session as usual."""
    by_class: dict[type, list[Any]] = defaultdict(list)
    for obj in objects:
        if type(obj) in BULK:
            by_class[type(obj)].append(obj)
            if isinstance(obj, Order):
                by_class[OrderLine].extend(obj.lines)
        else:
            session.add(obj)
    written: list[Any] = []
    for cls in BULK:
        for obj in by_class.get(cls, ()):
            complete(obj)
        written.extend(by_class.get(cls, ()))
    session.flush()  # what the session holds goes first (rows may point at it)
    for cls in BULK:
        items = by_class.get(cls)
        if items:
            # Computed columns (orders.buyer_email_lower) are the database's to write.
            keys = [c.key for c in cls.__table__.columns if c.computed is None]
            # Straight from each object's state: complete() has set every column a flush would.
            bulk_insert(cls.__table__, [{k: o.__dict__.get(k) for k in keys} for o in items])
    orders = by_class.get(Order, [])
    # Their days' sales sums are recomputed on the next read (one small row a page and day).
    reports.mark_stale(utc_day(o.purchased_at) for o in orders)
    others = [o for o in written if not isinstance(o, (Order, OrderLine))]
    bulk_insert(AuditEntry.__table__, summary_entries((o, summary(o)) for o in orders) + created_entries(others))


def summary(order: Order) -> dict[str, Any]:
    """What the audit keeps of a new order: what identifies it, its state and money, and the
    digest of the (normalised) payload its values came from."""
    return {
        "number": order.number,
        "channel": order.channel,
        "connection_id": order.connection_id,
        "external_order_id": order.external_order_id,
        "parent_id": order.parent_id,
        "status": order.status,
        "currency": order.currency,
        "total": order.total,
        "lines": len(order.lines),
        "payload_digest": order.channel_digest,
    }
