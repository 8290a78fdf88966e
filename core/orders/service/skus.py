"""Seller SKUs -> local SKUs for many lines at once, and the SKU facts splitting needs.

The rules are the catalogue's: `resolve_listings` (an explicit listing mapping wins;
otherwise a local SKU whose code equals the seller SKU, one for one) and `require_sku(...,
"sale")`'s (approved, active, and for a kit usable components), applied through the
catalogue's reads in a few queries per batch instead of several per line, because imports
resolve thousands of lines at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.catalog import service as catalog
from core.messages import Msg
from core.orders.models import Order, OrderLine


@dataclass(frozen=True)
class Resolution:
    seller_sku: str
    sku_id: uuid.UUID | None = None
    sku_code: str = ""
    units: int = 1  # local units per unit ordered
    kit_type: str | None = None
    problem: str | None = None  # None, "unmapped_sku" or "unsellable_sku"
    message: str = ""


def resolve(connection_id: uuid.UUID | None, seller_skus: Iterable[str]) -> dict[str, Resolution]:
    """Each seller SKU's local SKU, or the problem that keeps the line from being sold."""
    wanted = {s.strip() for s in seller_skus if s and s.strip()}
    out: dict[str, Resolution] = {}
    if not wanted:
        return out
    found = catalog.resolve_listings(connection_id, wanted)
    kits = catalog.components_of({r.sku_id for r in found.values() if r.kit_type})
    parts = catalog.sku_facts({c for comps in kits.values() for c, _ in comps})
    broken: dict[uuid.UUID, str] = {}
    for kit_id, comps in kits.items():
        for component_id, _ in comps:
            part = parts.get(component_id)
            why = part.unusable if part is not None else None
            if why:
                broken[kit_id] = Msg("order.component_unusable", sku=part.label, reason=why)
                break
    for seller_sku in wanted:
        r = found.get(seller_sku)
        if r is None:
            out[seller_sku] = Resolution(
                seller_sku, problem="unmapped_sku", message=Msg("order.unmapped_sku", seller_sku=seller_sku)
            )
            continue
        why = r.sku.unusable or broken.get(r.sku_id)
        code = r.sku.label
        if why:
            out[seller_sku] = Resolution(
                seller_sku,
                r.sku_id,
                code,
                r.quantity,
                r.kit_type,
                "unsellable_sku",
                Msg("order.unsellable_sku", sku=code, seller_sku=seller_sku, reason=why),
            )
        else:
            out[seller_sku] = Resolution(seller_sku, r.sku_id, code, r.quantity, r.kit_type)
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
    facts = catalog.sku_facts(sku_ids)
    if not facts:
        return {}
    attributes = catalog.product_attributes(facts)
    kits = catalog.components_of(
        i for i, r in facts.items() if r.kit_type == "virtual" and not (r.gross_weight_g or r.net_weight_g)
    )
    inner = physical({c for comps in kits.values() for c, _ in comps}) if kits else {}
    out = {}
    for sku_id, r in facts.items():
        weight = r.gross_weight_g or r.net_weight_g or 0
        if not weight and kits.get(sku_id):
            units = catalog.expand_kits({sku_id: 1}, kits)
            weight = sum(inner[c].weight_g * q for c, q in units.items() if c in inner)
        dims = r.package_dims_cm if r.package_dims_cm[0] else r.dims_cm
        clean = sorted((Decimal(d or 0) for d in dims), reverse=True)
        out[sku_id] = Physical(int(weight), (clean[0], clean[1], clean[2]), attributes.get(sku_id, {}))
    return out


def apply_resolutions(
    order: Order, resolutions: dict[str, Resolution], lines: Iterable[OrderLine] | None = None
) -> list[dict[str, Any]]:
    """Set each line's local SKU from its seller SKU; returns the problems (unmapped or
    unsellable SKUs) with the quantities they block."""
    problems = []
    for line in order.lines if lines is None else lines:
        r = resolutions.get(line.seller_sku.strip())
        if r is None:
            continue
        line.sku_id, line.sku_code, line.units_per_item, line.kit_type = r.sku_id, r.sku_code, r.units, r.kit_type
        if r.problem:
            problems.append(
                {
                    "type": r.problem,
                    "seller_sku": line.seller_sku,
                    "sku_id": r.sku_id,
                    "sku_code": r.sku_code,
                    "quantity": line.live_quantity,
                    "message": r.message,
                }
            )
    return problems
