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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import delete

from core import events
from core.catalog import service as catalog
from core.db import session
from core.inventory import service as inventory
from core.inventory.service import InsufficientStock, WarehouseFacts
from core.messages import Msg, joined
from core.money import RateNotFound
from core.orders.models import Order, OrderActivity
from core.orders.service import holds, parcels, planner, reserving
from core.orders.service.base import lock_order, lock_orders, record, require_status
from core.orders.service.planner import OrderNeeds, Pair, Plan, Site, Stock
from core.orders.service.reserving import reserve, reserve_all
from core.orders.service.settings import Settings, get_settings, order_rate
from core.orders.service.splitting import split_order

__all__ = ["Plan", "Site", "allocate", "allocate_many", "platform_warehouse", "preview_site", "reserve"]

SITES = "orders.sites"


def sites(settings: Settings) -> list[Site]:
    """The warehouses orders may ship from (the tenant's list, or every active own one)."""
    cache = session().info.setdefault(SITES, {})
    key = tuple(settings.warehouse_ids)
    if key not in cache:
        found = inventory.sites(settings.warehouse_ids or None)
        cache[key] = [Site(w.id, w.code, w.type, w.country, w.priority) for w in found]
    return cache[key]


def needs_of(order: Order, kits: dict[uuid.UUID, catalog.Components]) -> OrderNeeds:
    """The order's open lines as the planner sees them: the stocked SKUs each takes (a virtual
    bundle takes its components)."""
    lines = []
    for line in order.lines:
        if line.open_quantity <= 0 or line.sku_id is None:
            continue
        units = {line.sku_id: line.open_quantity * line.units_per_item}
        if line.kit_type == "virtual":
            units = catalog.expand_kits(units, {line.sku_id: kits.get(line.sku_id, [])})
        lines.append(planner.LineNeed(line.id, line.open_quantity, units, line.seller_sku, line.sku_id, line.sku_code))
    return OrderNeeds(order.id, order.ship_country, tuple(lines))


class Planner:
    """The database side of planning: reads a batch's inputs once (sites, kit components, stock,
    weights, estimated costs), hands them to the pure `planner`, and keeps the stock drawn down
    across the batch."""

    def __init__(self, orders: Sequence[Order], settings: Settings) -> None:
        self.settings = settings
        self.sites = sites(settings)
        kit_ids = {ln.sku_id for o in orders for ln in o.lines if ln.kit_type == "virtual" and ln.sku_id}
        self.kits = catalog.components_of(kit_ids)
        self.needs: dict[uuid.UUID, OrderNeeds] = {}
        self.costs: dict[Pair, Decimal] = {}
        self.stock = Stock()
        self.add(orders)
        self.load({sku for n in self.needs.values() for ln in n.lines for sku in ln.units})

    def add(self, orders: Sequence[Order]) -> None:
        """Know orders made while planning (the children of a split), so that one whose
        reservation fails can be planned again from its own lines. Their SKUs are the
        parent's, already in the stock read; a child's kits are its parent's kits."""
        self.needs.update({o.id: needs_of(o, self.kits) for o in orders})
        self.estimate(orders)

    def load(self, sku_ids: set) -> None:
        """(Re)read the available stock of those SKUs in every site."""
        site_ids = [s.id for s in self.sites]
        if not sku_ids or not site_ids:
            return
        units: dict[Pair, int] = {(sku, wh): 0 for sku in sku_ids for wh in site_ids}
        for b in inventory.list_buckets(sku_ids, site_ids):
            units[(b.sku_id, b.warehouse_id)] = b.available
        self.stock.update(units)

    def estimate(self, orders: Sequence[Order]) -> None:
        """Estimated shipping cost per (order, site) in the functional currency, from what the
        tenant's labels on the lane cost, else its cost table (shipping decides: decision
        0013); none where neither knows the lane or no rate is known that day."""
        if len(self.sites) < 2:
            return  # nothing to compare
        from core.orders.service.skus import physical

        facts = physical({ln.sku_id for o in orders for ln in o.lines if ln.sku_id})
        for o in orders:
            grams = sum(
                facts[ln.sku_id].weight_g * ln.open_quantity * ln.units_per_item
                for ln in o.lines
                if ln.sku_id in facts and ln.open_quantity > 0
            )
            for site in self.sites:
                cost = self._cost(o, site, grams)
                if cost is not None:
                    self.costs[(o.id, site.id)] = cost

    def _cost(self, order: Order, site: Site, grams: int) -> Decimal | None:
        # Shipping estimates the cost from its labels' prices or the tenant's table (decision 0013).
        found = parcels.planner().estimate_cost(self.settings.shipping_costs, site.id, order.ship_country, grams)
        if found is None:
            return None
        amount, currency = found
        try:
            return amount * order_rate(order, currency, self.settings.functional_currency)
        except RateNotFound:
            return None  # no rate for the day: this warehouse's cost is unknown and ranks last

    def plan(self, order: Order, policy: str | None = None) -> Plan:
        return planner.plan(
            self.needs[order.id],
            self.sites,
            self.stock,
            policy=policy or self.settings.allocation_policy,
            costs=self.costs,
        )

    def units(self, order: Order, line_ids: Sequence[uuid.UUID] | None = None) -> list[dict[uuid.UUID, int]]:
        needs = self.needs[order.id]
        return [dict(ln.units) for ln in needs.lines if line_ids is None or ln.line_id in line_ids]


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
    # Inside an import the stock is reserved last (reserving_last), after its rows are written.
    for order, _shortage in reserve_all(chosen, defer=True):
        # Another transaction took the stock since it was read: read again and plan this one anew.
        planner.load({sku for need in planner.units(order) for sku in need})
        again = _plan(order, planner)
        for child, exc in reserve_all(again):
            holds.hold(child, "out_of_stock", "system", Msg("order.ran_out", detail=exc.message))


@contextmanager
def reserving_last() -> Iterator[reserving.Batch]:
    """Allocations inside the block are decided and marked at once, and their stock is
    reserved when the block ends, after everything else it wrote (an import's `staged`), in one
    inventory call (see `reserving`). Orders whose stock was taken meanwhile are allocated
    again (`Batch.corrected`)."""
    with reserving.deferring() as batch:
        yield batch
    if batch.items:
        results = inventory.reserve_many([d.request for d in batch.items])
        failed = [d for d, result in zip(batch.items, results) if isinstance(result, InsufficientStock)]
        batch.corrected.update({o.id: o for o in _allocate_again(failed)})


def _allocate_again(failed: list[reserving.Deferred]) -> list[Order]:
    """Orders marked allocated whose stock was taken before it was reserved: that allocation
    did not happen. It is taken back before the commit (its timeline entry, its pending event,
    the order's warehouse) and the orders are allocated again from a fresh read of the stock."""
    if not failed:
        return []
    ids = [d.order.id for d in failed]
    session.execute(
        delete(OrderActivity)
        .where(OrderActivity.id.in_([d.activity.id for d in failed]))
        .execution_options(synchronize_session=False)
    )
    events.withdraw("order.allocated", ids)
    orders = lock_orders(ids)
    for order in orders:
        order.status, order.warehouse_id, order.stock_reserved = "approved", None, False
    allocate_many(orders)
    return orders


def _plan(order: Order, planner: Planner) -> list[tuple[Order, uuid.UUID, str, str]]:
    """Decide where the order ships from; returns the (order, warehouse) pairs to reserve. A
    split or a hold happens here; the reservation itself is batched by the caller."""
    plan = planner.plan(order)
    if plan.site is not None:
        planner.stock.take(planner.units(order), plan.site.id)
        return [(order, plan.site.id, plan.site.code, "")]
    if plan.groups:
        parts = [{line_id: _open(order, line_id) for line_id in lines} for _, lines in plan.groups]
        if plan.leftover:
            parts.append({line_id: _open(order, line_id) for line_id in plan.leftover})
        codes = [s.code for s, _ in plan.groups]
        children = split_order(order, parts, reason=Msg("order.split_warehouses", codes=codes), kind="warehouse")
        planner.add(children)
        if plan.leftover:
            holds.hold(
                children[-1],
                "out_of_stock",
                "system",
                Msg("order.no_stock", detail=joined(p["message"] for p in plan.problems)),
                problems=plan.problems,
            )
        for site, lines in plan.groups:
            planner.stock.take(planner.units(order, lines), site.id)
        return [(child, site.id, site.code, "") for child, (site, _) in zip(children, plan.groups)]
    if plan.problems:
        holds.hold(
            order,
            "out_of_stock",
            "system",
            Msg("order.no_stock", detail=joined(p["message"] for p in plan.problems)),
            problems=plan.problems,
        )
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


def platform_warehouse(order: Order) -> WarehouseFacts | None:
    """The platform warehouse (FBA US, ...) of the order's connection and marketplace."""
    if order.connection_id is None:
        return None
    rows = inventory.warehouse_facts(types=("platform",), active=True, connection_id=order.connection_id)
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
            marketplace = order.marketplace or "(none)"
            record(order, "not_reserved", Msg("order.no_platform_warehouse", marketplace=marketplace))
        else:
            chosen.append((order, wh.id, wh.code, Msg("order.platform_reserved", warehouse=wh.code)))
    for order, exc in reserve_all(chosen):
        record(order, "not_reserved", Msg("order.platform_short", detail=exc.message))
