"""TinyShop's API in memory, built on Tradelane's emulator toolkit (core.testing.emulator):
ChannelEmulator brings the control API (/_control/...), credentials and rate limits (`gate`),
fault knobs, the clock, order generation and signed webhook delivery; this class adds
TinyShop's routes and shapes."""

from __future__ import annotations

import base64
import bisect
import json
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.testing.emulator import ChannelEmulator, hmac_signature, json_response
from core.testing.orders import CATALOGUE, SampleOrder


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TinyShopEmulator(ChannelEmulator):
    name = "tinyshop"
    LIMITS = {"api": (10, 10)}
    CHANGES = {"cancel": "cancel the order", "touch": "change something small"}
    ORDER_WEBHOOK_TOPIC = "order.updated"
    api_key = "tiny-api-key"
    webhook_secret = "tiny-webhook-secret"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "api_key": self.api_key, "webhook_secret": self.webhook_secret}

    def reset_state(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.keys: list[tuple[str, str]] = []  # (updated_at, id), sorted: the list's order
        self.stock = {sku: 0 for sku, _, _ in CATALOGUE}

    def add_order(self, sample: SampleOrder) -> str:
        oid = f"TS-{1000 + len(self.orders) + 1}"
        items = [
            {
                "id": f"{oid}-{n}",
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for n, line in enumerate(sample.lines, 1)
        ]
        total = sum(line.unit_price * line.quantity for line in sample.lines) + sample.shipping
        self.orders[oid] = {
            "id": oid,
            "status": "paid",
            "currency": sample.currency,
            "created_at": iso(sample.created_at),
            "updated_at": iso(sample.created_at),
            "customer": {"name": sample.buyer_name, "email": sample.buyer_email},
            "ship_to": {
                "name": sample.address.name,
                "street": sample.address.line1,
                "city": sample.address.city,
                "postcode": sample.address.postal_code,
                "country": sample.address.country,
            },
            "items": items,
            "shipping": str(sample.shipping),
            "total": str(total),
            "shipments": [],
        }
        bisect.insort(self.keys, (self.orders[oid]["updated_at"], oid))
        self.queue_webhook("order.created", oid)
        return oid

    def _touch(self, order: dict[str, Any]) -> None:
        self.keys.remove((order["updated_at"], order["id"]))
        order["updated_at"] = iso(self.clock.now())
        bisect.insort(self.keys, (order["updated_at"], order["id"]))
        self.queue_webhook("order.updated", order["id"])

    def apply_change(self, order_id: str, change: str, **options: Any) -> None:
        order = self.orders[order_id]
        if change == "cancel":
            order["status"] = "cancelled"
        self._touch(order)

    def order_json(self, order_id: str) -> dict[str, Any]:
        return self.orders[order_id]

    def order_ids(self) -> list[str]:
        return list(self.orders)

    def quantities(self) -> dict[str, int]:
        return dict(self.stock)

    def build_webhook(self, topic: str, order_id: str, event_id: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(self.orders[order_id]).encode()
        signature = hmac_signature(self.webhook_secret, body, encoding="hex")
        return {
            "Content-Type": "application/json",
            "X-TinyShop-Topic": topic,
            "X-TinyShop-Delivery": event_id,
            "X-TinyShop-Signature": signature,
        }, body

    # -- the API ----------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/api/shop", endpoint="shop"),
            Rule("/api/orders", endpoint="list_orders"),
            Rule("/api/orders/<order_id>", endpoint="get_order"),
            Rule("/api/orders/<order_id>/shipments", endpoint="ship", methods=["POST"]),
            Rule("/api/stock/<sku>", endpoint="set_stock", methods=["PUT"]),
        ]

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return json_response({"error": "rate limited"}, 429, {"Retry-After": f"{max(retry_after, 0.1):.1f}"})

    def authorize(self, request: Request) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return json_response({"error": "unauthorized"}, 401)
        return None

    def shop(self, request: Request) -> Response:
        return self.gate(request, "api") or json_response({"name": "TinyShop demo"})

    def list_orders(self, request: Request) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        since = iso(datetime.fromisoformat(request.args["updated_since"].replace("Z", "+00:00")))
        until = iso(datetime.fromisoformat(request.args["updated_until"].replace("Z", "+00:00")))
        limit = min(int(request.args.get("limit", 50)), 100)
        cursor = request.args.get("cursor")
        start = (
            bisect.bisect_right(self.keys, tuple(base64.urlsafe_b64decode(cursor).decode().split("|")))
            if cursor
            else bisect.bisect_left(self.keys, (since, ""))
        )
        end = bisect.bisect_left(self.keys, (until, ""))
        page = self.keys[start : min(end, start + limit)]
        more = start + limit < end
        next_cursor = base64.urlsafe_b64encode("|".join(page[-1]).encode()).decode() if more else None
        return json_response({"orders": [self.orders[oid] for _, oid in page], "next_cursor": next_cursor})

    def get_order(self, request: Request, order_id: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if order_id not in self.orders:
            return json_response({"error": "not found"}, 404)
        return json_response(self.orders[order_id])

    def ship(self, request: Request, order_id: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        order = self.orders.get(order_id)
        if order is None or order["status"] not in ("paid", "shipped"):
            return json_response({"error": "order cannot ship"}, 404 if order is None else 409)
        body = json.loads(request.data)
        if body["tracking_number"] in order["shipments"]:
            return json_response({"ok": True})
        order["shipments"].append(body["tracking_number"])
        order["status"] = "shipped"
        self._touch(order)
        self.record_shipment(
            order_id,
            carrier=body["carrier"],
            tracking_number=body["tracking_number"],
            service=body.get("service", ""),
            lines=[(i["id"], i["quantity"]) for i in body["items"]],
        )
        return json_response({"ok": True}, 201)

    def set_stock(self, request: Request, sku: str) -> Response:
        refused = self.gate(request, "api")
        if refused:
            return refused
        if sku not in self.stock:
            return json_response({"error": f"unknown sku {sku}"}, 404)
        self.stock[sku] = int(json.loads(request.data)["quantity"])
        self.record_quantity(sku, self.stock[sku])
        return json_response({"sku": sku, "quantity": self.stock[sku]})
