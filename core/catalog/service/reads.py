"""What other capabilities read from the catalogue (docs/catalog.md, "For other capabilities").

Everything here takes many ids at once and answers in a fixed number of queries, because
imports, allocation and stock postings ask for thousands of SKUs at a time; answers are plain
data classes, never the catalogue's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select

from core.catalog.models import KitComponent, ListingMapping, Product, Sku
from core.catalog.service.common import get_sku, unusable_reason
from core.db import in_values, session

Components = list[tuple[uuid.UUID, int]]  # (component SKU id, units per kit), in the kit's order


@dataclass(frozen=True)
class SkuFacts:
    """A SKU as other capabilities see it. `status` is its product's review status."""

    id: uuid.UUID
    code: str | None
    product_id: uuid.UUID
    status: str
    active: bool
    kit_type: str | None  # None, "physical" or "virtual"
    net_weight_g: int | None
    gross_weight_g: int | None
    dims_cm: tuple[Decimal | None, Decimal | None, Decimal | None]  # length, width, height
    package_dims_cm: tuple[Decimal | None, Decimal | None, Decimal | None]

    @property
    def label(self) -> str:
        return self.code or str(self.id)

    @property
    def unusable(self) -> str | None:
        """Why the SKU cannot be used (purchased, stocked, sold), or None."""
        return unusable_reason(self)


@dataclass(frozen=True)
class ListingResolution:
    """What a channel listing stands for: `quantity` units of the local SKU `sku_id` per unit
    ordered. A bundle listing resolves to a kit SKU (`kit_type` set; see `kit_components`).
    `mapping_id` is None when no mapping exists and the seller SKU equals a local SKU code."""

    sku_id: uuid.UUID
    sku_code: str | None
    quantity: int
    kit_type: str | None
    mapping_id: uuid.UUID | None
    sku: SkuFacts | None = None


def _ids(values: Iterable[Any]) -> set[uuid.UUID]:
    out = set()
    for value in values:
        if value is None:
            continue
        try:
            out.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


def sku_facts(sku_ids: Iterable[Any]) -> dict[uuid.UUID, SkuFacts]:
    """{id: facts} of the tenant's SKUs among `sku_ids` (unknown ids are left out)."""
    ids = _ids(sku_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Sku.id,
            Sku.code,
            Sku.product_id,
            Sku.status,
            Sku.active,
            Sku.kit_type,
            Sku.net_weight_g,
            Sku.gross_weight_g,
            Sku.length_cm,
            Sku.width_cm,
            Sku.height_cm,
            Sku.package_length_cm,
            Sku.package_width_cm,
            Sku.package_height_cm,
        ).where(in_values(Sku.id, ids))
    ).all()
    return {r[0]: SkuFacts(*r[:8], (r[8], r[9], r[10]), (r[11], r[12], r[13])) for r in rows}


def sku_kit_types(sku_ids: Iterable[Any]) -> dict[uuid.UUID, str | None]:
    """{id: kit type (None, "physical", "virtual")} of the tenant's SKUs among `sku_ids`
    (unknown ids are left out): what stock reads and reservations ask of a page's SKUs."""
    ids = _ids(sku_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Sku.id, Sku.kit_type).where(in_values(Sku.id, ids))).all())  # type: ignore[arg-type]


def sku_codes(sku_ids: Iterable[Any]) -> dict[uuid.UUID, str]:
    """{id: code} (the id itself for a draft variant without a code yet)."""
    ids = _ids(sku_ids)
    if not ids:
        return {}
    return {i: (c or str(i)) for i, c in session.execute(select(Sku.id, Sku.code).where(Sku.id.in_(ids))).all()}


def sku_ids_by_code(codes: Iterable[str]) -> dict[str, uuid.UUID]:
    """{code: id} of the SKUs with those codes."""
    wanted = {c.strip() for c in codes if c and c.strip()}
    if not wanted:
        return {}
    return dict(session.execute(select(Sku.code, Sku.id).where(in_values(Sku.code, wanted))).all())


def product_labels(product_ids: Iterable[Any]) -> dict[uuid.UUID, str]:
    """{id: SPU code, or the title while uncoded} of the tenant's products among the ids."""
    ids = _ids(product_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Product.id, Product.spu_code, Product.title_zh, Product.title_en).where(Product.id.in_(ids))
    ).all()
    return {r.id: r.spu_code or r.title_zh or r.title_en or str(r.id) for r in rows}


def sku_titles(sku_ids: Iterable[Any], chinese: bool = False) -> dict[uuid.UUID, tuple[str, str]]:
    """{id: (code, "product title (variant options)")} for lists and documents; the Chinese
    title first for a Chinese reader, else the English (each falls back to the other)."""
    ids = _ids(sku_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Sku.id, Sku.code, Sku.options, Product.title_en, Product.title_zh)
        .join(Product, Product.id == Sku.product_id)
        .where(Sku.id.in_(ids))
    ).all()
    out = {}
    for sku_id, code, options, title_en, title_zh in rows:
        title = (title_zh or title_en or "") if chinese else (title_en or title_zh or "")
        variant = " / ".join(str(v) for v in (options or {}).values())
        out[sku_id] = (code or str(sku_id), f"{title} ({variant})" if variant and title else (title or variant))
    return out


def product_attributes(sku_ids: Iterable[Any]) -> dict[uuid.UUID, dict]:
    """{SKU id: its product's attributes} (what split rules and packing read)."""
    ids = _ids(sku_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Sku.id, Product.attributes).join(Product, Product.id == Sku.product_id).where(in_values(Sku.id, ids))
    ).all()
    return {sku_id: dict(attributes or {}) for sku_id, attributes in rows}


def components_of(kit_ids: Iterable[Any]) -> dict[uuid.UUID, Components]:
    """{kit id: [(component id, units per kit), ...]} in one query; every asked id is a key
    (an empty list for a SKU that is not a kit)."""
    ids = _ids(kit_ids)
    out: dict[uuid.UUID, Components] = {k: [] for k in ids}
    if not ids:
        return out
    rows = session.execute(
        select(KitComponent.kit_sku_id, KitComponent.component_sku_id, KitComponent.quantity)
        .where(in_values(KitComponent.kit_sku_id, ids))
        .order_by(KitComponent.kit_sku_id, KitComponent.position)
    ).all()
    for kit_id, component_id, qty in rows:
        out[kit_id].append((component_id, qty))
    return out


def kit_components(sku_id: uuid.UUID | str) -> Components:
    """(component SKU id, units per kit) of a kit; empty for a SKU that is not a kit."""
    sku = get_sku(sku_id)
    if not sku.kit_type:
        return []
    return components_of([sku.id])[sku.id]


def expand_kits(units: Mapping[uuid.UUID, int], kits: Mapping[uuid.UUID, Components]) -> dict[uuid.UUID, int]:
    """The one kit expansion: units per SKU, with each SKU in `kits` (the virtual bundles, as
    `components_of` gives them) replaced by its components times their units per kit. Pure:
    the caller says which SKUs are expanded."""
    out: dict[uuid.UUID, int] = {}
    for sku_id, qty in units.items():
        for part, per in kits[sku_id] if sku_id in kits else [(sku_id, 1)]:
            out[part] = out.get(part, 0) + qty * per
    return out


def resolve_listings(connection_id: uuid.UUID | None, seller_skus: Iterable[str]) -> dict[str, ListingResolution]:
    """The local SKU each seller SKU of a channel listing stands for (unmapped ones are left
    out), in three queries for any number of seller SKUs.

    An explicit mapping of the connection wins; without one, a local SKU whose code equals the
    seller SKU is used one for one (sellers usually list under their own SKU codes)."""
    wanted = {s.strip() for s in seller_skus if s and s.strip()}
    if not wanted:
        return {}
    mapped: dict[str, tuple[uuid.UUID, int, uuid.UUID | None]] = {}
    if connection_id is not None:
        for seller_sku, sku_id, qty, mapping_id in session.execute(
            select(ListingMapping.seller_sku, ListingMapping.sku_id, ListingMapping.quantity, ListingMapping.id).where(
                ListingMapping.connection_id == connection_id, in_values(ListingMapping.seller_sku, wanted)
            )
        ).all():
            mapped[seller_sku] = (sku_id, qty, mapping_id)
    for code, sku_id in sku_ids_by_code(wanted - set(mapped)).items():
        mapped[code] = (sku_id, 1, None)
    facts = sku_facts(sku_id for sku_id, _, _ in mapped.values())
    out = {}
    for seller_sku, (sku_id, qty, mapping_id) in mapped.items():
        sku = facts.get(sku_id)
        if sku is not None:
            out[seller_sku] = ListingResolution(sku.id, sku.code, qty, sku.kit_type, mapping_id, sku)
    return out


def resolve_listing(connection_id: uuid.UUID | str, seller_sku: str) -> ListingResolution | None:
    """The local SKU a channel listing's seller SKU stands for, or None when unmapped."""
    connection = next(iter(_ids([connection_id])), None)  # a malformed id maps nothing
    return resolve_listings(connection, [seller_sku]).get((seller_sku or "").strip())


def purchasable_skus() -> list[tuple[uuid.UUID, datetime | None]]:
    """(id, first approval) of every SKU that may be bought: approved, active, not a virtual
    bundle (its components are bought), by id."""
    return [
        (sku_id, approved_at)
        for sku_id, approved_at in session.execute(
            select(Sku.id, Sku.approved_at)
            .where(
                Sku.status == "approved", Sku.active.is_(True), or_(Sku.kit_type.is_(None), Sku.kit_type != "virtual")
            )
            .order_by(Sku.id)
        ).all()
    ]


def sku_ids_with_code_like(text: str) -> Select:
    """A subquery of the ids of SKUs whose code contains `text` (case-insensitive), for another
    capability's list filter (`column.in_(...)`), so the filter stays one SQL statement."""
    return select(Sku.id).where(Sku.code.ilike(f"%{text}%"))


def listing_mappings(connection_id: uuid.UUID) -> dict[str, ListingResolution]:
    """{seller SKU: what it stands for} of every explicit mapping of one channel connection."""
    rows = session.execute(
        select(ListingMapping.seller_sku, ListingMapping.sku_id, ListingMapping.quantity, ListingMapping.id).where(
            ListingMapping.connection_id == connection_id
        )
    ).all()
    facts = sku_facts(r.sku_id for r in rows)
    out = {}
    for seller_sku, sku_id, qty, mapping_id in rows:
        sku = facts.get(sku_id)
        if sku is not None:
            out[seller_sku] = ListingResolution(sku_id, sku.code, qty, sku.kit_type, mapping_id, sku)
    return out


def usable_sku_codes(purpose: str, limit: int = 1000) -> list[str]:
    """Codes of SKUs `require_sku` would accept for `purpose`, by code, for input suggestions."""
    from core.catalog.service.queries import sku_query

    stmt = sku_query(usable_for=purpose).with_only_columns(Sku.code).limit(limit)
    return [c for c in session.execute(stmt).scalars() if c]
