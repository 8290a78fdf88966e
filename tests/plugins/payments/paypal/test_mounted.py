"""The PayPal emulator inside Tradelane, as the embedded demo uses it: the plugin registered
through its entry point (tradelane.payments), the emulator mounted at /_emulators/paypal and
driven over its control API, reached through the adapter runtime by a payment connection
created from its settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from core.plugins import registry
from core.ports import PaymentSourceAdapter
from plugins.channels.woocommerce.emulator import WooCommerceEmulator
from tests.support import body


def test_paypal_is_registered_as_a_payment_source_with_its_emulator(app):
    reg = registry()
    info = reg.adapter("payment", "paypal")
    assert reg.records["paypal"].status == "loaded", reg.records["paypal"].error
    assert reg.records["paypal"].group == "tradelane.payments"
    assert issubclass(info.cls, PaymentSourceAdapter)
    secrets_ = {f["name"] for f in info.settings_schema() if f["secret"]}
    assert secrets_ == {"client_id", "client_secret"}
    assert "paypal" in reg.emulators


def test_a_connection_to_the_mounted_emulator_reads_its_payouts(app, tenant_a):
    from core import connections
    from tenants import service

    emulator = registry().emulators["paypal"]
    emulator.reset()
    client = app.test_client()
    settings = body(client.get("/_emulators/paypal/_control/connection"))
    assert settings["base_url"] == "http://localhost/_emulators/paypal"
    day = (datetime.now(UTC) - timedelta(days=2)).date()
    orders = [{"id": 501, "number": "501", "total": "40.00", "currency": "USD"}]
    resp = client.post(
        "/_emulators/paypal/_control/payments",
        json={"orders": orders, "invoice_prefix": "WC-", "at": f"{day.isoformat()}T10:00:00+00:00"},
    )
    assert resp.status_code == 201, body(resp)
    swept = client.post("/_emulators/paypal/_control/sweep", json={"day": day.isoformat(), "currency": "USD"})
    assert body(swept)["arrived"] == "38.11"
    connections.route(settings["base_url"], transport=httpx.WSGITransport(app=app))
    try:
        with tenant_a.scope():
            shop = service.create_connection(
                kind="channel",
                plugin="woocommerce",
                display_name="Woo demo",
                settings=WooCommerceEmulator(seed=1).connection_settings("https://woo.example"),
            )
            conn = service.create_connection(
                kind="payment",
                plugin="paypal",
                display_name="PayPal demo",
                settings={**settings, "orders_connection_id": str(shop.id), "invoice_prefix": "WC-"},
            )
            with connections.using(conn, "payment") as paypal:
                assert paypal.check_connection() == f"PayPal account {emulator.account_number}"
                (payout,) = paypal.list_payouts(day - timedelta(days=1))
        assert (payout.paid_on, payout.status, payout.net) == (day, "paid", Decimal("38.11"))
        assert [(t.order_number, t.source_order_id) for t in payout.transactions] == [("501", "501")]
    finally:
        connections.unroute(settings["base_url"])
        emulator.reset()
