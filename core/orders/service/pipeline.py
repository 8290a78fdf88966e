"""The order pipeline: what happens to orders without staff (the tenant's auto-review rules,
then its split rules, then allocation), and the use cases that start it.

Only these start the pipeline: intake (new orders, a channel's payment arriving), approving,
releasing a hold and merging. Review, holds, splitting and allocation do their one step and
never call back into it, so `core/orders/service` imports in one direction (the architecture
test holds it). The pipeline always takes a list, so that an import of a thousand orders
plans its stock in one pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from core.orders.models import Order
from core.orders.service import allocation, holds, review, splitting
from core.orders.service.settings import get_settings


def advance(orders: Sequence[Order]) -> list[Order]:
    """Take orders as far as the rules go; returns the orders that now carry on (an order
    that was split is replaced by its children)."""
    review.auto_review([o for o in orders if o.status == "pending_review"])
    ready: list[Order] = []
    for order in orders:
        if order.status == "approved" and order.fulfilment == "merchant":
            ready.extend(splitting.apply_rules(order))
        else:
            ready.append(order)
    if get_settings().auto_allocate:
        allocation.allocate_many([o for o in ready if o.status == "approved"])
    return ready


def approve(order_id: uuid.UUID, note: str = "") -> Order:
    """Staff checked the order (address, remarks, shipping method) and approve it; the
    tenant's split rules and allocation take it from here."""
    order = review.record_approval(order_id, note)
    advance([order])
    return order


def release_order(order_id: uuid.UUID, *, note: str = "") -> Order:
    """Release a hold: the order returns to the state it was held in, and the tenant's rules
    take it on from there (review, allocation). A hold on unmapped or unsellable SKUs is
    released only once every SKU resolves to one that can be sold."""
    order = holds.release(order_id, note=note)
    advance([order])
    return order


def release_by_channel(order: Order, type: str, note: str) -> bool:  # noqa: A002
    """The channel resolved what it held the order for (e.g. payment arrived)."""
    if not holds.release_by_channel(order, type, note):
        return False
    advance([order])
    return True


def merge(order_ids: Sequence[uuid.UUID | str], note: str = "") -> Order:
    """Merge pending orders of the same buyer, address, connection and currency into one new
    order; an approved one goes on through the pipeline."""
    merged = splitting.merge(order_ids, note)
    if merged.status == "approved":
        advance([merged])
    return merged
