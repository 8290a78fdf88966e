"""Demo shipping: the four bundled carriers connected to their emulators (mounted in the app),
the customs identifiers set, and a few orders from the Shenzhen warehouse in every shipping
state: waiting for a label, labelled, packed, shipped and in transit, delivered, and held in
customs. Tracking on the emulators runs a day a minute, so the scheduled tracking job moves
the shipped ones on while the demo runs."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import httpx
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from core import connections
from core.catalog import service as catalog
from core.db import session
from core.errors import DomainError
from core.orders import service as orders
from core.plugins import registry
from core.shipping.service import buy_label, hand_over, live_shipment, pack, track, update_settings
from tenants import service as tenants

log = logging.getLogger("tradelane.shipping.demo")

CARRIERS = ("fedex", "ups", "dhl", "usps")
# Destination, SKU position, units: non-EU destinations, so the demo needs no IOSS check rate.
ORDERS = (("US", 0, 2), ("GB", 1, 1), ("AU", 2, 3), ("CA", 0, 1), ("US", 3, 1), ("JP", 1, 2), ("US", 2, 1))
STATES = ("awaiting", "labelled", "packed", "shipped", "delivered", "exception", "awaiting")


def seed(base_url: str) -> None:
    reg = registry()
    routed = []
    connected = 0
    try:
        for name in CARRIERS:
            emulator = reg.emulators.get(name)
            if emulator is None or name not in reg.adapters["carrier"]:
                continue
            url = f"{base_url}/_emulators/{name}"
            # The server is not up while the demo seeds: reach the mounted emulator in process
            # meanwhile (afterwards the connection goes over HTTP to the same emulator).
            mounted = DispatcherMiddleware(NotFound(), {f"/_emulators/{name}": emulator})  # as the app mounts it
            connections.route(url, transport=httpx.WSGITransport(app=mounted))
            routed.append(url)
            emulator.time_scale = 1440
            tenants.create_connection(
                kind="carrier",
                plugin=name,
                display_name=f"{reg.adapter('carrier', name).display_name or name} (demo)",
                settings=emulator.connection_settings(url),
            )
            connected += 1
        if not connected:
            return
        update_settings(eori="CN4403123456789", ioss="IM1560000042", vat_number="", label_format="PDF")
        _orders(reg)
    finally:
        for url in routed:
            connections.unroute(url)


def _skus() -> list[Any]:
    """Sellable single SKUs with customs data (the demo catalogue's T-shirts and mug)."""
    rows = session.execute(catalog.sku_query(status="approved", active=True, usable_for="sale")).scalars().all()
    return [s for s in rows if not s.kit_type and s.hs_code and s.customs_name_en]


def _orders(reg: Any) -> None:
    skus = _skus()
    if not skus:
        return
    for (country, position, units), state in zip(ORDERS, STATES, strict=True):
        sku = skus[position % len(skus)]
        order = orders.create_order(
            {
                "currency": "USD",
                "external_order_id": f"DEMO-SHIP-{secrets.token_hex(3).upper()}",
                "lines": [{"sku": sku.code, "quantity": units, "unit_price": "19.99"}],
                "shipping_address": {
                    "name": "Demo Buyer",
                    "line1": "1 Harbour Street",
                    "city": "Sydney" if country == "AU" else "Springfield",
                    "postal_code": "2000" if country == "AU" else "62701",
                    "country": country,
                    "phone": "+1 555 0100",
                },
            }
        )
        if order.status == "pending_review":
            orders.approve(order.id)
        if orders.get_order(order.id).status == "approved":
            orders.allocate(order.id)
        if state == "awaiting":
            continue
        try:
            _advance(order.id, sku, units, state, reg)
        except DomainError as exc:  # the demo shows the order where it stopped, and why in the log
            log.warning("demo shipment of %s stopped: %s", order.number, exc.message)


def _advance(order_id: Any, sku: Any, units: int, state: str, reg: Any) -> None:
    shipment = buy_label(order_id)
    if state == "labelled":
        return
    pack(shipment.id, [sku.code] * units)
    if state == "packed":
        return
    hand_over(shipment.id)
    if state in ("delivered", "exception"):
        emulator = reg.emulators[shipment.carrier]
        emulator.force(shipment.tracking_number, state)
    track([live_shipment(order_id)])
