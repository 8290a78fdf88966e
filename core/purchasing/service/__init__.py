"""Purchasing use cases, one module per document (docs/purchasing.md).

For other capabilities and the portal: `supplier_scorecard(supplier_id, since=, until=)` gives a
supplier's on-time rate, defect rate and average lead time from its receipts.
"""

from core.purchasing.models import (
    ORDER_STATUSES,
    RECEIPT_STATUSES,
    REQUEST_STATUSES,
    RETURN_STATUSES,
    SUGGESTION_STATUSES,
)
from core.purchasing.service.scorecard import Scorecard, supplier_scorecard

__all__ = [
    "ORDER_STATUSES",
    "RECEIPT_STATUSES",
    "REQUEST_STATUSES",
    "RETURN_STATUSES",
    "SUGGESTION_STATUSES",
    "Scorecard",
    "supplier_scorecard",
]
