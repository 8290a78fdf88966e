"""WooCommerce: orders, completion with tracking, stock quantities and signed order webhooks
through the REST API v3 (shared/reference/channels.md §3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
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
from plugins.channels.woocommerce.client import AUTH_MODES, DEFAULT_RATE, WooCommerceClient
from plugins.channels.woocommerce.mapping import order_from_woo

PAGE_SIZE = 100  # the WordPress REST maximum
# Every status, trash included: an order binned in the admin must reach us as cancelled.
ALL_STATUSES = "pending,processing,on-hold,completed,cancelled,refunded,failed,trash"
ORDER_TOPICS = ("order.created", "order.updated")
CLOSED = ("cancelled", "refunded", "failed", "trash")
_PING = re.compile(rb"^webhook_id=\d+$")
TRACKING_API = "wc-shipment-tracking/v3"  # the official Shipment Tracking extension


def _note(confirmation: ShipmentConfirmation) -> str:
    note = (
        f"Shipped with {confirmation.carrier} {confirmation.service}".rstrip()
        + f", tracking number {confirmation.tracking_number}."
    )
    if confirmation.tracking_url:
        note += f" Track it at {confirmation.tracking_url}"
    return note


def _gmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _wp_decode(secret: str) -> str:
    """WooCommerce signs with the stored secret passed through wp_specialchars_decode."""
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#039;", "'"), ("&amp;", "&")):
        secret = secret.replace(entity, char)
    return secret


class WooCommerceAdapter(ChannelAdapter):
    name = "woocommerce"
    display_name = "WooCommerce"
    client_class = WooCommerceClient
    capabilities = frozenset(
        {Cap.ORDERS, Cap.SHIP_CONFIRM, Cap.PUSH_QUANTITY, Cap.WEBHOOKS, Cap.WEBHOOK_SUBSCRIBE, Cap.REFUNDS}
    )
    # Changes are stamped in whole seconds: a window ending a few seconds ago is closed for good.
    list_lag = timedelta(seconds=5)
    settings = (
        SettingField("base_url", "Store URL", type="url", help="https://your-store.example (pretty permalinks on)"),
        SettingField("consumer_key", "Consumer key", secret=True, help="ck_..., with read/write permission"),
        SettingField("consumer_secret", "Consumer secret", secret=True, help="cs_..."),
        SettingField(
            "webhook_secret",
            "Webhook secret",
            secret=True,
            required=False,
            help="Signs the order webhooks Tradelane subscribes to",
        ),
        SettingField(
            "auth_mode",
            "Authentication",
            type="choice",
            required=False,
            default="auto",
            choices=AUTH_MODES,
            help=(
                "auto: Basic over HTTPS, OAuth 1.0a where WordPress does not see HTTPS (always over http://); "
                "query if the web server strips the Authorization header (401 cannot_view)"
            ),
        ),
        SettingField(
            "requests_per_second",
            "Requests per second",
            type="int",
            required=False,
            default=DEFAULT_RATE,
            help="What the store's host tolerates",
        ),
        PACING_SETTING,
    )

    def check_connection(self) -> str:
        _, response = self.client.call("GET", "orders", params={"per_page": 1, "status": ALL_STATUSES})
        total = response.headers.get("X-WP-Total", "?")
        return f"{self.ctx.settings['base_url']} ({total} orders; authenticated by {self.client.auth_description})"

    # -- orders -----------------------------------------------------------------------------

    def list_orders(self, updated_after: datetime, updated_before: datetime, cursor: str | None = None) -> OrderPage:
        page = int(cursor) if cursor else 1
        # Page numbers over a live list are only safe if changes can append to it but never
        # remove from it: so no upper bound (an order edited mid-window would leave the set and
        # shift every later page), ascending ids (new orders land at the end), and the window's
        # end applied here. modified_after is exclusive, hence the second subtracted.
        data, response = self.client.call(
            "GET",
            "orders",
            params={
                "page": page,
                "per_page": PAGE_SIZE,
                "orderby": "id",
                "order": "asc",
                "status": ALL_STATUSES,
                "modified_after": _gmt(updated_after.replace(microsecond=0) - timedelta(seconds=1)),
                "dates_are_gmt": "true",
            },
        )
        orders = tuple(o for o in map(order_from_woo, data) if updated_after <= o.updated_at < updated_before)
        pages = int(response.headers.get("X-WP-TotalPages") or 0)
        return OrderPage(orders, str(page + 1) if page < pages else None)

    def get_order(self, external_order_id: str) -> ChannelOrder:
        return order_from_woo(self.client.call("GET", f"orders/{int(external_order_id)}")[0])

    # -- shipments --------------------------------------------------------------------------

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        """Tracking where the buyer sees it, then completion (shared/reference/channels.md §3.2).

        Core WooCommerce has no shipment tracking, so order meta would reach nobody: the
        Shipment Tracking extension's endpoint takes it where the store has the extension (its
        numbers show in the buyer's emails and account); elsewhere a customer-visible order
        note carries the carrier, the number and the tracking URL. Tracking goes first so the
        "order completed" email that completion sends already carries it. Each step checks
        what the store holds first, so a retried job adds nothing twice."""
        oid = int(confirmation.external_order_id)
        order = self.client.call("GET", f"orders/{oid}")[0]
        trackings = self._trackings(oid)
        if trackings is not None:
            shipped = any(t.get("tracking_number") == confirmation.tracking_number for t in trackings)
        else:
            notes = self.client.call("GET", f"orders/{oid}/notes", params={"type": "customer"})[0]
            shipped = any(n.get("customer_note") and confirmation.tracking_number in str(n.get("note")) for n in notes)
        if not shipped:
            if order["status"] in CLOSED:
                raise RemoteRejected(f"WooCommerce order {oid} is {order['status']}; it cannot ship")
            if trackings is not None:
                self._add_tracking(oid, confirmation)
            else:
                self.client.call(
                    "POST", f"orders/{oid}/notes", json={"note": _note(confirmation), "customer_note": True}
                )
        # WooCommerce has no partial shipment: a confirmation covering only some of the lines
        # adds its tracking and leaves the order processing.
        ordered = {str(li["id"]): int(li["quantity"]) for li in order.get("line_items") or []}
        whole = not confirmation.lines or all(
            dict(confirmation.lines).get(line_id, 0) >= qty for line_id, qty in ordered.items()
        )
        if whole and order["status"] not in ("completed", *CLOSED):
            self.client.call("PUT", f"orders/{oid}", json={"status": "completed"})

    def _tracking_url(self, oid: int) -> str:
        return f"{self.client.store_url}/wp-json/{TRACKING_API}/orders/{oid}/shipment-trackings"

    def _trackings(self, oid: int) -> list[dict[str, Any]] | None:
        """The order's tracking items from the Shipment Tracking extension, or None when the
        store does not have it (WordPress knows no such route). Asked every time: a seller may
        install the extension any day."""
        try:
            items = self.client.call("GET", self._tracking_url(oid))[0]
        except RemoteRejected as exc:
            if exc.status == 404 and exc.code == "rest_no_route":
                return None
            raise
        return list(items or [])

    def _add_tracking(self, oid: int, confirmation: ShipmentConfirmation) -> None:
        body: dict[str, Any] = {
            "tracking_number": confirmation.tracking_number,
            "date_shipped": confirmation.shipped_at.date().isoformat(),
        }
        if confirmation.tracking_url:
            # A provider of our own naming with our link: the buyer follows exactly that URL.
            body.update(custom_tracking_provider=confirmation.carrier, custom_tracking_link=confirmation.tracking_url)
        else:
            body["tracking_provider"] = confirmation.carrier  # the extension links its known providers
        # Not idempotent by itself, but the list was read just before and is read again on retry.
        self.client.call("POST", self._tracking_url(oid), json=body)

    # -- stock ------------------------------------------------------------------------------

    def _listing(self, sku: str, refresh: bool = False) -> list[int] | None:
        """[product id, variation id or 0] of a SKU, cached in the connection state."""
        cache = self.ctx.state.setdefault("listings", {})
        if sku in cache and not refresh:
            return cache[sku]
        found = self.client.call("GET", "products", params={"sku": sku})[0]
        if not found:
            cache.pop(sku, None)
            return None
        item = found[0]
        ref = [item["parent_id"], item["id"]] if item.get("type") == "variation" else [item["id"], 0]
        cache[sku] = ref
        return ref

    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        results: dict[int, PushResult] = {}
        pending = list(enumerate(quantities))
        for attempt in range(2):  # the second pass re-resolves listings whose cached ids went stale
            groups: dict[int, list[tuple[int, ListingQuantity]]] = {}
            for index, q in pending:
                ref = self._listing(q.seller_sku, refresh=attempt > 0)
                if ref is None:
                    results[index] = PushResult(q.seller_sku, False, "no WooCommerce product has this SKU")
                    continue
                groups.setdefault(ref[0] if ref[1] else 0, []).append((index, q))
            stale = []
            for parent, items in groups.items():
                for start in range(0, len(items), 100):  # batch endpoints take at most 100 objects
                    chunk = items[start : start + 100]
                    path = f"products/{parent}/variations/batch" if parent else "products/batch"
                    body = {
                        "update": [
                            {
                                "id": self.ctx.state["listings"][q.seller_sku][1 if parent else 0],
                                "manage_stock": True,
                                "stock_quantity": max(0, q.quantity),
                            }
                            for _, q in chunk
                        ]
                    }
                    # Absolute stock values: sending the batch twice sets them once.
                    answer = self.client.call("POST", path, json=body, idempotent=True)[0].get("update") or []
                    for (index, q), result in zip(chunk, answer):
                        problem = result.get("error") if isinstance(result, dict) else {"message": "no answer"}
                        if not problem:
                            results[index] = PushResult(q.seller_sku, True)
                        elif "invalid_id" in str(problem.get("code")) and attempt == 0:
                            stale.append((index, q))
                        else:
                            results[index] = PushResult(q.seller_sku, False, problem.get("message", "refused"))
                    for index, q in chunk[len(answer) :]:
                        results[index] = PushResult(q.seller_sku, False, "WooCommerce returned no result")
            if not stale:
                break
            pending = stale
        return [results[i] for i in range(len(quantities))]

    # -- webhooks ---------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        signature = header_value(headers, "X-WC-Webhook-Signature")
        if not signature:
            # WooCommerce pings a new webhook without signing; it carries nothing to act on.
            return header_value(headers, "X-WC-Webhook-Topic") is None and bool(_PING.match(body.strip()))
        secret = self.ctx.credentials.get("webhook_secret")
        if secret is None:
            return False
        expected = base64.b64encode(hmac.new(_wp_decode(secret.reveal()).encode(), body, hashlib.sha256).digest())
        return hmac.compare_digest(expected, signature.strip().encode())

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        delivery = header_value(headers, "X-WC-Webhook-Delivery-ID") or ""
        if _PING.match(body.strip()) and not header_value(headers, "X-WC-Webhook-Signature"):
            return WebhookEvent(topic="ping", dedupe_key=f"woocommerce:ping:{body.strip().decode()}")
        topic = header_value(headers, "X-WC-Webhook-Topic") or ""
        # WooCommerce gives every delivery attempt a new id and fires order.created more than
        # once, so deliveries are told apart by what they say, not by their id.
        key = hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()[:40]
        order = order_from_woo(json.loads(body)) if topic.startswith("order.") and topic != "order.deleted" else None
        external_id = order.external_order_id if order else (str(json.loads(body).get("id")) if body else None)
        return WebhookEvent(
            topic=topic,
            dedupe_key=f"woocommerce:{key}",
            external_order_id=external_id,
            order=order,
            delivery_id=delivery,
        )

    def subscribe_webhooks(self, callback_url: str) -> list[str]:
        secret = self.ctx.credentials.get("webhook_secret")
        if secret is None:
            raise RemoteRejected("set a webhook secret on the connection before subscribing")
        existing = self.client.call("GET", "webhooks")[0]
        for topic in ORDER_TOPICS:
            hook = next((w for w in existing if w["topic"] == topic and w["delivery_url"] == callback_url), None)
            if hook is None:
                self.client.call(
                    "POST",
                    "webhooks",
                    json={
                        "name": f"Tradelane {topic}",
                        "topic": topic,
                        "delivery_url": callback_url,
                        "secret": secret.reveal(),
                        "status": "active",
                    },
                )
            elif hook["status"] != "active":
                # WooCommerce disables a webhook after more than five failed deliveries.
                self.client.call("PUT", f"webhooks/{hook['id']}", json={"status": "active", "secret": secret.reveal()})
        return list(ORDER_TOPICS)


@hookimpl
def register_channels() -> list[type[ChannelAdapter]]:
    return [WooCommerceAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.channels.woocommerce.emulator import WooCommerceEmulator

    return {"woocommerce": WooCommerceEmulator()}
