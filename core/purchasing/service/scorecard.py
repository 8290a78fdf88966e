"""Supplier scorecards, computed from receipts.

- On-time rate: receipts that arrived on or before their order's expected date (in the
  tenant's calendar), out of the receipts whose order had an expected date.
- Defect rate: units that failed QC out of the units inspected.
- Average lead time: days from the order's approval to each receipt, averaged over receipts.

Each figure is None when there is nothing to compute it from (no receipts, nothing inspected),
because a supplier without history is unknown, not perfect.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from core.db import session
from core.purchasing.models import PurchaseOrder, Receipt, ReceiptLine
from core.purchasing.service.common import local_date, supplier_labels, tenant_zone


@dataclass
class Scorecard:
    supplier_id: uuid.UUID
    supplier: str = ""
    since: date | None = None
    until: date | None = None
    purchase_orders: int = 0
    receipts: int = 0
    units_received: int = 0
    timed_receipts: int = 0
    on_time_receipts: int = 0
    units_inspected: int = 0
    units_failed: int = 0
    lead_time_days_total: Decimal = Decimal(0)
    _orders: set = field(default_factory=set, repr=False)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _ratio(self.on_time_receipts, self.timed_receipts)

    @property
    def defect_rate(self) -> Decimal | None:
        return _ratio(self.units_failed, self.units_inspected)

    @property
    def average_lead_time_days(self) -> Decimal | None:
        if not self.receipts:
            return None
        return (self.lead_time_days_total / self.receipts).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        return {
            "supplier_id": self.supplier_id,
            "supplier": self.supplier,
            "since": self.since,
            "until": self.until,
            "purchase_orders": self.purchase_orders,
            "receipts": self.receipts,
            "units_received": self.units_received,
            "timed_receipts": self.timed_receipts,
            "on_time_receipts": self.on_time_receipts,
            "on_time_rate": self.on_time_rate,
            "units_inspected": self.units_inspected,
            "units_failed": self.units_failed,
            "defect_rate": self.defect_rate,
            "average_lead_time_days": self.average_lead_time_days,
        }


def _ratio(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if whole else None


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Receipts from the start of `since` to the end of `until`, in the tenant's calendar."""
    zone = tenant_zone()
    start = datetime.combine(since, time.min, zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, zone) if until else None
    return start, end


def _receipts(supplier_ids: Iterable[uuid.UUID] | None, since: date | None, until: date | None) -> Any:
    start, end = _bounds(since, until)
    lines = (
        select(
            ReceiptLine.receipt_id,
            func.sum(ReceiptLine.quantity).label("units"),
            func.sum(ReceiptLine.passed_quantity).label("passed"),
            func.sum(ReceiptLine.failed_quantity).label("failed"),
        )
        .group_by(ReceiptLine.receipt_id)
        .subquery()
    )
    stmt = (
        select(
            PurchaseOrder.supplier_id,
            PurchaseOrder.id,
            PurchaseOrder.expected_date,
            PurchaseOrder.approved_at,
            Receipt.received_at,
            lines.c.units,
            lines.c.passed,
            lines.c.failed,
        )
        .join(Receipt, Receipt.purchase_order_id == PurchaseOrder.id)
        .join(lines, lines.c.receipt_id == Receipt.id)
    )
    if supplier_ids is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id.in_(set(supplier_ids)))
    if start is not None:
        stmt = stmt.where(Receipt.received_at >= start)
    if end is not None:
        stmt = stmt.where(Receipt.received_at < end)
    return session.execute(stmt).all()


def scorecards(
    supplier_ids: Iterable[uuid.UUID], *, since: date | None = None, until: date | None = None
) -> dict[uuid.UUID, Scorecard]:
    """Scorecards of these suppliers over receipts from `since` to `until` (inclusive)."""
    ids = list(dict.fromkeys(supplier_ids))
    labels = supplier_labels(ids)
    cards = {sid: Scorecard(sid, labels.get(sid, ""), since, until) for sid in ids}
    for supplier_id, order_id, expected, approved_at, received_at, units, passed, failed in _receipts(
        ids, since, until
    ):
        card = cards[supplier_id]
        card._orders.add(order_id)
        card.receipts += 1
        card.units_received += int(units or 0)
        if expected is not None:
            card.timed_receipts += 1
            card.on_time_receipts += 1 if local_date(received_at) <= expected else 0
        if approved_at is not None:
            seconds = Decimal(str(max((received_at - approved_at).total_seconds(), 0)))
            card.lead_time_days_total += seconds / 86400
        # Only inspected lines have passed/failed figures (NULL until QC).
        card.units_inspected += int(passed or 0) + int(failed or 0)
        card.units_failed += int(failed or 0)
    for card in cards.values():
        card.purchase_orders = len(card._orders)
    return cards


def supplier_scorecard(
    supplier_id: uuid.UUID | str, *, since: date | None = None, until: date | None = None
) -> Scorecard:
    """One supplier's scorecard (for the supplier pages). NotFound for unknown suppliers."""
    from core.suppliers.service import get_supplier

    supplier = get_supplier(supplier_id)
    return scorecards([supplier.id], since=since, until=until)[supplier.id]


def suppliers_with_receipts_query(since: date | None = None, until: date | None = None) -> Any:
    """Ids of suppliers that delivered in the period, by name (for a paginated list)."""
    from core.suppliers import service as suppliers

    start, end = _bounds(since, until)
    delivered = select(PurchaseOrder.supplier_id).join(Receipt, Receipt.purchase_order_id == PurchaseOrder.id)
    if start is not None:
        delivered = delivered.where(Receipt.received_at >= start)
    if end is not None:
        delivered = delivered.where(Receipt.received_at < end)
    return suppliers.ids_by_name(delivered)
