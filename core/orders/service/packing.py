"""Dividing an order's units into parcels: by product attribute (fragile, oversize: kept apart
from other goods), then by package limits (weight, longest side, length + girth) and a value
limit per parcel. Plain arithmetic over units; `splitting.apply_rules` turns parcels into
child orders.

Parcel size is estimated the way packers stack goods: the longest side is the longest of the
items, the width the widest of their middle sides, and the height the sum of their shortest
sides; girth = 2 x (width + height).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

FALSY = {"", "0", "no", "false", "n", "none", "否", "无"}


@dataclass(frozen=True)
class Item:
    """One order line as packing sees it: each ordered unit weighs, measures and is worth the same."""

    line_id: uuid.UUID
    quantity: int
    weight_g: int
    dims_cm: tuple[Decimal, Decimal, Decimal]  # longest first; zeros when unknown
    value: Decimal  # per ordered unit, in the order's currency
    group: str = ""  # the attribute that keeps it apart ("" for ordinary goods)


@dataclass(frozen=True)
class Limits:
    max_weight_g: int | None = None
    max_longest_side_cm: Decimal | None = None
    max_length_girth_cm: Decimal | None = None
    max_value: Decimal | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.max_weight_g, self.max_longest_side_cm,
                                           self.max_length_girth_cm, self.max_value))


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
        return (self.weight + item.weight_g, self.value + item.value, max(self.length, a), max(self.width, b),
                self.height + c)

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
        return True

    def add(self, item: Item) -> None:
        self.weight, self.value, self.length, self.width, self.height = self.with_item(item)
        self.units[item.line_id] = self.units.get(item.line_id, 0) + 1


def attribute_group(attributes: dict[str, Any], names: Sequence[str]) -> str:
    """The first split attribute the product has (a true value, or any non-empty word)."""
    for name in names:
        value = attributes.get(name)
        if value is True or (isinstance(value, (str, int)) and not isinstance(value, bool)
                             and str(value).strip().lower() not in FALSY):
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
