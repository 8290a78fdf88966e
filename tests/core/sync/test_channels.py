"""Each bundled channel against its emulator, end to end through Tradelane: the order sync at
the platform's real rate limits (on a virtual clock) with extra throttling and a failing page,
webhooks, shipment confirmations and stock pushes. Tenant B syncs a channel of its own beside
tenant A throughout."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import session
from core.events import OutboxEvent
from core.sync.models import SyncPush, WebhookReceipt
from tests.core.inventory.helpers import stock, warehouse
from tests.core.sync.helpers import CHANNELS, LIST_PATHS, WEBHOOK_CHANNELS, stock_catalogue
from tests.support import body

OPEN = ("pending", "unshipped")


def _outbox_size(tenant) -> int:
    with tenant.scope():
        return session.execute(select(func.count()).select_from(OutboxEvent)).scalar_one()


@pytest.mark.slow
@pytest.mark.parametrize("name", CHANNELS)
def test_a_thousand_orders_through_throttling_and_a_failing_page(tenant_a, tenant_b, connect, name, undispatched):
    ours, theirs = connect(tenant_a, name), connect(tenant_b, name, seed=11)
    seeded = set(ours.generate(1000, hours=48))
    theirs.generate(30)
    ours.emulator.faults.throttle_every = 7
    failing_page = ours.emulator.fail_next(LIST_PATHS[name], skip=2)
    ours.settle()
    theirs.settle()

    run = ours.sync()
    assert run["status"] == "succeeded", run
    assert failing_page.times == 0, "the third order-list call failed once and was retried"
    assert (run["orders_created"], run["orders_rejected"], run["error_count"]) == (1000, 0, 0)
    imported = [o.external_order_id for o in ours.orders()]
    assert len(imported) == 1000 and set(imported) == seeded
    assert theirs.sync()["orders_created"] == 30 and theirs.order_count() == 30

    # A second sync over the overlap finds the same orders and changes nothing.
    outbox = _outbox_size(tenant_a)
    ours.settle()
    again = ours.sync()
    assert again["status"] == "succeeded"
    assert (again["orders_created"], again["orders_updated"]) == (0, 0)
    assert again["window_start"] < run["window_end"] < again["window_end"]
    assert _outbox_size(tenant_a) == outbox and ours.order_count() == 1000

    # An order cancelled on the channel after that is cancelled here by the next sync.
    target = next(o for o in ours.orders() if o.channel_status in OPEN and o.fulfilment == "merchant")
    ours.emulator.change_order(target.external_order_id, "cancel")
    ours.settle()
    third = ours.sync()
    assert (third["orders_created"], third["orders_updated"]) == (0, 1), third
    after = {o.external_order_id: o for o in ours.orders()}
    assert after[target.external_order_id].status == "cancelled"
    assert after[target.external_order_id].channel_status == "cancelled"
    assert len(after) == 1000 and theirs.order_count() == 30


def _deliver(app, channel, copies: int = 1) -> list[int]:
    """POST the emulator's pending webhooks to the connection's webhook URL through the app."""
    client = app.test_client()
    url = f"/webhooks/{channel.name}/{channel.conn}"
    channel.emulator.faults.duplicate_webhooks = copies - 1
    sent = channel.emulator.deliver_webhooks(
        f"http://localhost{url}",
        send=lambda target, headers, data: client.post(url, data=data, headers=headers).status_code,
    )
    return [d.status for d in sent]


def _receipts(tenant) -> int:
    with tenant.scope():
        return session.execute(select(func.count()).select_from(WebhookReceipt)).scalar_one()


@pytest.mark.parametrize("name", CHANNELS)
def test_a_webhook_delivered_twice_makes_one_order_and_a_bad_signature_stores_nothing(app, tenant_a, connect, name):
    channel = connect(tenant_a, name)
    (order_id,) = channel.generate(1)
    client = app.test_client()
    url = f"/webhooks/{name}/{channel.conn}"
    if name not in WEBHOOK_CHANNELS:
        # Amazon and AliExpress send no webhooks: the endpoint does not exist for them.
        resp = client.post(url, data=b'{"id": 1}', headers={"Content-Type": "application/json"})
        assert resp.status_code == 404 and body(resp)["code"] == 404
        assert channel.order_count() == 0 and _receipts(tenant_a) == 0
        return

    headers, data = channel.emulator.webhook_requests()[0]
    forged = client.post(url, data=data + b" ", headers=headers)  # the body changed after signing
    assert forged.status_code == 401 and body(forged)["code"] == 401
    unsigned = client.post(
        url, data=data, headers={k: v for k, v in headers.items() if "ignature" not in k and "Hmac" not in k}
    )
    assert unsigned.status_code == 401
    assert channel.order_count() == 0 and _receipts(tenant_a) == 0

    statuses = _deliver(app, channel, copies=2)
    assert statuses == [200, 200]
    orders = channel.orders()
    assert [o.external_order_id for o in orders] == [order_id]
    receipts = body(tenant_a.api.get(f"connections/{channel.conn}/webhooks"))
    assert len(receipts) == 1 and receipts[0]["outcome"] == "created" and receipts[0]["external_order_id"] == order_id

    # The same order changed: a new delivery updates it; polling then finds nothing new.
    channel.emulator.change_order(order_id, "cancel")
    assert set(_deliver(app, channel, copies=2)) == {200}
    assert [o.status for o in channel.orders()] == ["cancelled"]
    channel.settle()
    run = channel.sync()
    assert (run["orders_created"], run["orders_updated"]) == (0, 0) and channel.order_count() == 1

    # A webhook addressed to this connection under another channel's name is unknown.
    other = "woocommerce" if name == "shopify" else "shopify"
    assert client.post(f"/webhooks/{other}/{channel.conn}", data=data, headers=headers).status_code == 404


@pytest.mark.parametrize("name", CHANNELS)
def test_shipping_an_order_confirms_it_on_the_channel(tenant_a, connect, name):
    stock_catalogue(tenant_a)
    channel = connect(tenant_a, name)
    channel.generate(6, platform_share=0)
    channel.settle()
    assert channel.sync()["orders_created"] == 6
    order = next(o for o in channel.orders() if o.status == "allocated")

    resp = tenant_a.api.post(
        f"orders/{order.id}/ship", {"carrier": "UPS", "service": "Ground", "tracking_number": "1Z999AA10123456784"}
    )
    assert resp.status_code == 200, body(resp)
    recorded = [s for s in channel.emulator.shipments if str(s["order_id"]) == order.external_order_id]
    assert [s["tracking_number"] for s in recorded] == ["1Z999AA10123456784"]
    pushes = body(tenant_a.api.get(f"sync/pushes?connection_id={channel.conn}&kind=shipment"))
    assert [(p["status"], p["external_order_id"], p["tracking_number"]) for p in pushes] == [
        ("ok", order.external_order_id, "1Z999AA10123456784")
    ]


@pytest.mark.parametrize("name", CHANNELS)
def test_changing_stock_pushes_the_computed_quantity(tenant_a, tenant_b, connect, name):
    from tests.core.catalog.factories import approved_sku

    channel = connect(tenant_a, name)
    listing = "TL-PB-10K"  # a listing the emulator sells: a pack of two of our power bank
    power_bank = approved_sku(tenant_a, "PB-10K-BLK")
    assert (
        tenant_a.api.patch(
            f"connections/{channel.conn}/sync-settings", {"stock_buffer": 1, "stock_percent": 50, "stock_maximum": 10}
        ).status_code
        == 200
    )
    mapped = tenant_a.api.post(
        "listing-mappings",
        {"connection_id": channel.conn, "seller_sku": listing, "sku_id": str(power_bank), "quantity": 2},
    )
    assert mapped.status_code == 201, body(mapped)
    assert channel.emulator.quantities()[listing] == 0  # mapped, nothing in stock yet

    # Tenant B's stock of a SKU with the same code moves nothing on A's channel.
    other_sku = approved_sku(tenant_b, "PB-10K-BLK")
    stock(tenant_b, other_sku, warehouse(tenant_b), 500)
    assert channel.emulator.quantities()[listing] == 0

    stock(tenant_a, power_bank, warehouse(tenant_a), 37)
    # 37 units make 18 packs; less the buffer of 1, half of 17 is 8, under the maximum of 10.
    assert channel.emulator.quantities()[listing] == 8
    listings = {x["seller_sku"]: x for x in body(tenant_a.api.get(f"connections/{channel.conn}/listings"))}
    assert listings[listing] | {"last_pushed_at": None} == listings[listing] | {
        "last_pushed_at": None,
        "available": 18,
        "local_available": 37,
        "quantity": 8,
        "last_quantity": 8,
        "last_ok": True,
        "units_per_listing": 2,
    }
    with tenant_a.scope():
        pushes = (
            session.execute(
                select(SyncPush).where(SyncPush.connection_id == channel.connection_id).order_by(SyncPush.created_at)
            )
            .scalars()
            .all()
        )
    assert [(p.kind, p.status, p.details[-1]["quantity"]) for p in pushes] == [("stock", "ok", 0), ("stock", "ok", 8)]
