"""Demo channels: one connection per bundled channel, each pointing at its emulator mounted in
the demo process, with a few days of orders on the emulator, the emulator's listings mapped
each onto the demo product it is (one listing left unmapped, so its orders show the hold), and
a first sync queued. The Amazon shop's FBA US warehouse is tied to its connection and
marketplace, so its FBA orders reserve and consume the stock counted there."""

from __future__ import annotations

from datetime import timedelta

from core.catalog import service as catalog
from core.db import session, utcnow
from core.inventory.service import warehouses
from core.plugins import registry
from core.sync import service as sync
from core.testing.orders import CATALOGUE
from tenants import service as tenants

CHANNELS = ("shopify", "woocommerce", "amazon", "aliexpress")
ORDERS_PER_CHANNEL = 25
UNMAPPED = CATALOGUE[-1][0]  # left for the seller to map in the portal


def seed(base_url: str) -> None:
    by_title = {
        product.title_en: product.skus[0]
        for product in session.execute(catalog.product_query(status="approved")).scalars()
        if len(product.skus) == 1
    }
    reg = registry()
    now = utcnow()
    for name in CHANNELS:
        emulator = reg.emulators.get(name)
        if emulator is None or name not in reg.adapters["channel"]:
            continue
        info = reg.adapter("channel", name)
        conn = tenants.create_connection(
            kind="channel",
            plugin=name,
            display_name=f"{info.display_name} (demo)",
            settings=emulator.connection_settings(f"{base_url}/_emulators/{name}"),
        )
        for seller_sku, title, _price in CATALOGUE:
            sku = by_title.get(title)
            if seller_sku == UNMAPPED or sku is None:
                continue
            catalog.create_mapping(connection_id=conn.id, seller_sku=seller_sku, sku_id=sku.id, note="demo")
        marketplace = getattr(getattr(emulator, "marketplace", None), "id", "")
        if marketplace:
            _platform_warehouse(conn.id, marketplace, emulator.marketplace.country)
        emulator.generate_orders(ORDERS_PER_CHANNEL, start=now - timedelta(days=3), end=now - timedelta(minutes=10))
        sync.request_sync(conn.id, trigger="demo")


def _platform_warehouse(connection_id: object, marketplace: str, country: str) -> None:
    """Tie the platform warehouse of the shop's country (FBA US) to this shop: orders match it
    by connection and marketplace id (core.orders.service.allocation.platform_warehouse)."""
    for wh in session.execute(warehouses.list_warehouses(active=True, type="platform")).scalars():
        if wh.country == country and wh.connection_id is None:
            warehouses.update_warehouse(wh.id, connection_id=connection_id, marketplace=marketplace)
            return
