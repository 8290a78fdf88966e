"""Holds: an order before shipment stops where it is, with the problem (SKU, quantity), its
source (system, channel, staff) and type, and goes back to that state when released."""

from __future__ import annotations

import uuid
from typing import Any

from core import validation as f
from core.db import utcnow
from core.errors import Conflict, InvalidTransition
from core.jsonutil import jsonable
from core.messages import Msg, joined
from core.orders.events import OrderHeld, OrderReleased
from core.orders.models import BEFORE_SHIPMENT, HOLD_TYPES, Order, OrderHold
from core.orders.service.base import add, emit, lock_order, open_hold, record, require_status, set_status
from core.tenancy import current_actor

HOLDABLE = tuple(s for s in BEFORE_SHIPMENT if s != "on_hold")


def hold(
    order: Order, type: str, source: str, reason: str, *, problems: list[dict[str, Any]] | None = None
) -> OrderHold:  # noqa: A002
    """Put `order` on hold. A second problem found by the system or the channel while the order
    is already held joins the open hold; staff cannot hold an order twice."""
    problems = jsonable(list(problems or []))
    if order.status == "on_hold":
        current = open_hold(order)
        if current is not None and source != "staff":
            current.problems = [*(current.problems or []), *problems]
            current.reason = joined([current.reason, reason])
            record(order, "held", reason, hold_type=type, source=source, problems=problems)
            emit("order.held", order, OrderHeld, hold=_hold_json(type, source, reason, problems))
            return current
        raise InvalidTransition(
            Msg("entity.order", ref=order.number), order.status, "hold", Msg("orders.release_first")
        )
    require_status(order, HOLDABLE, "hold")
    row = OrderHold(
        order_id=order.id,
        type=type,
        source=source,
        reason=reason,
        problems=problems,
        held_from=order.status,
        released_by="",
        release_note="",
    )
    add(row)
    set_status(order, "on_hold", "held", reason, hold_type=type, source=source, problems=problems)
    emit("order.held", order, OrderHeld, hold=_hold_json(type, source, reason, problems))
    return row


def _hold_json(type: str, source: str, reason: str, problems: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: A002
    return {"type": type, "source": source, "reason": reason, "problems": problems}


def hold_order(
    order_id: uuid.UUID,
    *,
    reason: str,
    type: str = "manual",  # noqa: A002
    problems: list[dict[str, Any]] | None = None,
) -> Order:
    """Staff hold an order: `reason` is required; `problems` may name SKUs and quantities."""
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    kind = f.choice(errors, "type", type, HOLD_TYPES, required=True)
    clean = []
    for i, p in enumerate(problems or []):
        if not isinstance(p, dict):
            errors.add(f"problems.{i}", Msg("not_object"))
            continue
        sku = f.text(errors, f"problems.{i}.sku", p.get("sku"), max_len=200)
        qty = f.integer(errors, f"problems.{i}.quantity", p.get("quantity"), minimum=1)
        message = f.text(errors, f"problems.{i}.message", p.get("message"), max_len=500)
        clean.append({"type": kind, "seller_sku": sku, "sku_code": sku, "quantity": qty, "message": message})
    errors.raise_if_any()
    order = lock_order(order_id)
    hold(order, kind or "manual", "staff", reason, problems=clean)
    return order


def release(order_id: uuid.UUID, *, note: str = "") -> Order:
    """Release a hold: the order returns to the state it was held in (the pipeline's
    `release_order` then takes it on). A hold on unmapped or unsellable SKUs is released only
    once every SKU resolves to one that can be sold."""
    order = lock_order(order_id)
    require_status(order, ("on_hold",), "release")
    current = open_hold(order)
    if current is None:
        raise Conflict(Msg("orders.order_on_hold_without", number=order.number))
    if current.type in ("unmapped_sku", "unsellable_sku"):
        from core.orders.service import skus

        resolutions = skus.resolve(order.connection_id, [line.seller_sku for line in order.lines])
        problems = skus.apply_resolutions(order, resolutions, [ln for ln in order.lines if ln.live_quantity])
        if problems:
            raise Conflict(
                Msg("orders.cannot_release", problems=[p["message"] for p in problems]),
                {"lines": [p["message"] for p in problems]},
            )
    close(order, current, note or Msg("order.released_from", hold_type=current.type))
    _next_blocker(order, released=current.type)
    return order


def close(order: Order, current: OrderHold, note: str) -> None:
    current.released_at = utcnow()
    current.released_by = str(current_actor())[:200]
    current.release_note = note
    set_status(order, current.held_from, "released", note, hold_type=current.type)
    emit(
        "order.released",
        order,
        OrderReleased,
        hold=_hold_json(current.type, current.source, current.reason, list(current.problems or [])),
        note=note,
    )


def release_by_channel(order: Order, type: str, note: str) -> bool:  # noqa: A002
    """The channel resolved what it held the order for (e.g. payment arrived); True when a hold
    was released (the pipeline's `release_by_channel` then takes the order on)."""
    if order.status != "on_hold":
        return False
    current = open_hold(order)
    if current is None or current.type != type:
        return False
    close(order, current, note)
    return True


def _next_blocker(order: Order, released: str) -> None:
    """What the channel still reports may block the order again once staff release it."""
    if order.channel_status == "pending" and released != "awaiting_payment":
        hold(order, "awaiting_payment", "channel", Msg("order.not_paid"))
    elif (
        order.fulfilment == "merchant"
        and order.channel_status in ("shipped", "partially_shipped")
        and released != "shipped_on_channel"
    ):
        hold(order, "shipped_on_channel", "channel", Msg("order.shipped_on_channel"))
