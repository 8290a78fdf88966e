"""Shopify Payments payouts through the emulator (reference finance.md §3.2): a payout's
balance transactions imported once as a settlement (gross and fee per transaction), matched
to the orders they pay by source_order_id, reconciled to zero and booked with the fees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.core.finance.helpers import by_account, vouchers
from tests.core.finance.settlements_helpers import run_job, synced_channel
from tests.core.purchasing.helpers import local_today
from tests.support import body


@pytest.fixture
def shopify(tenant_a, tenant_b):
    channel = synced_channel(tenant_a, "shopify", 3)
    yield channel
    channel.close()


def _fetch(tenant):
    return run_job(tenant, "finance/settlements/fetch")


def test_a_shopify_payout_is_imported_once_matched_and_booked(shopify, tenant_a):
    paid = [o for o in shopify.orders() if o.status == "allocated"][:2]
    for o in paid:
        resp = tenant_a.api.post(f"orders/{o.id}/ship", {"carrier": "UPS", "tracking_number": f"1Z{o.number[-6:]}"})
        assert resp.status_code == 200, body(resp)
    payout_id = shopify.emulator.add_payout([o.external_order_id for o in paid], paid_on=local_today())
    _fetch(tenant_a)
    _fetch(tenant_a)  # the same payout again: nothing new
    (s,) = body(tenant_a.api.get("finance/settlements?source=shopify"))
    assert s["external_id"] == str(payout_id) and s["line_count"] == 4
    payout = shopify.emulator.payouts[0]
    assert Decimal(s["total"]) == Decimal(payout["amount"])
    s = body(tenant_a.api.get(f"finance/settlements/{s['id']}"))
    assert s["status"] == "booked" and s["unmatched_count"] == 0, s
    results = body(tenant_a.api.get(f"finance/settlements/{s['id']}/orders"))
    assert {r["order_id"] for r in results} == {str(o.id) for o in paid}
    assert all(Decimal(r["difference"]) == 0 for r in results), results
    fees = sum((Decimal(t["fee"]) for t in payout["_transactions"]), Decimal(0))
    assert sum((Decimal(r["fees"]) for r in results), Decimal(0)) == -fees
    (voucher,) = vouchers(tenant_a, "settlement", s["id"])
    assert by_account(voucher)["6601.01"] == (fees * Decimal("7.1")).quantize(Decimal("0.01"))


def test_a_payout_that_does_not_add_up_is_refused_and_nothing_stored(shopify, tenant_a):
    order = next(o for o in shopify.orders() if o.status == "allocated")
    shopify.emulator.add_payout([order.external_order_id], paid_on=local_today())
    shopify.emulator.payouts[0]["amount"] = "1.00"
    job = _fetch(tenant_a)
    assert "does not add up" in " ".join(job["result"]["failed"]), job
    assert body(tenant_a.api.get("finance/settlements")) == []
