"""What inventory needs to know about SKUs, read from the catalogue."""
from __future__ import annotations

import uuid
from typing import Iterable

from sqlalchemy import select

from core.catalog import service as catalog
from core.catalog.models import KitComponent, Sku
from core.db import session
from core.errors import NotFound, ValidationError


def kit_types(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The kit type (None, "physical", "virtual") of each SKU; NotFound for an unknown id or
    another tenant's."""
    ids = set(ids)
    found = dict(session.execute(select(Sku.id, Sku.kit_type).where(Sku.id.in_(ids))).all())
    for sku_id in ids:
        if sku_id not in found:
            raise NotFound("SKU", sku_id)
    return found


def check_stockable(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """SKUs that can hold stock of their own: anything but a virtual bundle."""
    kinds = kit_types(ids)
    for sku_id, kind in kinds.items():
        if kind == "virtual":
            raise ValidationError.field("sku_id", f"SKU {code(sku_id)} is a virtual bundle: "
                                                  "it holds no stock; its components do")
    return kinds


def require_for_stock(ids: Iterable[uuid.UUID]) -> None:
    """Approved, active SKUs that may be stocked (new stock documents)."""
    for sku_id in set(ids):
        catalog.require_sku(sku_id, "stock")


def components(kit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[tuple[uuid.UUID, int]]]:
    """{kit id: [(component id, units per kit), ...]} in one query."""
    kit_ids = set(kit_ids)
    out: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {k: [] for k in kit_ids}
    if not kit_ids:
        return out
    rows = session.execute(
        select(KitComponent.kit_sku_id, KitComponent.component_sku_id, KitComponent.quantity)
        .where(KitComponent.kit_sku_id.in_(kit_ids)).order_by(KitComponent.kit_sku_id, KitComponent.position)
    ).all()
    for kit_id, component_id, qty in rows:
        out[kit_id].append((component_id, qty))
    return out


def codes(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = set(ids)
    if not ids:
        return {}
    rows = session.execute(select(Sku.id, Sku.code).where(Sku.id.in_(ids))).all()
    return {sku_id: (c or str(sku_id)) for sku_id, c in rows}


def code(sku_id: uuid.UUID) -> str:
    return codes([sku_id]).get(sku_id, str(sku_id))


def find_by_code(value: str) -> Sku | None:
    return catalog.find_sku_by_code(value)
