"""Reading stock: buckets per SKU and warehouse, bundle availability, sales velocity."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Iterable

from sqlalchemy import func, select

from core.db import session, utcnow
from core.inventory.models import StockBalance, StockMovement
from core.inventory.service import skus
from core.inventory.service.engine import functional_currency
from core.inventory.service.types import Buckets, Velocity


def _from_row(b: StockBalance) -> Buckets:
    return Buckets(sku_id=b.sku_id, warehouse_id=b.warehouse_id, on_hand=b.on_hand, reserved=b.reserved,
                   qc_pending=b.qc_pending, unsellable=b.unsellable, inbound_ordered=b.inbound_ordered,
                   in_transit=b.in_transit, stock_value=b.stock_value, currency=b.currency)


def balance_rows(sku_ids: Iterable[uuid.UUID] | None = None,
                 warehouse_ids: Iterable[uuid.UUID] | None = None) -> list[StockBalance]:
    stmt = select(StockBalance).execution_options(populate_existing=True)
    if sku_ids is not None:
        stmt = stmt.where(StockBalance.sku_id.in_(set(sku_ids)))
    if warehouse_ids is not None:
        stmt = stmt.where(StockBalance.warehouse_id.in_(set(warehouse_ids)))
    return list(session.execute(stmt.order_by(StockBalance.sku_id, StockBalance.warehouse_id)).scalars())


def bundle_buckets(bundle_id: uuid.UUID, components: list[tuple[uuid.UUID, int]],
                   by_pair: dict[tuple[uuid.UUID, uuid.UUID], StockBalance],
                   warehouse_ids: Iterable[uuid.UUID]) -> list[Buckets]:
    """A virtual bundle per warehouse: available = min over components of
    floor(component available / units per bundle)."""
    out = []
    for wh in sorted(set(warehouse_ids)):
        avail = []
        for comp, per in components:
            b = by_pair.get((comp, wh))
            avail.append(max(b.available, 0) // per if b else 0)
        out.append(Buckets(sku_id=bundle_id, warehouse_id=wh, currency=functional_currency(),
                           bundle_available=min(avail) if avail else 0))
    return out


def list_buckets(sku_ids: Iterable[uuid.UUID] | None = None,
                 warehouse_ids: Iterable[uuid.UUID] | None = None) -> list[Buckets]:
    """Buckets of every (SKU, warehouse) with a balance row, filtered. Virtual bundles among
    `sku_ids` are computed from their components."""
    sku_ids = set(sku_ids) if sku_ids is not None else None
    bundles: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {}
    if sku_ids:
        kinds = skus.kit_types(sku_ids)
        bundles = skus.components({s for s, k in kinds.items() if k == "virtual"})
        sku_ids -= set(bundles)
    out = [_from_row(b) for b in balance_rows(sku_ids, warehouse_ids)] if sku_ids is None or sku_ids else []
    if bundles:
        component_ids = {c for comps in bundles.values() for c, _ in comps}
        rows = balance_rows(component_ids, warehouse_ids)
        by_pair = {(b.sku_id, b.warehouse_id): b for b in rows}
        for bundle_id, comps in bundles.items():
            whs = {b.warehouse_id for b in rows if b.sku_id in {c for c, _ in comps}}
            out.extend(bundle_buckets(bundle_id, comps, by_pair, whs))
    return out


def get_buckets(sku_id: uuid.UUID, warehouse_id: uuid.UUID) -> Buckets:
    """Buckets of one SKU in one warehouse (zeros when it never had stock there)."""
    found = [b for b in list_buckets([sku_id], [warehouse_id]) if b.warehouse_id == warehouse_id]
    if found:
        return found[0]
    kinds = skus.kit_types([sku_id])
    if kinds[sku_id] == "virtual":
        return Buckets(sku_id=sku_id, warehouse_id=warehouse_id, currency=functional_currency(), bundle_available=0)
    return Buckets(sku_id=sku_id, warehouse_id=warehouse_id, currency=functional_currency())


def sales_velocity(sku_ids: Iterable[uuid.UUID] | None = None, warehouse_ids: Iterable[uuid.UUID] | None = None,
                   days: int = 30) -> list[Velocity]:
    """Units shipped to customers per SKU and warehouse over the last `days` days (from the
    ledger's order shipments), for days of cover and replenishment."""
    if days <= 0:
        raise ValueError("days must be positive")
    stmt = (select(StockMovement.sku_id, StockMovement.warehouse_id, func.sum(StockMovement.quantity))
            .where(StockMovement.kind == "order_shipment", StockMovement.created_at >= utcnow() - timedelta(days=days))
            .group_by(StockMovement.sku_id, StockMovement.warehouse_id))
    if sku_ids is not None:
        stmt = stmt.where(StockMovement.sku_id.in_(set(sku_ids)))
    if warehouse_ids is not None:
        stmt = stmt.where(StockMovement.warehouse_id.in_(set(warehouse_ids)))
    return [Velocity(sku, wh, int(q), days) for sku, wh, q in session.execute(stmt).all()]
