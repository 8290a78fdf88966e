"""Inventory use cases. Other capabilities import from here (see docs/inventory.md,
"For other capabilities"); the submodules are this package's own business."""
from core.inventory.service.bulk import ReserveRequest, reserve_many
from core.inventory.service.reads import get_buckets, list_buckets, sales_velocity
from core.inventory.service.stock import (
    cancel_inbound,
    customer_return,
    expect_inbound,
    mark_picked,
    qc_pass,
    qc_reject,
    receive_purchase,
    release,
    reserve,
    return_to_supplier,
    ship,
)
from core.inventory.service.types import (
    Buckets,
    Doc,
    InsufficientStock,
    Line,
    Posting,
    PostedLine,
    Shortage,
    Velocity,
)

__all__ = [
    "Buckets", "Doc", "InsufficientStock", "Line", "Posting", "PostedLine", "ReserveRequest", "Shortage",
    "Velocity", "cancel_inbound", "customer_return", "expect_inbound", "get_buckets", "list_buckets",
    "mark_picked", "qc_pass", "qc_reject", "receive_purchase", "release", "reserve", "reserve_many",
    "return_to_supplier", "sales_velocity", "ship",
]
