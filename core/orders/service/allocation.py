"""Allocation: choose the warehouse that ships an approved order and reserve its stock.

A warehouse qualifies when it can take every line. Among those the best is, in this order:
the lowest priority number, the same country as the destination, the same region, the lowest
estimated shipping cost (the tenant's cost table), then the code. When no warehouse can take
the whole order, the tenant's policy decides: `split` it into one child order per warehouse
(whole lines; what no warehouse can take waits in a child on hold for missing stock), or
`hold` it for missing stock. Platform-fulfilled orders (FBA and the like) reserve in the
platform warehouse linked to their connection and marketplace, or are recorded without
reserving when there is none. Virtual bundles reserve their components (inventory does that).
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Sequence

from sqlalchemy import select

from core.catalog.models import KitComponent
from core.db import session
from core.inventory import service as inventory
from core.inventory.models import Warehouse
from core.inventory.service import InsufficientStock
from core.orders.models import Order
from core.orders.service import holds
from core.orders.service.base import emit, lock_order, record, require_status, set_status, stock_doc, stock_key, stock_lines
from core.orders.service.settings import Settings, get_settings, region_of

SITES = "orders.sites"
Pair = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True)
class Site:
    id: uuid.UUID
    code: str
    type: str
    country: str
    priority: int


def sites(settings: Settings) -> list[Site]:
    """The warehouses orders may ship from (the tenant's list, or every active own one)."""
    cache = session().info.setdefault(SITES, {})
    key = tuple(settings.warehouse_ids)
    if key not in cache:
        stmt = select(Warehouse.id, Warehouse.code, Warehouse.type, Warehouse.country, Warehouse.priority).where(
            Warehouse.active.is_(True), Warehouse.type.in_(("domestic", "overseas_3pl")))
        if settings.warehouse_ids:
            stmt = stmt.where(Warehouse.id.in_([uuid.UUID(w) for w in settings.warehouse_ids]))
        cache[key] = [Site(*row) for row in session.execute(stmt.order_by(Warehouse.priority, Warehouse.code)).all()]
    return cache[key]


def components(kit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[tuple[uuid.UUID, int]]]:
    ids = set(kit_ids)
    out: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {k: [] for k in ids}
    if ids:
        for kit_id, comp_id, qty in session.execute(
                select(KitComponent.kit_sku_id, KitComponent.component_sku_id, KitComponent.quantity)
                .where(KitComponent.kit_sku_id.in_(ids))).all():
            out[kit_id].append((comp_id, qty))
    return out


def needs_of(order: Order, kits: dict[uuid.UUID, list[tuple[uuid.UUID, int]]]) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """Per open line: the stocked SKUs it takes (a virtual bundle takes its components)."""
    out = {}
    for line in order.lines:
        if line.open_quantity <= 0 or line.sku_id is None:
            continue
        units = line.open_quantity * line.units_per_item
        if line.kit_type == "virtual":
            out[line.id] = {comp: units * per for comp, per in kits.get(line.sku_id, [])}
        else:
            out[line.id] = {line.sku_id: units}
    return out


class Availability:
    """Available units per (SKU, warehouse), read in one query and drawn down as a batch of
    orders is planned, so the plan of one order sees what the previous ones took."""

    def __init__(self, sku_ids: set[uuid.UUID], site_ids: list[uuid.UUID]) -> None:
        self.site_ids = site_ids
        self.units: dict[Pair, int] = defaultdict(int)
        self.load(sku_ids)

    def load(self, sku_ids: set[uuid.UUID]) -> None:
        if not sku_ids or not self.site_ids:
            return
        for sku in sku_ids:
            for wh in self.site_ids:
                self.units[(sku, wh)] = 0
        for b in inventory.list_buckets(sku_ids, self.site_ids):
            self.units[(b.sku_id, b.warehouse_id)] = max(b.available, 0)

    def fits(self, needs: Iterable[dict[uuid.UUID, int]], wh: uuid.UUID) -> bool:
        total: dict[uuid.UUID, int] = defaultdict(int)
        for need in needs:
            for sku, qty in need.items():
                total[sku] += qty
        return all(self.units[(sku, wh)] >= qty for sku, qty in total.items())

    def take(self, needs: Iterable[dict[uuid.UUID, int]], wh: uuid.UUID) -> None:
        for need in needs:
            for sku, qty in need.items():
                self.units[(sku, wh)] -= qty


@dataclass
class Plan:
    site: Site | None = None  # the whole order ships from here
    groups: list[tuple[Site, list[uuid.UUID]]] = field(default_factory=list)  # split: lines per site
    leftover: list[uuid.UUID] = field(default_factory=list)  # lines no warehouse can take
    problems: list[dict[str, Any]] = field(default_factory=list)


class Planner:
    def __init__(self, orders: Sequence[Order], settings: Settings) -> None:
        self.settings = settings
        self.sites = sites(settings)
        kit_ids = {ln.sku_id for o in orders for ln in o.lines if ln.kit_type == "virtual" and ln.sku_id}
        self.kits = components(kit_ids)
        self.needs = {o.id: needs_of(o, self.kits) for o in orders}
        wanted = {sku for per_order in self.needs.values() for need in per_order.values() for sku in need}
        self.stock = Availability(wanted, [s.id for s in self.sites])
        self.weights: dict[uuid.UUID, int] = {}
        if settings.shipping_costs:
            from core.orders.service.skus import physical

            facts = physical({ln.sku_id for o in orders for ln in o.lines if ln.sku_id})
            for o in orders:
                self.weights[o.id] = sum(facts[ln.sku_id].weight_g * ln.open_quantity * ln.units_per_item
                                         for ln in o.lines if ln.sku_id in facts and ln.open_quantity > 0)

    def cost(self, order: Order, site: Site) -> Decimal | None:
        """Estimated shipping cost in the functional currency from the tenant's cost table."""
        region = region_of(order.ship_country)
        by_dest = {c["destination"]: c for c in self.settings.shipping_costs if c["warehouse_id"] == str(site.id)}
        entry = by_dest.get(order.ship_country) or (by_dest.get(region) if region else None) or by_dest.get("*")
        if entry is None:
            return None
        kg = Decimal(self.weights.get(order.id, 0)) / 1000
        amount = Decimal(entry["base"]) + Decimal(entry["per_kg"]) * kg
        return self.settings.convert(amount, entry["currency"], self.settings.functional_currency)

    def rank(self, order: Order, site: Site) -> tuple:
        region = region_of(order.ship_country)
        cost = self.cost(order, site) if self.settings.shipping_costs else None
        return (site.priority, site.country != order.ship_country,
                not (region and region_of(site.country) == region),
                cost if cost is not None else Decimal("Infinity"), site.code)

    def plan(self, order: Order, policy: str | None = None) -> Plan:
        needs = self.needs[order.id]
        if not needs:
            return Plan()
        whole = [s for s in self.sites if self.stock.fits(needs.values(), s.id)]
        if whole:
            return Plan(site=min(whole, key=lambda s: self.rank(order, s)))
        if (policy or self.settings.allocation_policy) == "hold":
            return Plan(problems=self.shortages(order))
        remaining = list(needs)
        trial = dict(self.stock.units)
        groups: list[tuple[Site, list[uuid.UUID]]] = []
        while remaining:
            best: tuple[tuple, Site, list[uuid.UUID]] | None = None
            for s in self.sites:
                taken: list[uuid.UUID] = []
                left = {}
                for line_id in remaining:
                    need = needs[line_id]
                    if all(left.get(sku, trial[(sku, s.id)]) >= q for sku, q in need.items()):
                        for sku, q in need.items():
                            left[sku] = left.get(sku, trial[(sku, s.id)]) - q
                        taken.append(line_id)
                if taken:
                    units = sum(sum(needs[i].values()) for i in taken)
                    key = (-units, self.rank(order, s))
                    if best is None or key < best[0]:
                        best = (key, s, taken)
            if best is None:
                break
            _, s, taken = best
            for line_id in taken:
                for sku, q in needs[line_id].items():
                    trial[(sku, s.id)] -= q
            groups.append((s, taken))
            remaining = [i for i in remaining if i not in taken]
        if not groups:
            return Plan(problems=self.shortages(order))
        return Plan(groups=groups, leftover=remaining, problems=self.shortages(order, remaining) if remaining else [])

    def shortages(self, order: Order, line_ids: Iterable[uuid.UUID] | None = None) -> list[dict[str, Any]]:
        needs = self.needs[order.id]
        ids = set(needs if line_ids is None else line_ids)
        out = []
        for line in order.lines:
            if line.id not in ids:
                continue
            need, qty = needs[line.id], line.open_quantity
            best = 0
            for s in self.sites:
                units = min((self.stock.units[(sku, s.id)] // (q // qty) for sku, q in need.items()), default=0)
                best = max(best, min(units, qty))
            out.append({"type": "out_of_stock", "seller_sku": line.seller_sku, "sku_id": line.sku_id,
                        "sku_code": line.sku_code, "quantity": line.open_quantity, "available": best,
                        "message": f"{line.sku_code or line.seller_sku}: {line.open_quantity} needed, "
                                   + (f"at most {best} in one warehouse" if self.sites
                                      else "no warehouse to ship from")})
        return out


# ---------------------------------------------------------------------------------------------
# Reserving


def _allocated(order: Order, site_id: uuid.UUID, site_code: str, held: bool, message: str = "") -> None:
    order.warehouse_id = site_id
    order.stock_reserved = held
    set_status(order, "allocated", "allocated", message or f"stock reserved in {site_code}", warehouse=site_code)
    emit("order.allocated", order, with_lines=False, warehouse={"id": site_id, "code": site_code})


def reserve(order: Order, site_id: uuid.UUID, site_code: str, message: str = "") -> None:
    """Hold the order's open lines in one warehouse (all or nothing: InsufficientStock)."""
    lines = stock_lines(order, site_id)
    if lines:
        inventory.reserve(stock_doc(order), lines, key=stock_key(order, "reserve"))
    _allocated(order, site_id, site_code, bool(lines), message)


def reserve_all(choices: Sequence[tuple[Order, uuid.UUID, str, str]]) -> list[tuple[Order, InsufficientStock]]:
    """Reserve many orders, each in its chosen warehouse, in one inventory call; returns the
    orders that found too little stock after all (nothing was held for them)."""
    requests, pending = [], []
    for order, site_id, code, message in choices:
        lines = stock_lines(order, site_id)
        if lines:
            requests.append(inventory.ReserveRequest(stock_doc(order), lines, stock_key(order, "reserve")))
            pending.append((order, site_id, code, message))
        else:
            _allocated(order, site_id, code, False, message)
    failed = []
    for (order, site_id, code, message), result in zip(pending, inventory.reserve_many(requests)):
        if isinstance(result, InsufficientStock):
            failed.append((order, result))
        else:
            _allocated(order, site_id, code, True, message)
    return failed


def allocate_many(orders: Sequence[Order]) -> None:
    """Allocate approved orders: one stock read to plan the batch, one call to reserve it."""
    platform = [o for o in orders if o.fulfilment == "platform"]
    if platform:
        _allocate_platform(platform)
    merchant = [o for o in orders if o.fulfilment == "merchant"]
    if not merchant:
        return
    planner = Planner(merchant, get_settings())
    chosen: list[tuple[Order, uuid.UUID, str, str]] = []
    for order in merchant:
        chosen.extend(_plan(order, planner))
    for order, _shortage in reserve_all(chosen):
        # Another transaction took the stock since it was read: read again and plan this one anew.
        planner.stock.load({sku for need in planner.needs[order.id].values() for sku in need})
        again = _plan(order, planner)
        for child, exc in reserve_all(again):
            holds.hold(child, "out_of_stock", "system", f"stock ran out while allocating: {exc.message}")


def _plan(order: Order, planner: Planner) -> list[tuple[Order, uuid.UUID, str, str]]:
    """Decide where the order ships from; returns the (order, warehouse) pairs to reserve. A
    split or a hold happens here; the reservation itself is batched by the caller."""
    plan = planner.plan(order)
    if plan.site is not None:
        planner.stock.take(planner.needs[order.id].values(), plan.site.id)
        return [(order, plan.site.id, plan.site.code, "")]
    if plan.groups:
        from core.orders.service.splitting import split_order

        parts = [{line_id: _open(order, line_id) for line_id in lines} for _, lines in plan.groups]
        if plan.leftover:
            parts.append({line_id: _open(order, line_id) for line_id in plan.leftover})
        codes = ", ".join(s.code for s, _ in plan.groups)
        children = split_order(order, parts, reason=f"no single warehouse holds every line; shipping from {codes}",
                               kind="warehouse")
        if plan.leftover:
            holds.hold(children[-1], "out_of_stock", "system",
                       "no warehouse has enough stock: " + "; ".join(p["message"] for p in plan.problems),
                       problems=plan.problems)
        for site, lines in plan.groups:
            planner.stock.take([planner.needs[order.id][i] for i in lines], site.id)
        return [(child, site.id, site.code, "") for child, (site, _) in zip(children, plan.groups)]
    if plan.problems:
        holds.hold(order, "out_of_stock", "system",
                   "no warehouse has enough stock: " + "; ".join(p["message"] for p in plan.problems),
                   problems=plan.problems)
    return []


def _open(order: Order, line_id: uuid.UUID) -> int:
    return next(ln.open_quantity for ln in order.lines if ln.id == line_id)


def allocate(order_id: uuid.UUID) -> Order:
    """Staff allocate an approved order now (e.g. after stock arrived, or without auto-allocation)."""
    order = lock_order(order_id)
    require_status(order, ("approved",), "allocate")
    allocate_many([order])
    return order


def preview_site(order: Order) -> Site | None:
    """The warehouse allocation would choose for the whole order now (None if none could)."""
    if order.fulfilment != "merchant":
        return None
    return Planner([order], get_settings()).plan(order, policy="hold").site


# ---------------------------------------------------------------------------------------------
# Platform-fulfilled orders


def platform_warehouse(order: Order) -> Warehouse | None:
    """The platform warehouse (FBA US, ...) of the order's connection and marketplace."""
    if order.connection_id is None:
        return None
    rows = session.execute(select(Warehouse).where(
        Warehouse.type == "platform", Warehouse.active.is_(True), Warehouse.connection_id == order.connection_id)
    ).scalars().all()
    exact = [w for w in rows if w.marketplace.upper() == (order.marketplace or "").upper()]
    if exact:
        return exact[0]
    return rows[0] if len(rows) == 1 and not order.marketplace else None


def _allocate_platform(orders: Sequence[Order]) -> None:
    """Platform-fulfilled orders hold stock in their platform warehouse, when there is one."""
    chosen = []
    for order in orders:
        wh = platform_warehouse(order)
        if wh is None:
            record(order, "not_reserved", f"no platform warehouse is set up for this shop's marketplace "
                                          f"{order.marketplace or '(none)'}: recorded without reserving stock")
        else:
            chosen.append((order, wh.id, wh.code, f"platform stock reserved in {wh.code}"))
    for order, exc in reserve_all(chosen):
        record(order, "not_reserved", f"the platform warehouse shows too little stock; recorded without "
                                      f"reserving ({exc.message})")
