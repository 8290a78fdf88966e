"""Helpers for sync tests: a tenant's connection to a channel emulator living in the test
process (on a virtual clock, so platform pacing costs no real time), and readers of what the
sync did."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from core import connections
from core.db import session
from core.orders.models import Order
from core.sync.models import SyncRun
from core.testing import VirtualClock
from plugins.channels.aliexpress.emulator import AliExpressEmulator
from plugins.channels.amazon.emulator import AmazonEmulator
from plugins.channels.shopify.emulator import ShopifyEmulator
from plugins.channels.woocommerce.emulator import WooCommerceEmulator
from tests.support import TenantHandle, body

EMULATORS = {
    "shopify": ShopifyEmulator,
    "woocommerce": WooCommerceEmulator,
    "amazon": AmazonEmulator,
    "aliexpress": AliExpressEmulator,
}
CHANNELS = tuple(EMULATORS)
WEBHOOK_CHANNELS = ("shopify", "woocommerce")
# The substring of each platform's order-list path, to make one page of it fail.
LIST_PATHS = {"shopify": "/orders.json", "woocommerce": "/orders", "amazon": "/orders/v0/orders", "aliexpress": "/sync"}


@dataclass
class Channel:
    """A tenant's connection to an emulator reached in process."""

    name: str
    tenant: TenantHandle
    emulator: Any
    clock: VirtualClock
    base_url: str
    connection_id: uuid.UUID

    @property
    def conn(self) -> str:
        return str(self.connection_id)

    def generate(self, count: int, hours: float = 24, **options: Any) -> list[str]:
        """Orders created (and last changed) over the hours before now, ending a minute ago."""
        now = self.clock.now()
        ids = self.emulator.generate_orders(
            count, start=now - timedelta(hours=hours), end=now - timedelta(minutes=1), **options
        )
        return [str(i) for i in ids]

    def settle(self, minutes: float = 10) -> None:
        """Let time pass beyond the channel's list lag."""
        self.clock.advance(minutes * 60)

    def sync(self, client: Any = None) -> dict[str, Any]:
        """ "Sync now" through the API; returns the run it made (jobs run inline in tests)."""
        api = client or self.tenant.api
        resp = api.post(f"connections/{self.conn}/sync")
        assert resp.status_code == 202, body(resp)
        job = body(api.get(f"jobs/{body(resp)['job_id']}"))
        runs = body(api.get(f"connections/{self.conn}/sync-runs?page_size=1"))
        assert runs and str(runs[0]["job_id"]) == str(job["id"]), (job, runs)
        return runs[0]

    def orders(self) -> list[Order]:
        """The connection's orders as imported (originals, not split children)."""
        with self.tenant.scope():
            return list(
                session.execute(
                    select(Order).where(Order.connection_id == self.connection_id, Order.parent_id.is_(None))
                ).scalars()
            )

    def order_count(self) -> int:
        with self.tenant.scope():
            return session.execute(
                select(func.count())
                .select_from(Order)
                .where(Order.connection_id == self.connection_id, Order.parent_id.is_(None))
            ).scalar_one()

    def runs(self) -> list[SyncRun]:
        with self.tenant.scope():
            return list(
                session.execute(
                    select(SyncRun).where(SyncRun.connection_id == self.connection_id).order_by(SyncRun.started_at)
                ).scalars()
            )

    def close(self) -> None:
        connections.unroute(self.base_url)


def connect(
    tenant: TenantHandle, name: str, *, settings: dict[str, Any] | None = None, seed: int = 7, **emulator_options: Any
) -> Channel:
    """An emulator of `name` on a virtual clock, and a connection of `tenant` reaching it."""
    clock = VirtualClock()
    emulator = EMULATORS[name](seed=seed, clock=clock, **emulator_options)
    base_url = f"http://{name}-{secrets.token_hex(4)}.emulator.test"
    connections.route(base_url, transport=httpx.WSGITransport(app=emulator), clock=clock)
    values = {**emulator.connection_settings(base_url), **(settings or {})}
    resp = tenant.api.post(
        "connections",
        {"kind": "channel", "plugin": name, "display_name": f"{name} {base_url[7:15]}", "settings": values},
    )
    assert resp.status_code == 201, body(resp)
    return Channel(name, tenant, emulator, clock, base_url, uuid.UUID(body(resp)["id"]))


def stock_catalogue(tenant: TenantHandle, quantity: int = 50, codes: Any = None) -> dict[str, uuid.UUID]:
    """The emulators' catalogue as approved SKUs of `tenant` (same codes as the seller SKUs),
    `quantity` of each in a new domestic warehouse, and review rules that approve every order,
    so imported orders are allocated. Returns {code: sku id}."""
    from decimal import Decimal

    from core.catalog import service as catalog
    from core.inventory import service as inv
    from core.inventory.service import Doc, Line
    from core.money import Money
    from core.testing.orders import CATALOGUE
    from tests.core.inventory.helpers import key, warehouse
    from tests.core.orders.helpers import APPROVE_ALL

    codes = list(codes or [c for c, _, _ in CATALOGUE])
    with tenant.scope("test factory"):  # one product with a variant per listing: quicker than one each
        product = catalog.create_product(
            {"title_en": "Emulator catalogue", "skus": [{"code": code, "gross_weight_g": 250} for code in codes]}
        )
        catalog.submit_product(product.id)
        catalog.approve_product(product.id)
        skus = {s.code: s.id for s in product.skus}
    wh = warehouse(tenant)
    with tenant.scope():
        inv.receive_purchase(
            Doc("test_receipt", uuid.uuid4()),
            [
                Line(str(i), sku_id, wh, quantity, Money(Decimal("5.00"), "CNY"))
                for i, sku_id in enumerate(skus.values())
            ],
            key=key("stock"),
            qc=False,
        )
    assert tenant.api.patch("order-settings", {"review_rules": APPROVE_ALL}).status_code == 200
    return skus
