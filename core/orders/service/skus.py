"""Seller SKUs -> local SKUs for many lines at once, and the SKU facts splitting needs.

The rules are `core.catalog.service.resolve_listing`'s (an explicit listing mapping wins;
otherwise a local SKU whose code equals the seller SKU, one for one) and `require_sku(...,
"sale")`'s (approved, active, and for a kit usable components), applied in a few queries per
batch instead of several per line, because imports resolve thousands of lines at a time.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from sqlalchemy import select

from core.catalog.models import KitComponent, ListingMapping, Product, Sku
from core.db import session


@dataclass(frozen=True)
class Resolution:
    seller_sku: str
    sku_id: uuid.UUID | None = None
    sku_code: str = ""
    units: int = 1  # local units per unit ordered
    kit_type: str | None = None
    problem: str | None = None  # None, "unmapped_sku" or "unsellable_sku"
    message: str = ""


def _unusable(status: str, active: bool) -> str | None:
    if status != "approved":
        return f"its product is {status}" + ("" if status == "discontinued" else ", not approved")
    if not active:
        return "it is inactive"
    return None


def resolve(connection_id: uuid.UUID | None, seller_skus: Iterable[str]) -> dict[str, Resolution]:
    """Each seller SKU's local SKU, or the problem that keeps the line from being sold."""
    wanted = {s.strip() for s in seller_skus if s and s.strip()}
    out: dict[str, Resolution] = {}
    if not wanted:
        return out
    mapped: dict[str, tuple[uuid.UUID, int]] = {}
    if connection_id is not None:
        for seller_sku, sku_id, qty in session.execute(
            select(ListingMapping.seller_sku, ListingMapping.sku_id, ListingMapping.quantity)
            .where(ListingMapping.connection_id == connection_id, ListingMapping.seller_sku.in_(wanted))
        ).all():
            mapped[seller_sku] = (sku_id, qty)
    by_code = {code: sku_id for code, sku_id in session.execute(
        select(Sku.code, Sku.id).where(Sku.code.in_(wanted - set(mapped)))).all()}
    ids = {sku_id for sku_id, _ in mapped.values()} | set(by_code.values())
    facts = {row.id: row for row in session.execute(
        select(Sku.id, Sku.code, Sku.status, Sku.active, Sku.kit_type).where(Sku.id.in_(ids))).all()} if ids else {}
    kit_ids = {i for i, row in facts.items() if row.kit_type}
    broken: dict[uuid.UUID, str] = {}
    if kit_ids:
        for kit_id, code, status, active in session.execute(
            select(KitComponent.kit_sku_id, Sku.code, Sku.status, Sku.active)
            .join(Sku, Sku.id == KitComponent.component_sku_id).where(KitComponent.kit_sku_id.in_(kit_ids))
        ).all():
            why = _unusable(status, active)
            if why and kit_id not in broken:
                broken[kit_id] = f"its component {code} cannot be used: {why}"
    for seller_sku in wanted:
        if seller_sku in mapped:
            sku_id, units = mapped[seller_sku]
        elif seller_sku in by_code:
            sku_id, units = by_code[seller_sku], 1
        else:
            out[seller_sku] = Resolution(seller_sku, problem="unmapped_sku",
                                         message=f"seller SKU {seller_sku} is not mapped to a local SKU")
            continue
        row = facts[sku_id]
        why = _unusable(row.status, row.active) or broken.get(sku_id)
        code = row.code or str(sku_id)
        if why:
            out[seller_sku] = Resolution(seller_sku, sku_id, code, units, row.kit_type, "unsellable_sku",
                                         f"SKU {code} (seller SKU {seller_sku}) cannot be sold: {why}")
        else:
            out[seller_sku] = Resolution(seller_sku, sku_id, code, units, row.kit_type)
    return out


@dataclass(frozen=True)
class Physical:
    """What one local unit weighs and measures, and the product attributes split rules read."""

    weight_g: int
    dims_cm: tuple[Decimal, Decimal, Decimal]  # longest first; zeros when unknown
    attributes: dict


def physical(sku_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Physical]:
    """Weight (gross, else net), package size (else product size) and product attributes. A
    virtual bundle without its own figures weighs what its components weigh."""
    ids = set(sku_ids)
    if not ids:
        return {}
    rows = {r.id: r for r in session.execute(
        select(Sku.id, Sku.gross_weight_g, Sku.net_weight_g, Sku.length_cm, Sku.width_cm, Sku.height_cm,
               Sku.package_length_cm, Sku.package_width_cm, Sku.package_height_cm, Sku.kit_type, Product.attributes)
        .join(Product, Product.id == Sku.product_id).where(Sku.id.in_(ids))).all()}
    comps: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {}
    kits = [i for i, r in rows.items() if r.kit_type == "virtual" and not (r.gross_weight_g or r.net_weight_g)]
    if kits:
        for kit_id, comp_id, qty in session.execute(
            select(KitComponent.kit_sku_id, KitComponent.component_sku_id, KitComponent.quantity)
            .where(KitComponent.kit_sku_id.in_(kits))).all():
            comps.setdefault(kit_id, []).append((comp_id, qty))
        inner = physical({c for items in comps.values() for c, _ in items})
    out = {}
    for sku_id, r in rows.items():
        weight = r.gross_weight_g or r.net_weight_g or 0
        if not weight and sku_id in comps:
            weight = sum(inner[c].weight_g * q for c, q in comps[sku_id] if c in inner)
        if r.package_length_cm:
            dims = (r.package_length_cm, r.package_width_cm, r.package_height_cm)
        else:
            dims = (r.length_cm, r.width_cm, r.height_cm)
        clean = sorted((Decimal(d or 0) for d in dims), reverse=True)
        out[sku_id] = Physical(int(weight), (clean[0], clean[1], clean[2]), dict(r.attributes or {}))
    return out
