"""Stock reports: stock by SKU and warehouse, one SKU's ledger with running balances, low
stock with days of cover, stock age from receipt layers. Each is one SQL statement (window
functions for running balances and layers), so large ledgers stay in the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from core.catalog.models import Sku
from core.db import session, utcnow
from core.inventory.models import LEDGER_BUCKETS, SkuSetting, StockBalance, StockMovement, Warehouse
from core.inventory.service.engine import functional_currency
from core.inventory.service.reads import sales_velocity
from core.money import round_money

PHYSICAL = ("on_hand", "qc_pending", "unsellable")
AGE_BANDS = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, None, "90+"))


def stock_query(
    *,
    warehouse_id: uuid.UUID | None = None,
    sku_id: uuid.UUID | None = None,
    q: str | None = None,
    low_stock: bool = False,
    include_empty: bool = False,
) -> Any:
    """Rows of (balance, sku code, warehouse code, safety stock) for the stock overview."""
    b = StockBalance
    safety = func.coalesce(SkuSetting.safety_stock, 0)
    stmt = (
        select(b, Sku.code.label("sku_code"), Warehouse.code.label("warehouse_code"), safety.label("safety_stock"))
        .join(Sku, Sku.id == b.sku_id)
        .join(Warehouse, Warehouse.id == b.warehouse_id)
        .outerjoin(SkuSetting, and_(SkuSetting.sku_id == b.sku_id, SkuSetting.warehouse_id == b.warehouse_id))
        .order_by(Sku.code, Warehouse.priority, Warehouse.code)
    )
    if warehouse_id:
        stmt = stmt.where(b.warehouse_id == warehouse_id)
    if sku_id:
        stmt = stmt.where(b.sku_id == sku_id)
    if q:
        stmt = stmt.where(Sku.code.ilike(f"%{q.strip()}%"))
    if low_stock:
        stmt = stmt.where(safety > 0, b.on_hand - b.reserved < safety)
    elif not include_empty:
        stmt = stmt.where(
            or_(
                b.on_hand > 0,
                b.qc_pending > 0,
                b.unsellable > 0,
                b.inbound_ordered > 0,
                b.in_transit > 0,
                b.reserved > 0,
                safety > 0,
            )
        )
    return stmt


def stock_totals(**filters: Any) -> dict[str, Any]:
    """The sums of every bucket and of the stock value over the rows `stock_query(**filters)`
    selects (all its pages), for the stock page's totals line."""
    rows = stock_query(**filters).order_by(None).subquery()
    buckets = ("on_hand", "reserved", "qc_pending", "unsellable", "inbound_ordered", "in_transit")
    sums = session.execute(
        select(
            *[func.coalesce(func.sum(rows.c[name]), 0) for name in buckets],
            func.coalesce(func.sum(rows.c.stock_value), 0),
            func.count(),
        )
    ).one()
    out: dict[str, Any] = {name: int(sums[i]) for i, name in enumerate(buckets)}
    out["available"] = out["on_hand"] - out["reserved"]
    out["projected"] = out["available"] + out["inbound_ordered"] + out["in_transit"]
    currency = functional_currency()
    out["stock_value"] = round_money(Decimal(sums[len(buckets)]), currency)
    out["currency"] = currency
    out["rows"] = int(sums[len(buckets) + 1])
    return out


def safety_stock_query(*, warehouse_id: uuid.UUID | None = None, q: str | None = None) -> Any:
    """Rows of (setting, sku code, warehouse code, on hand, reserved) for every SKU with a
    safety stock, SKU code order: the safety stock page."""
    b = StockBalance
    stmt = (
        select(
            SkuSetting,
            Sku.code.label("sku_code"),
            Warehouse.code.label("warehouse_code"),
            func.coalesce(b.on_hand, 0).label("on_hand"),
            func.coalesce(b.reserved, 0).label("reserved"),
        )
        .join(Sku, Sku.id == SkuSetting.sku_id)
        .join(Warehouse, Warehouse.id == SkuSetting.warehouse_id)
        .outerjoin(b, and_(b.sku_id == SkuSetting.sku_id, b.warehouse_id == SkuSetting.warehouse_id))
        .where(SkuSetting.safety_stock > 0)
        .order_by(Sku.code, Warehouse.code)
    )
    if warehouse_id:
        stmt = stmt.where(SkuSetting.warehouse_id == warehouse_id)
    if q:
        stmt = stmt.where(Sku.code.ilike(f"%{q.strip()}%"))
    return stmt


def stock_row(row: Any) -> dict[str, Any]:
    b: StockBalance = row[0]
    qty = b.valued_quantity
    return {
        "sku_id": b.sku_id,
        "sku_code": row.sku_code,
        "warehouse_id": b.warehouse_id,
        "warehouse_code": row.warehouse_code,
        "on_hand": b.on_hand,
        "reserved": b.reserved,
        "available": b.available,
        "qc_pending": b.qc_pending,
        "unsellable": b.unsellable,
        "inbound_ordered": b.inbound_ordered,
        "in_transit": b.in_transit,
        "projected": b.available + b.inbound_ordered + b.in_transit,
        "safety_stock": row.safety_stock,
        "below_safety": b.available < row.safety_stock,
        "unit_cost": (b.stock_value / qty).quantize(Decimal("0.000001")) if qty else Decimal(0),
        "stock_value": round_money(b.stock_value, b.currency),
        "currency": b.currency,
    }


# The ledger's sort, newest movement first; the id breaks ties (keyset pages: core.keyset).
LEDGER_KEYS = (StockMovement.created_at.desc(), StockMovement.line.desc(), StockMovement.id.desc())


def ledger_query(sku_id: uuid.UUID, *, warehouse_id: uuid.UUID | None = None, kind: str | None = None) -> Any:
    """One SKU's movements, newest first, each with every bucket's balance after it (in that
    warehouse) and the quantity change of on_hand."""
    m = StockMovement
    order = (m.created_at, m.line, m.id)
    running = []
    for bucket in LEDGER_BUCKETS:
        delta = case((m.to_bucket == bucket, m.quantity), (m.from_bucket == bucket, -m.quantity), else_=0)
        running.append(func.sum(delta).over(partition_by=m.warehouse_id, order_by=order).label(f"{bucket}_after"))
    inner = select(m.id.label("movement_id"), *running).where(m.sku_id == sku_id)
    if warehouse_id:
        inner = inner.where(m.warehouse_id == warehouse_id)
    inner = inner.subquery()
    change = case((m.to_bucket == "on_hand", m.quantity), (m.from_bucket == "on_hand", -m.quantity), else_=0)
    stmt = (
        select(
            m,
            Warehouse.code.label("warehouse_code"),
            change.label("on_hand_change"),
            *[inner.c[f"{b}_after"] for b in LEDGER_BUCKETS],
        )
        .join(inner, inner.c.movement_id == m.id)
        .join(Warehouse, Warehouse.id == m.warehouse_id)
        .order_by(*LEDGER_KEYS)
    )
    if kind:
        stmt = stmt.where(m.kind == kind)
    return stmt


def reconciliation_query(*, warehouse_id: uuid.UUID | None = None) -> Any:
    """The ledger lines that platform stock reconciliations posted (adjustments.reconcile_platform:
    each a movement of one SKU between buckets, or in or out of the warehouse), newest first,
    with the warehouse's code; `warehouse_id` narrows them to one warehouse."""
    m = StockMovement
    stmt = (
        select(m, Warehouse.code.label("warehouse_code"))
        .join(Warehouse, Warehouse.id == m.warehouse_id)
        .where(m.doc_type == "platform_reconciliation")
        .order_by(*LEDGER_KEYS)
    )
    return stmt.where(m.warehouse_id == warehouse_id) if warehouse_id else stmt


def ledger_row(row: Any) -> dict[str, Any]:
    m: StockMovement = row[0]
    return {
        "id": m.id,
        "created_at": m.created_at,
        "kind": m.kind,
        "sku_id": m.sku_id,
        "warehouse_id": m.warehouse_id,
        "warehouse_code": row.warehouse_code,
        "location_id": m.location_id,
        "quantity": m.quantity,
        "from_bucket": m.from_bucket,
        "to_bucket": m.to_bucket,
        "on_hand_change": row.on_hand_change,
        "unit_cost": m.unit_cost,
        "value": round_money(m.value, m.currency),
        "currency": m.currency,
        "doc_type": m.doc_type,
        "doc_id": m.doc_id,
        "doc_number": m.doc_number,
        "doc_line": m.doc_line,
        "reason": m.reason,
        "actor": m.actor,
        "operation_id": m.operation_id,
        "balance_after": {b: int(row._mapping[f"{b}_after"]) for b in LEDGER_BUCKETS},
    }


@dataclass(frozen=True)
class LowStock:
    sku_id: uuid.UUID
    sku_code: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    available: int
    safety_stock: int
    inbound: int
    per_day: Decimal
    days_of_cover: Decimal | None


def low_stock(*, warehouse_id: uuid.UUID | None = None, days: int = 30) -> list[LowStock]:
    """SKUs below their safety stock, with sales velocity over `days` and days of cover
    (available / units shipped per day; None when nothing shipped)."""
    rows = session.execute(stock_query(warehouse_id=warehouse_id, low_stock=True)).all()
    velocity = (
        {
            (v.sku_id, v.warehouse_id): v
            for v in sales_velocity({r[0].sku_id for r in rows}, {r[0].warehouse_id for r in rows}, days)
        }
        if rows
        else {}
    )
    out = []
    for row in rows:
        b = row[0]
        v = velocity.get((b.sku_id, b.warehouse_id))
        per_day = (Decimal(v.shipped) / days) if v else Decimal(0)
        cover = (Decimal(max(b.available, 0)) / per_day).quantize(Decimal("0.1")) if per_day else None
        out.append(
            LowStock(
                b.sku_id,
                row.sku_code,
                b.warehouse_id,
                row.warehouse_code,
                b.available,
                row.safety_stock,
                b.inbound_ordered + b.in_transit,
                per_day.quantize(Decimal("0.01")),
                cover,
            )
        )
    out.sort(key=lambda x: (x.days_of_cover is None, x.days_of_cover or 0, x.sku_code))
    return out


@dataclass(frozen=True)
class AgeRow:
    sku_id: uuid.UUID
    sku_code: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    quantity: int
    value: Decimal
    bands: dict[str, tuple[int, Decimal]]  # band -> (units, value)
    oldest_days: int


def _layers(warehouse_id: uuid.UUID | None) -> tuple[Any, Any]:
    """The arrivals still in stock, first in first out, as a subquery with the units newer
    than each (`newer`), and the units physically held of its balance (to join on)."""
    m, b = StockMovement, StockBalance
    arrives = and_(
        m.to_bucket.in_(PHYSICAL),
        or_(m.from_bucket.is_(None), m.from_bucket.notin_(PHYSICAL)),
        m.kind != "cost_adjustment",  # value added to units already there (costs.add_cost), not a receipt
    )
    newer = (
        func.sum(m.quantity).over(partition_by=(m.sku_id, m.warehouse_id), order_by=(m.created_at.desc(), m.id.desc()))
        - m.quantity
    )
    layers = select(m.sku_id, m.warehouse_id, m.quantity, m.created_at, newer.label("newer")).where(arrives)
    if warehouse_id:
        layers = layers.where(m.warehouse_id == warehouse_id)
    return layers.subquery(), b.on_hand + b.qc_pending + b.unsellable


def stock_age(*, warehouse_id: uuid.UUID | None = None, as_of: datetime | None = None) -> list[AgeRow]:
    """Units physically in each warehouse (on hand, in QC, unsellable) aged by the receipts
    that brought them in, first in first out: the units still there are the newest ones in.
    Valued at the average cost, so the report adds up to the stock value."""
    as_of = as_of or utcnow()
    layers, held = _layers(warehouse_id)
    b = StockBalance
    stmt = (
        select(
            layers.c.sku_id,
            layers.c.warehouse_id,
            layers.c.quantity,
            layers.c.created_at,
            layers.c.newer,
            held.label("held"),
            b.stock_value,
            b.in_transit,
        )
        .join(b, and_(b.sku_id == layers.c.sku_id, b.warehouse_id == layers.c.warehouse_id))
        .where(layers.c.newer < held)
    )
    rows = session.execute(stmt).all()
    codes = (
        dict(session.execute(select(Sku.id, Sku.code).where(Sku.id.in_({r.sku_id for r in rows}))).all())
        if rows
        else {}
    )
    whs = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    currency = functional_currency()
    grouped: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    for r in rows:
        g = grouped.setdefault(
            (r.sku_id, r.warehouse_id),
            {"held": r.held, "bands": {}, "oldest": 0, "cost": _cost(r.stock_value, r.held + r.in_transit)},
        )
        units = min(r.quantity, r.held - r.newer)
        age = max((as_of - r.created_at).days, 0)
        band = next(label for lo, hi, label in AGE_BANDS if age >= lo and (hi is None or age <= hi))
        g["bands"][band] = g["bands"].get(band, 0) + units
        g["oldest"] = max(g["oldest"], age)
    out = []
    for (sku, wh), g in grouped.items():
        bands = {
            label: (g["bands"].get(label, 0), round_money(g["cost"] * g["bands"].get(label, 0), currency))
            for _, _, label in AGE_BANDS
        }
        out.append(
            AgeRow(
                sku,
                codes.get(sku, str(sku)),
                wh,
                whs.get(wh, str(wh)),
                g["held"],
                sum((v for _, v in bands.values()), Decimal(0)),
                bands,
                g["oldest"],
            )
        )
    out.sort(key=lambda r: (-r.oldest_days, r.sku_code, r.warehouse_code))
    return out


@dataclass(frozen=True)
class WarehouseValue:
    warehouse_id: uuid.UUID
    warehouse_code: str
    units: int  # physically there and on the way to it (what the value is of)
    value: Decimal
    currency: str


def stock_value_by_warehouse() -> list[WarehouseValue]:
    """The book value of stock per warehouse (on hand, in QC, unsellable and in transit to it),
    highest first; warehouses holding nothing are left out."""
    b = StockBalance
    units = func.sum(b.on_hand + b.qc_pending + b.unsellable + b.in_transit)
    rows = session.execute(
        select(Warehouse.id, Warehouse.code, units, func.coalesce(func.sum(b.stock_value), 0))
        .join(Warehouse, Warehouse.id == b.warehouse_id)
        .group_by(Warehouse.id, Warehouse.code)
    ).all()
    currency = functional_currency()
    out = [
        WarehouseValue(r[0], r[1], int(r[2] or 0), round_money(Decimal(r[3]), currency), currency)
        for r in rows
        if (r[2] or 0) > 0 or r[3]
    ]
    return sorted(out, key=lambda w: (-w.value, w.warehouse_code))


def age_band_totals(*, warehouse_id: uuid.UUID | None = None, as_of: datetime | None = None) -> list[tuple[str, int]]:
    """(band, units) over every SKU and warehouse, in band order (0-30 days first): the stock
    age report's units summed up, by one aggregate in the database (the report builds a row
    per SKU and warehouse in Python: a second a dashboard view with 2,000 of them)."""
    as_of = as_of or utcnow()
    layers, held = _layers(warehouse_id)
    b = StockBalance
    left = held - layers.c.newer
    units = case((layers.c.quantity < left, layers.c.quantity), else_=left)
    # The age in whole days is at most `hi` when the layer came after as_of - (hi + 1) days.
    band = case(
        *[
            (layers.c.created_at > as_of - timedelta(days=hi + 1), i)
            for i, (_lo, hi, _label) in enumerate(AGE_BANDS)
            if hi is not None
        ],
        else_=len(AGE_BANDS) - 1,
    )
    rows = session.execute(
        select(band, func.sum(units))
        .select_from(layers)
        .join(b, and_(b.sku_id == layers.c.sku_id, b.warehouse_id == layers.c.warehouse_id))
        .where(layers.c.newer < held)
        .group_by(band)
    ).all()
    totals = {int(i): int(n or 0) for i, n in rows}
    return [(label, totals.get(i, 0)) for i, (_lo, _hi, label) in enumerate(AGE_BANDS)]


def _cost(value: Decimal, qty: int) -> Decimal:
    return value / qty if qty else Decimal(0)


def transfers_in_transit() -> int:
    """Transfers shipped and not yet wholly received (the dashboard's count)."""
    from core.db import count
    from core.inventory.models import Transfer

    return count(select(Transfer.id).where(Transfer.status.in_(("shipped", "partially_received"))))
