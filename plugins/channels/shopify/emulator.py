"""A Shopify Admin REST API emulator: one shop, its orders, products and inventory.

Wire behaviour reproduced (shared/reference/channels.md §2): `X-Shopify-Access-Token` (401
without it), `orders.json` with `status=open` by default, `limit` up to 250, cursor pagination
through an opaque `page_info` in the `Link` header (400 when other filters come with it), the
40-request bucket leaking 2 per second with `X-Shopify-Shop-Api-Call-Limit` and 429 +
`Retry-After`, fulfilment orders and fulfilments with tracking, `inventory_levels/set.json`,
webhook subscriptions and HMAC-signed deliveries with `X-Shopify-Webhook-Id`.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.money import quantum, round_money
from core.testing.emulator import ChannelEmulator, hmac_signature, json_default, json_response
from core.testing.orders import CATALOGUE, USD_RATES, SampleOrder

API = "/admin/api/<version>"
SHOP_TZ = ZoneInfo("America/New_York")
SHOP_DOMAIN = "tradelane-demo.myshopify.com"
LIST_FILTERS = (
    "ids",
    "since_id",
    "created_at_min",
    "created_at_max",
    "updated_at_min",
    "updated_at_max",
    "processed_at_min",
    "processed_at_max",
    "status",
    "financial_status",
    "fulfillment_status",
    "order",
    "attribution_app_id",
)
UNTRACKED_SKU = CATALOGUE[-1][0]  # one listing without inventory tracking: pushes to it fail (422)
# Stable versions the emulated Shopify still serves, oldest first (each is kept about a year),
# and the release candidate after them. A request for an older one is served by the oldest
# (Shopify "falls forward"); X-Shopify-API-Version says which version answered.
API_VERSIONS = ("2026-01", "2026-04", "2026-07", "2026-10", "2027-01")
VERSION = re.compile(r"^\d{4}-(01|04|07|10)$")
WEBHOOK_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/paid")


def ts(value: datetime) -> str:
    """Shopify renders times in the shop's zone with its offset."""
    return value.astimezone(SHOP_TZ).isoformat(timespec="seconds")


def parse_ts(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:  # Shopify reads a naive time in the shop's zone
        parsed = parsed.replace(tzinfo=SHOP_TZ)
    return parsed.astimezone(UTC)


def money(amount: Decimal, currency: str) -> str:
    return str(_round(amount, currency))


@cache
def _quantum(currency: str) -> Decimal:
    return quantum(currency)


def _round(amount: Decimal, currency: str) -> Decimal:
    """core.money.round_money, with the quantum cached: generation rounds millions of amounts."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def money_set(shop: Decimal, presentment: Decimal, shop_cur: str, pres_cur: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": money(shop, shop_cur), "currency_code": shop_cur},
        "presentment_money": {"amount": money(presentment, pres_cur), "currency_code": pres_cur},
    }


class ShopifyEmulator(ChannelEmulator):
    name = "shopify"
    LIMITS = {"rest": (2.0, 40)}  # standard plan: bucket of 40, leaking 2 per second
    ORDER_WEBHOOK_TOPIC = "orders/updated"
    CHANGES = {
        "cancel": "cancel the order (refunding a paid one), as the merchant or buyer would",
        "refund": "refund the whole order",
        "address": "change the shipping address",
        "pay": "capture payment of a pending order",
        "touch": "edit the order note, which only bumps updated_at",
    }
    SHOP_CURRENCY = "USD"

    def __init__(self, *, seed: int = 1, clock: Any = None) -> None:
        super().__init__(seed=seed, clock=clock)
        token = hashlib.sha256(f"shopify-{seed}".encode()).hexdigest()
        self.access_token = f"shpat_{token[:32]}"
        self.api_secret = f"shpss_{token[32:64]}"

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "access_token": self.access_token, "api_secret": self.api_secret}

    # -- state ------------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.orders: dict[int, dict[str, Any]] = {}
        self.updated: dict[int, datetime] = {}
        self.created: dict[int, datetime] = {}
        self.fulfillment_orders: dict[int, list[dict[str, Any]]] = {}
        self.fulfillments: dict[int, list[dict[str, Any]]] = {}
        self.version = 0  # bumped on every change; keys the list cache
        self.payouts: list[dict[str, Any]] = []  # Shopify Payments payouts with their transactions
        self._list_cache: dict[Any, tuple[list[tuple[Any, int]], list[int]]] = {}
        self._next_id = 5_900_000_000_000
        self.location = {"id": 71_000_000_001, "name": "Shenzhen warehouse", "active": True}
        self.products: list[dict[str, Any]] = []
        self.levels: dict[int, int] = {}  # inventory_item_id -> available at the location
        self.items_by_sku: dict[str, dict[str, Any]] = {}
        for n, (sku, title, usd) in enumerate(CATALOGUE):
            product_id, variant_id, item_id = 8_000_000_000 + n, 44_000_000_000 + n, 46_000_000_000 + n
            variant = {
                "id": variant_id,
                "product_id": product_id,
                "sku": sku,
                "title": "Default Title",
                "price": usd,
                "inventory_item_id": item_id,
                "inventory_quantity": 0,
                "inventory_management": None if sku == UNTRACKED_SKU else "shopify",
            }
            self.products.append({"id": product_id, "title": title, "status": "active", "variants": [variant]})
            self.items_by_sku[sku] = variant
            if sku != UNTRACKED_SKU:
                self.levels[item_id] = 0

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _touch(self, oid: int, topic: str = "orders/updated") -> None:
        now = self.clock.now().replace(microsecond=0)
        self.updated[oid] = max(now, self.updated[oid])
        self.orders[oid]["updated_at"] = ts(self.updated[oid])
        self.version += 1
        self.queue_webhook(topic, str(oid))

    def generation_defaults(self) -> dict[str, Any]:
        return {"currency": self.SHOP_CURRENCY}

    def add_order(self, sample: SampleOrder) -> str:
        rng = self.factory.rng
        oid = self._id()
        cur = self.SHOP_CURRENCY
        pres = {
            "GB": "GBP",
            "DE": "EUR",
            "FR": "EUR",
            "ES": "EUR",
            "IT": "EUR",
            "NL": "EUR",
            "CA": "CAD",
            "AU": "AUD",
            "JP": "JPY",
            "MX": "MXN",
        }.get(sample.address.country, cur)
        fx = USD_RATES[pres]
        discount_rate = Decimal("0.10") if rng.random() < 0.15 else Decimal(0)
        tax_rate = Decimal("0.0825") if sample.address.country == "US" else Decimal(0)
        lines, subtotal, total_tax, total_discount = [], Decimal(0), Decimal(0), Decimal(0)
        for line in sample.lines:
            gross = line.unit_price * line.quantity
            discount = _round(gross * discount_rate, cur)
            tax = _round((gross - discount) * tax_rate, cur)
            subtotal += gross - discount
            total_tax += tax
            total_discount += discount
            variant = self.items_by_sku[line.sku]
            lines.append(
                {
                    "id": self._id(),
                    "admin_graphql_api_id": "",
                    "product_id": variant["product_id"],
                    "variant_id": variant["id"],
                    "sku": line.sku,
                    "title": line.title,
                    "variant_title": None,
                    "name": line.title,
                    "quantity": line.quantity,
                    "current_quantity": line.quantity,
                    "fulfillable_quantity": line.quantity,
                    "fulfillment_status": None,
                    "price": money(line.unit_price, cur),
                    "price_set": money_set(line.unit_price, line.unit_price * fx, cur, pres),
                    "total_discount": money(discount, cur),
                    "total_discount_set": money_set(discount, discount * fx, cur, pres),
                    "tax_lines": [
                        {
                            "title": "State tax",
                            "rate": float(tax_rate),
                            "price": money(tax, cur),
                            "price_set": money_set(tax, tax * fx, cur, pres),
                        }
                    ]
                    if tax
                    else [],
                    "requires_shipping": True,
                    "taxable": bool(tax_rate),
                    "grams": rng.randint(80, 1500),
                    "vendor": "Tradelane Demo",
                }
            )
            lines[-1]["admin_graphql_api_id"] = f"gid://shopify/LineItem/{lines[-1]['id']}"
        shipping = sample.shipping
        total = subtotal + shipping + total_tax
        financial = rng.choices(("paid", "pending", "authorized"), (90, 6, 4))[0]
        first, _, last = sample.buyer_name.partition(" ")
        address = {
            "first_name": first,
            "last_name": last,
            "name": sample.buyer_name,
            "company": None,
            "address1": sample.address.line1,
            "address2": sample.address.line2,
            "city": sample.address.city,
            "province": sample.address.state,
            "province_code": sample.address.state,
            "zip": sample.address.postal_code,
            "country": sample.address.country,
            "country_code": sample.address.country,
            "phone": sample.address.phone,
        }
        number = 1000 + len(self.orders) + 1
        order = {
            "id": oid,
            "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
            "name": f"#{number}",
            "order_number": number,
            "email": sample.buyer_email,
            "phone": None,
            "created_at": ts(sample.created_at),
            "updated_at": ts(sample.created_at),
            "processed_at": ts(sample.created_at),
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "financial_status": financial,
            "fulfillment_status": None,
            "confirmed": True,
            "currency": cur,
            "presentment_currency": pres,
            "taxes_included": False,
            "subtotal_price": money(subtotal, cur),
            "total_tax": money(total_tax, cur),
            "total_discounts": money(total_discount, cur),
            "total_price": money(total, cur),
            "current_total_price": money(total, cur),
            "total_price_set": money_set(total, total * fx, cur, pres),
            "total_shipping_price_set": money_set(shipping, shipping * fx, cur, pres),
            "note": sample.buyer_note or None,
            "tags": "",
            "customer": {
                "id": oid + 7,
                "email": sample.buyer_email,
                "first_name": first,
                "last_name": last,
                "phone": sample.address.phone,
            },
            "line_items": lines,
            "shipping_address": address,
            "billing_address": dict(address),
            "shipping_lines": [
                {
                    "id": self._id(),
                    "title": "Standard",
                    "code": "Standard",
                    "price": money(shipping, cur),
                    "price_set": money_set(shipping, shipping * fx, cur, pres),
                    "discounted_price": money(shipping, cur),
                    "tax_lines": [],
                }
            ],
            "refunds": [],
        }
        self.orders[oid] = order
        self.created[oid] = sample.created_at
        self.updated[oid] = sample.created_at
        self.version += 1
        self.queue_webhook("orders/create", str(oid))
        return str(oid)

    def _order(self, order_id: str | int) -> dict[str, Any]:
        try:
            return self.orders[int(order_id)]
        except (KeyError, ValueError):
            raise KeyError(f"no order {order_id}") from None

    def order_json(self, order_id: str) -> dict[str, Any]:
        return json.loads(json.dumps(self._order(order_id), default=json_default))

    def order_ids(self) -> list[str]:
        return [str(i) for i in self.orders]

    def quantities(self) -> dict[str, int]:
        return {
            sku: self.levels[v["inventory_item_id"]]
            for sku, v in self.items_by_sku.items()
            if v["inventory_item_id"] in self.levels
        }

    def apply_change(self, order_id: str, change: str, **options: Any) -> None:
        order = self._order(order_id)
        oid = order["id"]
        now = ts(self.clock.now())
        topic = "orders/updated"
        if change == "cancel":
            if order["cancelled_at"]:
                raise ValueError("order is already cancelled")
            order["cancelled_at"] = order["closed_at"] = now
            order["cancel_reason"] = options.get("reason", "customer")
            order["financial_status"] = "refunded" if order["financial_status"] == "paid" else "voided"
            for fo in self.fulfillment_orders.get(oid, []):
                fo["status"] = "cancelled"
            topic = "orders/cancelled"
        elif change == "refund":
            order["financial_status"] = "refunded"
            order["current_total_price"] = "0.00"
            order["refunds"].append(
                {
                    "id": self._id(),
                    "order_id": oid,
                    "created_at": now,
                    "note": "Refund",
                    "transactions": [
                        {
                            "kind": "refund",
                            "amount": order["total_price"],
                            "currency": order["currency"],
                            "status": "success",
                        }
                    ],
                }
            )
        elif change == "address":
            addr = order["shipping_address"]
            addr.update(
                {
                    "address1": options.get("address1", "500 Changed Ave"),
                    "city": options.get("city", addr["city"]),
                    "zip": options.get("zip", addr["zip"]),
                }
            )
        elif change == "pay":
            order["financial_status"] = "paid"
            topic = "orders/paid"
        elif change == "touch":
            order["note"] = options.get("note", "edited")
        self._touch(oid, topic)
        if topic != "orders/updated":
            self.queue_webhook("orders/updated", str(oid))

    # -- wire -------------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule(f"{API}/shop.json", endpoint="get_shop", methods=["GET"]),
            Rule(f"{API}/orders.json", endpoint="list_orders", methods=["GET"]),
            Rule(f"{API}/orders/count.json", endpoint="count_orders", methods=["GET"]),
            Rule(f"{API}/orders/<int:order_id>.json", endpoint="get_order", methods=["GET"]),
            Rule(
                f"{API}/orders/<int:order_id>/fulfillment_orders.json",
                endpoint="get_fulfillment_orders",
                methods=["GET"],
            ),
            Rule(f"{API}/orders/<int:order_id>/fulfillments.json", endpoint="get_fulfillments", methods=["GET"]),
            Rule(f"{API}/fulfillments.json", endpoint="create_fulfillment", methods=["POST"]),
            Rule(f"{API}/locations.json", endpoint="get_locations", methods=["GET"]),
            Rule(f"{API}/products.json", endpoint="list_products", methods=["GET"]),
            Rule(f"{API}/inventory_levels/set.json", endpoint="set_inventory_level", methods=["POST"]),
            Rule(f"{API}/webhooks.json", endpoint="webhooks", methods=["GET", "POST"]),
            Rule(f"{API}/shopify_payments/payouts.json", endpoint="list_payouts", methods=["GET"]),
            Rule(
                f"{API}/shopify_payments/balance/transactions.json",
                endpoint="list_balance_transactions",
                methods=["GET"],
            ),
        ]

    def authorize(self, request: Request) -> Response | None:
        token = request.headers.get("X-Shopify-Access-Token", "")
        if not hmac.compare_digest(token.encode(), self.access_token.encode()):
            return json_response(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, 401
            )
        return None

    def _reply(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        used = self.buckets["rest"].used(self.faults.rate_scale)
        out = {"X-Shopify-Shop-Api-Call-Limit": f"{min(used, 40)}/40"}
        out.update(headers or {})
        return json_response(data, status, out)

    @staticmethod
    def served_version(asked: str) -> str | None:
        """The version that answers a request for `asked`, or None for no such version."""
        if asked == "unstable" or asked in API_VERSIONS:
            return asked
        if VERSION.match(asked) and asked < API_VERSIONS[0]:
            return API_VERSIONS[0]
        return None

    def _answer(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        if "version" in args:
            served = self.served_version(args["version"])
            if served is None:
                return self.unknown_route(request, None)
            response = super()._answer(request, endpoint, {**args, "version": served})
            response.headers["X-Shopify-API-Version"] = served
            return response
        return super()._answer(request, endpoint, args)

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        hint = self.faults.retry_after if self.faults.retry_after is not None else 2.0
        return json_response(
            {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
                "service."
            },
            429,
            {"Retry-After": f"{hint:.1f}", "X-Shopify-Shop-Api-Call-Limit": "40/40"},
        )

    def server_error(self, request: Request, status: int) -> Response:
        return json_response({"errors": "Internal Server Error"}, status)

    def unknown_route(self, request: Request, exc: Any) -> Response:
        return json_response({"errors": "Not Found"}, 404)

    def get_shop(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        return self._reply(
            {
                "shop": {
                    "id": 60_000_000_001,
                    "name": "Tradelane Demo Shop",
                    "domain": SHOP_DOMAIN,
                    "myshopify_domain": SHOP_DOMAIN,
                    "currency": self.SHOP_CURRENCY,
                    "iana_timezone": "America/New_York",
                    "plan_name": "basic",
                }
            }
        )

    # orders.json ------------------------------------------------------------------------------

    @staticmethod
    def _encode_page(state: dict[str, Any]) -> str:
        raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_page(value: str) -> dict[str, Any]:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        state = json.loads(raw)
        if not isinstance(state, dict):
            raise ValueError
        return state

    def _matches(self, order: dict[str, Any], f: dict[str, str]) -> bool:
        oid = order["id"]
        status = f.get("status", "open")
        if status == "open" and (order["closed_at"] or order["cancelled_at"]):
            return False
        if status == "closed" and not order["closed_at"]:
            return False
        if status == "cancelled" and not order["cancelled_at"]:
            return False
        for key, stamp in (
            ("updated_at", self.updated[oid]),
            ("created_at", self.created[oid]),
            ("processed_at", self.created[oid]),
        ):
            if f.get(f"{key}_min") and stamp < parse_ts(f[f"{key}_min"]):
                return False
            if f.get(f"{key}_max") and stamp > parse_ts(f[f"{key}_max"]):
                return False
        fin = f.get("financial_status", "any")
        if (
            fin not in ("any", "")
            and order["financial_status"] != fin
            and not (fin == "unpaid" and order["financial_status"] in ("pending", "authorized"))
        ):
            return False
        ful = f.get("fulfillment_status", "any")
        current = order["fulfillment_status"]
        if ful == "shipped" and current != "fulfilled":
            return False
        if ful == "partial" and current != "partial":
            return False
        if ful == "unshipped" and current is not None:
            return False
        if ful == "unfulfilled" and current not in (None, "partial"):
            return False
        if f.get("ids") and str(oid) not in f["ids"].split(","):
            return False
        if f.get("since_id") and oid <= int(f["since_id"]):
            return False
        return True

    def _sorted(self, f: dict[str, str]) -> tuple[list[tuple[Any, int]], str]:
        order_by = f.get("order", "created_at desc")
        field_name, _, direction = order_by.partition(" ")
        if field_name not in ("created_at", "updated_at", "processed_at", "id") or direction not in ("", "asc", "desc"):
            raise ValueError(f"order: {order_by!r} is not a valid sort order")
        key = (json.dumps(f, sort_keys=True), self.version)
        cached = self._list_cache.get(key)
        if cached is None:
            if field_name == "updated_at":
                stamp = self.updated
            elif field_name == "id":
                stamp = None
            else:
                stamp = self.created
            keys = sorted(
                ((stamp[oid].timestamp() if stamp else oid), oid)
                for oid, order in self.orders.items()
                if self._matches(order, f)
            )
            self._list_cache = {key: (keys, [])}  # one live query at a time is what syncs do
            cached = self._list_cache[key]
        return cached[0], direction or "asc"

    def list_orders(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        args = request.args
        limit, state, refused = self._paging(args, also=("fields",))
        if refused:
            return refused
        if state is not None:
            try:
                filters, anchor, forward = state["f"], tuple(state["k"]), state["d"] == "next"
            except (KeyError, TypeError):
                return self._reply({"errors": {"page_info": "Invalid value."}}, 400)
        else:
            filters = {k: v for k, v in args.items() if k in LIST_FILTERS}
            anchor, forward = None, True
            for key in ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max"):
                if key in filters:
                    try:
                        parse_ts(filters[key])
                    except ValueError:
                        return self._reply({"errors": {key: "is not a valid date"}}, 400)
        try:
            keys, direction = self._sorted(filters)
        except ValueError as exc:
            return self._reply({"errors": {"order": str(exc)}}, 400)
        page, has_prev, has_next = self._window(keys, direction == "asc", anchor, forward, limit)
        orders = [self.orders[oid] for _, oid in page]
        links = []
        base = f"{request.host_url.rstrip('/')}{request.script_root}{request.path}"
        for rel, key, wanted in (
            ("previous", page[0] if page else None, has_prev),
            ("next", page[-1] if page else None, has_next),
        ):
            if wanted and key is not None:
                token = self._encode_page({"f": filters, "k": list(key), "d": "prev" if rel == "previous" else "next"})
                links.append(f'<{base}?{urlencode({"limit": limit, "page_info": token})}>; rel="{rel}"')
        fields = [x for x in args.get("fields", "").split(",") if x]
        if fields:
            orders = [{k: o[k] for k in fields if k in o} for o in orders]
        return self._reply({"orders": orders}, headers={"Link": ", ".join(links)} if links else None)

    @staticmethod
    def _window(
        keys: list[tuple[Any, int]], ascending: bool, anchor: tuple[Any, int] | None, forward: bool, limit: int
    ) -> tuple[list[tuple[Any, int]], bool, bool]:
        """Keyset paging over ascending `keys` shown in ascending or descending order: the page
        after (or before) `anchor` in display order, and whether more lies before and after it."""
        if anchor is not None:
            anchor = (anchor[0], int(anchor[1]))
        upward = ascending == forward  # walking towards larger keys
        if anchor is None:
            page = keys[:limit] if ascending else keys[-limit:]
        elif upward:
            start = bisect.bisect_right(keys, anchor)
            page = keys[start : start + limit]
        else:
            end = bisect.bisect_left(keys, anchor)
            page = keys[max(0, end - limit) : end]
        if not ascending:
            page = page[::-1]
        if not page:
            return page, False, False

        def beyond(key: tuple[Any, int], larger: bool) -> bool:
            return bisect.bisect_right(keys, key) < len(keys) if larger else bisect.bisect_left(keys, key) > 0

        return page, beyond(page[0], not ascending), beyond(page[-1], ascending)

    def count_orders(self, request: Request, version: str) -> Response:
        """orders/count.json: how many orders the same filters would list (status=open by
        default, like the list)."""
        refused = self.gate(request, "rest")
        if refused:
            return refused
        filters = {k: v for k, v in request.args.items() if k in LIST_FILTERS}
        for key in ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max"):
            if key in filters:
                try:
                    parse_ts(filters[key])
                except ValueError:
                    return self._reply({"errors": {key: "is not a valid date"}}, 400)
        return self._reply({"count": sum(1 for order in self.orders.values() if self._matches(order, filters))})

    def get_order(self, request: Request, version: str, order_id: int) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        if order_id not in self.orders:
            return self._reply({"errors": "Not Found"}, 404)
        return self._reply({"order": self.orders[order_id]})

    # fulfilment ---------------------------------------------------------------------------------

    def _fulfillment_orders(self, oid: int) -> list[dict[str, Any]]:
        if oid not in self.fulfillment_orders:
            order = self.orders[oid]
            fo_id = self._id()
            status = "cancelled" if order["cancelled_at"] else "open"
            self.fulfillment_orders[oid] = [
                {
                    "id": fo_id,
                    "order_id": oid,
                    "assigned_location_id": self.location["id"],
                    "status": status,
                    "request_status": "unsubmitted",
                    "line_items": [
                        {
                            "id": self._id(),
                            "fulfillment_order_id": fo_id,
                            "line_item_id": li["id"],
                            "inventory_item_id": self.items_by_sku[li["sku"]]["inventory_item_id"],
                            "quantity": li["quantity"],
                            "fulfillable_quantity": li["fulfillable_quantity"],
                            "variant_id": li["variant_id"],
                        }
                        for li in order["line_items"]
                    ],
                }
            ]
        return self.fulfillment_orders[oid]

    def get_fulfillment_orders(self, request: Request, version: str, order_id: int) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        if order_id not in self.orders:
            return self._reply({"errors": "Not Found"}, 404)
        return self._reply({"fulfillment_orders": self._fulfillment_orders(order_id)})

    def get_fulfillments(self, request: Request, version: str, order_id: int) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        if order_id not in self.orders:
            return self._reply({"errors": "Not Found"}, 404)
        return self._reply({"fulfillments": self.fulfillments.get(order_id, [])})

    def create_fulfillment(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        try:
            body = json.loads(request.data)["fulfillment"]
            groups = body["line_items_by_fulfillment_order"]
        except (ValueError, KeyError, TypeError):
            return self._reply({"errors": {"fulfillment": "Required parameter missing or invalid"}}, 400)
        by_id = {fo["id"]: (oid, fo) for oid in self.fulfillment_orders for fo in self.fulfillment_orders[oid]}
        touched: list[tuple[dict[str, Any], int]] = []
        order_ids = set()
        for group in groups:
            found = by_id.get(group.get("fulfillment_order_id"))
            if found is None:
                return self._reply({"errors": ["Fulfillment order does not exist."]}, 422)
            oid, fo = found
            order_ids.add(oid)
            if fo["status"] not in ("open", "in_progress"):
                return self._reply(
                    {"errors": [f"Fulfillment order {fo['id']} has an unfulfillable status= {fo['status']}."]}, 422
                )
            wanted = group.get("fulfillment_order_line_items") or [
                {"id": li["id"], "quantity": li["fulfillable_quantity"]}
                for li in fo["line_items"]
                if li["fulfillable_quantity"] > 0
            ]
            items = {li["id"]: li for li in fo["line_items"]}
            for want in wanted:
                li = items.get(want.get("id"))
                qty = want.get("quantity")
                if li is None or not isinstance(qty, int) or qty < 1 or qty > li["fulfillable_quantity"]:
                    return self._reply({"errors": ["Invalid fulfillment order line item quantity requested."]}, 422)
                touched.append((li, qty))
        if len(order_ids) != 1 or not touched:
            return self._reply({"errors": ["Fulfillment must reference fulfillment orders of one order."]}, 422)
        oid = order_ids.pop()
        order = self.orders[oid]
        tracking = body.get("tracking_info") or {}
        line_by_id = {li["id"]: li for li in order["line_items"]}
        fulfilled_lines = []
        for fo_line, qty in touched:
            fo_line["fulfillable_quantity"] -= qty
            line = line_by_id[fo_line["line_item_id"]]
            line["fulfillable_quantity"] -= qty
            line["fulfillment_status"] = "fulfilled" if line["fulfillable_quantity"] == 0 else "partial"
            fulfilled_lines.append({**line, "quantity": qty})
        for fo in self.fulfillment_orders[oid]:
            remaining = sum(li["fulfillable_quantity"] for li in fo["line_items"])
            fo["status"] = "closed" if remaining == 0 else "in_progress"
        left = sum(li["fulfillable_quantity"] for li in order["line_items"])
        order["fulfillment_status"] = "fulfilled" if left == 0 else "partial"
        if left == 0 and order["financial_status"] == "paid":
            order["closed_at"] = ts(self.clock.now())
        existing = self.fulfillments.setdefault(oid, [])
        fulfillment = {
            "id": self._id(),
            "order_id": oid,
            "status": "success",
            "name": f"{order['name']}.{len(existing) + 1}",
            "created_at": ts(self.clock.now()),
            "updated_at": ts(self.clock.now()),
            "tracking_company": tracking.get("company"),
            "tracking_number": tracking.get("number"),
            "tracking_numbers": [tracking["number"]] if tracking.get("number") else [],
            "tracking_url": tracking.get("url"),
            "tracking_urls": [tracking["url"]] if tracking.get("url") else [],
            "location_id": self.location["id"],
            "line_items": fulfilled_lines,
        }
        existing.append(fulfillment)
        self.record_shipment(
            str(oid),
            carrier=tracking.get("company") or "",
            tracking_number=tracking.get("number") or "",
            lines=[(str(li["id"]), li["quantity"]) for li in fulfilled_lines],
            raw=body,
        )
        self._touch(oid, "orders/fulfilled" if left == 0 else "orders/updated")
        if left == 0:
            self.queue_webhook("orders/updated", str(oid))
        return self._reply({"fulfillment": fulfillment}, 201)

    # inventory ----------------------------------------------------------------------------------

    def get_locations(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        return self._reply({"locations": [self.location]})

    def list_products(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        limit = min(int(request.args.get("limit", 50)), 250)
        after = 0
        if request.args.get("page_info"):
            after = int(self._decode_page(request.args["page_info"])["k"])
        rest = [p for p in self.products if p["id"] > after]
        page = rest[:limit]
        for product in page:
            for variant in product["variants"]:
                variant["inventory_quantity"] = self.levels.get(variant["inventory_item_id"], 0)
        headers = None
        if len(rest) > limit:
            base = f"{request.host_url.rstrip('/')}{request.script_root}{request.path}"
            token = self._encode_page({"k": page[-1]["id"]})
            headers = {"Link": f'<{base}?{urlencode({"limit": limit, "page_info": token})}>; rel="next"'}
        return self._reply({"products": page}, headers=headers)

    def set_inventory_level(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        try:
            body = json.loads(request.data)
            item_id, location_id, available = body["inventory_item_id"], body["location_id"], body["available"]
        except (ValueError, KeyError, TypeError):
            return self._reply({"errors": {"inventory_item_id": "Required parameter missing or invalid"}}, 400)
        variant = next((v for v in self.items_by_sku.values() if v["inventory_item_id"] == item_id), None)
        if variant is None or location_id != self.location["id"]:
            return self._reply({"errors": ["Inventory item does not exist at this location"]}, 422)
        if variant["inventory_management"] is None:
            return self._reply({"errors": ["Inventory item does not have inventory tracking enabled"]}, 422)
        if not isinstance(available, int):
            return self._reply({"errors": {"available": "must be an integer"}}, 422)
        self.levels[item_id] = available
        self.record_quantity(variant["sku"], available)
        return self._reply(
            {
                "inventory_level": {
                    "inventory_item_id": item_id,
                    "location_id": location_id,
                    "available": available,
                    "updated_at": ts(self.clock.now()),
                }
            }
        )

    # webhooks -----------------------------------------------------------------------------------

    def webhooks(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        if request.method == "GET":
            return self._reply({"webhooks": self.subscriptions})
        try:
            hook = json.loads(request.data)["webhook"]
            topic, address = hook["topic"], hook["address"]
        except (ValueError, KeyError, TypeError):
            return self._reply({"errors": {"webhook": "Required parameter missing or invalid"}}, 400)
        if topic not in WEBHOOK_TOPICS:
            return self._reply({"errors": {"topic": ["Invalid topic specified."]}}, 422)
        if any(s["topic"] == topic and s["address"] == address for s in self.subscriptions):
            return self._reply({"errors": {"address": ["for this topic has already been taken"]}}, 422)
        sub = {
            "id": self._id(),
            "topic": topic,
            "address": address,
            "format": "json",
            "created_at": ts(self.clock.now()),
            "api_version": version,
        }
        self.subscriptions.append(sub)
        return self._reply({"webhook": sub}, 201)

    def build_webhook(self, topic: str, order_id: str, event_id: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(self._order(order_id), default=json_default, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": hmac_signature(self.api_secret, body),
            "X-Shopify-Shop-Domain": SHOP_DOMAIN,
            "X-Shopify-API-Version": next(
                (sub["api_version"] for sub in self.subscriptions if sub["topic"] == topic), API_VERSIONS[0]
            ),
            "X-Shopify-Webhook-Id": event_id,
            "X-Shopify-Event-Id": event_id[::-1],
            "X-Shopify-Triggered-At": (self.clock.now() - timedelta(seconds=1)).isoformat(),
        }
        return headers, body

    # -- Shopify Payments (REST, reference finance.md §3.2) ---------------------------------

    def add_payout(
        self, order_ids: list[Any], *, refunds: dict[Any, Decimal] | None = None, paid_on: Any = None
    ) -> int:
        """A paid payout of the orders' charges (2.9 % + 0.30 fee each) and of refunds
        ({order id: amount}); its amount is the sum of the transactions' net. Returns its id."""
        cur = self.SHOP_CURRENCY
        payout_id = self._id()
        day = (paid_on or self.clock.now().date()).isoformat()
        txs = []
        for oid in order_ids:
            order = self.orders[int(oid)]
            amount = Decimal(order["total_price"])
            fee = round_money(amount * Decimal("0.029") + Decimal("0.30"), cur)
            txs.append(self._transaction(payout_id, "charge", amount, fee, order["id"]))
        for oid, amount in (refunds or {}).items():
            txs.append(self._transaction(payout_id, "refund", -Decimal(amount), Decimal(0), int(oid)))
        net = sum((Decimal(t["net"]) for t in txs), Decimal(0))
        self.payouts.append(
            {
                "id": payout_id,
                "status": "paid",
                "date": day,
                "currency": cur,
                "amount": money(net, cur),
                "_transactions": txs,
            }
        )
        return payout_id

    def _transaction(self, payout_id: int, kind: str, amount: Decimal, fee: Decimal, order_id: int) -> dict[str, Any]:
        cur = self.SHOP_CURRENCY
        return {
            "id": self._id(),
            "type": kind,
            "test": False,
            "payout_id": payout_id,
            "payout_status": "paid",
            "currency": cur,
            "amount": money(amount, cur),
            "fee": money(fee, cur),
            "net": money(amount - fee, cur),
            "source_id": self._id(),
            "source_type": kind,
            "source_order_id": order_id,
            "source_order_transaction_id": self._id(),
            "processed_at": ts(self.clock.now()),
        }

    def _paging(self, args: Any, also: tuple[str, ...] = ()) -> tuple[int, Any, Response | None]:
        """(limit, the decoded page_info or None, a 400 to answer instead) of a REST list:
        `limit` 1 to 250, and beside `page_info` nothing but `limit` (and `also`), since the
        page_info carries the filters (channels.md §2)."""
        try:
            limit = int(args.get("limit", 50))
        except ValueError:
            return 0, None, self._reply({"errors": {"limit": "Expected Integer"}}, 400)
        if not 1 <= limit <= 250:
            return 0, None, self._reply({"errors": {"limit": "must be between 1 and 250"}}, 400)
        if not args.get("page_info"):
            return limit, None, None
        extra = [k for k in args if k not in ("page_info", "limit", *also)]
        if extra:
            message = (
                f"{extra[0]} cannot be passed when page_info is present. See "
                "https://shopify.dev/api/usage/pagination-rest for more information."
            )
            return 0, None, self._reply({"errors": {extra[0]: message}}, 400)
        try:
            return limit, self._decode_page(args["page_info"]), None
        except (ValueError, KeyError, TypeError):
            return 0, None, self._reply({"errors": {"page_info": "Invalid value."}}, 400)

    def _keyset_page(
        self, request: Request, rows: list[dict[str, Any]], key: Any, filters: tuple[str, ...]
    ) -> tuple[list[dict[str, Any]], dict[str, str] | None, Response | None]:
        """One page of `rows` (sorted by `key`) as Shopify's REST lists page: `limit` up to 250,
        the next page through an opaque `page_info` in the `Link` header, which carries the
        filters, so other filters beside it are refused (400)."""
        limit, state, refused = self._paging(request.args)
        if refused:
            return [], None, refused
        anchor = None
        chosen = {k: v for k, v in request.args.items() if k in filters}
        if state is not None:
            try:
                chosen, anchor = dict(state["f"]), list(state["k"])
            except (KeyError, TypeError):
                return [], None, self._reply({"errors": {"page_info": "Invalid value."}}, 400)
        rows = [r for r in rows if all(self._keep(r, k, v) for k, v in chosen.items())]
        rows.sort(key=key)
        if anchor is not None:
            rows = [r for r in rows if list(key(r)) > anchor]
        page = rows[:limit]
        headers = None
        if len(rows) > limit:
            base = f"{request.host_url.rstrip('/')}{request.script_root}{request.path}"
            token = self._encode_page({"f": chosen, "k": list(key(page[-1]))})
            headers = {"Link": f'<{base}?{urlencode({"limit": limit, "page_info": token})}>; rel="next"'}
        return page, headers, None

    @staticmethod
    def _keep(row: dict[str, Any], name: str, value: str) -> bool:
        if name == "date_min":
            return str(row["date"]) >= value
        if name == "date_max":
            return str(row["date"]) <= value
        return str(row.get(name)) == value

    def list_payouts(self, request: Request, version: str) -> Response:
        """Newest first, paged like every REST list (a shop paid daily has more than 250)."""
        refused = self.gate(request, "rest")
        if refused:
            return refused
        rows = [{k: v for k, v in p.items() if not k.startswith("_")} for p in self.payouts]
        page, headers, error = self._keyset_page(
            request, rows, lambda p: (_desc(p["date"]), -int(p["id"])), ("status", "date_min", "date_max")
        )
        return error or self._reply({"payouts": page}, headers=headers)

    def list_balance_transactions(self, request: Request, version: str) -> Response:
        refused = self.gate(request, "rest")
        if refused:
            return refused
        rows = [t for p in self.payouts for t in p["_transactions"]]
        page, headers, error = self._keyset_page(request, rows, lambda t: (int(t["id"]),), ("payout_id",))
        return error or self._reply({"transactions": page}, headers=headers)


def _desc(day: str) -> str:
    """A sort key that orders ISO dates newest first."""
    return "".join(chr(0x7E - ord(c)) for c in day)
