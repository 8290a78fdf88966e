"""What orders asks of shipping: how an order's units divide into parcels, and what a
parcel is estimated to cost from each warehouse (docs/decisions/0013-shipping-owns-parcels.md).

Shipping owns parcel packing, package limits and shipping cost estimates. Shipping also calls
orders (to mark an order shipped or delivered), so orders cannot import shipping without a
cycle between the two capabilities (tests/test_architecture.py). Instead shipping hands its
planner to `provide` when it loads (core/shipping/handlers.py, imported by every door through
core.app.load_behaviour), and orders reaches it through `planner()`.

The data classes here are the border: orders describes units with them, shipping answers with
them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


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
    max_sides_sum_cm: Decimal | None = None  # length + width + height (USPS First-Class International)
    source: str = ""  # where the limits come from, for the order's timeline

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (
                self.max_weight_g,
                self.max_longest_side_cm,
                self.max_length_girth_cm,
                self.max_value,
                self.max_sides_sum_cm,
            )
        )


class Planner(Protocol):
    def limits(self, country: str, tenant_limits: Mapping[str, Any], max_value: Decimal | None) -> Limits:
        """The limits a parcel to `country` must keep: the package limits of the carrier
        services the tenant ships with, tightened by the tenant's own (`tenant_limits`)."""

    def group(self, attributes: Mapping[str, Any], names: Sequence[str]) -> str:
        """The split attribute of a product that keeps its units apart ("" for none)."""

    def pack(self, items: Sequence[Item], limits: Limits) -> tuple[list[dict[uuid.UUID, int]], list[str]]:
        """Parcels as {line id: units}, and notes about units that break a limit alone."""

    def estimate_cost(
        self, table: Sequence[Mapping[str, Any]], warehouse_id: uuid.UUID, country: str, weight_g: int
    ) -> tuple[Decimal, str] | None:
        """The estimated cost (amount, currency) of shipping `weight_g` from the warehouse to
        the country: from what the tenant's labels on that lane cost, else from its cost table
        (`table`); None when neither knows the lane."""


_planner: Planner | None = None


def provide(planner: Planner) -> None:
    global _planner
    _planner = planner


def planner() -> Planner:
    if _planner is None:
        raise RuntimeError("core.shipping has not provided its parcel planner: load it (core.app.load_behaviour)")
    return _planner
