"""What inventory needs to know about SKUs, read through the catalogue's reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from core.catalog import service as catalog
from core.catalog.service import Components
from core.errors import NotFound, ValidationError
from core.messages import Msg


def kit_types(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The kit type (None, "physical", "virtual") of each SKU; NotFound for an unknown id or
    another tenant's."""
    ids = set(ids)
    found = catalog.sku_kit_types(ids)
    for sku_id in ids:
        if sku_id not in found:
            raise NotFound("SKU", sku_id)
    return found


def check_stockable(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """SKUs that can hold stock of their own: anything but a virtual bundle."""
    kinds = kit_types(ids)
    for sku_id, kind in kinds.items():
        if kind == "virtual":
            raise ValidationError.field("sku_id", Msg("inventory.sku_virtual_bundle_it", sku_id=code(sku_id)))
    return kinds


def require_for_stock(ids: Iterable[uuid.UUID]) -> None:
    """Approved, active SKUs that may be stocked (new stock documents)."""
    for sku_id in set(ids):
        catalog.require_sku(sku_id, "stock")


def components(kit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Components]:
    """{kit id: [(component id, units per kit), ...]} in one query."""
    return catalog.components_of(kit_ids)


def codes(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    return catalog.sku_codes(ids)


def code(sku_id: uuid.UUID) -> str:
    return codes([sku_id]).get(sku_id, str(sku_id))


def id_by_code(value: str) -> uuid.UUID | None:
    value = (value or "").strip()
    return catalog.sku_ids_by_code([value]).get(value) if value else None
