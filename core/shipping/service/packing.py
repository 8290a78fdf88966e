"""Dividing an order's units into parcels: by product attribute (fragile, oversize: kept apart
from other goods), then by package limits (weight, longest side, length + girth, sum of sides)
and a value limit per parcel. Plain arithmetic over units; orders' `splitting.apply_rules`
asks for it through `core.orders.service.parcels` and turns parcels into child orders.

Parcel size is estimated the way packers stack goods: the longest side is the longest of the
items, the width the widest of their middle sides, and the height the sum of their shortest
sides; girth = 2 x (width + height).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.orders.service.parcels import Item, Limits

FALSY = {"", "0", "no", "false", "n", "none", "否", "无"}


@dataclass
class Parcel:
    group: str
    units: dict[uuid.UUID, int] = field(default_factory=dict)
    weight: int = 0
    value: Decimal = Decimal(0)
    length: Decimal = Decimal(0)
    width: Decimal = Decimal(0)
    height: Decimal = Decimal(0)

    def with_item(self, item: Item) -> tuple[int, Decimal, Decimal, Decimal, Decimal]:
        a, b, c = item.dims_cm
        return (
            self.weight + item.weight_g,
            self.value + item.value,
            max(self.length, a),
            max(self.width, b),
            self.height + c,
        )

    def fits(self, item: Item, limits: Limits) -> bool:
        weight, value, length, width, height = self.with_item(item)
        if limits.max_weight_g is not None and weight > limits.max_weight_g:
            return False
        if limits.max_value is not None and value > limits.max_value:
            return False
        if limits.max_longest_side_cm is not None and length > limits.max_longest_side_cm:
            return False
        if limits.max_length_girth_cm is not None and length + 2 * (width + height) > limits.max_length_girth_cm:
            return False
        if limits.max_sides_sum_cm is not None and length + width + height > limits.max_sides_sum_cm:
            return False
        return True

    def add(self, item: Item) -> None:
        self.weight, self.value, self.length, self.width, self.height = self.with_item(item)
        self.units[item.line_id] = self.units.get(item.line_id, 0) + 1


def attribute_group(attributes: dict[str, Any], names: Sequence[str]) -> str:
    """The first split attribute the product has (a true value, or any non-empty word)."""
    for name in names:
        value = attributes.get(name)
        if value is True or (
            isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip().lower() not in FALSY
        ):
            return name
    return ""


def pack(items: Sequence[Item], limits: Limits) -> tuple[list[dict[uuid.UUID, int]], list[str]]:
    """Parcels as {line id: units}, and notes about units that break a limit on their own
    (they travel alone). First-fit decreasing: heaviest units first, each into the first
    parcel of its group it fits in."""
    notes: list[str] = []
    units = [item for item in items for _ in range(item.quantity)]
    units.sort(key=lambda i: (i.group, -i.weight_g, -i.value, -i.dims_cm[0]))
    parcels: list[Parcel] = []
    alone: set[uuid.UUID] = set()
    for unit in units:
        target = next((p for p in parcels if p.group == unit.group and p.fits(unit, limits)), None)
        if target is None:
            target = Parcel(unit.group)
            parcels.append(target)
            if not target.fits(unit, limits) and unit.line_id not in alone:
                alone.add(unit.line_id)
                notes.append("a unit exceeds the parcel limits on its own and ships alone")
        target.add(unit)
    return [p.units for p in parcels], notes
