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
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, ClassVar, Mapping, Sequence

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


# ---------------------------------------------------------------------------------------------
# Channels


@dataclass(frozen=True)
class ChannelOrderLine:
    external_line_id: str
    seller_sku: str
    quantity: int
    unit_price: Decimal  # per unit, tax exclusive unless the channel says otherwise
    title: str = ""
    item_tax: Decimal = Decimal(0)
    shipping_price: Decimal = Decimal(0)
    shipping_tax: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)  # promotions and discounts on this line, positive
    external_listing_id: str = ""


@dataclass(frozen=True)
class ChannelOrder:
    external_order_id: str
    status: str  # normalised: pending | unshipped | partially_shipped | shipped | cancelled | refunded
    external_status: str
    purchased_at: datetime
    updated_at: datetime
    currency: str
    lines: tuple[ChannelOrderLine, ...] = ()
    marketplace: str = ""
    fulfilment: str = "merchant"  # merchant | platform (FBA and the like)
    buyer_name: str = ""
    buyer_email: str = ""
    buyer_phone: str = ""
    shipping_address: Address | None = None
    shipping_service: str = ""
    total: Decimal | None = None
    buyer_remarks: str = ""
    lines_complete: bool = True  # False when lines need fetch_order_lines (Amazon)
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[ChannelOrder, ...]
    next_cursor: str | None = None


@dataclass(frozen=True)
class ShipmentConfirmation:
    external_order_id: str
    carrier: str
    service: str
    tracking_number: str
    shipped_at: datetime
    lines: tuple[tuple[str, int], ...] = ()  # (external_line_id, quantity); empty = whole order


@dataclass(frozen=True)
class ListingQuantity:
    seller_sku: str
    quantity: int
    external_listing_id: str = ""


@dataclass(frozen=True)
class PushResult:
    seller_sku: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    topic: str  # e.g. "orders/updated"
    delivery_id: str  # for de-duplication
    external_order_id: str | None = None
    order: ChannelOrder | None = None


class ChannelAdapter(Adapter):
    kind: ClassVar[str] = "channel"
    # Capability flags: "orders", "order_lines_separate", "ship_confirm", "push_quantity",
    # "webhooks", "platform_fulfilment".
    min_request_interval: ClassVar[float] = 0.0  # pacing hint, seconds between calls

    @abc.abstractmethod
    def list_orders(self, updated_after: datetime, updated_before: datetime | None,
                    cursor: str | None = None) -> OrderPage:
        """One page of orders changed in [updated_after, updated_before). Pass the returned
        `next_cursor` back to get the next page; None means the window is complete."""

    def fetch_order_lines(self, order: ChannelOrder) -> ChannelOrder:
        """Return the order with its lines, for channels that list orders without them."""
        return order

    @abc.abstractmethod
    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        """Tell the channel an order (or some of its lines) shipped, with tracking."""

    @abc.abstractmethod
    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        """Set the sellable quantity of listings; one result per listing."""

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the webhook's signature is valid for this connection."""
        return False

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Decode a verified webhook."""
        raise RemoteRejected(f"{self.name} does not accept webhooks")


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
