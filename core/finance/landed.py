"""Landed cost allocation (头程), as pure functions over a first leg's lines and cartons.

A first leg's freight, duty and insurance are part of the cost of the goods (IAS 2.11, CAS 1)
and are spread over its lines (reference finance.md §1.4): freight by chargeable weight, by
volume, by value or by quantity, as the tenant chooses; duty and insurance by line value
(duty is a rate on the customs value). Weights and volumes come from the box plan: a carton's
weight and size are shared among the SKUs it holds by their units. A basis that is zero for
every line is refused loudly (missing weights), never silently replaced by an equal split.
Shares are rounded to the currency's minor unit by largest remainder, so they add up to the
cost exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.money import allocate

COMPONENTS = ("freight", "duty", "insurance")
BY_VALUE = ("duty", "insurance")
ZERO = Decimal(0)
CM3_PER_M3 = Decimal(1_000_000)


@dataclass(frozen=True)
class LegLine:
    sku_id: uuid.UUID
    quantity: int
    value: Decimal  # book value shipped (functional currency)
    weight_kg: Decimal = ZERO  # used when the leg has no box plan
    volume_m3: Decimal = ZERO


@dataclass(frozen=True)
class Box:
    count: int
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    weight_kg: Decimal
    contents: Mapping[uuid.UUID, int]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Box:
        contents = data.get("contents") or []
        if isinstance(contents, Mapping):
            items = {uuid.UUID(str(k)): int(v) for k, v in contents.items()}
        else:
            items = {uuid.UUID(str(c["sku_id"])): int(c["quantity"]) for c in contents}
        return cls(
            int(data.get("count") or 1),
            Decimal(str(data["length_cm"])),
            Decimal(str(data["width_cm"])),
            Decimal(str(data["height_cm"])),
            Decimal(str(data["weight_kg"])),
            items,
        )


class ZeroBasis(ValueError):
    """The chosen basis is zero for every line (no weights, no volumes, no value)."""

    def __init__(self, basis: str, component: str) -> None:
        hint = {
            "weight": "give the first leg a box plan (carton weights) or the SKUs their gross weights",
            "volume": "give the first leg a box plan (carton sizes) or the SKUs their package sizes",
            "value": "the lines carry no value",
            "quantity": "the first leg has no units",
        }[basis]
        super().__init__(f"cannot allocate {component} by {basis}: {hint}")
        self.basis = basis
        self.component = component


def bases(lines: Sequence[LegLine], boxes: Iterable[Box]) -> dict[uuid.UUID, dict[str, Decimal]]:
    """Per SKU: weight (kg), volume (m³), value and quantity. Cartons share their weight and
    volume among the SKUs they hold by units; without cartons the lines' own weights count."""
    out = {
        ln.sku_id: {"weight": ZERO, "volume": ZERO, "value": ln.value, "quantity": Decimal(ln.quantity)} for ln in lines
    }
    boxes = list(boxes)
    if boxes:
        for box in boxes:
            units = sum(box.contents.values())
            if units <= 0:
                continue
            volume = box.length_cm * box.width_cm * box.height_cm / CM3_PER_M3
            for sku, n in box.contents.items():
                if sku in out:
                    out[sku]["weight"] += box.count * box.weight_kg * n / units
                    out[sku]["volume"] += box.count * volume * n / units
    else:
        for ln in lines:
            out[ln.sku_id]["weight"] = ln.weight_kg * ln.quantity
            out[ln.sku_id]["volume"] = ln.volume_m3 * ln.quantity
    return out


def split(
    components: Mapping[str, Decimal],
    lines: Sequence[LegLine],
    boxes: Iterable[Box],
    basis: str,
    currency: str,
) -> dict[uuid.UUID, dict[str, Decimal]]:
    """Each component's share per SKU, in the cost currency; the shares of a component add up
    to it exactly."""
    weights = bases(lines, boxes)
    skus = [ln.sku_id for ln in lines]
    out = {sku: {c: ZERO for c in COMPONENTS} for sku in skus}
    for component in COMPONENTS:
        amount = components.get(component) or ZERO
        if not amount:
            continue
        by = "value" if component in BY_VALUE else basis
        basis_values = [weights[sku][by] for sku in skus]
        if not any(basis_values):
            raise ZeroBasis(by, component)
        for sku, part in zip(skus, allocate(amount, basis_values, currency)):
            out[sku][component] += part
    return out


def to_functional(
    shares: Mapping[uuid.UUID, Mapping[str, Decimal]], total: Decimal, currency: str
) -> dict[uuid.UUID, Decimal]:
    """The functional total spread over the SKUs in proportion to their shares (exact sum).
    A negative total (a bill below its estimate) is spread the same way."""
    skus = list(shares)
    weights = [abs(sum(shares[s].values(), ZERO)) for s in skus]
    if not skus:
        return {}
    sign = -1 if total < 0 else 1
    parts = allocate(abs(total), weights, currency) if any(weights) else allocate(abs(total), [1] * len(skus), currency)
    return {sku: sign * part for sku, part in zip(skus, parts)}
