"""A WooCommerce REST API v3 emulator: one WordPress store, its orders, products and webhooks.

Wire behaviour reproduced (shared/reference/channels.md §3): Basic or query-string consumer
key auth only where WordPress sees HTTPS, one-legged OAuth 1.0a (HMAC-SHA1/SHA256, 15-minute
timestamps, single-use nonces) over plain HTTP or when no keys came the other way, with
WooCommerce's 401 shapes (and knobs for hosts that strip the Authorization header and for a
TLS-ending proxy WordPress does not know about), `page`/`per_page` (1-100, 400 above) with
`X-WP-Total`, `X-WP-TotalPages` and `Link`,
dates read in the site's time zone unless `dates_are_gmt=true`, money as strings but line
`price` as a JSON number, order updates and notes, product and variation stock (single and
batch), webhooks with a ping on creation, base64 HMAC-SHA256 signatures, a fresh delivery id per
delivery and auto-disable after more than five failures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote, urlencode
from zoneinfo import ZoneInfo

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.money import round_money
from core.testing.emulator import ChannelEmulator, hmac_signature, json_default, json_response
from core.testing.orders import CATALOGUE, SampleOrder

API = "/wp-json/wc/v3"
TRACKING = "/wp-json/wc-shipment-tracking/v3"
# The extension's providers (a few of its list) and their tracking links; %s is the number.
PROVIDERS = {
    "ups": ("UPS", "https://www.ups.com/track?tracknum=%s"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=%s"),
    "fedex": ("FedEx", "https://www.fedex.com/apps/fedextrack/?action=track&tracknumbers=%s"),
    "dhl": ("DHL", "https://www.dhl.com/en/express/tracking.html?AWB=%s&brand=DHL"),
    "dhl-express": ("DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB=%s&brand=DHL"),
    "royal-mail": ("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/%s"),
}
SITE_TZ = ZoneInfo("Europe/Berlin")  # the store's WordPress time zone (it has DST, which catches bugs)
STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)
VARIABLE = {"TL-SCK-WOOL-M": ("Merino wool socks", "M"), "TL-GLV-TOUCH-L": ("Touchscreen gloves", "L")}
_NUMBER = re.compile(r'"__number__(-?[0-9.]+)__"')
OAUTH_PARAMS = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")
OAUTH_WINDOW = 15 * 60  # seconds a timestamp may be off, and a nonce is remembered


def local(value: datetime) -> str:
    return value.astimezone(SITE_TZ).replace(tzinfo=None).isoformat(timespec="seconds")


def gmt(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def number(value: Decimal) -> str:
    """A money value WooCommerce sends as a JSON number (line `price`), without passing through
    float: a placeholder the renderer turns into a bare number token."""
    normalised = value.normalize()
    return f"__number__{normalised:f}__"


def _rawurlencode(value: str) -> str:
    """PHP's rawurlencode (RFC 3986), which WooCommerce uses to normalise OAuth parameters."""
    return quote(value, safe="~")


def error(code: str, message: str, status: int, **data: Any) -> Response:
    return json_response({"code": code, "message": message, "data": {"status": status, **data}}, status)


class WooCommerceEmulator(ChannelEmulator):
    name = "woocommerce"
    LIMITS: dict[str, tuple[float, float]] = {}  # core WooCommerce has no rate limit (hosts and WAFs do)
    ORDER_WEBHOOK_TOPIC = "order.updated"
    CHANGES = {
        "cancel": "cancel the order",
        "refund": "refund the whole order",
        "address": "change the shipping address",
        "pay": "payment arrives: pending -> processing",
        "hold": "put the order on hold",
        "touch": "edit the order, which only bumps date_modified",
    }

    def __init__(self, *, seed: int = 1, clock: Any = None) -> None:
        super().__init__(seed=seed, clock=clock)
        digest = hashlib.sha256(f"woocommerce-{seed}".encode()).hexdigest()
        self.consumer_key = f"ck_{digest[:40]}"
        self.consumer_secret = f"cs_{digest[24:64]}"
        self.webhook_secret = f"whsec&amp;{digest[:12]}"  # WooCommerce decodes HTML entities in secrets
        self.strip_authorization = False  # emulate a host that drops the Authorization header
        # Emulate WordPress behind a proxy that ends TLS and does not pass the scheme on:
        # reached by https://, it sees plain HTTP (is_ssl() is false).
        self.tls_offloaded = False
        # The official Shipment Tracking extension is installed; False is a plain WooCommerce,
        # where nothing but a customer note tells the buyer how the parcel travels.
        self.shipment_tracking = True

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "webhook_secret": self.webhook_secret.replace("&amp;", "&"),
        }

    # -- state ------------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.orders: dict[int, dict[str, Any]] = {}
        self.modified: dict[int, datetime] = {}
        self.created: dict[int, datetime] = {}
        self.version = 0
        self._list_cache: tuple[Any, list[int]] | None = None
        self._next_id = 700
        self.products: dict[int, dict[str, Any]] = {}
        self.variations: dict[int, dict[str, Any]] = {}
        pid = 20
        parents: dict[str, int] = {}
        for sku, title, usd in CATALOGUE:
            if sku in VARIABLE:
                parent_title, option = VARIABLE[sku]
                if parent_title not in parents:
                    pid += 1
                    parents[parent_title] = pid
                    self.products[pid] = {
                        "id": pid,
                        "name": parent_title,
                        "type": "variable",
                        "sku": "",
                        "status": "publish",
                        "manage_stock": False,
                        "stock_quantity": None,
                        "stock_status": "instock",
                        "variations": [],
                    }
                vid = 5000 + len(self.variations)
                self.variations[vid] = {
                    "id": vid,
                    "parent_id": parents[parent_title],
                    "sku": sku,
                    "price": usd,
                    "regular_price": usd,
                    "manage_stock": True,
                    "stock_quantity": 0,
                    "stock_status": "outofstock",
                    "attributes": [{"name": "Size", "option": option}],
                }
                self.products[parents[parent_title]]["variations"].append(vid)
            else:
                pid += 1
                self.products[pid] = {
                    "id": pid,
                    "name": title,
                    "type": "simple",
                    "sku": sku,
                    "status": "publish",
                    "price": usd,
                    "regular_price": usd,
                    "manage_stock": True,
                    "stock_quantity": 0,
                    "stock_status": "outofstock",
                }
        self.sku_index = {p["sku"]: ("product", p["id"]) for p in self.products.values() if p["sku"]}
        self.sku_index.update({v["sku"]: ("variation", v["id"]) for v in self.variations.values()})
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.nonces: dict[str, int] = {}  # OAuth 1.0a nonces seen in the last 15 minutes
        self.notes: dict[int, list[dict[str, Any]]] = {}  # order notes, apart from the order's JSON
        self.trackings: dict[int, list[dict[str, Any]]] = {}  # the Shipment Tracking extension's items

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _touch(self, oid: int, event: str = "updated") -> None:
        now = self.clock.now().replace(microsecond=0)
        self.modified[oid] = max(now, self.modified[oid])
        order = self.orders[oid]
        order["date_modified"], order["date_modified_gmt"] = local(self.modified[oid]), gmt(self.modified[oid])
        self.version += 1
        self.queue_webhook(f"order.{event}", str(oid))

    def add_order(self, sample: SampleOrder) -> str:
        rng = self.factory.rng
        oid = self._id()
        cur = sample.currency
        coupon = rng.random() < 0.12
        lines, subtotal, discount_total, cart_tax = [], Decimal(0), Decimal(0), Decimal(0)
        for line in sample.lines:
            gross = line.unit_price * line.quantity
            discount = round_money(gross * Decimal("0.10"), cur) if coupon else Decimal(0)
            net = gross - discount
            tax = round_money(net * sample.tax_rate, cur)
            kind, ref = self.sku_index[line.sku]
            product_id = self.variations[ref]["parent_id"] if kind == "variation" else ref
            lines.append(
                {
                    "id": self._id(),
                    "name": line.title,
                    "product_id": product_id,
                    "variation_id": ref if kind == "variation" else 0,
                    "quantity": line.quantity,
                    "tax_class": "",
                    "subtotal": str(gross),
                    "subtotal_tax": str(round_money(gross * sample.tax_rate, cur)),
                    "total": str(net),
                    "total_tax": str(tax),
                    "taxes": [{"id": 1, "total": f"{tax.normalize():f}", "subtotal": ""}] if tax else [],
                    "meta_data": [],
                    "sku": line.sku,
                    "price": number(line.unit_price),
                }
            )
            subtotal += gross
            discount_total += discount
            cart_tax += tax
        shipping_tax = round_money(sample.shipping * sample.tax_rate, cur)
        total = subtotal - discount_total + sample.shipping + cart_tax + shipping_tax
        status = rng.choices(("processing", "pending", "on-hold"), (88, 8, 4))[0]
        first, _, last = sample.buyer_name.partition(" ")
        a = sample.address
        address = {
            "first_name": first,
            "last_name": last,
            "company": "",
            "address_1": a.line1,
            "address_2": a.line2,
            "city": a.city,
            "state": a.state,
            "postcode": a.postal_code,
            "country": a.country,
        }
        created = sample.created_at
        paid = None if status == "pending" else created + timedelta(minutes=1)
        order = {
            "id": oid,
            "parent_id": 0,
            "number": str(oid),
            "order_key": f"wc_order_{rng.getrandbits(48):012x}",
            "created_via": "checkout",
            "version": "9.3.3",
            "status": status,
            "currency": cur,
            "date_created": local(created),
            "date_created_gmt": gmt(created),
            "date_modified": local(created),
            "date_modified_gmt": gmt(created),
            "discount_total": str(discount_total),
            "discount_tax": "0.00" if cur != "JPY" else "0",
            "shipping_total": str(sample.shipping),
            "shipping_tax": str(shipping_tax),
            "cart_tax": str(cart_tax),
            "total": str(total),
            "total_tax": str(cart_tax + shipping_tax),
            "prices_include_tax": False,
            "customer_id": 0,
            "customer_ip_address": "",
            "customer_user_agent": "",
            "customer_note": sample.buyer_note,
            "billing": {**address, "email": sample.buyer_email, "phone": a.phone},
            "shipping": {**address, "phone": a.phone},
            "payment_method": "stripe",
            "payment_method_title": "Credit card (Stripe)",
            "transaction_id": "",
            "date_paid": local(paid) if paid else None,
            "date_paid_gmt": gmt(paid) if paid else None,
            "date_completed": None,
            "date_completed_gmt": None,
            "cart_hash": "",
            "meta_data": [],
            "line_items": lines,
            "tax_lines": [],
            "shipping_lines": [
                {
                    "id": self._id(),
                    "method_title": "Flat rate",
                    "method_id": "flat_rate",
                    "instance_id": "1",
                    "total": str(sample.shipping),
                    "total_tax": str(shipping_tax),
                    "taxes": [],
                    "meta_data": [],
                }
            ],
            "fee_lines": [],
            "coupon_lines": [
                {"id": self._id(), "code": "welcome10", "discount": str(discount_total), "discount_tax": "0.00"}
            ]
            if coupon
            else [],
            "refunds": [],
        }
        self.orders[oid] = order
        self.created[oid] = created
        self.modified[oid] = created
        self.version += 1
        self.queue_webhook("order.created", str(oid))
        return str(oid)

    def _order(self, order_id: str | int) -> dict[str, Any]:
        try:
            return self.orders[int(order_id)]
        except (KeyError, ValueError):
            raise KeyError(f"no order {order_id}") from None

    def render(self, data: Any) -> str:
        text = json.dumps(data, default=json_default, ensure_ascii=False, separators=(",", ":"))
        return _NUMBER.sub(r"\1", text)

    def reply(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(
            self.render(data), status=status, headers=headers or {}, content_type="application/json; charset=UTF-8"
        )

    def order_json(self, order_id: str) -> dict[str, Any]:
        return json.loads(self.render(self._order(order_id)), parse_float=Decimal)

    def order_ids(self) -> list[str]:
        return [str(i) for i in self.orders]

    def quantities(self) -> dict[str, int]:
        out = {}
        for sku, (kind, ref) in self.sku_index.items():
            item = self.variations[ref] if kind == "variation" else self.products[ref]
            if item["stock_quantity"] is not None:
                out[sku] = item["stock_quantity"]
        return out

    def apply_change(self, order_id: str, change: str, **options: Any) -> None:
        order = self._order(order_id)
        oid = order["id"]
        now = self.clock.now()
        if change == "cancel":
            order["status"] = "cancelled"
        elif change == "refund":
            order["status"] = "refunded"
            order["refunds"].append(
                {"id": self._id(), "reason": options.get("reason", "Customer request"), "total": f"-{order['total']}"}
            )
        elif change == "address":
            order["shipping"].update(
                {
                    "address_1": options.get("address_1", "Neue Straße 5"),
                    "postcode": options.get("postcode", order["shipping"]["postcode"]),
                }
            )
        elif change == "pay":
            order["status"] = "processing"
            order["date_paid"], order["date_paid_gmt"] = local(now), gmt(now)
        elif change == "hold":
            order["status"] = "on-hold"
        elif change == "touch":
            order["customer_note"] = options.get("note", "edited")
        self._touch(oid)

    # -- wire -------------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule(f"{API}/orders", endpoint="list_orders", methods=["GET"]),
            Rule(f"{API}/orders/<int:order_id>", endpoint="get_order", methods=["GET"]),
            Rule(f"{API}/orders/<int:order_id>", endpoint="update_order", methods=["PUT", "POST", "PATCH"]),
            Rule(f"{API}/orders/<int:order_id>/notes", endpoint="order_notes", methods=["GET", "POST"]),
            Rule(f"{API}/products", endpoint="list_products", methods=["GET"]),
            Rule(f"{API}/products/batch", endpoint="batch_products", methods=["POST"]),
            Rule(f"{API}/products/<int:product_id>", endpoint="update_product", methods=["PUT", "POST", "PATCH"]),
            Rule(f"{API}/products/<int:product_id>/variations/batch", endpoint="batch_variations", methods=["POST"]),
            Rule(
                f"{API}/products/<int:product_id>/variations/<int:variation_id>",
                endpoint="update_variation",
                methods=["PUT", "POST", "PATCH"],
            ),
            Rule(
                f"{TRACKING}/orders/<int:order_id>/shipment-trackings",
                endpoint="tracking_collection",
                methods=["GET", "POST"],
            ),
            Rule(
                f"{TRACKING}/orders/<int:order_id>/shipment-trackings/<tracking_id>",
                endpoint="tracking_item",
                methods=["GET", "DELETE"],
            ),
            Rule(f"{API}/webhooks", endpoint="webhook_collection", methods=["GET", "POST"]),
            Rule(f"{API}/webhooks/<int:webhook_id>", endpoint="update_webhook", methods=["PUT", "POST", "PATCH"]),
        ]

    def unknown_route(self, request: Request, exc: Any) -> Response:
        return error("rest_no_route", "No route was found matching the URL and request method.", 404)

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return Response(
            "<html><body><h1>429 Too Many Requests</h1>You have been rate limited.</body></html>",
            status=429,
            headers={"Retry-After": f"{int(math.ceil(retry_after))}"},
            content_type="text/html",
        )

    def server_error(self, request: Request, status: int) -> Response:
        return error("internal_server_error", "There has been a critical error on this website.", status)

    # -- authentication (shared/reference/channels.md §3.1, as WooCommerce's
    # WC_REST_Authentication decides it) ---------------------------------------------------

    def _is_ssl(self, request: Request) -> bool:
        """WordPress's is_ssl(): what the server saw, not what the client used."""
        return request.scheme == "https" and not self.tls_offloaded

    def _auth(self, request: Request) -> Response | None:
        """Basic (or the keys in the query) only when WordPress sees HTTPS; otherwise, or when
        no keys came that way, one-legged OAuth 1.0a. No credentials at all is the route's
        own refusal, `woocommerce_rest_cannot_view`."""
        failure: tuple[str, str] | None = None
        if self._is_ssl(request):
            key = secret = None
            header = "" if self.strip_authorization else request.headers.get("Authorization", "")
            if header.startswith("Basic "):
                try:
                    key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    key = secret = None
            elif request.args.get("consumer_key") and request.args.get("consumer_secret"):
                key, secret = request.args["consumer_key"], request.args["consumer_secret"]
            if key and secret and hmac.compare_digest(key.encode(), self.consumer_key.encode()):
                if hmac.compare_digest(secret.encode(), self.consumer_secret.encode()):
                    return None
                failure = ("woocommerce_rest_authentication_error", "Consumer secret is invalid.")
        if failure is None:
            outcome = self._oauth(request)
            if outcome is True:
                return None
            failure = outcome
        if failure is None:
            return error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
        return error(failure[0], failure[1], 401)

    def _oauth(self, request: Request) -> bool | tuple[str, str] | None:
        """True when the request carries a valid OAuth 1.0a signature, None when it carries no
        OAuth parameter at all, else the (code, message) WooCommerce refuses it with."""
        params = {k: values[-1] for k, values in request.args.lists()}  # PHP keeps the last one
        if request.mimetype == "application/x-www-form-urlencoded":
            params.update({k: values[-1] for k, values in request.form.lists()})
        header = "" if self.strip_authorization else request.headers.get("Authorization", "")
        if header.startswith("OAuth "):
            for part in header[6:].split(","):
                name, _, value = part.strip().partition("=")
                if name.startswith("oauth_"):
                    params[name] = unquote(value.strip('"'))
        missing = [name for name in OAUTH_PARAMS if not params.get(name)]
        if len(missing) == len(OAUTH_PARAMS):
            return None
        if missing:
            plural = "s" if len(missing) > 1 else ""
            return "woocommerce_rest_authentication_missing_parameter", (
                f"Missing OAuth parameter{plural} {', '.join(missing)}"
            )
        if not hmac.compare_digest(params["oauth_consumer_key"].encode(), self.consumer_key.encode()):
            return "woocommerce_rest_authentication_error", "Consumer key is invalid."
        algorithm = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}.get(params["oauth_signature_method"])
        if algorithm is None:
            return "woocommerce_rest_authentication_error", "Invalid signature - signature method is invalid."
        given = unquote(params.pop("oauth_signature").replace(" ", "+"))
        # The base URI is the site's URL with the scheme WordPress believes in.
        scheme = "https" if self._is_ssl(request) else "http"
        base_uri = f"{scheme}://{request.host}{request.script_root}{request.path}"
        pairs = [_rawurlencode(f"{_rawurlencode(k)}={_rawurlencode(params[k])}") for k in sorted(params)]
        text = f"{request.method}&{_rawurlencode(base_uri)}&{'%26'.join(pairs)}"
        expected = base64.b64encode(hmac.new(f"{self.consumer_secret}&".encode(), text.encode(), algorithm).digest())
        if not hmac.compare_digest(expected, given.encode()):
            return "woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match."
        try:
            stamp = int(params["oauth_timestamp"])
        except ValueError:
            stamp = 0
        now = int(self.clock.now().timestamp())
        if abs(stamp - now) > OAUTH_WINDOW:
            return "woocommerce_rest_authentication_error", "Invalid timestamp."
        # Nonces are kept in the order they came; the oldest go once past the window, so the
        # book stays as small as the last 15 minutes' traffic.
        while self.nonces and next(iter(self.nonces.values())) < now - OAUTH_WINDOW:
            del self.nonces[next(iter(self.nonces))]
        if params["oauth_nonce"] in self.nonces:
            return "woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used."
        self.nonces[params["oauth_nonce"]] = stamp
        return True

    def _date_arg(self, request: Request, name: str) -> datetime | None:
        raw = request.args.get(name)
        if not raw:
            return None
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if value.tzinfo is None:
            gmt_dates = request.args.get("dates_are_gmt", "false").lower() in ("1", "true")
            value = value.replace(tzinfo=UTC if gmt_dates else SITE_TZ)
        return value.astimezone(UTC)

    # -- paging (shared/reference/channels.md §3.3) -----------------------------------------

    def _paging(self, request: Request) -> tuple[int, int, int | None] | Response:
        """(page, per_page, offset) of a collection request, or WordPress's 400."""
        args = request.args
        try:
            page = int(args.get("page", 1))
            per_page = int(args.get("per_page", 10))
            offset = int(args["offset"]) if "offset" in args else None
        except ValueError:
            return error("rest_invalid_param", "Invalid parameter(s): page", 400, params={"page": "not an integer"})
        if not 1 <= per_page <= 100:
            return error(
                "rest_invalid_param",
                "Invalid parameter(s): per_page",
                400,
                params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
            )
        if page < 1:
            return error(
                "rest_invalid_param",
                "Invalid parameter(s): page",
                400,
                params={"page": "page must be greater than or equal to 1"},
            )
        return page, per_page, offset

    def _paged(
        self,
        request: Request,
        paging: tuple[int, int, int | None],
        items: Sequence[Any],
        show: Callable[[Any], Any] = lambda item: item,
    ) -> Response:
        """One page of `items` (each shown through `show`, so a list of ids is not turned into
        a list of orders first) with X-WP-Total, X-WP-TotalPages and the prev/next Link."""
        page, per_page, offset = paging
        total = len(items)
        pages = math.ceil(total / per_page) if total else 0
        start = offset if offset is not None else (page - 1) * per_page
        chunk = [show(item) for item in items[start : start + per_page]]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        base = f"{request.host_url.rstrip('/')}{request.script_root}{request.path}"
        plain = {
            k: v for k, v in request.args.items() if k not in ("page", "consumer_key", "consumer_secret", *OAUTH_PARAMS)
        }
        links = []
        if page > 1 and offset is None:
            links.append(f'<{base}?{urlencode({**plain, "page": min(page - 1, max(pages, 1))})}>; rel="prev"')
        if page < pages and offset is None:
            links.append(f'<{base}?{urlencode({**plain, "page": page + 1})}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return self.reply(chunk, headers=headers)

    def list_orders(self, request: Request) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        args = request.args
        paging = self._paging(request)
        if isinstance(paging, Response):
            return paging
        try:
            bounds = {
                name: self._date_arg(request, name) for name in ("after", "before", "modified_after", "modified_before")
            }
        except ValueError:
            return error("rest_invalid_param", "Invalid parameter(s): after", 400, params={"after": "Invalid date."})
        statuses = [s for s in re.split(r"[,\s]+", args.get("status", "any")) if s]
        wanted = set(STATUSES) - {"trash", "checkout-draft"} if "any" in statuses else set(statuses)
        if wanted - set(STATUSES):
            return error(
                "rest_invalid_param",
                "Invalid parameter(s): status",
                400,
                params={"status": "status[0] is not one of " + ", ".join(STATUSES + ("any",))},
            )
        orderby, direction = args.get("orderby", "date"), args.get("order", "desc")
        if orderby not in ("date", "id", "include", "title", "slug", "modified") or direction not in ("asc", "desc"):
            return error("rest_invalid_param", "Invalid parameter(s): orderby", 400)
        include = {int(x) for x in args.get("include", "").split(",") if x.strip().isdigit()}
        key = (
            tuple(sorted(bounds.items(), key=lambda kv: kv[0])),
            tuple(sorted(wanted)),
            orderby,
            direction,
            tuple(sorted(include)),
            self.version,
        )
        if self._list_cache is None or self._list_cache[0] != key:
            ids = []
            for oid, order in self.orders.items():
                if order["status"] not in wanted or (include and oid not in include):
                    continue
                made, changed = self.created[oid], self.modified[oid]
                # WordPress date queries are exclusive at both ends.
                if bounds["after"] and not made > bounds["after"]:
                    continue
                if bounds["before"] and not made < bounds["before"]:
                    continue
                if bounds["modified_after"] and not changed > bounds["modified_after"]:
                    continue
                if bounds["modified_before"] and not changed < bounds["modified_before"]:
                    continue
                ids.append(oid)
            sort_key = {"id": lambda i: i, "modified": lambda i: (self.modified[i], i)}.get(
                orderby, lambda i: (self.created[i], i)
            )
            ids.sort(key=sort_key, reverse=direction == "desc")
            self._list_cache = (key, ids)
        ids = self._list_cache[1]
        return self._paged(request, paging, ids, self.orders.__getitem__)

    def get_order(self, request: Request, order_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        if order_id not in self.orders:
            return error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        return self.reply(self.orders[order_id])

    def update_order(self, request: Request, order_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        if order_id not in self.orders:
            return error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        try:
            body = json.loads(request.data or b"{}", parse_float=Decimal)
        except ValueError:
            return error("rest_invalid_json", "Invalid JSON body passed.", 400)
        order = self.orders[order_id]
        status = body.get("status")
        if status is not None and status not in STATUSES:
            return error(
                "rest_invalid_param",
                "Invalid parameter(s): status",
                400,
                params={"status": "status is not one of " + ", ".join(STATUSES)},
            )
        for meta in body.get("meta_data") or []:
            existing = next((m for m in order["meta_data"] if meta.get("id") and m["id"] == meta["id"]), None)
            if existing is not None:
                existing["value"] = meta.get("value")
            else:
                order["meta_data"].append({"id": self._id(), "key": meta["key"], "value": meta.get("value")})
        if status and status != order["status"]:
            order["status"] = status
            if status == "completed":
                now = self.clock.now()
                order["date_completed"], order["date_completed_gmt"] = local(now), gmt(now)
        self._touch(order_id)
        return self.reply(order)

    def order_notes(self, request: Request, order_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        order = self.orders.get(order_id)
        if order is None:
            return error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        notes = self.notes.setdefault(order_id, [])
        if request.method == "GET":
            kind = request.args.get("type", "any")
            shown = [n for n in notes if kind == "any" or n["customer_note"] == (kind == "customer")]
            return self.reply(shown[::-1])  # newest first
        body = json.loads(request.data or b"{}")
        if not body.get("note"):
            return error("rest_missing_callback_param", "Missing parameter(s): note", 400, params=["note"])
        note = {
            "id": self._id(),
            "author": "WooCommerce",
            "date_created": local(self.clock.now()),
            "date_created_gmt": gmt(self.clock.now()),
            "note": body["note"],
            "customer_note": bool(body.get("customer_note")),
        }
        notes.append(note)
        return self.reply(note, 201)

    # -- the Shipment Tracking extension (shared/reference/channels.md §3.2) ----------------

    def _tracking_order(self, request: Request, order_id: int) -> Response | None:
        if not self.shipment_tracking:  # a plain store: WordPress knows no such route
            return self.unknown_route(request, None)
        refused = self._auth(request)
        if refused:
            return refused
        if order_id not in self.orders:
            return error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        return None

    def tracking_collection(self, request: Request, order_id: int) -> Response:
        refused = self._tracking_order(request, order_id)
        if refused:
            return refused
        items = self.trackings.setdefault(order_id, [])
        if request.method == "GET":
            return self.reply(items)
        try:
            body = json.loads(request.data or b"{}")
        except ValueError:
            return error("rest_invalid_json", "Invalid JSON body passed.", 400)
        number = str(body.get("tracking_number") or "").strip()
        if not number:
            return error(
                "rest_missing_callback_param", "Missing parameter(s): tracking_number", 400, params=["tracking_number"]
            )
        custom = str(body.get("custom_tracking_provider") or "").strip()
        slug = re.sub(r"[^a-z0-9]+", "-", str(body.get("tracking_provider") or "").lower()).strip("-")
        if custom:
            provider, link = custom, str(body.get("custom_tracking_link") or "")
        elif slug in PROVIDERS:
            provider, link = PROVIDERS[slug][0], PROVIDERS[slug][1] % quote(number)
        else:  # a provider the extension does not know: kept by name, without a link
            provider, link = str(body.get("tracking_provider") or ""), ""
        shipped = str(body.get("date_shipped") or self.clock.now().astimezone(SITE_TZ).date().isoformat())
        item = {
            "tracking_id": hashlib.md5(f"{order_id}-{number}-{len(items)}".encode()).hexdigest(),
            "tracking_provider": provider,
            "tracking_link": link,
            "tracking_number": number,
            "date_shipped": shipped[:10],
        }
        items.append(item)
        self.record_shipment(str(order_id), carrier=provider, tracking_number=number, raw=body)
        self._touch(order_id)
        return self.reply(item, 201)

    def tracking_item(self, request: Request, order_id: int, tracking_id: str) -> Response:
        refused = self._tracking_order(request, order_id)
        if refused:
            return refused
        items = self.trackings.setdefault(order_id, [])
        item = next((t for t in items if t["tracking_id"] == tracking_id), None)
        if item is None:
            return error("woocommerce_rest_shop_order_tracking_invalid_id", "Invalid tracking ID.", 404)
        if request.method == "DELETE":
            items.remove(item)
            self._touch(order_id)
        return self.reply(item)

    # -- products ---------------------------------------------------------------------------

    def list_products(self, request: Request) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        paging = self._paging(request)
        if isinstance(paging, Response):
            return paging
        sku = request.args.get("sku")
        if sku is not None:
            # Variations share the SKU namespace and are found by it too.
            kind, ref = self.sku_index.get(sku, (None, None))
            if kind == "product":
                found = [self.products[ref]]
            elif kind == "variation":
                found = [{**self.variations[ref], "type": "variation"}]
            else:
                found = []
            return self._paged(request, paging, found)
        return self._paged(request, paging, sorted(self.products.values(), key=lambda p: p["id"]))

    def _set_stock(self, item: dict[str, Any], changes: dict[str, Any]) -> str | None:
        if "stock_quantity" in changes:
            qty = changes["stock_quantity"]
            if not isinstance(qty, int):
                return "stock_quantity is not of type integer."
            if not (changes.get("manage_stock") or item["manage_stock"]):
                return "Stock is not managed for this product."
            item["manage_stock"] = True
            item["stock_quantity"] = qty
            item["stock_status"] = "instock" if qty > 0 else "outofstock"
            self.record_quantity(item["sku"], qty)
        return None

    def update_product(self, request: Request, product_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        product = self.products.get(product_id)
        if product is None:
            return error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        problem = self._set_stock(product, json.loads(request.data or b"{}"))
        if problem:
            return error(
                "rest_invalid_param", "Invalid parameter(s): stock_quantity", 400, params={"stock_quantity": problem}
            )
        return self.reply(product)

    def update_variation(self, request: Request, product_id: int, variation_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        variation = self.variations.get(variation_id)
        if variation is None or variation["parent_id"] != product_id:
            return error("woocommerce_rest_product_variation_invalid_id", "Invalid ID.", 404)
        problem = self._set_stock(variation, json.loads(request.data or b"{}"))
        if problem:
            return error(
                "rest_invalid_param", "Invalid parameter(s): stock_quantity", 400, params={"stock_quantity": problem}
            )
        return self.reply(variation)

    def _batch(self, request: Request, items: dict[int, dict[str, Any]], parent: int | None = None) -> Response:
        body = json.loads(request.data or b"{}")
        updates = body.get("update") or []
        if len(updates) + len(body.get("create") or []) + len(body.get("delete") or []) > 100:
            return error(
                "woocommerce_rest_request_entity_too_large",
                "Unable to accept more than 100 items for this request.",
                413,
            )
        out = []
        for change in updates:
            item = items.get(change.get("id"))
            if item is None or (parent is not None and item["parent_id"] != parent):
                out.append(
                    {
                        "id": change.get("id", 0),
                        "error": {
                            "code": "woocommerce_rest_invalid_id",
                            "message": "Invalid ID.",
                            "data": {"status": 400},
                        },
                    }
                )
                continue
            problem = self._set_stock(item, change)
            if problem:
                out.append(
                    {
                        "id": item["id"],
                        "error": {"code": "rest_invalid_param", "message": problem, "data": {"status": 400}},
                    }
                )
            else:
                out.append(item)
        return self.reply({"update": out})

    def batch_products(self, request: Request) -> Response:
        refused = self._auth(request)
        return refused or self._batch(request, self.products)

    def batch_variations(self, request: Request, product_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        if product_id not in self.products:
            return error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        return self._batch(request, self.variations, parent=product_id)

    # -- webhooks ---------------------------------------------------------------------------

    def webhook_collection(self, request: Request) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        if request.method == "GET":
            return self.reply([{k: v for k, v in w.items() if k != "secret"} for w in self.webhooks.values()])
        body = json.loads(request.data or b"{}")
        topic, url = body.get("topic"), body.get("delivery_url")
        if not topic or not re.match(r"^(order|product|customer|coupon)\.(created|updated|deleted|restored)$", topic):
            return error("rest_invalid_param", "Invalid parameter(s): topic", 400)
        if not url:
            return error("rest_missing_callback_param", "Missing parameter(s): delivery_url", 400)
        wid = len(self.webhooks) + 1
        hook = {
            "id": wid,
            "name": body.get("name") or f"Webhook {wid}",
            "status": body.get("status", "active"),
            "topic": topic,
            "resource": topic.split(".")[0],
            "event": topic.split(".")[1],
            "delivery_url": url,
            "secret": body.get("secret") or "",
            "failure_count": 0,
            "date_created": local(self.clock.now()),
            "date_created_gmt": gmt(self.clock.now()),
        }
        self.webhooks[wid] = hook
        self.subscriptions.append({"id": wid, "topic": topic, "address": url})
        self.queue_webhook("ping", str(wid), address=url)
        return self.reply({k: v for k, v in hook.items() if k != "secret"}, 201)

    def update_webhook(self, request: Request, webhook_id: int) -> Response:
        refused = self._auth(request)
        if refused:
            return refused
        hook = self.webhooks.get(webhook_id)
        if hook is None:
            return error("woocommerce_rest_webhook_invalid_id", "Invalid ID.", 404)
        body = json.loads(request.data or b"{}")
        if body.get("status") in ("active", "paused", "disabled"):
            hook["status"] = body["status"]
            if hook["status"] == "active":
                hook["failure_count"] = 0
                if not any(s["id"] == webhook_id for s in self.subscriptions):
                    self.subscriptions.append(
                        {"id": webhook_id, "topic": hook["topic"], "address": hook["delivery_url"]}
                    )
        if body.get("secret"):
            hook["secret"] = body["secret"]
        return self.reply({k: v for k, v in hook.items() if k != "secret"})

    def build_webhook(self, topic: str, order_id: str, event_id: str) -> tuple[dict[str, str], bytes]:
        if topic == "ping":  # WooCommerce pings a new webhook with a form body and no signature
            return {"Content-Type": "application/x-www-form-urlencoded"}, f"webhook_id={order_id}".encode()
        hook = next((w for w in self.webhooks.values() if w["topic"] == topic and w["status"] == "active"), None)
        secret = (hook["secret"] if hook and hook["secret"] else self.webhook_secret).replace("&amp;", "&")
        body = self.render(self._order(order_id)).encode()
        signature = hmac_signature(secret, body)
        resource, _, event = topic.partition(".")
        return {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.3.3 Hookshot (WordPress/6.6.2)",
            "X-WC-Webhook-Source": "https://store.example/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": str(hook["id"] if hook else 1),
            "X-WC-Webhook-Delivery-ID": event_id,
        }, body

    def deliver_webhooks(self, url: str | None = None, **kwargs: Any) -> list[Any]:
        """As the base class, plus WooCommerce's bookkeeping: a new delivery id on every
        attempt, and a webhook disabled once it has failed more than five times."""
        for pending in self.pending_webhooks:
            if pending.request is not None and pending.topic != "ping":
                headers, body = pending.request
                pending.request = (
                    {**headers, "X-WC-Webhook-Delivery-ID": f"{self.factory.rng.getrandbits(64):x}"},
                    body,
                )
        active = {w["delivery_url"] for w in self.webhooks.values() if w["status"] == "active"}
        self.subscriptions = [s for s in self.subscriptions if s["address"] in active]
        done = super().deliver_webhooks(url, **kwargs)
        for delivery in done:
            for hook in self.webhooks.values():
                if hook["delivery_url"] != delivery.url:
                    continue
                if delivery.status is not None and 200 <= delivery.status <= 302:
                    hook["failure_count"] = 0
                else:
                    hook["failure_count"] += 1
                    if hook["failure_count"] > 5:
                        hook["status"] = "disabled"
        return done
