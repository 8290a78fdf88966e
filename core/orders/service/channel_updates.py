"""A later payload of a channel order we already have: apply what the channel owns.

The channel owns its status, its own status text, the address (until staff correct it),
buyer contact details it withheld before, the buyer's remarks and the requested shipping
service. A change reaches the orders that are actually worked on: the original, or after a
split its children, after a merge the merged order (there only the lines that came from
this channel order are affected).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import session
from core.messages import Msg, joined
from core.orders.events import OrderUpdated
from core.orders.models import AFTER_SHIPMENT, BEFORE_SHIPMENT, Order
from core.orders.service import aftersales, holds, pipeline
from core.orders.service.base import emit, record
from core.orders.service.incoming import ADDRESS_COLUMNS, Incoming

SHIPPED = ("shipped", "partially_shipped")
FILLABLE = ("buyer_name", "buyer_email", "buyer_phone")
PLAIN = ("external_status", "external_number", "buyer_remarks", "shipping_service", "reported_total")


def working_orders(original: Order) -> list[Order]:
    """The orders that carry the original's lines now: itself, its split children, the order
    it was merged into (recursively), locked."""
    frontier, leaves, seen = [original], [], set()
    while frontier:
        nxt = []
        for o in frontier:
            if o.id in seen:
                continue
            seen.add(o.id)
            if o.status == "split":
                nxt.extend(
                    session.execute(
                        select(Order).where(Order.parent_id == o.id).order_by(Order.number).with_for_update()
                    ).scalars()
                )
            elif o.status == "merged" and o.merged_into_id is not None:
                nxt.extend(
                    session.execute(select(Order).where(Order.id == o.merged_into_id).with_for_update()).scalars()
                )
            else:
                leaves.append(o)
        frontier = nxt
    return leaves


def apply(order: Order, inc: Incoming) -> str:
    """Apply a later payload to the original order; returns "updated" or "unchanged"."""
    if inc.digest == order.channel_digest:
        return "unchanged"
    if order.channel_updated_at is not None and inc.source.updated_at < order.channel_updated_at:
        return "unchanged"  # an older payload delivered late
    changes: list[str] = []
    working = working_orders(order)
    new = inc.fields

    if not order.lines and inc.lines:
        changes.append(_fill_lines(order, inc))
    for name in PLAIN:
        if getattr(order, name) != new[name]:
            changes.append(
                Msg("order.channel_change", field=name, before=getattr(order, name) or "—", after=new[name] or "—")
            )
            for o in {order, *working}:
                setattr(o, name, new[name])
    for name in FILLABLE:
        if new[name] and not getattr(order, name):
            changes.append(Msg("order.channel_provided", field=name))
            for o in {order, *working}:
                setattr(o, name, new[name])
    if order.address_source == "channel":
        changes.extend(_address(order, working, new))

    before, after = order.channel_status, inc.status
    if before != after:
        changes.append(Msg("order.channel_status", before_status=before or "—", after_status=after))
        for o in {order, *working}:
            o.channel_status = after
        _status(order, working, before, after, inc)

    order.channel_digest = inc.digest
    order.channel_updated_at = inc.source.updated_at
    if not changes:
        return "unchanged"
    record(order, "channel_updated", joined(changes), changes=changes)
    emit("order.updated", order, OrderUpdated, source="channel", changes=tuple(changes))
    return "updated"


def _address(order: Order, working: list[Order], new: dict[str, Any]) -> list[str]:
    if all(getattr(order, c) == new[c] for c in ADDRESS_COLUMNS):
        return []
    for c in ADDRESS_COLUMNS:
        setattr(order, c, new[c])
    for w in working:
        if w.status not in BEFORE_SHIPMENT or w.address_source != "channel":
            continue
        for c in ADDRESS_COLUMNS:
            setattr(w, c, new[c])
        record(w, "address_changed", Msg("order.address_changed"))
        if w.status == "awaiting_shipment":
            holds.hold(
                w,
                "address_changed",
                "channel",
                Msg("order.address_after_label"),
            )
    return ["shipping address changed"]


def _status(order: Order, working: list[Order], before: str, after: str, inc: Incoming) -> None:
    from core.orders.service import fulfilment

    if after in ("cancelled", "refunded"):
        for w in working:
            _gone(order, w, refunded=after == "refunded")
    elif before == "pending" and after not in ("pending",):
        for w in working:
            pipeline.release_by_channel(w, "awaiting_payment", Msg("order.paid"))
    if after in SHIPPED:
        for w in working:
            if w.fulfilment == "platform":
                fulfilment.ship_by_platform(w, inc.source.updated_at)
            elif w.status in BEFORE_SHIPMENT:
                holds.hold(
                    w,
                    "shipped_on_channel",
                    "channel",
                    Msg("order.shipped_on_channel"),
                )


def _gone(original: Order, w: Order, refunded: bool) -> None:
    """The channel cancelled or refunded the original: act on the lines `w` holds of it."""
    origins = {ln.id for ln in original.lines}
    mine = [ln for ln in w.lines if ln.origin_line_id in origins]
    word = "refunded" if refunded else "cancelled"
    if w.status in BEFORE_SHIPMENT:
        quantities = {ln.id: ln.open_quantity for ln in mine if ln.open_quantity > 0}
        if not quantities:
            return
        if refunded:
            aftersales.refund(
                w.id,
                method="platform",
                reason=Msg("order.channel_gone", channel_status=word),
                lines=[{"line_id": i, "quantity": q} for i, q in quantities.items()],
            )
        else:
            aftersales.cancel_lines(w, quantities, Msg("order.channel_gone", channel_status=word), source="channel")
    elif w.status in AFTER_SHIPMENT:
        quantities = {
            ln.id: ln.quantity_shipped - ln.quantity_refunded
            for ln in mine
            if ln.quantity_shipped - ln.quantity_refunded > 0
        }
        if refunded and quantities:
            aftersales.refund(
                w.id,
                method="platform",
                reason=Msg("order.channel_gone", channel_status="refunded"),
                type="refund_only",
                lines=[{"line_id": i, "quantity": q} for i, q in quantities.items()],
                external_refund_id=f"channel-status:{original.external_order_id}"[:100],
            )
        elif not refunded:
            record(
                w,
                "channel_updated",
                Msg("order.cancelled_after_shipping"),
            )


def _fill_lines(order: Order, inc: Incoming) -> str:
    """The channel delivered the lines it held back before (lines arrive after the order)."""
    from core.db import uuid7
    from core.orders.models import OrderLine
    from core.orders.service import skus
    from core.orders.service.base import recompute_totals
    from core.orders.service.skus import apply_resolutions

    for position, data in enumerate(inc.lines, 1):
        line_id = uuid7()
        order.lines.append(OrderLine(id=line_id, origin_line_id=line_id, order_id=order.id, position=position, **data))
    recompute_totals(order)
    problems = apply_resolutions(order, skus.resolve(order.connection_id, [ln["seller_sku"] for ln in inc.lines]))
    if problems and order.status in holds.HOLDABLE + ("on_hold",):
        kind = "unmapped_sku" if any(p["type"] == "unmapped_sku" for p in problems) else "unsellable_sku"
        holds.hold(order, kind, "system", joined(p["message"] for p in problems), problems=problems)
    return f"{len(inc.lines)} lines received"
