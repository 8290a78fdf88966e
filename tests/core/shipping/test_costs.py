"""Allocation ranks warehouses by the estimated shipping cost, which shipping takes from what
the tenant's labels on each lane have cost (price per gram of the labels bought from that
warehouse to that country), else from the tenant's cost table."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.db import session
from core.shipping.models import ShippingCostRate
from core.shipping.service import costs
from tests.core.inventory.helpers import stock, warehouse
from tests.core.orders.helpers import rates, settings


def test_labels_bought_teach_the_lane_its_price_and_allocation_follows_it(shop, shipbox, tenant_b):
    shipbox(shop.tenant)
    order_id = shop.order()  # 2 TEE, 500 g, from the shop's Shenzhen warehouse to the US
    assert shop.tenant.api.post(f"orders/{order_id}/label", {}).status_code == 201
    with shop.tenant.scope():
        (lane,) = session.execute(select(ShippingCostRate)).scalars()
        assert (lane.warehouse_id, lane.country, lane.currency) == (shop.warehouse, "US", "USD")
        assert (lane.labels, lane.amount, lane.weight_g) == (1, Decimal("6.90"), 500)
        # One label says too little: the estimate waits for a few.
        assert costs.estimate([], shop.warehouse, "US", 1000) is None
    # A second warehouse in the same country whose code ranks first when costs are unknown.
    other = warehouse(shop.tenant, "AAA-CN", country="CN")
    stock(shop.tenant, shop.skus["TEE"], other, 100)
    rates(shop.tenant, {"USD": "7.1"})
    with shop.tenant.scope():
        for _ in range(3):
            costs.record(shop.warehouse, "US", Decimal("6.90"), "USD", 500)  # 13.8 USD per kg
            costs.record(other, "US", Decimal("20.00"), "USD", 500)  # 40 USD per kg
    with shop.tenant.scope():
        assert costs.estimate([], shop.warehouse, "US", 1000) == (Decimal("13.8000"), "USD")
        assert costs.estimate([], other, "US", 1000) == (Decimal("40.0000"), "USD")
    cheaper = shop.order()
    with shop.tenant.scope():
        from core.orders import service as orders

        assert orders.get_order(cheaper).warehouse_id == shop.warehouse
    # Another tenant's labels teach it nothing.
    with tenant_b.scope():
        assert costs.estimate([], shop.warehouse, "US", 1000) is None


def test_the_cost_table_decides_where_no_labels_were_bought(shop):
    other = warehouse(shop.tenant, "AAA-CN", country="CN")
    stock(shop.tenant, shop.skus["TEE"], other, 100)
    table = [
        {"warehouse_id": str(other), "destination": "*", "base": "50", "per_kg": "1", "currency": "CNY"},
        {"warehouse_id": str(shop.warehouse), "destination": "US", "base": "20", "per_kg": "1", "currency": "CNY"},
    ]
    settings(shop.tenant, shipping_costs=table)
    with shop.tenant.scope():
        assert costs.estimate(table, other, "US", 500) == (Decimal("50.5"), "CNY")
    order_id = shop.order()
    with shop.tenant.scope():
        from core.orders import service as orders

        assert orders.get_order(order_id).warehouse_id == shop.warehouse
