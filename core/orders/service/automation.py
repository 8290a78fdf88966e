"""What happens to orders without staff: the tenant's auto-review rules, then its split rules,
then allocation. Called after intake, approval and release, always with a list so that an
import of a thousand orders plans its stock in one pass."""
from __future__ import annotations

from typing import Sequence

from core.orders.models import Order
from core.orders.service.settings import get_settings


def advance(orders: Sequence[Order]) -> list[Order]:
    """Take orders as far as the rules go; returns the orders that now carry on (an order
    that was split is replaced by its children)."""
    from core.orders.service import allocation, review, splitting

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
