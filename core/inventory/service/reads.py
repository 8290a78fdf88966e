"""What other capabilities read from inventory: stock buckets per SKU and warehouse, bundle
availability, sales velocity, and the facts of warehouses (and of the sites orders ship from)
as plain data classes (docs/inventory.md, "For other capabilities")."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from core.db import in_values, session, utcnow
from core.inventory.models import Location, SkuSetting, StockBalance, StockMovement, Warehouse
from core.inventory.service import skus
from core.inventory.service.engine import functional_currency
from core.inventory.service.types import Buckets, Velocity

BUCKET_COLUMNS = (
    StockBalance.sku_id,
    StockBalance.warehouse_id,
    StockBalance.on_hand,
    StockBalance.reserved,
    StockBalance.qc_pending,
    StockBalance.unsellable,
    StockBalance.inbound_ordered,
    StockBalance.in_transit,
    StockBalance.stock_value,
    StockBalance.currency,
)


def balance_rows(
    sku_ids: Iterable[uuid.UUID] | None = None, warehouse_ids: Iterable[uuid.UUID] | None = None
) -> list[Buckets]:
    """The buckets of the balance rows, read as plain columns: an import's page plans over a
    couple of thousand of them, and loading them as ORM objects cost more than the query."""
    stmt = select(*BUCKET_COLUMNS)
    if sku_ids is not None:
        stmt = stmt.where(in_values(StockBalance.sku_id, set(sku_ids)))
    if warehouse_ids is not None:
        stmt = stmt.where(in_values(StockBalance.warehouse_id, set(warehouse_ids)))
    return [Buckets(*row) for row in session.execute(stmt.order_by(StockBalance.sku_id, StockBalance.warehouse_id))]


def bundle_buckets(
    bundle_id: uuid.UUID,
    components: list[tuple[uuid.UUID, int]],
    by_pair: dict[tuple[uuid.UUID, uuid.UUID], Buckets],
    warehouse_ids: Iterable[uuid.UUID],
) -> list[Buckets]:
    """A virtual bundle per warehouse: available = min over components of
    floor(component available / units per bundle)."""
    out = []
    for wh in sorted(set(warehouse_ids)):
        avail = []
        for comp, per in components:
            b = by_pair.get((comp, wh))
            avail.append(max(b.available, 0) // per if b else 0)
        out.append(
            Buckets(
                sku_id=bundle_id,
                warehouse_id=wh,
                currency=functional_currency(),
                bundle_available=min(avail) if avail else 0,
            )
        )
    return out


def list_buckets(
    sku_ids: Iterable[uuid.UUID] | None = None, warehouse_ids: Iterable[uuid.UUID] | None = None
) -> list[Buckets]:
    """Buckets of every (SKU, warehouse) with a balance row, filtered. Virtual bundles among
    `sku_ids` are computed from their components."""
    sku_ids = set(sku_ids) if sku_ids is not None else None
    bundles: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {}
    if sku_ids:
        kinds = skus.kit_types(sku_ids)
        bundles = skus.components({s for s, k in kinds.items() if k == "virtual"})
        sku_ids -= set(bundles)
    out = balance_rows(sku_ids, warehouse_ids) if sku_ids is None or sku_ids else []
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


def sales_velocity(
    sku_ids: Iterable[uuid.UUID] | None = None, warehouse_ids: Iterable[uuid.UUID] | None = None, days: int = 30
) -> list[Velocity]:
    """Units shipped to customers per SKU and warehouse over the last `days` days (from the
    ledger's order shipments), for days of cover and replenishment."""
    if days <= 0:
        raise ValueError("days must be positive")
    stmt = (
        select(StockMovement.sku_id, StockMovement.warehouse_id, func.sum(StockMovement.quantity))
        .where(StockMovement.kind == "order_shipment", StockMovement.created_at >= utcnow() - timedelta(days=days))
        .group_by(StockMovement.sku_id, StockMovement.warehouse_id)
    )
    if sku_ids is not None:
        stmt = stmt.where(StockMovement.sku_id.in_(set(sku_ids)))
    if warehouse_ids is not None:
        stmt = stmt.where(StockMovement.warehouse_id.in_(set(warehouse_ids)))
    return [Velocity(sku, wh, int(q), days) for sku, wh, q in session.execute(stmt).all()]


# ---------------------------------------------------------------------------------------------
# Warehouses

# The warehouses that ship the seller's own orders (platform stock is the platform's to ship,
# a virtual warehouse holds nothing to ship).
SHIPPING_TYPES = ("domestic", "overseas_3pl")


@dataclass(frozen=True)
class WarehouseFacts:
    id: uuid.UUID
    code: str
    name: str
    type: str
    country: str
    priority: int  # lower ships first
    active: bool
    connection_id: uuid.UUID | None
    marketplace: str


_COLUMNS = (
    Warehouse.id,
    Warehouse.code,
    Warehouse.name,
    Warehouse.type,
    Warehouse.country,
    Warehouse.priority,
    Warehouse.active,
    Warehouse.connection_id,
    Warehouse.marketplace,
)


def _ids(values: Iterable[Any]) -> set[uuid.UUID]:
    out = set()
    for value in values:
        try:
            out.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except (TypeError, ValueError):
            continue
    return out


def warehouse_facts(
    ids: Iterable[Any] | None = None,
    *,
    types: Iterable[str] | None = None,
    active: bool | None = None,
    connection_id: uuid.UUID | None = None,
) -> list[WarehouseFacts]:
    """The tenant's warehouses, filtered, in shipping order (priority, then code). Malformed
    ids among `ids` name no warehouse."""
    stmt = select(*_COLUMNS)
    if ids is not None:
        wanted = _ids(ids)
        if not wanted:
            return []
        stmt = stmt.where(Warehouse.id.in_(wanted))
    if types is not None:
        stmt = stmt.where(Warehouse.type.in_(tuple(types)))
    if active is not None:
        stmt = stmt.where(Warehouse.active.is_(active))
    if connection_id is not None:
        stmt = stmt.where(Warehouse.connection_id == connection_id)
    return [WarehouseFacts(*row) for row in session.execute(stmt.order_by(Warehouse.priority, Warehouse.code)).all()]


def warehouse(warehouse_id: Any) -> WarehouseFacts | None:
    """One warehouse of the tenant, or None (unknown, another tenant's, or not an id)."""
    if warehouse_id is None:
        return None
    found = warehouse_facts([warehouse_id])
    return found[0] if found else None


def warehouse_codes(ids: Iterable[Any] | None = None) -> dict[uuid.UUID, str]:
    """{id: code} of those warehouses (of every warehouse with None)."""
    stmt = select(Warehouse.id, Warehouse.code)
    if ids is not None:
        wanted = _ids(ids)
        if not wanted:
            return {}
        stmt = stmt.where(Warehouse.id.in_(wanted))
    return dict(session.execute(stmt).all())


def sites(ids: Iterable[Any] | None = None) -> list[WarehouseFacts]:
    """The active warehouses that ship the seller's own orders (of those ids, when given), in
    shipping order."""
    return warehouse_facts(ids, types=SHIPPING_TYPES, active=True)


# ---------------------------------------------------------------------------------------------
# Bins


@dataclass(frozen=True)
class BinFacts:
    id: uuid.UUID
    warehouse_id: uuid.UUID
    code: str
    active: bool


def bins(ids: Iterable[Any]) -> dict[uuid.UUID, BinFacts]:
    """{id: facts} of those bins (locations) of the tenant; unknown or malformed ids are left out."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    stmt = select(Location.id, Location.warehouse_id, Location.code, Location.active).where(Location.id.in_(wanted))
    return {row.id: BinFacts(*row) for row in session.execute(stmt).all()}


def bin_codes(ids: Iterable[Any]) -> dict[uuid.UUID, str]:
    return {i: b.code for i, b in bins(ids).items()}


def home_bins(sku_ids: Iterable[uuid.UUID], warehouse_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """{SKU id: its home bin} in one warehouse, for the SKUs that have one."""
    wanted = set(sku_ids)
    if not wanted:
        return {}
    stmt = select(SkuSetting.sku_id, SkuSetting.location_id).where(
        SkuSetting.warehouse_id == warehouse_id, SkuSetting.sku_id.in_(wanted), SkuSetting.location_id.is_not(None)
    )
    return dict(session.execute(stmt).all())
