"""The typed interfaces plugins implement, and the plain data they exchange with the core.

A plugin imports only this module, `core.hookspecs`, `core.money` and `core.testing`. Core
instantiates one adapter per tenant connection with a `ConnectionContext`, calls it inside its
own timeouts, retries and error recording (`core.plugins.call_adapter`), and never lets an
adapter touch the database. Adapters raise the `AdapterError` family so core can tell a
throttle from an outage from bad credentials.

Versioning: within a major version of the plugin API (`core.PLUGIN_API_VERSION`) the ports
only grow: new optional methods with defaults, new optional fields at the end of data classes.
"""
from __future__ import annotations

import abc
import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Callable, ClassVar, Mapping, Sequence

import httpx

from core import money

# ---------------------------------------------------------------------------------------------
# Settings, secrets and connection context


@dataclass(frozen=True)
class SettingField:
    """One field of an adapter's settings form. `secret` fields are encrypted at rest, masked
    in every response and never logged; the portal renders them as password inputs."""

    name: str
    label: str
    type: str = "string"  # string | url | int | bool | choice
    required: bool = True
    secret: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()


class Secret:
    """A credential value that refuses to show itself in reprs, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Clock:
    """Time as adapters and emulators see it. Tests substitute `core.testing.VirtualClock`,
    whose sleep advances time at once, so throttling and time windows run without waiting."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = Clock()


@dataclass
class ConnectionContext:
    """What an adapter instance is given: its tenant connection's settings and credentials.

    `save_credentials` persists credentials the adapter renewed (e.g. a rotated refresh
    token); `state` is a small JSON dict the core stores per connection for the adapter
    (e.g. a cached access token and its expiry)."""

    connection_id: str
    tenant_id: str
    settings: Mapping[str, Any]
    credentials: Mapping[str, Secret]
    state: dict[str, Any] = field(default_factory=dict)
    save_credentials: Callable[[dict[str, str]], None] = lambda _new: None
    timeout: float = 30.0
    # An httpx transport to use instead of the network, e.g. httpx.WSGITransport(app=emulator)
    # in tests and benchmarks; None in production.
    transport: Any = None
    clock: Clock = SYSTEM_CLOCK


class AdapterError(Exception):
    """Base of every error an adapter raises. `retryable` tells core whether to try again."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details


class AuthError(AdapterError):
    """Credentials were refused; the connection needs the seller's attention."""


class RateLimited(AdapterError):
    """The remote API throttled us; `retry_after` seconds is its hint, when it gave one."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TransientError(AdapterError):
    """Timeouts, 5xx and connection failures: safe to retry later."""

    retryable = True


class RemoteRejected(AdapterError):
    """The remote API refused the request as invalid (4xx other than auth and throttling)."""


# ---------------------------------------------------------------------------------------------
# Common data


@dataclass(frozen=True)
class Address:
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    line3: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class EventRecord:
    """A committed business event, as plugins see it in `on_event`."""

    id: str
    tenant_id: str
    name: str  # e.g. "order.shipped"
    occurred_at: datetime
    entity_type: str
    entity_id: str
    payload: Mapping[str, Any]


class Adapter(abc.ABC):
    """Shared shape of every adapter: metadata as class attributes, one instance per
    connection."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""  # unique within its kind, e.g. "shopify"
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset()
    settings: ClassVar[Sequence[SettingField]] = ()

    def __init__(self, ctx: ConnectionContext) -> None:
        self.ctx = ctx

    @abc.abstractmethod
    def check_connection(self) -> str:
        """Make one cheap authenticated call; return a short description of the account
        (e.g. the shop name). Raise AuthError when credentials are refused."""

    def close(self) -> None:
        """Release what the adapter holds open (HTTP connections). Safe to call twice."""


# ---------------------------------------------------------------------------------------------
# HTTP plumbing shared by adapters (docs/decisions/0007-adapter-http-plumbing.md says why here)

PACING_SETTING = SettingField(
    "pacing", "Pace requests to the API's published rate limits", type="bool", required=False,
    default=True, help="Leave on. Turn off only against an emulator that does not throttle (benchmarks).")


class TokenBucket:
    """Client-side pacing: bursts of up to `burst` requests, refilled at `rate` per second.

    This is the shape of Amazon's per-operation limits and of Shopify's leaky bucket (a bucket
    of n leaking r per second admits exactly what a token bucket of n refilled at r admits).
    `observe` re-synchronises it with what the server reports."""

    def __init__(self, rate: float, burst: float, clock: Clock = SYSTEM_CLOCK) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(float(burst), 1.0)
        self.clock = clock
        self._tokens = self.burst
        self._stamp = clock.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self) -> float:
        """Wait until a request may go out and spend a token; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1 - 1e-9:  # float drift must not leave us a hair short forever
                    self._tokens = max(0.0, self._tokens - 1)
                    return waited
                wait = max((1 - self._tokens) / self.rate, 0.001)
            self.clock.sleep(wait)
            waited += wait

    def observe(self, *, available: float | None = None, rate: float | None = None,
                burst: float | None = None) -> None:
        """Adopt the server's view: its refill rate, bucket size or remaining allowance."""
        with self._lock:
            self._refill()
            if rate is not None and rate > 0:
                self.rate = rate
            if burst is not None and burst >= 1:
                self.burst = float(burst)
            if available is not None:
                self._tokens = max(0.0, min(float(available), self.burst))

    def exhaust(self) -> None:
        """The server throttled us: nothing is left until the bucket refills."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (delta-seconds, possibly fractional, or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# Query parameters that carry credentials on some APIs (WooCommerce's query-string auth for
# hosts that strip the Authorization header, OAuth tokens). httpx logs request URLs at INFO;
# this filter masks their values there.
SECRET_QUERY_PARAMS = ("consumer_key", "consumer_secret", "access_token", "session", "refresh_token",
                       "client_secret", "oauth_signature", "sign", "api_key", "token")
_SECRET_QUERY = re.compile(r"([?&](?:%s)=)[^&\s\"']*" % "|".join(SECRET_QUERY_PARAMS), re.IGNORECASE)


class _RedactQuerySecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_SECRET_QUERY.sub(r"\1***", str(a)) if isinstance(a, httpx.URL) else a
                                for a in args)
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _RedactQuerySecrets) for f in _httpx_log.filters):
    _httpx_log.addFilter(_RedactQuerySecrets())


class ApiClient:
    """One httpx.Client plus what every adapter needs around it: the connection's transport and
    timeout, pacing per operation, bounded retries of throttles (honouring Retry-After) and of
    transient failures, and responses mapped to the AdapterError family.

    A plugin's client.py subclasses it and overrides the hooks: `authenticate` puts credentials
    on a request, `renew_auth` refreshes an expired token once, `observe` reads rate-limit
    headers into the operation's bucket, `classify` turns a response into an error (e.g. a
    throttle reported inside an HTTP 200) and `error_message` extracts the platform's error
    text. Credentials travel in headers or bodies, never in URLs: URLs end up in logs.
    """

    attempts = 4  # tries per request; then the error goes to core's retry policy
    backoff = 0.5  # first wait after a failure without Retry-After; doubles per try
    max_wait = 30.0  # a longer Retry-After is left to core rather than slept through here

    def __init__(self, ctx: ConnectionContext, base_url: str, *,
                 limits: Mapping[str, tuple[float, float]] | None = None, pacing: bool = True,
                 headers: Mapping[str, str] | None = None) -> None:
        self.ctx = ctx
        self.clock = ctx.clock
        self.pacing = pacing
        self.buckets = {op: TokenBucket(rate, burst, ctx.clock) for op, (rate, burst) in (limits or {}).items()}
        self.http = httpx.Client(base_url=base_url, transport=ctx.transport, timeout=ctx.timeout,
                                 headers=dict(headers or {}), follow_redirects=False)
        self.log = logging.getLogger(f"tradelane.adapters.{type(self).__name__}")

    def close(self) -> None:
        self.http.close()

    # -- hooks ------------------------------------------------------------------------------

    def prepare(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Adjust the keyword arguments of httpx's build_request before every attempt (e.g. to
        sign a form body with a fresh timestamp)."""
        return kwargs

    def authenticate(self, request: httpx.Request) -> None:
        """Put credentials on the built request (headers or query)."""

    def renew_auth(self, error: AuthError) -> bool:
        """Called once per request after an AuthError: renew a cached token and return True to
        retry, or False to give up."""
        return False

    def observe(self, response: httpx.Response, bucket: TokenBucket | None) -> None:
        """Read rate-limit headers into the operation's bucket."""

    def error_message(self, response: httpx.Response) -> str:
        return f"HTTP {response.status_code}: {response.text[:300]}"

    def classify(self, response: httpx.Response) -> AdapterError | None:
        """None for a usable response, else the error it means."""
        status = response.status_code
        if status < 300:
            return None
        message = self.error_message(response)
        if status in (401, 403):
            return AuthError(message, status=status)
        if status == 429:
            return RateLimited(message, status=status, retry_after=retry_after_seconds(response))
        if status >= 500 or status == 408:
            return TransientError(message, status=status)
        return RemoteRejected(message, status=status)

    # -- calls ------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, op: str = "default", **kwargs: Any) -> httpx.Response:
        """Send a request, paced by the bucket of `op`, retried as the class attributes say."""
        bucket = self.buckets.get(op)
        attempt, renewed = 0, False
        while True:
            attempt += 1
            if bucket is not None and self.pacing:
                bucket.take()
            request = self.http.build_request(method, url, **self.prepare(dict(kwargs)))
            self.authenticate(request)
            error: AdapterError | None
            try:
                response = self.http.send(request)
            except httpx.TimeoutException:
                error = TransientError(f"{method} {request.url.path} timed out")
            except httpx.TransportError as exc:
                error = TransientError(f"{method} {request.url.path} failed: {type(exc).__name__}")
            else:
                self.log.debug("%s %s -> %s", method, request.url.path, response.status_code)
                self.observe(response, bucket)
                error = self.classify(response)
                if error is None:
                    return response
                if isinstance(error, RateLimited) and bucket is not None:
                    bucket.exhaust()
            if isinstance(error, AuthError) and not renewed and self.renew_auth(error):
                renewed, attempt = True, attempt - 1
                continue
            if not error.retryable or attempt >= self.attempts:
                raise error
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
            if wait > self.max_wait:
                raise error
            self.clock.sleep(wait)

    def json(self, response: httpx.Response) -> Any:
        """Decode a JSON body with every non-integer number as Decimal (never float)."""
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise TransientError(f"unreadable JSON from {response.request.url.path}",
                                 status=response.status_code) from None


# ---------------------------------------------------------------------------------------------
# Channels
#
# How core drives a channel adapter (docs/plugins.md has the long version):
#   1. Sync orders in windows of "last changed" time: `end = adapter.window_end()`, then call
#      `list_orders(start, end, cursor)` until `next_cursor` is None, persisting the cursor after
#      each page so a killed worker resumes where it stopped. The next window starts at `end`
#      minus a small overlap; upserting on (channel, external_order_id) absorbs the overlap.
#   2. Orders with `lines_complete=False` need `fetch_order_lines(order)` before import.
#   3. Outbound: `confirm_shipment` when an order ships, `push_quantities` when stock changes.
#   4. Webhooks (capability "webhooks"): `verify_webhook` then `parse_webhook`; deduplicate on
#      `WebhookEvent.dedupe_key` and treat the event as a hint to (re)fetch the order.

ORDER_STATUSES = ("pending", "unshipped", "partially_shipped", "shipped", "cancelled", "refunded")


class ChannelCapability:
    """The capability flags a ChannelAdapter may declare in `capabilities`."""

    ORDERS = "orders"  # list_orders / get_order
    ORDER_LINES_SEPARATE = "order_lines_separate"  # listed orders need fetch_order_lines
    SHIP_CONFIRM = "ship_confirm"  # confirm_shipment
    PARTIAL_SHIPMENT = "partial_shipment"  # confirm_shipment accepts a subset of the lines
    PUSH_QUANTITY = "push_quantity"  # push_quantities
    WEBHOOKS = "webhooks"  # verify_webhook / parse_webhook
    WEBHOOK_SUBSCRIBE = "webhook_subscribe"  # subscribe_webhooks
    PLATFORM_FULFILMENT = "platform_fulfilment"  # some orders are fulfilled by the platform (FBA)
    REFUNDS = "refunds"  # the order API reports refunds (status "refunded")

    ALL = frozenset({ORDERS, ORDER_LINES_SEPARATE, SHIP_CONFIRM, PARTIAL_SHIPMENT, PUSH_QUANTITY,
                     WEBHOOKS, WEBHOOK_SUBSCRIBE, PLATFORM_FULFILMENT, REFUNDS})


@dataclass(frozen=True)
class ChannelOrderLine:
    """One order line. Amounts are in the order's currency and cover the whole line (all its
    units) except `unit_price`. `line_total` is what the channel charged for the units before
    discounts, exactly as reported; `unit_price` is derived from it when the channel only gives
    a line total (Amazon), so it may carry more decimals than the currency."""

    external_line_id: str
    seller_sku: str
    quantity: int
    unit_price: Decimal  # tax exclusive unless the order says prices_include_tax
    title: str = ""
    item_tax: Decimal = Decimal(0)
    shipping_price: Decimal = Decimal(0)  # order-level shipping is allocated to lines
    shipping_tax: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)  # promotions and discounts on this line, positive
    external_listing_id: str = ""
    line_total: Decimal | None = None  # unit_price x quantity as the channel states it
    quantity_shipped: int = 0

    @property
    def amount(self) -> Decimal:
        """The line's goods value before discounts (line_total, else unit_price x quantity)."""
        return self.line_total if self.line_total is not None else self.unit_price * self.quantity


@dataclass(frozen=True)
class ChannelOrder:
    """A channel's order, normalised. Times are timezone-aware UTC; money is Decimal in
    `currency` (the seller's currency on channels that also show a buyer currency)."""

    external_order_id: str
    status: str  # one of ORDER_STATUSES
    external_status: str  # the channel's own status, for display and debugging
    purchased_at: datetime
    updated_at: datetime
    currency: str
    lines: tuple[ChannelOrderLine, ...] = ()
    marketplace: str = ""
    fulfilment: str = "merchant"  # merchant | platform (FBA and the like: we must not ship it)
    buyer_name: str = ""
    buyer_email: str = ""
    buyer_phone: str = ""
    shipping_address: Address | None = None
    shipping_service: str = ""
    total: Decimal | None = None  # what the buyer pays; None while the channel withholds it
    buyer_remarks: str = ""
    lines_complete: bool = True  # False: call fetch_order_lines for lines and address
    raw: Mapping[str, Any] = field(default_factory=dict)
    order_number: str = ""  # the number shown to the seller, when it differs from the id
    prices_include_tax: bool = False  # unit prices and line totals include item_tax


def spread_order_charges(lines: Sequence[ChannelOrderLine], currency: str, *, shipping: Decimal = Decimal(0),
                         shipping_tax: Decimal = Decimal(0), discount: Decimal = Decimal(0)) -> tuple[ChannelOrderLine, ...]:
    """Add order-level shipping, shipping tax and discount to the lines, in proportion to the
    line amounts and by largest remainder, so the lines add up to the order's figures."""
    if not lines:
        return ()
    weights = [line.amount for line in lines]
    parts = {name: money.allocate(total, weights, currency) if total else [Decimal(0)] * len(lines)
             for name, total in (("shipping_price", shipping), ("shipping_tax", shipping_tax), ("discount", discount))}
    return tuple(replace(line, shipping_price=line.shipping_price + parts["shipping_price"][i],
                         shipping_tax=line.shipping_tax + parts["shipping_tax"][i],
                         discount=line.discount + parts["discount"][i])
                 for i, line in enumerate(lines))


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[ChannelOrder, ...]
    # Opaque, JSON-safe, valid for the same window arguments; None when the window is done.
    next_cursor: str | None = None


@dataclass(frozen=True)
class ShipmentConfirmation:
    external_order_id: str
    carrier: str  # e.g. "UPS", "DHL", "Yanwen"; adapters map it to the channel's carrier codes
    service: str  # e.g. "Ground"
    tracking_number: str
    shipped_at: datetime
    lines: tuple[tuple[str, int], ...] = ()  # (external_line_id, quantity); empty = whole order
    tracking_url: str = ""
    reference: str = ""  # our shipment id; adapters use it as the channel's idempotency key


@dataclass(frozen=True)
class ListingQuantity:
    seller_sku: str
    quantity: int  # what may be sold now: available = on hand - reserved, never negative
    external_listing_id: str = ""


@dataclass(frozen=True)
class PushResult:
    seller_sku: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    topic: str  # e.g. "orders/updated"; "ping" for a subscription check with nothing to do
    dedupe_key: str  # the same for every delivery of the same change
    external_order_id: str | None = None
    order: ChannelOrder | None = None  # decoded payload; a hint, the API stays the source of truth
    delivery_id: str = ""  # the channel's delivery header, for logs


def header_value(headers: Mapping[str, str], *names: str) -> str | None:
    """The first of `names` present in `headers`, compared case-insensitively."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            return value
    return None


class ChannelAdapter(Adapter):
    """A sales channel for one tenant connection. Methods raise the AdapterError family;
    retrying is core's job once the adapter's own bounded retries are spent."""

    kind: ClassVar[str] = "channel"
    # How long after a change the channel's order list reliably shows it. Windows must end
    # at least this long ago (Amazon refuses a LastUpdatedBefore within 2 minutes of now).
    list_lag: ClassVar[timedelta] = timedelta(0)

    def window_end(self) -> datetime:
        """The latest `updated_before` to ask for now."""
        return self.ctx.clock.now() - self.list_lag

    @abc.abstractmethod
    def list_orders(self, updated_after: datetime, updated_before: datetime,
                    cursor: str | None = None) -> OrderPage:
        """One page of the orders whose last change falls in [updated_after, updated_before).

        Pass the returned `next_cursor` back with the same window to get the next page; None
        means the window is complete. Over a window that nothing changes during, every order
        is returned exactly once. When orders change while a window is being paged, an order
        may come twice but is never skipped: it is either in this window or in the next one.
        `updated_before` must not be later than `window_end()`.
        """

    def get_order(self, external_order_id: str) -> ChannelOrder:
        """The current state of one order, complete (lines and address)."""
        raise RemoteRejected(f"{self.name} cannot look up single orders")

    def fetch_order_lines(self, order: ChannelOrder) -> ChannelOrder:
        """Return the order completed with what the list left out (lines, address)."""
        return order

    @abc.abstractmethod
    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        """Tell the channel an order (or some of its lines) shipped, with tracking.

        Must be safe to repeat: confirming the same shipment again is a no-op."""

    @abc.abstractmethod
    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        """Set the sellable quantity of listings; one result per listing, in order. A listing
        the channel refuses is a result with ok=False, not an exception."""

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the webhook is authentic for this connection (checked over the raw body)."""
        return False

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Decode a verified webhook."""
        raise RemoteRejected(f"{self.name} does not accept webhooks")

    def subscribe_webhooks(self, callback_url: str) -> list[str]:
        """Ask the channel to send order webhooks to `callback_url`; returns the topics
        subscribed. Safe to repeat."""
        raise RemoteRejected(f"{self.name} cannot subscribe to webhooks")


# ---------------------------------------------------------------------------------------------
# Carriers


@dataclass(frozen=True)
class Parcel:
    weight_g: int
    length_cm: Decimal = Decimal(0)
    width_cm: Decimal = Decimal(0)
    height_cm: Decimal = Decimal(0)


@dataclass(frozen=True)
class CustomsItem:
    description: str
    quantity: int
    value: Decimal
    currency: str
    hs_code: str = ""
    origin_country: str = ""
    weight_g: int = 0
    sku: str = ""


@dataclass(frozen=True)
class ShipmentRequest:
    reference: str  # our order number; also the idempotency key towards the carrier
    service: str
    ship_from: Address
    ship_to: Address
    parcels: tuple[Parcel, ...]
    customs: tuple[CustomsItem, ...] = ()
    label_format: str = "PDF"


@dataclass(frozen=True)
class RateQuote:
    service: str
    amount: Decimal
    currency: str
    transit_days: int | None = None


@dataclass(frozen=True)
class Label:
    tracking_number: str
    label_data: bytes
    label_format: str
    cost: Decimal | None = None
    currency: str | None = None
    carrier_reference: str = ""


@dataclass(frozen=True)
class TrackingEvent:
    occurred_at: datetime
    status: str  # normalised: label_created | in_transit | out_for_delivery | delivered | exception | returned
    description: str
    location: str = ""


class CarrierAdapter(Adapter):
    kind: ClassVar[str] = "carrier"
    services: ClassVar[Sequence[str]] = ()

    @abc.abstractmethod
    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        """Rates for the request's parcels, per service."""

    @abc.abstractmethod
    def create_label(self, request: ShipmentRequest) -> Label:
        """Buy a label. Must be idempotent on `request.reference` where the carrier allows."""

    @abc.abstractmethod
    def track(self, tracking_number: str) -> list[TrackingEvent]:
        """Tracking events, oldest first."""

    def void_label(self, tracking_number: str) -> None:
        raise RemoteRejected(f"{self.name} cannot void labels")


# ---------------------------------------------------------------------------------------------
# Accounting targets


@dataclass(frozen=True)
class VoucherLine:
    account: str  # the target's account code, after the tenant's account mapping
    debit: Decimal
    credit: Decimal
    currency: str
    description: str = ""
    amount_foreign: Decimal | None = None
    foreign_currency: str | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)  # shop, SKU, order...


@dataclass(frozen=True)
class Voucher:
    reference: str  # our voucher number; the idempotency key towards the target
    date: datetime
    description: str
    currency: str
    lines: tuple[VoucherLine, ...]
    source_event: str = ""


@dataclass(frozen=True)
class PostResult:
    external_id: str
    message: str = ""


class AccountingTarget(Adapter):
    kind: ClassVar[str] = "accounting"

    @abc.abstractmethod
    def post_voucher(self, voucher: Voucher) -> PostResult:
        """Post a balanced voucher. Posting the same `reference` twice must not duplicate it."""

    def list_accounts(self) -> list[tuple[str, str]]:
        """(code, name) of the target's chart of accounts, for the mapping screen."""
        return []


ADAPTER_BASES: dict[str, type[Adapter]] = {
    "channel": ChannelAdapter,
    "carrier": CarrierAdapter,
    "accounting": AccountingTarget,
}
