"""The Connections section: adding a connection from its plugin's settings form with secrets
masked, testing, switching off and on, sync now with the history it leaves, listings and
their mappings, the push-back log, roles, and tenant B beside tenant A throughout."""

from __future__ import annotations

import re
from datetime import UTC

from sqlalchemy import select

from core.db import session, utcnow
from core.sync.models import SyncRun
from plugins.channels.shopify.emulator import ShopifyEmulator
from tenants.models import PluginConnection
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import stock, warehouse
from tests.core.sync.conftest import connect, served  # noqa: F401 - fixtures
from tests.core.sync.helpers import stock_catalogue
from tests.web.conftest import visible_text


def _location(resp) -> str:
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:500]
    return resp.headers["Location"]


def test_a_connection_is_added_from_its_plugins_settings_with_secrets_masked(tenant_a, portal):
    page = portal(tenant_a)
    chooser = page.text("/connections/new")
    assert all(name in chooser for name in ("Shopify", "WooCommerce", "Amazon", "AliExpress"))
    html = page.get("/connections/new/channel/shopify").get_data(as_text=True)
    assert re.search(r'<input id="f-access_token" name="access_token" type="password"', html)
    assert "Shop URL" in visible_text(html)

    values = ShopifyEmulator(seed=1).connection_settings("https://demo-shop.example")
    missing = page.post("/connections/new/channel/shopify", {"display_name": "My shop", "base_url": values["base_url"]})
    assert missing.status_code == 422
    assert re.search(r'f-access_token-error">is required', missing.get_data(as_text=True))
    assert values["base_url"] in missing.get_data(as_text=True), "what was typed is kept"

    created = page.post("/connections/new/channel/shopify", {"display_name": "My shop", **values, "pacing": "on"})
    detail = _location(created)
    shown = page.get(detail).get_data(as_text=True) + page.get(detail + "/edit").get_data(as_text=True)
    assert values["access_token"] not in shown and values["api_secret"] not in shown
    text = page.text(detail)
    assert "My shop" in text and "stored, hidden" in text and "access_token" not in text
    # A blank secret on the edit form keeps the stored one.
    saved = page.post(
        detail + "/edit",
        {"display_name": "My Shopify", "base_url": values["base_url"], "access_token": "", "api_secret": ""},
    )
    assert _location(saved).endswith(detail)
    with tenant_a.scope():
        conn = session.execute(
            select(PluginConnection).where(PluginConnection.display_name == "My Shopify")
        ).scalar_one()
        from tenants.service import masked_credentials

        assert set(masked_credentials(conn)) == {"access_token", "api_secret"}


def test_test_disable_enable_and_sync_now_leave_their_traces(tenant_a, tenant_b, portal, served, connect):
    from datetime import datetime, timedelta

    emulator, base_url = served("woocommerce")  # over HTTP: testing opens a connection of its own
    now = datetime.now(UTC)
    emulator.generate_orders(4, start=now - timedelta(hours=3), end=now - timedelta(minutes=5))
    created = tenant_a.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "woocommerce",
            "display_name": "Woo shop",
            "settings": emulator.connection_settings(base_url),
        },
    )
    detail = f"/connections/{created.get_json()['id']}"
    theirs = connect(tenant_b, "woocommerce")
    page = portal(tenant_a)

    _location(page.post(detail + "/test"))
    text = page.text(detail)
    assert "Woo shop OK" in text and f"Account {base_url} (4 orders; authenticated by OAuth 1.0a" in text
    _location(page.post(detail + "/enabled", {"enabled": "0"}))
    assert "Disabled" in page.text(detail)
    assert f'action="{detail}/sync"' not in page.get(detail).get_data(as_text=True), "no Sync now button"
    _location(page.post(detail + "/enabled", {"enabled": "1"}))
    assert detail + "/runs?job=" in _location(page.post(detail + "/sync"))
    history = page.text(detail + "/runs")
    assert "Succeeded" in history and "Sync now" in history
    run = tenant_a.api.get(f"{detail[1:]}/sync-runs").get_json()[0]
    assert run["orders_created"] == 4
    assert "4 seen: 4 new, 0 updated, 0 unchanged, 0 rejected" in page.text(f"/connections/runs/{run['id']}")

    assert "Woo shop" in page.text("/connections/")
    assert page.get(f"/connections/{theirs.conn}").status_code == 404
    assert page.post(f"/connections/{theirs.conn}/sync").status_code == 404
    assert theirs.runs() == []


def test_a_failed_sync_shows_its_error_and_a_running_one_polls(tenant_a, portal, connect):
    channel = connect(tenant_a, "shopify")
    channel.generate(2)
    channel.emulator.fail_next("/orders.json", times=10_000)
    channel.settle()
    page = portal(tenant_a)
    page.post(f"/connections/{channel.conn}/sync")
    history = page.text(f"/connections/{channel.conn}/runs")
    assert "Failed" in history and "TransientError: Shopify 500" in history
    assert "Connections with errors 1" in page.text("/")
    assert "Failed syncs (24 h) 1" in page.text("/")

    with tenant_a.scope():
        running = SyncRun(
            connection_id=channel.connection_id, trigger="schedule", status="running", started_at=utcnow(), errors=[]
        )
        session.add(running)
        session.flush()
        run_id = running.id
    html = page.get(f"/connections/{channel.conn}/runs").get_data(as_text=True)
    assert f'hx-get="/connections/runs/{run_id}/row"' in html
    with tenant_a.scope():
        session.get(SyncRun, run_id).status = "interrupted"
    row = page.get(f"/connections/runs/{run_id}/row").get_data(as_text=True)
    assert "hx-get" not in row and "Interrupted" in visible_text(row)


def test_listings_show_what_they_publish_and_are_mapped_here(tenant_a, portal, connect):
    channel = connect(tenant_a, "shopify")
    channel.generate(8, platform_share=0)
    channel.settle()
    channel.sync()
    page = portal(tenant_a)
    path = f"/connections/{channel.conn}/listings"
    unmapped = page.text(path + "?problem=unmapped")
    assert "Not mapped" in unmapped
    seller_sku = next(
        x["seller_sku"]
        for x in tenant_a.api.get(f"connections/{channel.conn}/listings").get_json()
        if x["problem"] == "unmapped"
    )
    assert seller_sku in unmapped

    mug = approved_sku(tenant_a, "MUG-LOCAL")
    stock(tenant_a, mug, warehouse(tenant_a), 7)
    refused = page.post(path, {"seller_sku": seller_sku, "sku_code": "NO-SUCH-SKU", "quantity": "1"})
    assert refused.status_code == 422 and "no SKU with code NO-SUCH-SKU" in visible_text(refused.get_data(as_text=True))
    _location(page.post(path, {"seller_sku": seller_sku, "sku_code": "MUG-LOCAL", "quantity": "2"}))
    # 7 units make 3 packs of two; all 3 are published, and the channel has them.
    assert f"{seller_sku} MUG-LOCAL 2 3 (7) 3 3 ·" in page.text(path)
    assert channel.emulator.quantities()[seller_sku] == 3

    html = page.get(path).get_data(as_text=True)
    unmap = re.search(rf'action="({path}/[0-9a-f-]+/delete)"', html).group(1)
    _location(page.post(unmap))
    assert f"{seller_sku} — Not mapped" in page.text(path + "?problem=unmapped")


def test_refused_pushes_are_listed_and_retried(tenant_a, portal, connect):
    stock_catalogue(tenant_a)
    channel = connect(tenant_a, "shopify")
    channel.generate(3, platform_share=0)
    channel.settle()
    channel.sync()
    order = next(o for o in channel.orders() if o.status == "allocated")
    channel.emulator.fail_next("fulfillments.json", method="POST", status=422)
    assert (
        tenant_a.api.post(f"orders/{order.id}/ship", {"carrier": "DHL", "tracking_number": "JD99"}).status_code == 200
    )
    page = portal(tenant_a)
    text = page.text("/connections/pushes?kind=shipment")
    assert f"order {order.external_order_id}, tracking JD99" in text and "Failed" in text
    html = page.get("/connections/pushes?status=failed").get_data(as_text=True)
    retry = re.search(r'action="(/connections/pushes/[0-9a-f-]+/retry)"', html).group(1)
    _location(page.post(retry))
    assert [s["tracking_number"] for s in channel.emulator.shipments] == ["JD99"]
    assert "tracking JD99 OK 2" in page.text("/connections/pushes?kind=shipment")
    assert "/retry" not in page.get("/connections/pushes?kind=shipment").get_data(as_text=True)


def test_roles_decide_what_each_user_may_do(tenant_a, portal, connect):
    channel = connect(tenant_a, "amazon")
    detail = f"/connections/{channel.conn}"
    viewer = portal(tenant_a, "viewer")
    html = viewer.get(detail).get_data(as_text=True)
    assert f'action="{detail}/sync"' not in html and "Test connection" not in html and "Save rules" not in html
    assert viewer.post(detail + "/sync").status_code == 403
    assert viewer.post(detail + "/rules", {"stock_buffer": "3"}).status_code == 403
    operations = portal(tenant_a, "operations")
    html = operations.get(detail).get_data(as_text=True)
    assert f'action="{detail}/sync"' in html and "Edit settings" not in html
    assert operations.post(detail + "/sync").status_code == 302
    assert operations.get("/connections/new").status_code == 403
    assert portal(tenant_a, "warehouse").get("/connections/").status_code == 403


def test_rules_are_saved_and_bad_values_named(tenant_a, portal, connect):
    channel = connect(tenant_a, "aliexpress")
    page = portal(tenant_a)
    path = f"/connections/{channel.conn}/rules"
    form = {
        "interval_minutes": "30",
        "overlap_seconds": "300",
        "first_sync_days": "14",
        "push_shipments": "on",
        "push_stock": "on",
        "stock_buffer": "2",
        "stock_percent": "140",
        "stock_maximum": "",
        "zero_out_level": "1",
    }
    bad = page.post(path, form)
    assert bad.status_code == 422
    assert re.search(r'f-stock_percent-error">must be between 0 and 100', bad.get_data(as_text=True))
    _location(page.post(path, {**form, "stock_percent": "60"}))
    rules = tenant_a.api.get(f"connections/{channel.conn}/sync-settings").get_json()
    assert (rules["interval_minutes"], rules["stock_percent"], rules["stock_maximum"], rules["push_stock"]) == (
        30,
        60,
        None,
        True,
    )


def test_the_section_speaks_chinese(tenant_a, portal, connect):
    channel = connect(tenant_a, "shopify")
    page = portal(tenant_a)
    page.post("/locale", {"locale": "zh_CN"})
    text = page.text(f"/connections/{channel.conn}")
    assert "立即同步" in text and "同步与库存规则" in text
    assert "同步记录" in page.text("/connections/runs")


def test_a_payment_source_chooses_the_shop_it_pays_from_the_tenants_shops(tenant_a, tenant_b, portal):
    from plugins.payments.paypal.emulator import PayPalEmulator

    page, other = portal(tenant_a), portal(tenant_b)
    shop = ShopifyEmulator(seed=1).connection_settings("https://demo-shop.example")
    _location(page.post("/connections/new/channel/shopify", {"display_name": "My shop", **shop, "pacing": "on"}))
    _location(other.post("/connections/new/channel/shopify", {"display_name": "B's shop", **shop, "pacing": "on"}))
    with tenant_a.scope():
        mine = session.execute(select(PluginConnection.id).where(PluginConnection.display_name == "My shop")).scalar()
    html = page.get("/connections/new/payment/paypal").get_data(as_text=True)
    options = re.search(r'<select id="f-orders_connection_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert f'value="{mine}"' in options and "My shop" in options and "B&#39;s shop" not in options
    values = PayPalEmulator(seed=1).connection_settings("https://api-m.sandbox.paypal.com")
    with tenant_b.scope():
        theirs = session.execute(
            select(PluginConnection.id).where(PluginConnection.display_name == "B's shop")
        ).scalar()
    refused = page.post(
        "/connections/new/payment/paypal",
        {"display_name": "PayPal", **values, "orders_connection_id": str(theirs), "pacing": "on"},
    )
    assert refused.status_code == 422
    assert re.search(r'f-orders_connection_id-error">choose one of your shops', refused.get_data(as_text=True))
    created = page.post(
        "/connections/new/payment/paypal",
        {"display_name": "PayPal", **values, "orders_connection_id": str(mine), "pacing": "on"},
    )
    assert "Shop it pays" in page.text(_location(created) + "/edit")
