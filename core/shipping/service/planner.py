"""Shipping's answers to orders' questions about parcels (core.orders.service.parcels):
package limits of the services the tenant ships with, packing, and cost estimates."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from core.db import session
from core.orders.service.parcels import Item, Limits
from core.shipping.service import costs, limits, packing
from tenants import service as tenants

CARRIERS = "shipping.connected_carriers"


def connected_carriers() -> list[str]:
    """Plugin names of the tenant's enabled carrier connections, read once per transaction:
    an import asks for every order of a page, and one query a page is enough."""
    from core.tenancy import current_tenant_id

    key = (session().get_transaction(), current_tenant_id())
    cached = session().info.get(CARRIERS)
    if cached is None or cached[0] != key:
        rows = session.execute(tenants.list_connections("carrier")).scalars()
        cached = (key, sorted({c.plugin for c in rows if c.enabled}))
        session().info[CARRIERS] = cached
    return list(cached[1])


class ShippingPlanner:
    def limits(self, country: str, tenant_limits: Mapping[str, Any], max_value: Decimal | None) -> Limits:
        found = limits.widest(limits.catalogue(connected_carriers()), "", country)
        base = limits.as_limits(found[1].limits, f"{found[0]} {found[1].code}") if found else Limits()
        tightened = limits.tightest(base, tenant_limits)
        return Limits(
            max_weight_g=tightened.max_weight_g,
            max_longest_side_cm=tightened.max_longest_side_cm,
            max_length_girth_cm=tightened.max_length_girth_cm,
            max_value=max_value,
            max_sides_sum_cm=tightened.max_sides_sum_cm,
            source=tightened.source,
        )

    def group(self, attributes: Mapping[str, Any], names: Sequence[str]) -> str:
        return packing.attribute_group(dict(attributes), names)

    def pack(self, items: Sequence[Item], limits: Limits) -> tuple[list[dict[uuid.UUID, int]], list[str]]:
        return packing.pack(items, limits)

    def estimate_cost(
        self, table: Sequence[Mapping[str, Any]], warehouse_id: uuid.UUID, country: str, weight_g: int
    ) -> tuple[Decimal, str] | None:
        return costs.estimate(table, warehouse_id, country, weight_g)
