"""Order use cases. Other capabilities and the sync engine import from here (see
docs/orders.md); the submodules are this package's own business.

    from core.orders import service as orders
    result = orders.upsert_from_channel(connection_id, channel_order)   # -> UpsertResult
    results = orders.upsert_many(connection_id, channel_orders)         # a page at a time
"""

from core.orders.models import FULFILMENTS, HOLD_TYPES, STATUSES
from core.orders.service import reports  # noqa: F401 - its flush listener marks the days whose sales change
from core.orders.service.aftersales import (
    cancel,
    cancel_lines,
    create_return,
    get_return,
    receive_return,
    refund,
    update_return,
)
from core.orders.service.allocation import allocate, platform_warehouse
from core.orders.service.base import get_order, lock_order, open_hold
from core.orders.service.editing import update_order
from core.orders.service.fulfilment import deliver, mark_printed, ship
from core.orders.service.holds import hold_order
from core.orders.service.incoming import normalise
from core.orders.service.intake import UpsertResult, channel_versions, create_order, upsert_from_channel, upsert_many
from core.orders.service.pipeline import approve, merge, release_order
from core.orders.service.queries import (
    channels_seen,
    children_of,
    count_orders,
    create_view,
    delete_view,
    get_view,
    order_query,
    status_counts,
    stock_for,
    timeline_query,
    views_query,
)
from core.orders.service.review import evaluate
from core.orders.service.settings import get_settings, update_settings
from core.orders.service.splitting import merge_candidates, merge_candidates_for, split

__all__ = [
    "FULFILMENTS",
    "HOLD_TYPES",
    "STATUSES",
    "UpsertResult",
    "allocate",
    "approve",
    "cancel",
    "cancel_lines",
    "channel_versions",
    "channels_seen",
    "children_of",
    "count_orders",
    "create_order",
    "create_return",
    "create_view",
    "delete_view",
    "deliver",
    "evaluate",
    "get_order",
    "get_return",
    "get_settings",
    "get_view",
    "hold_order",
    "lock_order",
    "mark_printed",
    "merge",
    "merge_candidates",
    "merge_candidates_for",
    "normalise",
    "open_hold",
    "order_query",
    "platform_warehouse",
    "receive_return",
    "refund",
    "release_order",
    "ship",
    "split",
    "status_counts",
    "stock_for",
    "timeline_query",
    "update_order",
    "update_return",
    "update_settings",
    "upsert_from_channel",
    "upsert_many",
    "views_query",
]
