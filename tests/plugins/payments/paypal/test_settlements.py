"""PayPal payouts of WooCommerce orders through the settlements (docs/decisions/0014, reference
finance.md §3.3): a PayPal connection paying a WooCommerce shop is read by the settlements
fetch, its day's transactions imported once as a settlement of that shop, matched to the
shop's orders by invoice_id (falling back to custom_field), reconciled to zero and booked;
a USD day converted to CNY before the withdrawal books the realised FX for a CNY tenant."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import httpx
import pytest

from core import connections
from core.testing import VirtualClock
from plugins.payments.paypal.emulator import PayPalEmulator
from tests.core.finance.helpers import by_account, verify, vouchers
from tests.core.finance.settlements_helpers import run_job
from tests.core.sync.helpers import connect, stock_catalogue
from tests.support import body

FX = "6603.01"  # 财务费用—汇兑损益
COMMISSION = "6601.01"
BANK_CNY = "1002.01"


def _rate(tenant, on, value):
    resp = tenant.api.post("exchange-rates", {"base": "USD", "quote": "CNY", "date": str(on), "rate": value})
    assert resp.status_code in (200, 201), body(resp)


class PayPal:
    def __init__(self, tenant, shop_id, *, prefix="WC-"):
        self.clock = VirtualClock(datetime.now(UTC))
        self.emulator = PayPalEmulator(seed=11, clock=self.clock)
        self.base_url = f"http://paypal-{secrets.token_hex(4)}.emulator.test"
        connections.route(self.base_url, transport=httpx.WSGITransport(app=self.emulator), clock=self.clock)
        values = {
            **self.emulator.connection_settings(self.base_url),
            "orders_connection_id": str(shop_id),
            "invoice_prefix": prefix,
        }
        resp = tenant.api.post(
            "connections", {"kind": "payment", "plugin": "paypal", "display_name": "PayPal", "settings": values}
        )
        assert resp.status_code == 201, body(resp)
        self.id = uuid.UUID(body(resp)["id"])
        # Two days back: a day Transaction Search shows whole whatever the hour (3-hour lag).
        self.day = (self.clock.now() - timedelta(days=2)).date()

    def at(self, hour):
        return datetime.combine(self.day, time(hour), UTC)

    def close(self):
        connections.unroute(self.base_url)


@pytest.fixture
def woo(tenant_a, tenant_b):
    tenant = tenant_a
    assert tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    today = datetime.now(UTC).date()
    for back in range(-1, 5):
        _rate(tenant, today - timedelta(days=back), "7.1")
    stock_catalogue(tenant)
    channel = connect(tenant, "woocommerce")
    channel.generate(3, platform_share=0, currency="USD")
    channel.settle()
    assert channel.sync()["orders_created"] == 3
    yield channel
    channel.close()


@pytest.fixture
def paypal(woo, tenant_a):
    pp = PayPal(tenant_a, woo.connection_id)
    yield pp
    pp.close()


def _ship(tenant, orders):
    for o in orders:
        resp = tenant.api.post(f"orders/{o.id}/ship", {"carrier": "UPS", "tracking_number": f"1Z{o.number[-6:]}"})
        assert resp.status_code == 200, body(resp)


def _fetch(tenant):
    return run_job(tenant, "finance/settlements/fetch")


def _settlements(tenant):
    return body(tenant.api.get("finance/settlements?source=paypal"))


def _pay(woo, paypal, orders, hour=10):
    return paypal.emulator.pay_orders(
        [woo.emulator.order_json(o.external_order_id) for o in orders], invoice_prefix="WC-", at=paypal.at(hour)
    )


def test_a_paypal_payout_of_woocommerce_orders_matches_to_zero_and_is_booked_once(woo, paypal, tenant_a, tenant_b):
    orders = sorted(woo.orders(), key=lambda o: o.external_order_id)
    _ship(tenant_a, orders)
    _pay(woo, paypal, orders[:2])
    # The third was paid with an invoice the shop's prefix does not explain: custom_field finds it.
    third = woo.emulator.order_json(orders[2].external_order_id)
    paypal.emulator.pay(
        Decimal(third["total"]), "USD", invoice_id="INV-X-77", custom_field=str(third["id"]), at=paypal.at(11)
    )
    paypal.emulator.fee("2.50", "USD", at=paypal.at(12))  # a fee of no order
    paypal.emulator.sweep(paypal.day, "USD")

    job = _fetch(tenant_a)
    assert job["result"]["payouts"] == 1 and job["result"]["failed"] == [], job
    (s,) = _settlements(tenant_a)
    assert s["connection_id"] == str(woo.connection_id) and s["channel"] == "woocommerce"
    assert s["external_id"] == f"{paypal.emulator.account_number}-USD-{paypal.day:%Y%m%d}"
    assert s["currency"] == "USD" and s["deposit_date"] == str(paypal.day)
    s = body(tenant_a.api.get(f"finance/settlements/{s['id']}"))
    assert s["status"] == "booked" and s["unmatched_count"] == 0 and s["unknown_count"] == 0, s
    net = sum((Decimal(r["transaction_amount"]["value"]) for r in paypal.emulator.rows[:4]), Decimal(0)) + sum(
        (Decimal((r.get("fee_amount") or {}).get("value", "0")) for r in paypal.emulator.rows[:4]), Decimal(0)
    )
    assert Decimal(s["total"]) == net

    results = body(tenant_a.api.get(f"finance/settlements/{s['id']}/orders?page_size=100"))
    assert {r["order_id"] for r in results} == {str(o.id) for o in orders}
    assert all(Decimal(r["difference"]) == 0 and r["reason"] == "" for r in results), results
    lines = body(tenant_a.api.get(f"finance/settlements/{s['id']}/lines?page_size=100"))
    keys = {ln["amount_type"]: set() for ln in lines}
    for ln in lines:
        keys[ln["amount_type"]].add((ln["match_key"], ln["match_status"]))
    sales = [ln for ln in lines if ln["category"] == "principal"]
    assert sorted(ln["match_key"] for ln in sales) == ["custom_field", "invoice_id", "invoice_id"]
    assert keys["T0106"] == {("", "none")}

    (voucher,) = vouchers(tenant_a, "settlement", s["id"])
    fees = -sum((Decimal((r.get("fee_amount") or {}).get("value", "0")) for r in paypal.emulator.rows), Decimal(0))
    assert by_account(voucher)[COMMISSION] == ((fees + Decimal("2.50")) * Decimal("7.1")).quantize(Decimal("0.01"))
    assert by_account(voucher).get(FX, Decimal(0)) == 0  # deposited in USD at the rate it was booked at

    # Fetched again: nothing new, and the other tenant sees none of it.
    again = _fetch(tenant_a)
    assert again["result"]["payouts"] == 0 and again["result"]["failed"] == [], again
    (same,) = _settlements(tenant_a)
    assert same["id"] == s["id"] and same["line_count"] == s["line_count"]
    assert len(vouchers(tenant_a, "settlement", s["id"])) == 1
    assert _settlements(tenant_b) == []
    # The vouchers replay to the same books (the test stock came in without a valuation, so
    # the stock check of verify is not this test's business).
    assert verify(tenant_a)["replay"]["ok"] is True


def test_a_usd_day_converted_to_cny_before_the_withdrawal_books_the_realised_fx(woo, paypal, tenant_a):
    orders = sorted(woo.orders(), key=lambda o: o.external_order_id)
    _ship(tenant_a, orders)  # the receivable is booked at 7.1
    _pay(woo, paypal, orders)
    arrived = paypal.emulator.sweep(paypal.day, "USD", to="CNY", rate="7.0")

    _fetch(tenant_a)
    (s,) = _settlements(tenant_a)
    s = body(tenant_a.api.get(f"finance/settlements/{s['id']}"))
    assert s["status"] == "booked" and s["unmatched_count"] == 0, s
    assert s["deposit_currency"] == "CNY" and Decimal(s["deposit_amount"]) == arrived
    total = Decimal(s["total"])
    assert arrived == (total * Decimal("7.0")).quantize(Decimal("0.01"))
    results = body(tenant_a.api.get(f"finance/settlements/{s['id']}/orders?page_size=100"))
    assert len(results) == 3 and all(Decimal(r["difference"]) == 0 for r in results), results

    (voucher,) = vouchers(tenant_a, "settlement", s["id"])
    net = by_account(voucher)
    assert net[BANK_CNY] == arrived  # what reached the bank, in CNY
    sales = Decimal(s["carrying_value"])  # the orders' receivable at the shipment's 7.1
    fees = net[COMMISSION]
    # 0.1 CNY lost per USD paid out: the receivable (at 7.1) cleared by CNY bought at 7.0.
    assert net[FX] == sales - fees - arrived
    assert abs(net[FX] - total * Decimal("0.1")) <= Decimal("0.05") and net[FX] > 0
    # The vouchers replay to the same books (the test stock came in without a valuation, so
    # the stock check of verify is not this test's business).
    assert verify(tenant_a)["replay"]["ok"] is True


def test_an_order_paid_only_in_part_through_paypal_is_a_split_tender(woo, paypal, tenant_a):
    order = sorted(woo.orders(), key=lambda o: o.external_order_id)[0]
    wire = woo.emulator.order_json(order.external_order_id)
    part = Decimal(wire["total"]) - Decimal("10.00")  # the rest was paid with a gift card
    paypal.emulator.pay(part, "USD", invoice_id=f"WC-{wire['number']}", custom_field=str(wire["id"]), at=paypal.at(10))
    _fetch(tenant_a)
    (s,) = _settlements(tenant_a)
    (result,) = body(tenant_a.api.get(f"finance/settlements/{s['id']}/orders"))
    assert Decimal(result["difference"]) == Decimal("10.00") and result["reason"] == "split_tender", result


def test_a_payment_connection_must_name_one_of_the_tenants_shops(woo, tenant_a, tenant_b):
    values = {**PayPalEmulator(seed=1).connection_settings("http://paypal.test"), "invoice_prefix": "WC-"}
    for shop in (str(uuid.uuid4()), "not-an-id", str(woo.connection_id)):
        resp = tenant_b.api.post(
            "connections",
            {
                "kind": "payment",
                "plugin": "paypal",
                "display_name": "PayPal",
                "settings": {**values, "orders_connection_id": shop},
            },
        )
        assert resp.status_code == 422, body(resp)
        assert body(resp)["errors"]["settings"]["orders_connection_id"] == [
            "choose one of your shops (a channel connection)"
        ]
    assert body(tenant_b.api.get("connections?kind=payment")) == []


def test_a_shop_removed_after_is_reported_and_nothing_imported(woo, paypal, tenant_a):
    _pay(woo, paypal, woo.orders())
    paypal.emulator.sweep(paypal.day, "USD")
    assert tenant_a.api.delete(f"connections/{woo.conn}").status_code == 204
    job = _fetch(tenant_a)
    assert any("orders_connection_id" in f for f in job["result"]["failed"]), job
    assert _settlements(tenant_a) == []
