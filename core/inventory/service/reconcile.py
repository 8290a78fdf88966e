"""The reconciler: rebuild every balance from the ledger and the reservation rows.

Balances are a cache. `verify()` recomputes each bucket (`reserved` from open reservation
rows, the others and the stock value from the ledger) and reports every difference;
`verify(fix=True)` repairs them. A repair locks the balance row first and recomputes that one
pair under the lock, so it is exact even while stock keeps moving: a transaction that already
changed the row has committed (we waited for it), and one that has not yet will apply its
change on top of the repaired value.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select, tuple_

from core import events
from core.db import session
from core.inventory.events import DriftRepaired
from core.inventory.models import LEDGER_BUCKETS, VALUED_BUCKETS, Reservation, StockBalance, StockMovement
from core.inventory.service.engine import Pair, lock_balances, touch

log = logging.getLogger("tradelane.inventory")

FIELDS = LEDGER_BUCKETS + ("reserved", "stock_value")


@dataclass(frozen=True)
class Drift:
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    field: str
    stored: Any
    expected: Any


@dataclass
class VerifyReport:
    balances: int = 0
    drifts: list[Drift] = field(default_factory=list)
    fixed: bool = False
    reservations_closed: int = 0

    @property
    def ok(self) -> bool:
        return not self.drifts

    def to_json(self) -> dict[str, Any]:
        return {
            "balances": self.balances,
            "fixed": self.fixed,
            "reservations_closed": self.reservations_closed,
            "drifts": [
                {
                    "sku_id": str(d.sku_id),
                    "warehouse_id": str(d.warehouse_id),
                    "field": d.field,
                    "stored": str(d.stored),
                    "expected": str(d.expected),
                }
                for d in self.drifts
            ],
        }


def _ledger_sums(pairs: list[Pair] | None = None) -> dict[Pair, dict[str, Any]]:
    m = StockMovement
    cols = [
        func.coalesce(
            func.sum(case((m.to_bucket == b, m.quantity), (m.from_bucket == b, -m.quantity), else_=0)), 0
        ).label(b)
        for b in LEDGER_BUCKETS
    ]
    valued_to = m.to_bucket.in_(VALUED_BUCKETS)
    valued_from = m.from_bucket.in_(VALUED_BUCKETS)
    enters = and_(valued_to, or_(m.from_bucket.is_(None), ~valued_from))
    leaves = and_(valued_from, or_(m.to_bucket.is_(None), ~valued_to))
    value = func.coalesce(func.sum(case((enters, m.value), (leaves, -m.value), else_=0)), 0).label("stock_value")
    stmt = select(m.sku_id, m.warehouse_id, *cols, value).group_by(m.sku_id, m.warehouse_id)
    if pairs is not None:
        stmt = stmt.where(tuple_(m.sku_id, m.warehouse_id).in_(pairs))
    out = {}
    for row in session.execute(stmt).mappings():
        out[(row["sku_id"], row["warehouse_id"])] = {b: int(row[b]) for b in LEDGER_BUCKETS} | {
            "stock_value": Decimal(row["stock_value"])
        }
    return out


def _reserved_sums(pairs: list[Pair] | None = None) -> dict[Pair, int]:
    r = Reservation
    stmt = (
        select(r.sku_id, r.warehouse_id, func.sum(r.quantity - r.released - r.consumed))
        .where(r.status == "open")
        .group_by(r.sku_id, r.warehouse_id)
    )
    if pairs is not None:
        stmt = stmt.where(tuple_(r.sku_id, r.warehouse_id).in_(pairs))
    return {(sku, wh): int(q) for sku, wh, q in session.execute(stmt).all()}


def _expected(ledger: dict[Pair, dict[str, Any]], reserved: dict[Pair, int], pair: Pair) -> dict[str, Any]:
    zero = {b: 0 for b in LEDGER_BUCKETS} | {"stock_value": Decimal(0)}
    return ledger.get(pair, zero) | {"reserved": reserved.get(pair, 0)}


def _differences(b: StockBalance | None, pair: Pair, expected: dict[str, Any]) -> list[Drift]:
    out = []
    for name in FIELDS:
        stored = getattr(b, name) if b is not None else (Decimal(0) if name == "stock_value" else 0)
        if stored != expected[name]:
            out.append(Drift(pair[0], pair[1], name, stored, expected[name]))
    return out


def _close_spent_reservations() -> int:
    """Reservation rows with nothing left open but still marked open (harmless, tidied)."""
    rows = (
        session.execute(
            select(Reservation)
            .where(
                Reservation.status == "open", Reservation.quantity - Reservation.released - Reservation.consumed == 0
            )
            .with_for_update()
        )
        .scalars()
        .all()
    )
    for row in rows:
        row.status = "closed"
    return len(rows)


def verify(fix: bool = False) -> VerifyReport:
    """Compare every balance with the ledger and reservation rows; repair with `fix`."""
    ledger, reserved = _ledger_sums(), _reserved_sums()
    balances = {
        (b.sku_id, b.warehouse_id): b
        for b in session.execute(select(StockBalance).execution_options(populate_existing=True)).scalars()
    }
    report = VerifyReport(balances=len(balances))
    suspects: set[Pair] = set()
    for pair in set(balances) | set(ledger) | set(reserved):
        if _differences(balances.get(pair), pair, _expected(ledger, reserved, pair)):
            suspects.add(pair)
    if not suspects:
        if fix:
            report.reservations_closed = _close_spent_reservations()
            report.fixed = True
        return report
    # Stock may have moved between the queries above: look again at each suspect, locked.
    pairs = sorted(suspects)
    locked = lock_balances(pairs, create=fix)
    ledger, reserved = _ledger_sums(pairs), _reserved_sums(pairs)
    for pair in pairs:
        expected = _expected(ledger, reserved, pair)
        drifts = _differences(locked.get(pair), pair, expected)
        report.drifts.extend(drifts)
        if fix and drifts:
            for d in drifts:
                setattr(locked[pair], d.field, d.expected)
    if fix:
        report.reservations_closed = _close_spent_reservations()
        report.fixed = True
        if report.drifts:
            session.flush()
            touch({(d.sku_id, d.warehouse_id) for d in report.drifts})
            log.warning("repaired %d stock balance drift(s): %s", len(report.drifts), report.to_json()["drifts"])
            events.emit(
                "stock.drift_repaired", DriftRepaired(**report.to_json()), entity_type="inventory", entity_id="balances"
            )
    return report
