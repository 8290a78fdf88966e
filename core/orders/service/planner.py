"""Allocation planning as a pure function over data: which warehouse (site) ships an order, or
how to split it over several, given what the order needs, the stock per site, the sites'
facts, an estimated cost per (order, site) and the tenant's policy. No database, no session:
`allocation` gathers the inputs and acts on the plan; shipping can plan with carriers'
quotes as the costs (rate shopping); tests plan without a database.

A site qualifies when it can take every line. Among those the best is, in this order: the
lowest priority number, the same country as the destination, the same region, the lowest
estimated cost, then the code. When no site can take the whole order, policy `split` gives
groups of whole lines per site (greedily: the site that takes the most units first), and
what no site can take is left over with its shortages; policy `hold` gives the shortages.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.messages import Msg
from core.orders.service.regions import region_of

Pair = tuple[uuid.UUID, uuid.UUID]  # (SKU id, site id)
POLICIES = ("split", "hold")


@dataclass(frozen=True)
class Site:
    """A warehouse that ships the seller's own orders."""

    id: uuid.UUID
    code: str
    type: str
    country: str
    priority: int  # lower ships first


@dataclass(frozen=True)
class LineNeed:
    """One open order line: `quantity` items ordered, taking `units` of each stocked SKU (a
    virtual bundle takes its components, a "pack of 3" three units per item)."""

    line_id: uuid.UUID
    quantity: int
    units: Mapping[uuid.UUID, int]
    seller_sku: str = ""
    sku_id: uuid.UUID | None = None
    sku_code: str = ""


@dataclass(frozen=True)
class OrderNeeds:
    """What the planner knows of an order: where it goes and what its open lines take."""

    order_id: uuid.UUID
    ship_country: str
    lines: tuple[LineNeed, ...]

    def line(self, line_id: uuid.UUID) -> LineNeed:
        return next(ln for ln in self.lines if ln.line_id == line_id)


@dataclass
class Plan:
    site: Site | None = None  # the whole order ships from here
    groups: list[tuple[Site, list[uuid.UUID]]] = field(default_factory=list)  # split: lines per site
    leftover: list[uuid.UUID] = field(default_factory=list)  # lines no site can take
    problems: list[dict[str, Any]] = field(default_factory=list)


class Stock:
    """Available units per (SKU, site), drawn down as a batch of orders is planned, so the plan
    of one order sees what the previous ones took. A pair never given holds nothing."""

    def __init__(self, units: Mapping[Pair, int] | None = None) -> None:
        self.units: dict[Pair, int] = defaultdict(int)
        self.update(units or {})

    def update(self, units: Mapping[Pair, int]) -> None:
        for pair, qty in units.items():
            self.units[pair] = max(qty, 0)

    def fits(self, needs: Iterable[Mapping[uuid.UUID, int]], site_id: uuid.UUID) -> bool:
        total: dict[uuid.UUID, int] = defaultdict(int)
        for need in needs:
            for sku, qty in need.items():
                total[sku] += qty
        return all(self.units[(sku, site_id)] >= qty for sku, qty in total.items())

    def take(self, needs: Iterable[Mapping[uuid.UUID, int]], site_id: uuid.UUID) -> None:
        for need in needs:
            for sku, qty in need.items():
                self.units[(sku, site_id)] -= qty


def rank(order: OrderNeeds, site: Site, cost: Decimal | None) -> tuple:
    region = region_of(order.ship_country)
    return (
        site.priority,
        site.country != order.ship_country,
        not (region and region_of(site.country) == region),
        cost if cost is not None else Decimal("Infinity"),
        site.code,
    )


def plan(
    order: OrderNeeds,
    sites: Sequence[Site],
    stock: Stock,
    *,
    policy: str = "split",
    costs: Mapping[Pair, Decimal] | None = None,
) -> Plan:
    """Where `order` ships from, against `stock` as it stands (the caller takes the stock of
    the plan it acts on). `costs` maps (order id, site id) to an estimated cost in one
    currency; a site without one ranks after those with one."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}")
    costs = costs or {}
    needs = {ln.line_id: ln.units for ln in order.lines}
    if not needs:
        return Plan()

    def key(site: Site) -> tuple:
        return rank(order, site, costs.get((order.order_id, site.id)))

    whole = [s for s in sites if stock.fits(needs.values(), s.id)]
    if whole:
        return Plan(site=min(whole, key=key))
    if policy == "hold":
        return Plan(problems=shortages(order, sites, stock))
    remaining = list(needs)
    trial = defaultdict(int, stock.units)
    groups: list[tuple[Site, list[uuid.UUID]]] = []
    while remaining:
        best: tuple[tuple, Site, list[uuid.UUID]] | None = None
        for s in sites:
            taken: list[uuid.UUID] = []
            left: dict[uuid.UUID, int] = {}
            for line_id in remaining:
                need = needs[line_id]
                if all(left.get(sku, trial[(sku, s.id)]) >= q for sku, q in need.items()):
                    for sku, q in need.items():
                        left[sku] = left.get(sku, trial[(sku, s.id)]) - q
                    taken.append(line_id)
            if taken:
                units = sum(sum(needs[i].values()) for i in taken)
                candidate = (-units, key(s))
                if best is None or candidate < best[0]:
                    best = (candidate, s, taken)
        if best is None:
            break
        _, s, taken = best
        for line_id in taken:
            for sku, q in needs[line_id].items():
                trial[(sku, s.id)] -= q
        groups.append((s, taken))
        remaining = [i for i in remaining if i not in taken]
    if not groups:
        return Plan(problems=shortages(order, sites, stock))
    return Plan(
        groups=groups, leftover=remaining, problems=shortages(order, sites, stock, remaining) if remaining else []
    )


def shortages(
    order: OrderNeeds, sites: Sequence[Site], stock: Stock, line_ids: Iterable[uuid.UUID] | None = None
) -> list[dict[str, Any]]:
    """Per line (all, or those of `line_ids`): what it needs and the most items one site could
    ship of it."""
    ids = {ln.line_id for ln in order.lines} if line_ids is None else set(line_ids)
    out = []
    for line in order.lines:
        if line.line_id not in ids:
            continue
        qty = line.quantity
        best = 0
        for s in sites:
            units = min((stock.units[(sku, s.id)] // (q // qty) for sku, q in line.units.items()), default=0)
            best = max(best, min(units, qty))
        out.append(
            {
                "type": "out_of_stock",
                "seller_sku": line.seller_sku,
                "sku_id": line.sku_id,
                "sku_code": line.sku_code,
                "quantity": qty,
                "available": best,
                "message": Msg("order.line_short", sku=line.sku_code or line.seller_sku, needed=qty, available=best)
                if sites
                else Msg("order.line_no_warehouse", sku=line.sku_code or line.seller_sku, needed=qty),
            }
        )
    return out
