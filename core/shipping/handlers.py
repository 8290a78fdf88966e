"""Shipping's wiring into the other capabilities, loaded by every door (core.app.load_behaviour):
orders plans parcels and ranks warehouses by cost through shipping's planner."""

from __future__ import annotations

from core.orders.service import parcels
from core.shipping.service import ShippingPlanner

parcels.provide(ShippingPlanner())
