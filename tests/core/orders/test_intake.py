"""Orders arriving from a channel connection: the sync engine's contract (upsert_from_channel,
upsert_many), and manual orders through the API."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from core.db import session
from core.errors import NotFound, ValidationError
from core.orders import service
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.orders.helpers import (
    APPROVE_ALL,
    address,
    channel_order,
    connection,
    events,
    line,
    names,
    settings,
    snapshot,
    stock,
    warehouse,
)


@pytest.fixture
def shop(tenant_a, tenant_b):
    conn = connection(tenant_a)
    sku = approved_sku(tenant_a, "MUG-RED")
    wh = warehouse(tenant_a, "SZ")
    stock(tenant_a, sku, wh, 10)
    return tenant_a, conn, sku, wh


def upsert(tenant, conn, order):
    with tenant.scope():
        return service.upsert_from_channel(conn, order)


def get(tenant, order_id):
    with tenant.scope():
        order = service.get_order(order_id)
        _ = order.lines
        return order


def test_a_new_channel_order_waits_for_review_with_the_reason_and_its_amounts(shop):
    tenant, conn, sku, wh = shop
    result = upsert(
        tenant,
        conn,
        channel_order(
            line(
                "MUG-RED",
                2,
                "12.50",
                item_tax=Decimal("2.00"),
                shipping_price=Decimal("4.99"),
                discount=Decimal("1.00"),
            ),
            ext="111-1",
            marketplace="US",
        ),
    )
    assert result.outcome == "created"
    order = get(tenant, result.order_id)
    assert (order.status, order.channel, order.connection_id, order.marketplace) == (
        "pending_review",
        "dummy",
        conn,
        "US",
    )
    assert order.review_note == "no auto-approval rule matches: a person must review it"
    assert order.total == Decimal("30.99")  # 25.00 + 2.00 tax + 4.99 shipping - 1.00 discount
    assert order.lines[0].sku_id == sku and order.lines[0].sku_code == "MUG-RED"
    assert snapshot(tenant, sku, wh)["reserved"] == 0
    imported = events(tenant, "order.imported", result.order_id)
    assert len(imported) == 1
    payload = imported[0].payload
    assert payload["external_order_id"] == "111-1" and payload["amounts"]["total"] == "30.99"
    assert payload["version"] == 2 and payload["lines"][0]["sku_id"] == str(sku) and "buyer_name" not in payload
    assert payload["lines"][0]["total"] == "30.99" and payload["lines"][0]["quantity"] == 2


def test_redelivery_changes_nothing_and_emits_nothing(shop):
    tenant, conn, *_ = shop
    order = channel_order(line("MUG-RED", 1), ext="111-2")
    first = upsert(tenant, conn, order)
    before = len(events(tenant))
    again = upsert(tenant, conn, order)
    assert (again.order_id, again.outcome) == (first.order_id, "unchanged")
    assert len(events(tenant)) == before


def test_an_older_payload_is_ignored(shop):
    tenant, conn, *_ = shop
    upsert(
        tenant, conn, channel_order(line("MUG-RED", 1, ext="L1"), ext="111-3", updated=10, external_status="Unshipped")
    )
    stale = upsert(
        tenant, conn, channel_order(line("MUG-RED", 1, ext="L1"), ext="111-3", updated=5, external_status="Pending")
    )
    assert stale.outcome == "unchanged"
    assert get(tenant, stale.order_id).external_status == "Unshipped"


def test_an_unmapped_seller_sku_holds_the_order_naming_it_until_it_is_mapped(shop):
    tenant, conn, sku, wh = shop
    result = upsert(tenant, conn, channel_order(line("MUG-RED", 1), line("AMZ-MUG-BLUE", 3), ext="111-4"))
    order = get(tenant, result.order_id)
    assert order.status == "on_hold"
    with tenant.scope():
        hold = service.open_hold(order)
        assert (hold.type, hold.source, hold.held_from) == ("unmapped_sku", "system", "pending_review")
        assert [(p["seller_sku"], p["quantity"]) for p in hold.problems] == [("AMZ-MUG-BLUE", 3)]
        assert "AMZ-MUG-BLUE" in hold.reason
    with tenant.scope(), pytest.raises(Exception) as refused:
        service.release_order(result.order_id)
    assert "AMZ-MUG-BLUE" in str(refused.value) and refused.value.status_code == 409
    # Map the listing (pack of 2 of the local blue mug) and release: the order goes back to review.
    blue = approved_sku(tenant, "MUG-BLUE")
    assert (
        tenant.api.post(
            "listing-mappings",
            {"connection_id": str(conn), "seller_sku": "AMZ-MUG-BLUE", "sku_id": str(blue), "quantity": 2},
        ).status_code
        == 201
    )
    with tenant.scope():
        service.release_order(result.order_id)
    order = get(tenant, result.order_id)
    assert order.status == "pending_review"
    blue_line = next(ln for ln in order.lines if ln.seller_sku == "AMZ-MUG-BLUE")
    assert (blue_line.sku_id, blue_line.units_per_item) == (blue, 2)
    assert names(events(tenant, entity_id=result.order_id)) == ["order.imported", "order.held", "order.released"]


def test_a_sku_that_may_not_be_sold_holds_the_order(shop):
    tenant, conn, *_ = shop
    draft = tenant.api.post("products", {"title_en": "Draft", "skus": [{"code": "DRAFT-1"}]})
    assert draft.status_code == 201
    result = upsert(tenant, conn, channel_order(line("DRAFT-1", 1), ext="111-5"))
    with tenant.scope():
        hold = service.open_hold(service.get_order(result.order_id))
        assert hold.type == "unsellable_sku"
        assert "DRAFT-1" in hold.problems[0]["message"] and "draft" in hold.problems[0]["message"]


def test_the_platform_cancelling_releases_the_stock_and_says_so(shop):
    tenant, conn, sku, wh = shop
    settings(tenant, review_rules=APPROVE_ALL)
    result = upsert(tenant, conn, channel_order(line("MUG-RED", 3, ext="L1"), ext="111-6"))
    assert get(tenant, result.order_id).status == "allocated"
    assert snapshot(tenant, sku, wh)["reserved"] == 3
    cancelled = upsert(
        tenant, conn, channel_order(line("MUG-RED", 3, ext="L1"), ext="111-6", status="cancelled", updated=1)
    )
    assert cancelled.outcome == "updated"
    order = get(tenant, result.order_id)
    assert order.status == "cancelled" and order.cancel_reason == "cancelled on the channel"
    assert snapshot(tenant, sku, wh)["reserved"] == 0
    ev = events(tenant, "order.cancelled", result.order_id)
    assert len(ev) == 1 and ev[0].payload["source"] == "channel"
    assert ev[0].payload["cancelled_amount"] == "30.00"


def test_a_platform_refund_before_shipment_cancels_and_records_the_refund(shop):
    tenant, conn, sku, wh = shop
    settings(tenant, review_rules=APPROVE_ALL)
    result = upsert(tenant, conn, channel_order(line("MUG-RED", 2, "10.00", ext="L1"), ext="111-7"))
    upsert(
        tenant, conn, channel_order(line("MUG-RED", 2, "10.00", ext="L1"), ext="111-7", status="refunded", updated=1)
    )
    order = get(tenant, result.order_id)
    assert order.status == "cancelled" and order.refunded_amount == Decimal("20.00")
    refund = events(tenant, "order.refunded", result.order_id)[0].payload["refund"]
    assert (refund["method"], refund["type"], refund["stage"], refund["amount"]) == (
        "platform",
        "cancellation",
        "before_shipment",
        "20.00",
    )
    assert snapshot(tenant, sku, wh)["reserved"] == 0


def test_unpaid_orders_wait_on_hold_until_the_channel_reports_payment(shop):
    tenant, conn, sku, wh = shop
    settings(tenant, review_rules=APPROVE_ALL)
    result = upsert(tenant, conn, channel_order(line("MUG-RED", 1, ext="L1"), ext="111-8", status="pending"))
    with tenant.scope():
        assert service.open_hold(service.get_order(result.order_id)).type == "awaiting_payment"
    assert snapshot(tenant, sku, wh)["reserved"] == 0
    upsert(tenant, conn, channel_order(line("MUG-RED", 1, ext="L1"), ext="111-8", status="unshipped", updated=1))
    assert get(tenant, result.order_id).status == "allocated"
    assert snapshot(tenant, sku, wh)["reserved"] == 1


def test_address_updates_reach_the_order_until_staff_correct_it(shop):
    tenant, conn, *_ = shop
    lines = (line("MUG-RED", 1, ext="L1"),)
    result = upsert(tenant, conn, channel_order(*lines, ext="111-9", shipping_address=address(city="Springfield")))
    upsert(tenant, conn, channel_order(*lines, ext="111-9", updated=1, shipping_address=address(city="Shelbyville")))
    assert get(tenant, result.order_id).ship_city == "Shelbyville"
    with tenant.scope():
        service.update_order(result.order_id, shipping_address={"city": "Capital City"}, tags=["vip"])
    outcome = upsert(
        tenant,
        conn,
        channel_order(
            *lines, ext="111-9", updated=2, external_status="Paid", shipping_address=address(city="Ogdenville")
        ),
    )
    order = get(tenant, result.order_id)
    assert outcome.outcome == "updated"
    assert (order.ship_city, order.address_source, order.tags) == ("Capital City", "staff", ["vip"])
    assert order.external_status == "Paid"


def test_an_address_change_after_the_label_holds_the_order(shop):
    tenant, conn, *_ = shop
    settings(tenant, review_rules=APPROVE_ALL)
    lines = (line("MUG-RED", 1, ext="L1"),)
    result = upsert(tenant, conn, channel_order(*lines, ext="111-10"))
    with tenant.scope():
        service.mark_printed(result.order_id, "label")
    upsert(tenant, conn, channel_order(*lines, ext="111-10", updated=1, shipping_address=address(line1="9 New Rd")))
    with tenant.scope():
        order = service.get_order(result.order_id)
        hold = service.open_hold(order)
        assert (order.status, hold.type, hold.source, hold.held_from) == (
            "on_hold",
            "address_changed",
            "channel",
            "awaiting_shipment",
        )


def test_the_channel_saying_shipped_holds_an_order_we_did_not_ship(shop):
    tenant, conn, *_ = shop
    result = upsert(tenant, conn, channel_order(line("MUG-RED", 1), ext="111-11", status="shipped"))
    with tenant.scope():
        hold = service.open_hold(service.get_order(result.order_id))
        assert hold.type == "shipped_on_channel"


def test_platform_fulfilled_orders_consume_the_platform_warehouse(shop):
    tenant, conn, sku, wh = shop
    fba = warehouse(tenant, "FBA-US", type="platform", marketplace="US", country="US", connection_id=conn)
    stock(tenant, sku, fba, 5)
    result = upsert(
        tenant, conn, channel_order(line("MUG-RED", 2, ext="L1"), ext="FBA-1", fulfilment="platform", marketplace="US")
    )
    order = get(tenant, result.order_id)
    assert (order.status, order.warehouse_id) == ("allocated", fba)  # approved by the default rule
    assert snapshot(tenant, sku, fba)["reserved"] == 2 and snapshot(tenant, sku, wh)["reserved"] == 0
    upsert(
        tenant,
        conn,
        channel_order(
            line("MUG-RED", 2, ext="L1"),
            ext="FBA-1",
            fulfilment="platform",
            marketplace="US",
            status="shipped",
            updated=1,
        ),
    )
    assert get(tenant, result.order_id).status == "shipped"
    assert snapshot(tenant, sku, fba)["on_hand"] == 3 and snapshot(tenant, sku, wh)["on_hand"] == 10
    shipped = events(tenant, "order.shipped", result.order_id)[0].payload
    assert shipped["by_platform"] is True and shipped["cost_value"] == "20.00"
    with tenant.scope(), pytest.raises(Exception) as refused:
        service.mark_printed(result.order_id)
    assert refused.value.status_code == 409


def test_platform_orders_without_a_platform_warehouse_are_recorded_without_reserving(shop):
    tenant, conn, sku, wh = shop
    result = upsert(
        tenant,
        conn,
        channel_order(line("MUG-RED", 1), ext="FBA-2", fulfilment="platform", marketplace="DE", status="shipped"),
    )
    order = get(tenant, result.order_id)
    assert order.status == "shipped" and order.fulfilment == "platform"
    assert (snapshot(tenant, sku, wh)["on_hand"], snapshot(tenant, sku, wh)["reserved"]) == (10, 0)
    with tenant.scope():
        messages = [a.message for a in session.execute(service.timeline_query(result.order_id)).scalars()]
    assert any("no platform warehouse" in m for m in messages)


def test_upsert_many_reports_each_order_and_rejects_bad_ones_alone(shop):
    tenant, conn, sku, wh = shop
    settings(tenant, review_rules=APPROVE_ALL)
    known = upsert(tenant, conn, channel_order(line("MUG-RED", 1, ext="L1"), ext="B-0"))
    page = [
        channel_order(line("MUG-RED", 1, ext="L1"), ext="B-0", updated=1, external_status="Later"),
        channel_order(line("MUG-RED", 2), ext="B-1"),
        channel_order(line("MUG-RED", 0), ext="B-2"),
        channel_order(line("MUG-RED", 1), ext="B-3", currency="XXX"),
        channel_order(line("MUG-RED", 2), ext="B-1", updated=1, external_status="Ready"),
    ]
    with tenant.scope():
        results = service.upsert_many(conn, page)
    assert [r.outcome for r in results] == ["updated", "created", "rejected", "rejected", "updated"]
    assert results[0].order_id == known.order_id and results[4].order_id == results[1].order_id
    assert "lines.0.quantity" in results[2].error and "currency" in results[3].error
    assert snapshot(tenant, sku, wh)["reserved"] == 3


def test_bundles_reserve_their_components(shop):
    tenant, conn, sku, wh = shop
    settings(tenant, review_rules=APPROVE_ALL)
    lid = approved_sku(tenant, "LID")
    stock(tenant, lid, wh, 10)
    approved_kit(tenant, {sku: 1, lid: 2}, code="MUG-SET")
    result = upsert(tenant, conn, channel_order(line("MUG-SET", 2), ext="KIT-1"))
    assert get(tenant, result.order_id).status == "allocated"
    assert snapshot(tenant, sku, wh)["reserved"] == 2 and snapshot(tenant, lid, wh)["reserved"] == 4


def test_invalid_payloads_name_the_field_and_other_tenants_connections_are_unknown(shop, tenant_b):
    tenant, conn, *_ = shop
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.upsert_from_channel(conn, channel_order(ext="E-1"))
    assert "lines" in bad.value.errors
    with tenant_b.scope(), pytest.raises(NotFound):
        service.upsert_from_channel(conn, channel_order(line("MUG-RED", 1)))
    with tenant.scope(), pytest.raises(NotFound):
        service.upsert_from_channel(uuid.uuid4(), channel_order(line("MUG-RED", 1)))


def test_the_same_external_id_on_two_connections_is_two_orders(shop):
    tenant, conn, *_ = shop
    other = connection(tenant)
    a = upsert(tenant, conn, channel_order(line("MUG-RED", 1), ext="SAME"))
    b = upsert(tenant, other, channel_order(line("MUG-RED", 1), ext="SAME"))
    assert a.order_id != b.order_id and b.outcome == "created"


def test_timeline_entries_keep_their_codes_and_store_them_only_where_the_english_does_not_give_them(shop):
    tenant, conn, sku, wh = shop
    settings(tenant, review_rules=APPROVE_ALL)
    result = upsert(tenant, conn, channel_order(line("MUG-RED", 1), ext="T-1"))
    with tenant.scope():
        entries = {a.action: a for a in session.execute(service.timeline_query(result.order_id)).scalars()}
        imported, approved = entries["imported"], entries["approved"]
        assert imported.message == "imported from dummy (T-1)"
        assert (imported.message_code, imported.message_params) == (
            "order.imported",
            {"channel": "dummy", "ref": "T-1"},
        )
        assert "message" not in imported.data  # read back from the English
        # a rule's facts nest messages the English cannot give back: the code is stored
        assert approved.message_code == "order.approved_by_rule" and "message" in approved.data
        assert approved.message_params["rule"]["code"] == "order.rule_matched"
