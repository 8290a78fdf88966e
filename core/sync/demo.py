"""Demo channels: one connection per bundled channel, each pointing at its emulator mounted in
the demo process, with a few days of orders on the emulator, the emulator's listings mapped
onto the demo catalogue (one listing left unmapped, so its orders show the hold), and a first
sync queued."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.catalog import service as catalog
from core.catalog.models import Sku
from core.db import session, utcnow
from core.plugins import registry
from core.sync import service as sync
from core.testing.orders import CATALOGUE
from tenants import service as tenants

CHANNELS = ("shopify", "woocommerce", "amazon", "aliexpress")
ORDERS_PER_CHANNEL = 25
UNMAPPED = CATALOGUE[-1][0]  # left for the seller to map in the portal


def seed(base_url: str) -> None:
    sellable = list(session.execute(
        select(Sku).where(Sku.status == "approved", Sku.active.is_(True)).order_by(Sku.kit_type.is_not(None), Sku.code)
    ).scalars())
    reg = registry()
    now = utcnow()
    for name in CHANNELS:
        emulator = reg.emulators.get(name)
        if emulator is None or name not in reg.adapters["channel"]:
            continue
        info = reg.adapter("channel", name)
        conn = tenants.create_connection(kind="channel", plugin=name, display_name=f"{info.display_name} (demo)",
                                         settings=emulator.connection_settings(f"{base_url}/_emulators/{name}"))
        for n, (seller_sku, _title, _price) in enumerate(CATALOGUE):
            if seller_sku == UNMAPPED or not sellable:
                continue
            sku = sellable[n % len(sellable)]
            catalog.create_mapping(connection_id=conn.id, seller_sku=seller_sku, sku_id=sku.id,
                                   quantity=2 if n % 7 == 3 else 1, note="demo")
        emulator.generate_orders(ORDERS_PER_CHANNEL, start=now - timedelta(days=3), end=now - timedelta(minutes=10))
        sync.request_sync(conn.id, trigger="demo")
