"""The embedded demo's channels: one connection per bundled channel against the emulators
mounted in the app, their listings mapped onto the demo catalogue, and orders synced."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from core import connections
from core.catalog import demo as catalog_demo
from core.inventory import demo as inventory_demo
from core.plugins import registry
from core.sync import demo as sync_demo
from core.testing import VirtualClock
from tests.support import body, make_tenant


def test_the_demo_connects_every_channel_and_syncs_its_orders(app, undispatched):
    tenant = make_tenant(app, "Demo")
    # The demo reaches its emulators over HTTP; here the app serves them in process, and the
    # adapters pace themselves on a clock that lets the platforms' rates pass without waiting
    # (the emulators, on the real clock, stop throttling for the while).
    for name in sync_demo.CHANNELS:
        registry().emulators[name].faults.throttle = False
    connections.route(
        "http://localhost/_emulators",
        transport=httpx.WSGITransport(app=app),
        clock=VirtualClock(datetime.now(UTC)),
    )
    try:
        with tenant.scope():
            catalog_demo.seed("http://localhost")
            inventory_demo.seed("http://localhost")
            sync_demo.seed("http://localhost")
        conns = body(tenant.api.get("connections"))
        assert sorted(c["plugin"] for c in conns) == sorted(sync_demo.CHANNELS)
        for conn in conns:
            (run,) = body(tenant.api.get(f"connections/{conn['id']}/sync-runs"))
            assert (run["status"], run["trigger"], run["orders_created"]) == (
                "succeeded",
                "demo",
                sync_demo.ORDERS_PER_CHANNEL,
            ), (conn["plugin"], run)
            listings = body(tenant.api.get(f"connections/{conn['id']}/listings?page_size=50"))
            assert [x["seller_sku"] for x in listings if x["problem"] == "unmapped"] == [sync_demo.UNMAPPED]
            assert all(x["sku_code"] for x in listings if x["seller_sku"] != sync_demo.UNMAPPED)
    finally:
        connections.unroute("http://localhost/_emulators")
        for name in sync_demo.CHANNELS:
            registry().emulators[name].reset()
