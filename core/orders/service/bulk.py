"""Actions on many orders at once. Each order succeeds or fails on its own (a savepoint per
order), and the result names the reason for every failure."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from core import validation as f
from core.db import session
from core.errors import DomainError, ValidationError
from core.messages import Msg
from core.orders.models import Order

MAX_ORDERS = 500


def _actions() -> dict[str, Callable[..., Any]]:
    from core.orders.service import aftersales, allocation, holds, pipeline

    return {
        "approve": lambda oid, p: pipeline.approve(oid, note=p.get("note", "")),
        "hold": lambda oid, p: holds.hold_order(oid, reason=p.get("reason", ""), type=p.get("type") or "manual"),
        "release": lambda oid, p: pipeline.release_order(oid, note=p.get("note", "")),
        "allocate": lambda oid, p: allocation.allocate(oid),
        "cancel": lambda oid, p: aftersales.cancel(oid, p.get("reason", "")),
    }


ACTIONS = ("approve", "hold", "release", "allocate", "cancel")


def run(action: str, order_ids: Sequence[Any], params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """[{order_id, number, ok, status, error}] per order, in the order given."""
    errors = f.Errors()
    f.choice(errors, "action", action, ACTIONS, required=True)
    ids: list[uuid.UUID] = []
    for i, raw in enumerate(order_ids or []):
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            errors.add(f"order_ids.{i}", Msg("not_an_id"))
    if not order_ids:
        errors.add("order_ids", Msg("orders.choose_at_least_one"))
    if len(ids) > MAX_ORDERS:
        errors.add("order_ids", Msg("orders.at_most_orders_at", max_orders=MAX_ORDERS))
    params = dict(params or {})
    if action in ("hold", "cancel") and not str(params.get("reason") or "").strip():
        errors.add("reason", Msg("required"))
    errors.raise_if_any()
    func = _actions()[action]
    numbers = dict(session.execute(select(Order.id, Order.number).where(Order.id.in_(ids))).all())
    results = []
    for order_id in dict.fromkeys(ids):
        if order_id not in numbers:
            results.append(
                {"order_id": order_id, "number": None, "ok": False, "status": None, "error": Msg("no_such_order")}
            )
            continue
        try:
            with session.begin_nested():
                order = func(order_id, params)
                status = order.status
            results.append(
                {"order_id": order_id, "number": numbers[order_id], "ok": True, "status": status, "error": None}
            )
        except DomainError as exc:
            results.append(
                {
                    "order_id": order_id,
                    "number": numbers[order_id],
                    "ok": False,
                    "status": session.execute(select(Order.status).where(Order.id == order_id)).scalar_one(),
                    "error": exc.message,
                }
            )
    return results


def check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValidationError.field("action", Msg("one_of", choices=", ".join(ACTIONS)))
