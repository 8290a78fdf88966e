"""Amazon's finance APIs through the emulator: a refund read from the Finances API cancels an
order that has not shipped (its reservation released, so it can no longer be shipped), is
recorded against a shipped one (booked red by finance), and is acted on once; settlement
reports listed by getReports and fetched with getReportDocument are imported once and matched."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core.orders import service as orders
from tests.core.finance.helpers import vouchers
from tests.core.finance.settlements_helpers import run_job, synced_channel
from tests.support import body


@pytest.fixture
def amazon(tenant_a, tenant_b):
    channel = synced_channel(tenant_a, "amazon", 4)
    yield channel
    channel.close()


def _fetch_refunds(tenant):
    return run_job(tenant, "finance/channel-refunds/fetch")


def _reload(tenant, order_id):
    with tenant.scope():
        order = orders.get_order(order_id)
        return order.status, order.stock_reserved, order.refunded_amount


def test_a_refunded_unshipped_amazon_order_can_no_longer_be_shipped(amazon, tenant_a):
    order = next(o for o in amazon.orders() if o.status == "allocated")
    assert order.stock_reserved
    amazon.emulator.apply_change(order.external_order_id, "refund")
    amazon.settle()
    _fetch_refunds(tenant_a)

    (refund,) = body(tenant_a.api.get("finance/channel-refunds"))
    assert (refund["external_order_id"], refund["action"], refund["order_id"]) == (
        order.external_order_id,
        "cancelled",
        str(order.id),
    )
    status, reserved, _ = _reload(tenant_a, order.id)
    assert status == "cancelled" and reserved is False  # the stock is free again
    resp = tenant_a.api.post(f"orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    assert resp.status_code == 409, body(resp)
    assert not [s for s in amazon.emulator.shipments if str(s["order_id"]) == order.external_order_id]

    # The next run reads the same refund again and does nothing more.
    _fetch_refunds(tenant_a)
    assert len(body(tenant_a.api.get("finance/channel-refunds"))) == 1


def test_a_partial_refund_before_shipment_holds_the_order(amazon, tenant_a):
    order = next(o for o in amazon.orders() if o.status == "allocated")
    amazon.emulator.apply_change(order.external_order_id, "refund", amount="1.00")
    amazon.settle()
    _fetch_refunds(tenant_a)
    (refund,) = body(tenant_a.api.get("finance/channel-refunds"))
    assert refund["action"] == "held", refund
    status, _, _ = _reload(tenant_a, order.id)
    assert status == "on_hold"
    resp = tenant_a.api.post(f"orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    assert resp.status_code == 409, body(resp)


def test_a_refund_after_shipment_is_recorded_and_booked_red(amazon, tenant_a):
    order = next(o for o in amazon.orders() if o.status == "allocated")
    resp = tenant_a.api.post(f"orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    assert resp.status_code == 200, body(resp)
    amazon.emulator.apply_change(order.external_order_id, "refund", amount="5.00")
    amazon.settle()
    _fetch_refunds(tenant_a)
    (refund,) = body(tenant_a.api.get("finance/channel-refunds"))
    assert refund["action"] == "refunded" and Decimal(refund["amount"]) == Decimal("5.00"), refund
    status, _, refunded = _reload(tenant_a, order.id)
    assert refunded == Decimal("5.00") and status == "partially_refunded"
    sale, red = vouchers(tenant_a, "sales_order", order.id)[:2]
    receivable = [ln for ln in red["lines"] if ln["account_code"].startswith("1122.")]
    assert receivable and all(Decimal(ln["debit"]) < 0 for ln in receivable), red  # 红字: a negative debit
    # Split like the sale: the receivable takes what the buyer paid less tax the marketplace remits.
    assert Decimal("-5.00") <= sum(Decimal(ln["amount"]) for ln in receivable) < 0


def test_settlement_reports_come_through_the_reports_api_once_and_match(amazon, tenant_a):
    shipped = [o for o in amazon.orders() if o.status == "allocated"][:2]
    for o in shipped:
        resp = tenant_a.api.post(f"orders/{o.id}/ship", {"carrier": "UPS", "tracking_number": f"1Z{o.number[-6:]}"})
        assert resp.status_code == 200, body(resp)
        amazon.emulator.orders[o.external_order_id]["OrderStatus"] = "Shipped"
    now = amazon.clock.now()
    amazon.emulator.add_settlement_report(now - timedelta(days=14), now)
    for _ in range(2):
        resp = tenant_a.api.post("finance/settlements/fetch")
        assert resp.status_code == 202, body(resp)
        job = body(tenant_a.api.get(f"jobs/{body(resp)['job_id']}"))
        assert job["status"] == "succeeded", job
    (s,) = body(tenant_a.api.get("finance/settlements"))
    assert s["filename"].startswith("report ") and s["line_count"] >= 4
    s = body(tenant_a.api.get(f"finance/settlements/{s['id']}"))
    results = body(tenant_a.api.get(f"finance/settlements/{s['id']}/orders"))
    assert {r["order_id"] for r in results} == {str(o.id) for o in shipped}
    assert all(Decimal(r["difference"]) == 0 for r in results), results
    assert s["status"] == "booked", s
