"""The embedded demo's shipping: the four carriers connected to their mounted emulators and
orders in every shipping state, bought and tracked through the adapter runtime."""

from __future__ import annotations

from collections import Counter

from core.catalog import demo as catalog_demo
from core.fx import demo as fx_demo
from core.inventory import demo as inventory_demo
from core.plugins import registry
from core.shipping import demo as shipping_demo
from tests.support import body, make_tenant


def test_the_demo_connects_the_carriers_and_ships_orders_in_every_state(app):
    # No route of the test's own: the demo reaches the carriers through the in-process routes it
    # sets itself, as `dev.py demo` does before its server is up.
    tenant = make_tenant(app, "Demo")
    try:
        with tenant.scope():
            catalog_demo.seed("http://localhost")
            inventory_demo.seed("http://localhost")
            fx_demo.seed("http://localhost")
            shipping_demo.seed("http://localhost")
        conns = body(tenant.api.get("connections?kind=carrier"))
        assert sorted(c["plugin"] for c in conns if c["kind"] == "carrier") == sorted(shipping_demo.CARRIERS)
        shipments = body(tenant.api.get("shipments?page_size=50"))
        states = Counter(s["status"] for s in shipments)
        assert states["labelled"] == 1 and states["packed"] == 1, states
        assert states["shipped"] + states["delivered"] == 3, states
        tracked = Counter(s["tracking_status"] for s in shipments)
        assert tracked["delivered"] == 1 and tracked["exception"] == 1, tracked
        assert all(s["carrier"] in shipping_demo.CARRIERS and s["tracking_number"] for s in shipments)
    finally:
        for name in shipping_demo.CARRIERS:
            registry().emulators[name].reset()
