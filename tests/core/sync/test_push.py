"""Push-back: the publishable-quantity rules, quantities per listing (pack of n, virtual
bundles, warehouses feeding a connection), stock pushes debounced and retried, shipment
confirmations that fail visibly and can be retried."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.sync.rules import StockRules, listing_units
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.inventory.helpers import stock, warehouse
from tests.core.sync.helpers import stock_catalogue
from tests.support import body


@pytest.mark.parametrize(
    "available, rules, published",
    [
        (37, StockRules(), 37),
        (37, StockRules(buffer=2), 35),
        (37, StockRules(percent=50), 18),  # rounded down: never promise half a unit
        (37, StockRules(buffer=2, percent=50), 17),  # the buffer first, then the share of the rest
        (37, StockRules(buffer=2, percent=50, maximum=10), 10),
        (3, StockRules(zero_out_level=3), 0),  # the last few units are not offered
        (4, StockRules(zero_out_level=3), 4),
        (1, StockRules(buffer=2), 0),  # never negative
        (0, StockRules(), 0),
        (500, StockRules(percent=0), 0),
    ],
)
def test_publishable_quantity(available, rules, published):
    assert rules.publishable(available) == published


def test_listing_units_round_down_to_whole_packs():
    assert [listing_units(n, 3) for n in (0, 2, 3, 10, -4)] == [0, 0, 1, 3, 0]


@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 100),
    st.none() | st.integers(0, 10_000),
    st.integers(0, 10_000),
)
def test_published_quantities_stay_within_the_rules(available, buffer, percent, maximum, zero_out):
    rules = StockRules(buffer, percent, maximum, zero_out)
    q = rules.publishable(available)
    assert 0 <= q <= max(available - buffer, 0)
    assert maximum is None or q <= maximum
    assert available > zero_out or q == 0
    assert rules.publishable(available + 1) >= q  # more stock never publishes less


def _listings(tenant, channel) -> dict[str, dict]:
    return {x["seller_sku"]: x for x in body(tenant.api.get(f"connections/{channel.conn}/listings?page_size=200"))}


def test_each_listing_publishes_its_own_stock(tenant_a, tenant_b, connect):
    channel = connect(tenant_a, "woocommerce")
    home, overseas = warehouse(tenant_a), warehouse(tenant_a, type="overseas_3pl", country="US")
    fba = warehouse(tenant_a, type="platform", operator="Amazon FBA", marketplace="US", country="US")
    mug = approved_sku(tenant_a, "MUG-350")
    gift = approved_kit(tenant_a, {mug: 2}, kit_type="virtual", code="MUG-GIFT-2")
    tee = approved_sku(tenant_a, "TL-SCK-WOOL-M")  # same code as a listing: needs no mapping
    stock(tenant_a, mug, home, 9)
    stock(tenant_a, mug, overseas, 4)
    stock(tenant_a, mug, fba, 100)  # the platform's own stock is its to publish
    stock(tenant_a, tee, home, 6)
    for seller_sku, sku_id, quantity in (
        ("TL-MUG-TRV-350", mug, 1),
        ("TL-BTL-750-STL", mug, 3),
        ("TL-PAD-XL", gift, 1),
    ):
        assert (
            tenant_a.api.post(
                "listing-mappings",
                {"connection_id": channel.conn, "seller_sku": seller_sku, "sku_id": str(sku_id), "quantity": quantity},
            ).status_code
            == 201
        )
    channel.generate(40, platform_share=0)  # orders show the listings no mapping names
    channel.settle()
    channel.sync()

    listings = _listings(tenant_a, channel)
    assert listings["TL-MUG-TRV-350"]["quantity"] == 13 - _reserved(tenant_a, mug)
    assert (listings["TL-BTL-750-STL"]["units_per_listing"], listings["TL-BTL-750-STL"]["quantity"]) == (
        3,
        (13 - _reserved(tenant_a, mug)) // 3,
    )
    assert (
        listings["TL-PAD-XL"]["quantity"]
        == (9 - _reserved(tenant_a, mug, home)) // 2 + (4 - _reserved(tenant_a, mug, overseas)) // 2
    )  # bundles are made up within one warehouse
    seen_tee = listings.get("TL-SCK-WOOL-M")
    if seen_tee is not None:  # when an order sold it, it is published under its own code
        assert seen_tee["sku_code"] == "TL-SCK-WOOL-M" and seen_tee["mapping_id"] is None
    unmapped = [x for x in listings.values() if x["problem"] == "unmapped"]
    assert unmapped and all(x["quantity"] is None for x in unmapped)
    assert channel.emulator.quantities()["TL-MUG-TRV-350"] == listings["TL-MUG-TRV-350"]["quantity"]

    # Only the home warehouse feeds this connection from now on.
    resp = tenant_a.api.patch(f"connections/{channel.conn}/sync-settings", {"warehouse_ids": [str(home)]})
    assert resp.status_code == 200, body(resp)
    listings = _listings(tenant_a, channel)
    assert listings["TL-MUG-TRV-350"]["local_available"] == 9 - _reserved(tenant_a, mug, home)
    assert channel.emulator.quantities()["TL-MUG-TRV-350"] == listings["TL-MUG-TRV-350"]["quantity"]

    # A platform warehouse cannot feed a connection, and another tenant's is unknown.
    refused = tenant_a.api.patch(f"connections/{channel.conn}/sync-settings", {"warehouse_ids": [str(home), str(fba)]})
    assert refused.status_code == 422 and "warehouse_ids.1" in body(refused)["errors"]
    theirs = warehouse(tenant_b)
    refused = tenant_a.api.patch(f"connections/{channel.conn}/sync-settings", {"warehouse_ids": [str(theirs)]})
    assert refused.status_code == 422 and "warehouse_ids.0" in body(refused)["errors"]


def _reserved(tenant, sku_id, wh=None) -> int:
    from core.inventory import service as inv

    with tenant.scope():
        return sum(b.reserved for b in inv.list_buckets([sku_id], [wh] if wh else None))


def test_a_burst_of_stock_changes_makes_one_push(tenant_a, connect, held):
    channel = connect(tenant_a, "shopify")
    sku = approved_sku(tenant_a, "CASE-BLK")
    home = warehouse(tenant_a)
    assert (
        tenant_a.api.post(
            "listing-mappings", {"connection_id": channel.conn, "seller_sku": "TL-CASE-IP15-BLK", "sku_id": str(sku)}
        ).status_code
        == 201
    )
    for quantity in (5, 7, 3, 11, 2):
        stock(tenant_a, sku, home, quantity)
    assert len(held.submitted) == 1, "the changes joined the push still waiting"
    held.run_all()
    assert [p["sku"] for p in channel.emulator.quantity_pushes].count("TL-CASE-IP15-BLK") == 1
    assert channel.emulator.quantities()["TL-CASE-IP15-BLK"] == 28
    pushes = body(tenant_a.api.get(f"sync/pushes?connection_id={channel.conn}&kind=stock"))
    assert [(p["status"], p["listings"]) for p in pushes] == [("ok", 1)]


def test_a_failing_stock_push_is_retried_and_a_refused_listing_shown(tenant_a, connect, held):
    channel = connect(tenant_a, "shopify")
    sku, home = approved_sku(tenant_a, "BAND-SET"), warehouse(tenant_a)
    untracked = approved_sku(tenant_a, "UMBRELLA")
    for seller_sku, sku_id in (("TL-BAND-RES-SET", sku), ("TL-UMB-AUTO-BLK", untracked)):
        assert (
            tenant_a.api.post(
                "listing-mappings", {"connection_id": channel.conn, "seller_sku": seller_sku, "sku_id": str(sku_id)}
            ).status_code
            == 201
        )
    held.run_all()
    down = channel.emulator.fail_next("inventory_levels/set.json", times=10_000)
    stock(tenant_a, sku, home, 12)
    held.run_one()  # the first attempt meets server errors through every retry of client and core
    (push, *_) = body(tenant_a.api.get(f"sync/pushes?connection_id={channel.conn}&kind=stock"))
    assert (push["status"], push["attempts"]) == ("retrying", 1) and "500" in push["message"]

    channel.emulator.fail_rules.remove(down)
    held.run_all()  # the retry
    (push, *_) = body(tenant_a.api.get(f"sync/pushes?connection_id={channel.conn}&kind=stock"))
    assert (push["status"], push["attempts"], push["message"]) == ("partial", 2, "1 of 2 listings refused")
    assert channel.emulator.quantities()["TL-BAND-RES-SET"] == 12
    refused = _listings(tenant_a, channel)["TL-UMB-AUTO-BLK"]
    assert refused["last_ok"] is False and refused["last_message"]

    # A channel that stays down: the push ends failed after its last attempt, with the reason.
    channel.emulator.fail_next("inventory_levels/set.json", times=10_000)
    stock(tenant_a, sku, home, 1)
    held.run_all()
    (push, *_) = body(tenant_a.api.get(f"sync/pushes?connection_id={channel.conn}&kind=stock"))
    assert (push["status"], push["attempts"]) == ("failed", 5) and "500" in push["message"]
    channel.emulator.fail_rules.clear()
    assert tenant_a.api.post(f"sync/pushes/{push['id']}/retry").status_code == 202
    held.run_all()
    assert channel.emulator.quantities()["TL-BAND-RES-SET"] == 13


def test_a_refused_shipment_confirmation_is_shown_and_can_be_retried(tenant_a, connect):
    stock_catalogue(tenant_a)
    channel = connect(tenant_a, "shopify")
    channel.generate(3, platform_share=0)
    channel.settle()
    channel.sync()
    order = next(o for o in channel.orders() if o.status == "allocated")
    channel.emulator.fail_next("fulfillments.json", method="POST", status=422)
    assert (
        tenant_a.api.post(f"orders/{order.id}/ship", {"carrier": "DHL", "tracking_number": "JD0140"}).status_code == 200
    )
    (push,) = body(tenant_a.api.get("sync/pushes?kind=shipment&status=failed"))
    assert push["external_order_id"] == order.external_order_id and push["message"].startswith("RemoteRejected")
    assert channel.emulator.shipments == []

    assert tenant_a.api.post(f"sync/pushes/{push['id']}/retry").status_code == 202
    assert [s["tracking_number"] for s in channel.emulator.shipments] == ["JD0140"]
    (push,) = body(tenant_a.api.get("sync/pushes?kind=shipment"))
    assert (push["status"], push["attempts"]) == ("ok", 2)
    again = tenant_a.api.post(f"sync/pushes/{push['id']}/retry")
    assert again.status_code == 409 and "ok" in body(again)["message"]
