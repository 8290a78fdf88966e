"""Tenant B's sync records for the cross-tenant sweeps: a Shopify connection with rules, a
sync run, a webhook receipt, a listing mapped and its quantity pushed. Kept small: the
sweeps try every one of B's ids on every endpoint."""

from __future__ import annotations

from tests.core.catalog.factories import approved_sku
from tests.core.sync.helpers import connect
from tests.populate import populator
from tests.support import TenantHandle, body


@populator
def sync(tenant: TenantHandle) -> None:
    channel = connect(tenant, "shopify")
    assert tenant.api.patch(f"connections/{channel.conn}/sync-settings", {"stock_buffer": 1}).status_code == 200
    channel.generate(1)
    channel.settle()
    assert channel.sync()["status"] == "succeeded"
    client = tenant.app.test_client()
    url = f"/webhooks/shopify/{channel.conn}"
    channel.emulator.deliver_webhooks(
        f"http://localhost{url}",
        send=lambda _t, headers, data: client.post(url, data=data, headers=headers).status_code,
    )
    assert body(tenant.api.get(f"connections/{channel.conn}/webhooks"))
    sku = approved_sku(tenant, "POPULATE-PB")
    assert (
        tenant.api.post(
            "listing-mappings", {"connection_id": channel.conn, "seller_sku": "TL-PB-10K", "sku_id": str(sku)}
        ).status_code
        == 201
    )
    assert body(tenant.api.get(f"sync/pushes?connection_id={channel.conn}"))
