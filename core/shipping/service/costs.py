"""Estimated shipping cost of a parcel from a warehouse to a country, which allocation ranks
warehouses by (through core.orders.service.parcels): first from what the tenant's labels on
that lane have cost (`ShippingCostRate`: their prices and weights added up as each label is
bought, so the estimate is the lane's price per gram times the parcel's weight), else from
the tenant's own cost table (a base plus a rate per kilogram, per warehouse and destination:
a country, else its region, else "*"), else unknown."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import session, utcnow
from core.orders.service.settings import region_of
from core.shipping.models import ShippingCostRate

# Fewer labels than this on a lane say too little about its price: the table decides.
MIN_LABELS = 3
_CACHE = "tradelane.shipping.cost_rates"


def record(warehouse_id: uuid.UUID | None, country: str, amount: Decimal | None, currency: str, weight_g: int) -> None:
    """Add a bought label's price and weight to its lane, in the label's transaction."""
    if warehouse_id is None or amount is None or not currency or not country or weight_g <= 0:
        return
    key = (
        ShippingCostRate.warehouse_id == warehouse_id,
        ShippingCostRate.country == country,
        ShippingCostRate.currency == currency,
    )
    add = {
        "labels": ShippingCostRate.labels + 1,
        "amount": ShippingCostRate.amount + amount,
        "weight_g": ShippingCostRate.weight_g + weight_g,
        "updated_at": utcnow(),
    }
    if session.execute(update(ShippingCostRate).where(*key).values(**add)).rowcount:
        return
    try:
        with session.begin_nested():
            row = ShippingCostRate(
                warehouse_id=warehouse_id,
                country=country,
                currency=currency,
                labels=1,
                amount=amount,
                weight_g=weight_g,
            )
            session.add(row)
            session.flush()
    except IntegrityError:  # another transaction made the lane's row meanwhile
        session.execute(update(ShippingCostRate).where(*key).values(**add))


def _lanes() -> dict[tuple[uuid.UUID, str], ShippingCostRate]:
    """The tenant's lanes, read once per transaction (allocation asks per order and warehouse):
    per warehouse and country, the currency most of its labels were bought in."""
    cache = session().info.get(_CACHE)
    if cache is None:
        cache = {}
        for row in session.execute(select(ShippingCostRate).where(ShippingCostRate.labels >= MIN_LABELS)).scalars():
            key = (row.warehouse_id, row.country)
            if key not in cache or row.labels > cache[key].labels:
                cache[key] = row
        session().info[_CACHE] = cache
    return cache


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(s: Session) -> None:
    s.info.pop(_CACHE, None)


def from_labels(warehouse_id: uuid.UUID, country: str, weight_g: int) -> tuple[Decimal, str] | None:
    lane = _lanes().get((warehouse_id, country))
    if lane is None or lane.weight_g <= 0:
        return None
    return (lane.amount * weight_g / lane.weight_g).quantize(Decimal("0.0001")), lane.currency


def from_table(
    table: Sequence[Mapping[str, Any]], warehouse_id: uuid.UUID, country: str, weight_g: int
) -> tuple[Decimal, str] | None:
    region = region_of(country)
    by_dest = {c["destination"]: c for c in table if c["warehouse_id"] == str(warehouse_id)}
    entry = by_dest.get(country) or (by_dest.get(region) if region else None) or by_dest.get("*")
    if entry is None:
        return None
    kg = Decimal(weight_g) / 1000
    return Decimal(entry["base"]) + Decimal(entry["per_kg"]) * kg, entry["currency"]


def estimate(
    table: Sequence[Mapping[str, Any]], warehouse_id: uuid.UUID, country: str, weight_g: int
) -> tuple[Decimal, str] | None:
    return from_labels(warehouse_id, country, weight_g) or from_table(table, warehouse_id, country, weight_g)
