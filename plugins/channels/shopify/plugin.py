"""Shopify: orders, fulfilment with tracking, inventory levels and order webhooks through the
Admin REST API (shared/reference/channels.md §2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.hookspecs import hookimpl
from core.ports import (
    PACING_SETTING,
    ChannelAdapter,
    ChannelOrder,
    ListingQuantity,
    OrderPage,
    Payout,
    PayoutTransaction,
    PushResult,
    RemoteRejected,
    SettingField,
    ShipmentConfirmation,
    WebhookEvent,
    header_value,
)
from core.ports import ChannelCapability as Cap
from plugins.channels.shopify.client import DEFAULT_API_VERSION, ShopifyClient, next_page_info
from plugins.channels.shopify.mapping import CARRIERS, order_from_shopify

PAGE_SIZE = 250  # the REST maximum
ORDER_TOPICS = ("orders/create", "orders/updated")


def _iso(value: datetime, up: bool = False) -> str:
    """Whole seconds in UTC; rounded outward so the server's range covers the window."""
    whole = value.replace(microsecond=0)
    if up and whole < value:
        whole += timedelta(seconds=1)
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyAdapter(ChannelAdapter):
    name = "shopify"
    display_name = "Shopify"
    client_class = ShopifyClient
    capabilities = frozenset(
        {
            Cap.ORDERS,
            Cap.SHIP_CONFIRM,
            Cap.PARTIAL_SHIPMENT,
            Cap.PUSH_QUANTITY,
            Cap.WEBHOOKS,
            Cap.WEBHOOK_SUBSCRIBE,
            Cap.REFUNDS,
            Cap.PAYOUTS,
        }
    )
    # Changes are stamped in whole seconds: a window ending a few seconds ago is closed for good.
    list_lag = timedelta(seconds=5)
    settings = (
        SettingField("base_url", "Shop URL", type="url", help="https://your-shop.myshopify.com"),
        SettingField(
            "access_token",
            "Admin API access token",
            secret=True,
            help="From a custom app with read_orders, write_fulfillments and write_inventory scopes",
        ),
        SettingField(
            "api_secret",
            "API secret key",
            secret=True,
            required=False,
            help="The app's client secret; Shopify signs webhooks with it",
        ),
        SettingField("api_version", "API version", required=False, default=DEFAULT_API_VERSION),
        SettingField(
            "location_id",
            "Inventory location id",
            required=False,
            help="Where pushed quantities are set; defaults to the first active location",
        ),
        PACING_SETTING,
    )

    def list_payouts(self, paid_since: date) -> list[Payout]:
        """Shopify Payments payouts (REST `shopify_payments/payouts.json`, status paid) and each
        one's balance transactions (`balance/transactions.json?payout_id=`), reference
        finance.md §3.2: the canonical statement of the Shopify Payments account. Both lists
        are read to their end by the `Link` header's `page_info` (250 a page, the REST
        maximum, channels.md §2): a shop paid daily has more than 250 payouts in 90 days."""
        out = []
        for p in self._pages(
            "shopify_payments/payouts.json", "payouts", {"status": "paid", "date_min": paid_since.isoformat()}
        ):
            txs = self._pages("shopify_payments/balance/transactions.json", "transactions", {"payout_id": p["id"]})
            out.append(
                Payout(
                    payout_id=str(p["id"]),
                    status=str(p.get("status") or ""),
                    paid_on=date.fromisoformat(str(p["date"])[:10]),
                    currency=str(p["currency"]),
                    net=Decimal(str(p["amount"])),
                    transactions=tuple(
                        PayoutTransaction(
                            transaction_id=str(t["id"]),
                            type=str(t.get("type") or ""),
                            amount=Decimal(str(t.get("amount") or 0)),
                            fee=Decimal(str(t.get("fee") or 0)),
                            net=Decimal(str(t.get("net") or 0)),
                            source_order_id=str(t.get("source_order_id") or ""),
                            processed_at=datetime.fromisoformat(str(t["processed_at"]).replace("Z", "+00:00"))
                            if t.get("processed_at")
                            else None,
                        )
                        for t in txs
                    ),
                )
            )
        return sorted(out, key=lambda p: p.paid_on)

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every row of a REST list: the first page with the filters, then the `page_info` of
        each `rel="next"` alone (Shopify refuses filters beside it)."""
        rows: list[dict[str, Any]] = []
        query: dict[str, Any] = {"limit": PAGE_SIZE, **params}
        while True:
            data, response = self.client.call("GET", path, params=query)
            rows.extend(data.get(key) or [])
            page = next_page_info(response)
            if not page:
                return rows
            query = {"limit": PAGE_SIZE, "page_info": page}

    def check_connection(self) -> str:
        data, response = self.client.call("GET", "shop.json")
        shop = data["shop"]
        served = response.headers.get("X-Shopify-API-Version") or self.client.api_version
        text = f"{shop['name']} ({shop['myshopify_domain']}, {shop['currency']}, API {served}"
        if served != self.client.api_version:
            text += f"; Shopify no longer serves {self.client.api_version}: set the API version to {served} or newer"
        return text + ")"

    # -- orders -----------------------------------------------------------------------------

    def list_orders(self, updated_after: datetime, updated_before: datetime, cursor: str | None = None) -> OrderPage:
        if cursor:
            # Shopify refuses filters next to page_info: they live inside the cursor.
            params: dict[str, Any] = {"limit": PAGE_SIZE, "page_info": cursor}
        else:
            # status=any: the default (open) hides cancelled and closed orders. Sorting on
            # updated_at with keyset pages means an order changed mid-window moves past the
            # window's end instead of shifting the pages under us.
            params = {
                "limit": PAGE_SIZE,
                "status": "any",
                "order": "updated_at asc",
                "updated_at_min": _iso(updated_after),
                "updated_at_max": _iso(updated_before, up=True),
            }
        data, response = self.client.call("GET", "orders.json", params=params)
        orders = tuple(
            o for o in map(order_from_shopify, data["orders"]) if updated_after <= o.updated_at < updated_before
        )
        return OrderPage(orders, next_page_info(response))

    def get_order(self, external_order_id: str) -> ChannelOrder:
        return order_from_shopify(self.client.call("GET", f"orders/{int(external_order_id)}.json")[0]["order"])

    # -- shipments --------------------------------------------------------------------------

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        oid = int(confirmation.external_order_id)
        fulfillments = self.client.call("GET", f"orders/{oid}/fulfillments.json")[0]["fulfillments"]
        if any(
            confirmation.tracking_number in (f.get("tracking_numbers") or [f.get("tracking_number")])
            and f.get("status") == "success"
            for f in fulfillments
        ):
            return  # already confirmed: a retried job must not fulfil twice
        fulfillment_orders = self.client.call("GET", f"orders/{oid}/fulfillment_orders.json")[0]["fulfillment_orders"]
        open_orders = [fo for fo in fulfillment_orders if fo["status"] in ("open", "in_progress")]
        if not open_orders:
            states = ", ".join(sorted({fo["status"] for fo in fulfillment_orders})) or "none"
            raise RemoteRejected(f"Shopify order {oid} has nothing left to fulfil (fulfillment orders: {states})")
        groups = []
        if not confirmation.lines:
            groups = [{"fulfillment_order_id": fo["id"], "fulfillment_order_line_items": []} for fo in open_orders]
        else:
            wanted = {line_id: qty for line_id, qty in confirmation.lines}
            for fo in open_orders:
                items = []
                for item in fo["line_items"]:
                    line_id = str(item["line_item_id"])
                    take = min(wanted.get(line_id, 0), item["fulfillable_quantity"])
                    if take > 0:
                        items.append({"id": item["id"], "quantity": take})
                        wanted[line_id] -= take
                if items:
                    groups.append({"fulfillment_order_id": fo["id"], "fulfillment_order_line_items": items})
            short = {k: v for k, v in wanted.items() if v > 0}
            if short:
                raise RemoteRejected(
                    f"Shopify order {oid}: more than the unfulfilled quantity of lines {sorted(short)}"
                )
        tracking = {
            "number": confirmation.tracking_number,
            "company": CARRIERS.get(confirmation.carrier.strip().lower(), confirmation.carrier),
        }
        if confirmation.tracking_url:
            tracking["url"] = confirmation.tracking_url
        self.client.call(
            "POST",
            "fulfillments.json",
            json={
                "fulfillment": {
                    "line_items_by_fulfillment_order": groups,
                    "tracking_info": tracking,
                    "notify_customer": True,
                }
            },
        )

    # -- stock ------------------------------------------------------------------------------

    def _location_id(self) -> int:
        configured = self.ctx.settings.get("location_id") or self.ctx.state.get("location_id")
        if configured:
            return int(configured)
        locations = self.client.call("GET", "locations.json")[0]["locations"]
        active = [loc for loc in locations if loc.get("active")]
        if not active:
            raise RemoteRejected("the Shopify shop has no active location to hold inventory")
        self.ctx.state["location_id"] = active[0]["id"]
        return int(active[0]["id"])

    def _inventory_items(self, refresh: bool = False) -> dict[str, int]:
        """SKU -> inventory item id, cached in the connection state (variants rarely change)."""
        cached = self.ctx.state.get("inventory_items")
        if cached and not refresh:
            return cached
        items: dict[str, int] = {}
        params: dict[str, Any] = {"limit": PAGE_SIZE, "fields": "id,variants"}
        while True:
            data, response = self.client.call("GET", "products.json", params=params)
            for product in data["products"]:
                for variant in product.get("variants") or []:
                    if variant.get("sku"):
                        items[variant["sku"]] = variant["inventory_item_id"]
            page = next_page_info(response)
            if not page:
                break
            params = {"limit": PAGE_SIZE, "page_info": page}
        self.ctx.state["inventory_items"] = items
        return items

    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        location = self._location_id()
        items = self._inventory_items()
        refreshed = False
        results = []
        for q in quantities:
            if q.seller_sku not in items and not refreshed:
                items, refreshed = self._inventory_items(refresh=True), True
            item_id = items.get(q.seller_sku)
            if item_id is None:
                results.append(PushResult(q.seller_sku, False, "no Shopify variant has this SKU"))
                continue
            try:
                self.client.call(
                    "POST",
                    "inventory_levels/set.json",
                    json={"location_id": location, "inventory_item_id": item_id, "available": max(0, q.quantity)},
                    idempotent=True,  # sets an absolute level
                )
            except RemoteRejected as exc:
                results.append(PushResult(q.seller_sku, False, str(exc)))
            else:
                results.append(PushResult(q.seller_sku, True))
        return results

    # -- webhooks ---------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.ctx.credentials.get("api_secret")
        signature = header_value(headers, "X-Shopify-Hmac-Sha256", "shopify-hmac-sha256")
        if secret is None or not signature:
            return False
        expected = base64.b64encode(hmac.new(secret.reveal().encode(), body, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected.encode(), signature.strip().encode())

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        topic = header_value(headers, "X-Shopify-Topic", "shopify-topic") or ""
        delivery = header_value(headers, "X-Shopify-Webhook-Id", "shopify-webhook-id") or ""
        if not delivery:
            raise RemoteRejected("Shopify webhook without X-Shopify-Webhook-Id")
        payload = json.loads(body)
        order = order_from_shopify(payload) if topic.startswith("orders/") else None
        return WebhookEvent(
            topic=topic,
            dedupe_key=f"shopify:{delivery}",
            external_order_id=order.external_order_id if order else None,
            order=order,
            delivery_id=delivery,
        )

    def subscribe_webhooks(self, callback_url: str) -> list[str]:
        existing = self.client.call("GET", "webhooks.json")[0]["webhooks"]
        have = {(w["topic"], w["address"]) for w in existing}
        for topic in ORDER_TOPICS:
            if (topic, callback_url) not in have:
                self.client.call(
                    "POST",
                    "webhooks.json",
                    json={"webhook": {"topic": topic, "address": callback_url, "format": "json"}},
                )
        return list(ORDER_TOPICS)


@hookimpl
def register_channels() -> list[type[ChannelAdapter]]:
    return [ShopifyAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.channels.shopify.emulator import ShopifyEmulator

    return {"shopify": ShopifyEmulator()}
