"""The plugin module named by the entry point: two hooks and the adapter class."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from core.hookspecs import hookimpl
from core.ports import (
    PACING_SETTING,
    ChannelAdapter,
    ChannelOrder,
    ListingQuantity,
    OrderPage,
    PushResult,
    RemoteRejected,
    SettingField,
    ShipmentConfirmation,
    WebhookEvent,
    header_value,
)
from core.ports import ChannelCapability as Cap
from tradelane_tinyshop.client import TinyShopClient
from tradelane_tinyshop.mapping import order_from_tinyshop


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


class TinyShopAdapter(ChannelAdapter):
    name = "tinyshop"
    display_name = "TinyShop"
    client_class = TinyShopClient  # built on first use as self.client, closed by close()
    capabilities = frozenset({Cap.ORDERS, Cap.SHIP_CONFIRM, Cap.PUSH_QUANTITY, Cap.WEBHOOKS})
    list_lag = timedelta(seconds=5)  # changes are stamped in whole seconds: let the last one close
    settings = (
        SettingField("base_url", "Shop URL", type="url", default="https://api.tinyshop.example"),
        SettingField("api_key", "API key", secret=True),
        SettingField("webhook_secret", "Webhook secret", secret=True, required=False),
        PACING_SETTING,
    )

    def check_connection(self) -> str:
        return self.client.json(self.client.request("GET", "/api/shop", op="api"))["name"]

    def list_orders(self, updated_after: datetime, updated_before: datetime, cursor: str | None = None) -> OrderPage:
        params = {"updated_since": _iso(updated_after), "updated_until": _iso(updated_before), "limit": 50}
        if cursor:
            params["cursor"] = cursor
        data = self.client.json(self.client.request("GET", "/api/orders", op="api", params=params))
        return OrderPage(tuple(map(order_from_tinyshop, data["orders"])), data.get("next_cursor"))

    def get_order(self, external_order_id: str) -> ChannelOrder:
        response = self.client.request("GET", f"/api/orders/{external_order_id}", op="api")
        return order_from_tinyshop(self.client.json(response))

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        self.client.request(
            "POST",
            f"/api/orders/{confirmation.external_order_id}/shipments",
            op="api",
            json={
                "carrier": confirmation.carrier,
                "service": confirmation.service,
                "tracking_number": confirmation.tracking_number,
                "items": [{"id": line_id, "quantity": qty} for line_id, qty in confirmation.lines],
            },
        )

    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        results = []
        for q in quantities:
            try:
                self.client.request(
                    "PUT", f"/api/stock/{q.seller_sku}", op="api", json={"quantity": max(0, q.quantity)}
                )
            except RemoteRejected as exc:
                results.append(PushResult(q.seller_sku, False, str(exc)))
            else:
                results.append(PushResult(q.seller_sku, True))
        return results

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret, signature = self.ctx.credentials.get("webhook_secret"), header_value(headers, "X-TinyShop-Signature")
        if secret is None or not signature:
            return False
        expected = hmac.new(secret.reveal().encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        order = order_from_tinyshop(json.loads(body))
        delivery = header_value(headers, "X-TinyShop-Delivery") or ""
        return WebhookEvent(
            topic=header_value(headers, "X-TinyShop-Topic") or "order.updated",
            dedupe_key=f"tinyshop:{delivery}",
            external_order_id=order.external_order_id,
            order=order,
            delivery_id=delivery,
        )


@hookimpl
def register_channels() -> list[type[ChannelAdapter]]:
    return [TinyShopAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from tradelane_tinyshop.emulator import TinyShopEmulator

    return {"tinyshop": TinyShopEmulator()}
