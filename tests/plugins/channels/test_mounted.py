"""The emulators inside Tradelane: mounted at /_emulators/<name>, reachable through the app,
and connections created from their settings pass core's schema validation."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.plugins import registry
from core.testing.channel import list_window
from tests.support import body

CHANNELS = ("amazon", "shopify", "woocommerce", "aliexpress")


def test_every_bundled_channel_is_registered_with_its_emulator(app):
    reg = registry()
    for name in CHANNELS:
        info = reg.adapter("channel", name)
        assert reg.records[name].status == "loaded", reg.records[name].error
        assert info.capabilities and any(f["secret"] for f in info.settings_schema())
        assert name in reg.emulators


@pytest.mark.parametrize("name", CHANNELS)
def test_connections_to_the_mounted_emulators_sync_orders(app, tenant_a, name):
    from core import connections
    from tenants import service

    emulator = registry().emulators[name]
    emulator.reset()
    client = app.test_client()
    summary = client.get(f"/_emulators/{name}/_control")
    assert summary.status_code == 200 and body(summary)["name"] == name
    now = datetime.now(UTC)
    created = client.post(
        f"/_emulators/{name}/_control/orders",
        json={
            "count": 260,
            "start": (now - timedelta(hours=5)).isoformat(),
            "end": (now - timedelta(hours=1)).isoformat(),
        },
    )
    assert created.status_code == 201
    settings = body(client.get(f"/_emulators/{name}/_control/connection"))
    assert settings["base_url"] == f"http://localhost/_emulators/{name}"
    with tenant_a.scope():
        conn = service.create_connection(kind="channel", plugin=name, display_name=f"{name} demo", settings=settings)
        try:
            with connections.using(conn, "channel") as adapter:
                adapter.ctx.transport = httpx.WSGITransport(app=app)  # the app serves its own emulators
                assert adapter.check_connection()
                end = adapter.window_end()
                orders = list_window(adapter, end - timedelta(days=1), end)
        finally:
            emulator.reset()
    assert len({o.external_order_id for o in orders}) == len(orders) == 260
