"""Shipping's fixtures: a ShipBox carrier connection per test (tests/core/shipping/carrier.py)
and a shop with SKUs that carry customs data, stock in a warehouse in China, and orders to the
US that are approved and allocated on import."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core import connections
from core.orders import service as orders
from core.testing import VirtualClock
from core.testing.emulator import RecordingTransport
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import stock, warehouse
from tests.core.orders.helpers import APPROVE_ALL, channel_order, connection, line, settings
from tests.core.shipping import carrier
from tests.support import TenantHandle, body

CUSTOMS = {"hs_code": "610910", "origin_country": "CN", "name_en": "Cotton T-shirt", "name_zh": "棉T恤"}


@dataclass
class Box:
    emulator: carrier.ShipBoxEmulator
    transport: RecordingTransport
    id: uuid.UUID

    def sent(self, method: str, path: str = "/labels") -> list[httpx.Request]:
        return [r for r in self.transport.requests if r.method == method and r.url.path == path]


@pytest.fixture(scope="session", autouse=True)
def _shipbox_registered(app):
    from core.plugins import registry

    if "shipbox" not in registry().records:
        registry().register(carrier, name="shipbox", kind="carrier")


@pytest.fixture
def shipbox():
    routed: list[str] = []

    def connect(tenant: TenantHandle, plugin: str = "shipbox") -> Box:
        clock = VirtualClock()
        emulator = carrier.ShipBoxEmulator(clock=clock)
        transport = RecordingTransport(httpx.WSGITransport(app=emulator))
        base_url = f"http://shipbox-{secrets.token_hex(4)}.test"
        connections.route(base_url, transport=transport, clock=clock)
        routed.append(base_url)
        created = tenant.api.post(
            "connections",
            {
                "kind": "carrier",
                "plugin": plugin,
                "display_name": f"{plugin} {base_url[16:24]}",
                "settings": emulator.connection_settings(base_url),
            },
        )
        assert created.status_code == 201, body(created)
        return Box(emulator, transport, uuid.UUID(body(created)["id"]))

    yield connect
    for base_url in routed:
        connections.unroute(base_url)


@dataclass
class Shop:
    tenant: TenantHandle
    channel: uuid.UUID
    warehouse: uuid.UUID
    skus: dict[str, uuid.UUID]

    def order(self, *lines: Any, country: str = "US") -> uuid.UUID:
        with self.tenant.scope():
            result = orders.upsert_from_channel(
                self.channel, channel_order(*(lines or (line("TEE", 2, "12.00"),)), country=country)
            )
            order = orders.get_order(result.order_id)
            assert order.status == "allocated", order.status
            return order.id

    def status(self, order_id: uuid.UUID) -> str:
        with self.tenant.scope():
            return orders.get_order(order_id).status


def make_shop(tenant: TenantHandle) -> Shop:
    wh = warehouse(
        tenant,
        country="CN",
        contact_name="Li Wei",
        company="Shenzhen Goods Co",
        address_line1="1 Bao'an Rd",
        city="Shenzhen",
        postal_code="518000",
        phone="+86 755 0000",
    )
    skus = {
        "TEE": approved_sku(
            tenant,
            "TEE",
            gross_weight_g=250,
            net_weight_g=220,
            barcode="6901234567892",
            customs={**CUSTOMS, "declared_value": {"amount": "8.00", "currency": "USD"}},
        ),
        "CAP": approved_sku(tenant, "CAP", gross_weight_g=120, net_weight_g=100, customs={**CUSTOMS, "name_en": "Cap"}),
        "BARE": approved_sku(tenant, "BARE", gross_weight_g=100, net_weight_g=90),
    }
    for sku in skus.values():
        stock(tenant, sku, wh, 100)
    settings(tenant, review_rules=APPROVE_ALL)
    return Shop(tenant, connection(tenant), wh, skus)


@pytest.fixture
def shop(tenant_a, tenant_b) -> Shop:
    return make_shop(tenant_a)
