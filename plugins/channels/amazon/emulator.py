"""An Amazon Selling Partner API emulator: one seller in one marketplace, plus Login with Amazon.

Wire behaviour reproduced (shared/reference/channels.md §1): the LWA refresh-token exchange
(`/auth/o2/token`, one-hour tokens), `x-amz-access-token` (403 without it or once expired),
Restricted Data Tokens for buyer PII, Orders v0 getOrders with its rules (MarketplaceIds
required, exactly one of the Created*/LastUpdated* families, `*Before` at least two minutes
before now, UTC only (Z, +00:00 or none, fractions allowed), `MaxResultsPerPage` <= 100, an
opaque base64 `NextToken` that overrides the other filters and must be URL-encoded exactly
once), getOrder, getOrderAddress and getOrderBuyerInfo (PII only with an RDT), getOrderItems (`ItemPrice`
is unit price x quantity, paged by `NextToken`), confirmShipment (204, ISO shipDate, state
changes), the Listings Items PATCH of `fulfillment_availability`, per-operation token buckets
with 429 `QuotaExceeded` and `x-amzn-RateLimit-Limit`, and the `{errors: [...]}` shape.
Merchant-fulfilled (MFN) and Amazon-fulfilled (AFN, FBA) orders are both generated.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.money import round_money
from core.testing import settlements as v2
from core.testing.emulator import ChannelEmulator, json_response
from core.testing.orders import CATALOGUE, SampleOrder


@dataclass(frozen=True)
class Marketplace:
    id: str
    name: str
    country: str
    currency: str
    prices_include_tax: bool  # EU, UK and JP prices include VAT/consumption tax; US/CA/MX do not
    order_prefix: str


MARKETPLACES = {
    "US": Marketplace("ATVPDKIKX0DER", "Amazon.com", "US", "USD", False, "11"),
    "CA": Marketplace("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD", False, "70"),
    "UK": Marketplace("A1F83G8C2ARO7P", "Amazon.co.uk", "GB", "GBP", True, "20"),
    "DE": Marketplace("A1PA6795UKMFR9", "Amazon.de", "DE", "EUR", True, "30"),
    "JP": Marketplace("A1VC38T7YXB528", "Amazon.co.jp", "JP", "JPY", True, "50"),
}
# Default limits per operation: (requests per second, burst).
LIMITS = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "confirmShipment": (2, 10),
    "patchListingsItem": (5, 5),
    "createRestrictedDataToken": (1, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "listFinancialEvents": (0.5, 30),
    "getReports": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
}
FINANCES = "/finances/v0/financialEvents"
REPORTS = "/reports/2021-06-30/reports"
DOCUMENTS = "/reports/2021-06-30/documents"
SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
ORDERS = "/orders/v0/orders"
STATUSES = (
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
)
# ISO 8601 date-times Amazon takes: in UTC, written with Z, +00:00 or no designator at all, with
# or without fractional seconds (what datetime.isoformat() gives). Other offsets are refused
# (shared/reference/channels.md §1.2, amzn/selling-partner-api-docs#3324).
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]00:?00)?$")
TOKEN_PREFIX = b"\xfb\xff"  # makes every NextToken carry '+', '/' and '=', as Amazon's do


def ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def errors(code: str, message: str, status: int, details: str = "") -> Response:
    return json_response(
        {"errors": [{"code": code, "message": message, "details": details}]},
        status,
        {"x-amzn-RequestId": secrets.token_hex(16)},
    )


def invalid(message: str) -> Response:
    return errors("InvalidInput", message, 400)


class AmazonEmulator(ChannelEmulator):
    name = "amazon"
    LIMITS = LIMITS
    CHANGES = {
        "cancel": "the buyer cancels (OrderStatus Canceled)",
        "address": "the buyer changes the shipping address",
        "pay": "payment clears: Pending -> Unshipped (MFN) or stays with Amazon (AFN)",
        "ship": "Amazon ships an FBA (AFN) order",
        "touch": "something else changes, which only bumps LastUpdateDate",
        "refund": "Amazon refunds the buyer (a RefundEvent in the Finances API; amount= optional)",
    }
    TOKEN_LIFETIME = 3600
    BEFORE_MARGIN = timedelta(minutes=2)  # *Before must be at least this long before now

    def __init__(self, *, seed: int = 1, clock: Any = None, marketplace: str = "US", fba_share: float = 0.3) -> None:
        self.marketplace = MARKETPLACES[marketplace]
        self.fba_share = fba_share
        digest = hashlib.sha256(f"amazon-{seed}".encode()).hexdigest()
        self.client_id = f"amzn1.application-oa2-client.{digest[:32]}"
        self.client_secret = f"amzn1.oa2-cs.v1.{digest[32:64]}"
        self.refresh_token = f"Atzr|{base64.b64encode(bytes.fromhex(digest)).decode()}"
        self.seller_id = "A2TLDEMO" + digest[:6].upper()
        self.items_per_page = 30  # getOrderItems page size; tests lower it to exercise paging
        super().__init__(seed=seed, clock=clock)

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "lwa_url": f"{base_url}/auth/o2/token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "seller_id": self.seller_id,
            "marketplace_id": self.marketplace.id,
        }

    # -- state ------------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.updated: dict[str, datetime] = {}
        self.tokens: dict[str, datetime] = {}  # access token -> expiry
        self.rdts: dict[str, tuple[datetime, frozenset[str]]] = {}  # RDT -> (expiry, paths)
        self.listings: dict[str, int] = {sku: 0 for sku, _, _ in CATALOGUE}
        self.version = 0
        self._sorted: tuple[int, list[tuple[float, str]]] | None = None
        self.refund_events: list[dict[str, Any]] = []  # RefundEventList entries, by PostedDate
        self.reports: list[dict[str, Any]] = []  # settlement reports: id, document, dates, text

    def generation_defaults(self) -> dict[str, Any]:
        return {
            "countries": (self.marketplace.country,),
            "currency": self.marketplace.currency,
            "platform_share": self.fba_share,
        }

    def _order_id(self) -> str:
        rng = self.factory.rng
        prefix = f"{self.marketplace.order_prefix}{rng.randint(1, 4)}"
        return f"{prefix}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"

    def add_order(self, sample: SampleOrder) -> str:
        rng = self.factory.rng
        oid = self._order_id()
        while oid in self.orders:
            oid = self._order_id()
        mp, cur = self.marketplace, sample.currency
        afn = sample.platform_fulfilled
        if afn:
            status = rng.choices(("Shipped", "Pending"), (80, 20))[0]
        else:
            status = rng.choices(("Unshipped", "Pending"), (94, 6))[0]
        items, total = [], Decimal(0)
        promo = rng.random() < 0.1
        ship_left = sample.shipping
        for n, line in enumerate(sample.lines):
            net = line.unit_price * line.quantity
            shipping = ship_left if n == 0 else Decimal(0)
            ship_left -= shipping
            discount = round_money(net * Decimal("0.05"), cur) if promo else Decimal(0)
            if mp.prices_include_tax:
                price = round_money(net * (1 + sample.tax_rate), cur)
                tax = price - round_money(price / (1 + sample.tax_rate), cur)
                ship_gross = round_money(shipping * (1 + sample.tax_rate), cur)
                ship_tax = ship_gross - round_money(ship_gross / (1 + sample.tax_rate), cur)
                shipping = ship_gross
                total += price + shipping - discount
            else:
                price = net
                tax = round_money((net - discount) * sample.tax_rate, cur)
                ship_tax = Decimal(0)
                total += price + shipping + tax + ship_tax - discount
            qty_shipped = line.quantity if status == "Shipped" else 0
            items.append(
                {
                    "ASIN": f"B0{hashlib.md5(line.sku.encode()).hexdigest()[:8].upper()}",
                    "SellerSKU": line.sku,
                    "OrderItemId": f"{rng.randint(10**13, 10**14 - 1)}",
                    "Title": line.title,
                    "QuantityOrdered": line.quantity,
                    "QuantityShipped": qty_shipped,
                    "ProductInfo": {"NumberOfItems": "1"},
                    "ItemPrice": self._money(price),
                    "ItemTax": self._money(tax),
                    "ShippingPrice": self._money(shipping),
                    "ShippingTax": self._money(ship_tax),
                    "ShippingDiscount": self._money(Decimal(0)),
                    "PromotionDiscount": self._money(discount),
                    "PromotionIds": ["TL-PROMO-5"] if promo else [],
                    "IsGift": "false",
                    "ConditionId": "New",
                    "ConditionSubtypeId": "New",
                    "IsTransparency": False,
                    "SerialNumberRequired": False,
                    "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false", "BuyerCancelReason": ""},
                }
            )
        a = sample.address
        created = sample.created_at
        quantity = sum(line.quantity for line in sample.lines)
        order = {
            "AmazonOrderId": oid,
            "SellerOrderId": oid,
            "PurchaseDate": ts(created),
            "LastUpdateDate": ts(created),
            "OrderStatus": status,
            "FulfillmentChannel": "AFN" if afn else "MFN",
            "SalesChannel": mp.name,
            "ShipServiceLevel": rng.choice(("Std US D2D Dom", "Expedited", "SecondDay"))
            if mp.country == "US"
            else "Std Dom",
            "ShipmentServiceLevelCategory": "Standard",
            "NumberOfItemsShipped": quantity if status == "Shipped" else 0,
            "NumberOfItemsUnshipped": 0 if status == "Shipped" else quantity,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "MarketplaceId": mp.id,
            "OrderType": "StandardOrder",
            "EarliestShipDate": ts(created + timedelta(hours=12)),
            "LatestShipDate": ts(created + timedelta(days=2)),
            "IsBusinessOrder": False,
            "IsPrime": afn,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "_total": self._money(total),
            "_address": {
                "Name": sample.buyer_name,
                "AddressLine1": a.line1,
                "AddressLine2": a.line2 or None,
                "City": a.city,
                "StateOrRegion": a.state or None,
                "PostalCode": a.postal_code,
                "CountryCode": a.country,
                "Phone": a.phone,
                "AddressType": "Residential",
            },
            "_buyer": {
                "BuyerEmail": f"{hashlib.md5(sample.buyer_email.encode()).hexdigest()[:16]}@marketplace.amazon.com",
                "BuyerName": sample.buyer_name,
            },
        }
        self.orders[oid] = order
        self.items[oid] = items
        self.updated[oid] = created
        self.version += 1
        return oid

    def _money(self, amount: Decimal) -> dict[str, str]:
        return {
            "CurrencyCode": self.marketplace.currency,
            "Amount": str(round_money(amount, self.marketplace.currency)),
        }

    def _touch(self, oid: str) -> None:
        now = self.clock.now().replace(microsecond=0)
        self.updated[oid] = max(now, self.updated[oid])
        self.orders[oid]["LastUpdateDate"] = ts(self.updated[oid])
        self.version += 1

    def render_order(self, order: dict[str, Any], pii: bool) -> dict[str, Any]:
        """The order as getOrders/getOrder show it: no total while Pending, the address only once
        payment cleared, and name, street and buyer only with a Restricted Data Token."""
        out = {k: v for k, v in order.items() if not k.startswith("_")}
        status = order["OrderStatus"]
        if status not in ("Pending", "PendingAvailability"):
            out["OrderTotal"] = order["_total"]
        if status in ("Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"):
            address = order["_address"]
            out["ShippingAddress"] = (
                address
                if pii
                else {k: address[k] for k in ("City", "StateOrRegion", "PostalCode", "CountryCode") if address.get(k)}
            )
            if pii:
                out["BuyerInfo"] = order["_buyer"]
        out["ShippingAddress"] = {k: v for k, v in out.get("ShippingAddress", {}).items() if v is not None} or None
        if out["ShippingAddress"] is None:
            del out["ShippingAddress"]
        return out

    def order_json(self, order_id: str) -> dict[str, Any]:
        return {**self.render_order(self.orders[order_id], True), "OrderItems": self.items[order_id]}

    def order_ids(self) -> list[str]:
        return list(self.orders)

    def quantities(self) -> dict[str, int]:
        return dict(self.listings)

    def apply_change(self, order_id: str, change: str, **options: Any) -> None:
        order = self.orders[order_id]
        status = order["OrderStatus"]
        if change == "cancel":
            if status in ("Shipped", "Canceled"):
                raise ValueError(f"a {status} order cannot be cancelled")
            order["OrderStatus"] = "Canceled"
        elif change == "address":
            order["_address"].update(
                {
                    "AddressLine1": options.get("address_line1", "500 Changed Ave"),
                    "PostalCode": options.get("postal_code", order["_address"]["PostalCode"]),
                }
            )
        elif change == "pay":
            if status != "Pending":
                raise ValueError("only a Pending order can clear payment")
            order["OrderStatus"] = "Unshipped"
        elif change == "refund":
            self._refund(order, options.get("amount"))
        elif change == "ship":
            if order["FulfillmentChannel"] != "AFN":
                raise ValueError("Amazon ships only FBA (AFN) orders; confirm MFN shipments through the API")
            order["OrderStatus"] = "Shipped"
            for item in self.items[order_id]:
                item["QuantityShipped"] = item["QuantityOrdered"]
            self._count_items(order)
        self._touch(order_id)

    def _refund(self, order: dict[str, Any], amount: Any = None) -> None:
        """A RefundEvent as the Finances API lists it: per item the charges paid back
        (principal net of its promotion, tax, shipping and shipping tax: the whole order unless
        `amount` is given, then principal only), the commission returned and the refund fee."""
        oid, cur = order["AmazonOrderId"], self.marketplace.currency
        items = self.items[oid]
        left = Decimal(str(amount)) if amount is not None else None
        adjustments = []
        for n, item in enumerate(items):
            principal = Decimal(item["ItemPrice"]["Amount"]) - Decimal(item["PromotionDiscount"]["Amount"])
            charges = {"Principal": principal}
            if left is None:
                charges.update(
                    Tax=Decimal(item["ItemTax"]["Amount"]),
                    Shipping=Decimal(item["ShippingPrice"]["Amount"]),
                    ShippingTax=Decimal(item["ShippingTax"]["Amount"]),
                )
            else:
                share = left if n == len(items) - 1 else min(left, principal)
                left -= share
                charges = {"Principal": share}
            adjustments.append(
                {
                    "SellerSKU": item["SellerSKU"],
                    "OrderAdjustmentItemId": f"{self.factory.rng.randint(10**13, 10**14 - 1)}",
                    "QuantityShipped": item["QuantityOrdered"],
                    "ItemChargeAdjustmentList": [
                        {"ChargeType": k, "ChargeAmount": {"CurrencyCode": cur, "CurrencyAmount": -v}}
                        for k, v in charges.items()
                        if v
                    ],
                    "ItemFeeAdjustmentList": [
                        {
                            "FeeType": "Commission",
                            "FeeAmount": {
                                "CurrencyCode": cur,
                                "CurrencyAmount": round_money(charges["Principal"] * Decimal("0.15"), cur),
                            },
                        },
                        {
                            "FeeType": "RefundCommission",
                            "FeeAmount": {
                                "CurrencyCode": cur,
                                "CurrencyAmount": -round_money(charges["Principal"] * Decimal("0.03"), cur),
                            },
                        },
                    ],
                }
            )
        self.refund_events.append(
            {
                "AmazonOrderId": oid,
                "SellerOrderId": order.get("SellerOrderId"),
                "MarketplaceName": self.marketplace.name,
                "PostedDate": ts(self.clock.now().replace(microsecond=0)),
                "ShipmentItemAdjustmentList": adjustments,
            }
        )

    def add_settlement_report(
        self, start: datetime, end: datetime, *, settlement_id: str | None = None, rows: list[dict] | None = None
    ) -> str:
        """A settlement report for [start, end), as Amazon generates one each period: by
        default the shipped orders purchased in it (principal, shipping, tax, a 15 %
        commission) and the refunds posted in it. Returns its reportId."""
        cur = self.marketplace.currency
        if rows is None:
            rows = []
            for oid, order in self.orders.items():
                bought = self._when(order["PurchaseDate"])
                if order["OrderStatus"] != "Shipped" or not start <= bought < end:
                    continue
                for item in self.items[oid]:
                    price = Decimal(item["ItemPrice"]["Amount"])
                    rows += v2.order_rows(
                        oid,
                        sku=item["SellerSKU"],
                        quantity=item["QuantityOrdered"],
                        principal=price,
                        shipping=item["ShippingPrice"]["Amount"],
                        tax=item["ItemTax"]["Amount"],
                        commission=-round_money(price * Decimal("0.15"), cur),
                        posted=bought.date(),
                        marketplace=self.marketplace.name,
                        item_code=item["OrderItemId"],
                        fba_fee="-3.22" if order["FulfillmentChannel"] == "AFN" else "0",
                    )
                    promo = Decimal(item["PromotionDiscount"]["Amount"])
                    if promo:
                        rows.append(
                            {
                                **rows[-1],
                                "amount-type": "Promotion",
                                "amount-description": "Principal",
                                "amount": -promo,
                            }
                        )
            for event in self.refund_events:
                posted = self._when(event["PostedDate"])
                if not start <= posted < end:
                    continue
                for adj in event["ShipmentItemAdjustmentList"]:
                    fees = {f["FeeType"]: f["FeeAmount"]["CurrencyAmount"] for f in adj["ItemFeeAdjustmentList"]}
                    rows += v2.refund_rows(
                        event["AmazonOrderId"],
                        adj["OrderAdjustmentItemId"],
                        sku=adj["SellerSKU"],
                        # The charges paid back (principal, tax, shipping) as one principal row.
                        principal=sum(
                            (c["ChargeAmount"]["CurrencyAmount"] for c in adj["ItemChargeAdjustmentList"]), Decimal(0)
                        ),
                        commission_back=fees.get("Commission", 0),
                        refund_commission=fees.get("RefundCommission", 0),
                        posted=posted.date(),
                        marketplace=self.marketplace.name,
                    )
        sid = settlement_id or f"{self.factory.rng.randint(10**10, 10**11 - 1)}"
        locale = "eu" if cur in ("EUR",) else "us"
        text = v2.write_v2(
            sid, rows, currency=cur, start=start, end=end, deposit=end + timedelta(days=1), locale=locale
        )
        report_id = f"{self.factory.rng.randint(10**10, 10**11 - 1)}"
        self.reports.append(
            {
                "reportId": report_id,
                "reportDocumentId": f"amzn1.spdoc.1.4.na.{hashlib.sha256(report_id.encode()).hexdigest()[:24]}",
                "createdTime": self.clock.now().replace(microsecond=0),
                "dataStartTime": start,
                "dataEndTime": end,
                "text": text,
            }
        )
        return report_id

    def _count_items(self, order: dict[str, Any]) -> None:
        items = self.items[order["AmazonOrderId"]]
        order["NumberOfItemsShipped"] = sum(i["QuantityShipped"] for i in items)
        order["NumberOfItemsUnshipped"] = sum(i["QuantityOrdered"] - i["QuantityShipped"] for i in items)

    # -- wire -------------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/auth/o2/token", endpoint="lwa_token", methods=["POST"]),
            Rule("/tokens/2021-03-01/restrictedDataToken", endpoint="create_rdt", methods=["POST"]),
            Rule("/sellers/v1/marketplaceParticipations", endpoint="participations", methods=["GET"]),
            Rule(ORDERS, endpoint="get_orders", methods=["GET"]),
            Rule(f"{ORDERS}/<order_id>", endpoint="get_order", methods=["GET"]),
            Rule(f"{ORDERS}/<order_id>/orderItems", endpoint="get_order_items", methods=["GET"]),
            Rule(f"{ORDERS}/<order_id>/address", endpoint="get_order_address", methods=["GET"]),
            Rule(f"{ORDERS}/<order_id>/buyerInfo", endpoint="get_order_buyer_info", methods=["GET"]),
            Rule(f"{ORDERS}/<order_id>/shipmentConfirmation", endpoint="confirm_shipment", methods=["POST"]),
            Rule("/listings/2021-08-01/items/<seller_id>/<path:sku>", endpoint="patch_listing", methods=["PATCH"]),
            Rule(FINANCES, endpoint="list_financial_events", methods=["GET"]),
            Rule(REPORTS, endpoint="get_reports", methods=["GET"]),
            Rule(f"{DOCUMENTS}/<document_id>", endpoint="get_report_document", methods=["GET"]),
            Rule("/_download/<document_id>", endpoint="download_document", methods=["GET"]),
        ]

    def unknown_route(self, request: Request, exc: Any) -> Response:
        return errors("NotFound", "Resource not found.", 404)

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        # Amazon sends no Retry-After: clients pace themselves from the published rates.
        return errors("QuotaExceeded", "You exceeded your quota for the requested resource.", 429)

    def server_error(self, request: Request, status: int) -> Response:
        if status == 503:
            return errors("ServiceUnavailable", "Service temporarily unavailable. Please try again.", 503)
        return errors("InternalFailure", "We encountered an internal error. Please try again.", status)

    def _gate(self, request: Request, op: str, path: str | None = None) -> tuple[Response | None, bool]:
        """Check the access token (or a Restricted Data Token covering `path`) and the op's
        bucket. Returns (refusal, whether PII may be shown)."""
        token = request.headers.get("x-amz-access-token", "")
        now = self.clock.now()
        pii = False
        if token in self.rdts:
            expiry, paths = self.rdts[token]
            if expiry <= now or path is None or path not in paths:
                return errors(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    403,
                    "The restricted data token does not cover this request."
                    if expiry > now
                    else "The access token you provided has expired.",
                ), False
            pii = True
        elif token not in self.tokens:
            return errors(
                "Unauthorized",
                "Access to requested resource is denied.",
                403,
                "The access token you provided is revoked, malformed or invalid." if token else "",
            ), False
        elif self.tokens[token] <= now:
            return errors(
                "Unauthorized",
                "Access to requested resource is denied.",
                403,
                "The access token you provided has expired.",
            ), False
        wait = self.limit(op)
        if wait is not None:
            return self.throttled(request, op, wait), False
        return None, pii

    def _ok(self, data: Any, op: str, status: int = 200) -> Response:
        rate = LIMITS[op][0] * (self.faults.rate_scale or 1)
        return json_response(
            data, status, {"x-amzn-RateLimit-Limit": f"{rate:g}", "x-amzn-RequestId": secrets.token_hex(16)}
        )

    def lwa_token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "refresh_token":
            return json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "The authorization grant type is not supported",
                },
                400,
            )
        if not (
            hmac.compare_digest(form.get("client_id", ""), self.client_id)
            and hmac.compare_digest(form.get("client_secret", ""), self.client_secret)
        ):
            return json_response({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        if not hmac.compare_digest(form.get("refresh_token", ""), self.refresh_token):
            return json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : refresh_token",
                },
                400,
            )
        token = f"Atza|{secrets.token_urlsafe(48)}"
        self.tokens[token] = self.clock.now() + timedelta(seconds=self.TOKEN_LIFETIME)
        return json_response(
            {
                "access_token": token,
                "refresh_token": self.refresh_token,
                "token_type": "bearer",
                "expires_in": self.TOKEN_LIFETIME,
            }
        )

    def expire_tokens(self) -> None:
        """Make every access token issued so far expire now (tests of the refresh path)."""
        for token in self.tokens:
            self.tokens[token] = self.clock.now()

    def create_rdt(self, request: Request) -> Response:
        refused, _ = self._gate(request, "createRestrictedDataToken")
        if refused:
            return refused
        try:
            resources = json.loads(request.data)["restrictedResources"]
            paths = frozenset(r["path"] for r in resources if r["method"] == "GET")
        except (ValueError, KeyError, TypeError):
            return invalid("restrictedResources is required")
        if not paths or any(not p.startswith(ORDERS) for p in paths):
            return invalid("Only order paths are restricted resources here")
        token = f"Atz.sprdt|{secrets.token_urlsafe(48)}"
        self.rdts[token] = (self.clock.now() + timedelta(hours=1), paths)
        return self._ok({"restrictedDataToken": token, "expiresIn": 3600}, "createRestrictedDataToken")

    def participations(self, request: Request) -> Response:
        refused, _ = self._gate(request, "getMarketplaceParticipations")
        if refused:
            return refused
        mp = self.marketplace
        return self._ok(
            {
                "payload": [
                    {
                        "marketplace": {
                            "id": mp.id,
                            "name": mp.name,
                            "countryCode": mp.country,
                            "defaultCurrencyCode": mp.currency,
                            "defaultLanguageCode": "en_US",
                            "domainName": mp.name.lower(),
                        },
                        "participation": {"isParticipating": True, "hasSuspendedListings": False},
                    }
                ]
            },
            "getMarketplaceParticipations",
        )

    # getOrders -----------------------------------------------------------------------------------

    @staticmethod
    def _encode_token(state: dict[str, Any]) -> str:
        raw = TOKEN_PREFIX + json.dumps(state, separators=(",", ":")).encode()
        raw += b" " * ((1 - len(raw)) % 3)  # a length that always needs '=' padding
        return base64.b64encode(raw).decode()

    @staticmethod
    def _decode_token(token: str) -> dict[str, Any]:
        raw = base64.b64decode(token, validate=True)
        if not raw.startswith(TOKEN_PREFIX):
            raise ValueError("not a NextToken")
        return json.loads(raw[len(TOKEN_PREFIX) :])

    @staticmethod
    def _when(value: str) -> datetime:
        if not ISO_UTC.match(value):
            raise ValueError(value)
        stamp = re.sub(r"(Z|[+-]00:?00)$", "", value)
        whole, _, fraction = stamp.partition(".")
        parsed = datetime.fromisoformat(whole).replace(tzinfo=UTC)
        return parsed + timedelta(microseconds=int((fraction + "000000")[:6])) if fraction else parsed

    def get_orders(self, request: Request) -> Response:
        refused, pii = self._gate(request, "getOrders", ORDERS)
        if refused:
            return refused
        # Parse the raw query ourselves: a '+' left unencoded must reach us as a space, exactly
        # as a double- or un-encoded NextToken reaches Amazon.
        args = {k: v[-1] for k, v in parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True).items()}
        if not args.get("MarketplaceIds"):
            return invalid("Missing required 'MarketplaceIds' parameter.")
        if self.marketplace.id not in args["MarketplaceIds"].split(","):
            return invalid(f"Invalid MarketplaceIds: the seller does not sell in {args['MarketplaceIds']}.")
        now = self.clock.now()
        if "NextToken" in args:
            try:
                state = self._decode_token(args["NextToken"])
            except (ValueError, TypeError):
                return invalid("Invalid Input")
            family, lo, hi, after_key, size = (
                state["family"],
                state["lo"],
                state["hi"],
                tuple(state["key"]),
                state["size"],
            )
        else:
            created = [k for k in ("CreatedAfter", "CreatedBefore") if k in args]
            updated = [k for k in ("LastUpdatedAfter", "LastUpdatedBefore") if k in args]
            if created and updated:
                return invalid("CreatedAfter and LastUpdatedAfter cannot be combined.")
            if not ({"CreatedAfter", "LastUpdatedAfter"} & set(args)):
                return invalid("Either CreatedAfter or LastUpdatedAfter is required.")
            family = "Created" if created else "LastUpdated"
            try:
                lo_t = self._when(args[f"{family}After"])
                hi_t = self._when(args[f"{family}Before"]) if f"{family}Before" in args else now - self.BEFORE_MARGIN
            except ValueError:
                return invalid("Dates must be ISO 8601 in UTC, e.g. 2026-10-01T00:00:00Z.")
            if hi_t > now - self.BEFORE_MARGIN:
                return invalid(f"{family}Before must be no later than 2 minutes before the time of the request.")
            if lo_t >= hi_t:
                return invalid(f"{family}After must be before {family}Before.")
            try:
                size = int(args.get("MaxResultsPerPage", 100))
            except ValueError:
                return invalid("MaxResultsPerPage must be an integer.")
            if not 1 <= size <= 100:
                return invalid("MaxResultsPerPage must be between 1 and 100.")
            lo, hi, after_key = lo_t.timestamp(), hi_t.timestamp(), None
        if family == "Created":
            keys = sorted(
                (datetime.fromisoformat(o["PurchaseDate"].replace("Z", "+00:00")).timestamp(), oid)
                for oid, o in self.orders.items()
            )
        else:
            if self._sorted is None or self._sorted[0] != self.version:
                self._sorted = (self.version, sorted((t.timestamp(), oid) for oid, t in self.updated.items()))
            keys = self._sorted[1]
        start = bisect.bisect_right(keys, after_key) if after_key else bisect.bisect_left(keys, (lo, ""))
        end = bisect.bisect_left(keys, (hi, ""))
        page = keys[start : min(end, start + size)]
        payload: dict[str, Any] = {
            "Orders": [self.render_order(self.orders[oid], pii) for _, oid in page],
            f"{family}Before": ts(datetime.fromtimestamp(hi, UTC)),
        }
        if start + size < end:
            payload["NextToken"] = self._encode_token(
                {"family": family, "lo": lo, "hi": hi, "key": list(page[-1]), "size": size}
            )
        return self._ok({"payload": payload}, "getOrders")

    def get_order(self, request: Request, order_id: str) -> Response:
        refused, pii = self._gate(request, "getOrder", f"{ORDERS}/{order_id}")
        if refused:
            return refused
        if order_id not in self.orders:
            return errors("NotFound", f"Order {order_id} was not found.", 404)
        return self._ok({"payload": self.render_order(self.orders[order_id], pii)}, "getOrder")

    def get_order_items(self, request: Request, order_id: str) -> Response:
        refused, _ = self._gate(request, "getOrderItems")
        if refused:
            return refused
        if order_id not in self.items:
            return errors("NotFound", f"Order {order_id} was not found.", 404)
        start = 0
        if request.args.get("NextToken"):
            try:
                start = int(self._decode_token(request.args["NextToken"])["item"])
            except (ValueError, KeyError, TypeError):
                return invalid("Invalid NextToken.")
        items = self.items[order_id]
        payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": items[start : start + self.items_per_page]}
        if start + self.items_per_page < len(items):
            payload["NextToken"] = self._encode_token({"item": start + self.items_per_page})
        return self._ok({"payload": payload}, "getOrderItems")

    def get_order_address(self, request: Request, order_id: str) -> Response:
        """getOrderAddress: the shipping address once payment cleared; name, street and phone
        only with a Restricted Data Token for this path."""
        refused, pii = self._gate(request, "getOrderAddress", f"{ORDERS}/{order_id}/address")
        if refused:
            return refused
        if order_id not in self.orders:
            return errors("NotFound", f"Order {order_id} was not found.", 404)
        shown = self.render_order(self.orders[order_id], pii)
        payload = {"AmazonOrderId": order_id}
        if "ShippingAddress" in shown:
            payload["ShippingAddress"] = shown["ShippingAddress"]
        return self._ok({"payload": payload}, "getOrderAddress")

    def get_order_buyer_info(self, request: Request, order_id: str) -> Response:
        """getOrderBuyerInfo: the buyer's name and (anonymised) email, only with a Restricted
        Data Token for this path; without one, the order id alone."""
        refused, pii = self._gate(request, "getOrderBuyerInfo", f"{ORDERS}/{order_id}/buyerInfo")
        if refused:
            return refused
        if order_id not in self.orders:
            return errors("NotFound", f"Order {order_id} was not found.", 404)
        payload = {"AmazonOrderId": order_id, **(self.orders[order_id]["_buyer"] if pii else {})}
        return self._ok({"payload": payload}, "getOrderBuyerInfo")

    def confirm_shipment(self, request: Request, order_id: str) -> Response:
        refused, _ = self._gate(request, "confirmShipment")
        if refused:
            return refused
        order = self.orders.get(order_id)
        if order is None:
            return errors("NotFound", f"Order {order_id} was not found.", 404)
        try:
            body = json.loads(request.data)
            package = body["packageDetail"]
            marketplace = body["marketplaceId"]
            for key in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems"):
                if not package.get(key):
                    return invalid(f"packageDetail.{key} is required.")
        except (ValueError, KeyError, TypeError):
            return invalid("marketplaceId and packageDetail are required.")
        if marketplace != self.marketplace.id:
            return invalid("Invalid marketplaceId.")
        if not str(package["packageReferenceId"]).isdigit() or int(package["packageReferenceId"]) < 1:
            return invalid("packageReferenceId must be a positive number.")
        if package["carrierCode"] == "Other" and not package.get("carrierName"):
            return invalid("carrierName is required when carrierCode is Other.")
        try:
            self._when(str(package["shipDate"]))
        except ValueError:
            return invalid("shipDate must be in ISO 8601 format.")
        if order["FulfillmentChannel"] != "MFN":
            return invalid("Shipments of orders fulfilled by Amazon cannot be confirmed.")
        if order["OrderStatus"] not in ("Unshipped", "PartiallyShipped"):
            return invalid(f"The order is {order['OrderStatus']} and cannot be confirmed.")
        by_id = {i["OrderItemId"]: i for i in self.items[order_id]}
        for line in package["orderItems"]:
            item = by_id.get(str(line.get("orderItemId")))
            qty = line.get("quantity")
            if item is None:
                return invalid(f"Invalid orderItemId {line.get('orderItemId')}.")
            if not isinstance(qty, int) or qty < 1 or qty > item["QuantityOrdered"] - item["QuantityShipped"]:
                return invalid(f"Invalid quantity for orderItemId {item['OrderItemId']}.")
        for line in package["orderItems"]:
            by_id[str(line["orderItemId"])]["QuantityShipped"] += line["quantity"]
        self._count_items(order)
        order["OrderStatus"] = "Shipped" if order["NumberOfItemsUnshipped"] == 0 else "PartiallyShipped"
        self._touch(order_id)
        self.record_shipment(
            order_id,
            carrier=package.get("carrierName") or package["carrierCode"],
            service=package.get("shippingMethod") or "",
            tracking_number=package["trackingNumber"],
            lines=[(str(x["orderItemId"]), x["quantity"]) for x in package["orderItems"]],
            raw=body,
        )
        response = Response(
            status=204,
            headers={
                "x-amzn-RateLimit-Limit": f"{LIMITS['confirmShipment'][0]:g}",
                "x-amzn-RequestId": secrets.token_hex(16),
            },
        )
        return response

    # listings ------------------------------------------------------------------------------------

    def patch_listing(self, request: Request, seller_id: str, sku: str) -> Response:
        refused, _ = self._gate(request, "patchListingsItem")
        if refused:
            return refused
        if seller_id != self.seller_id:
            return errors(
                "Unauthorized",
                "Access to requested resource is denied.",
                403,
                "The seller id does not match the authorised seller.",
            )
        if self.marketplace.id not in request.args.get("marketplaceIds", "").split(","):
            return invalid("marketplaceIds is required.")
        try:
            body = json.loads(request.data)
            product_type, patches = body["productType"], body["patches"]
        except (ValueError, KeyError, TypeError):
            return invalid("productType and patches are required.")
        if not product_type or not isinstance(patches, list) or not patches:
            return invalid("productType and patches are required.")
        submission = secrets.token_hex(16)
        if sku not in self.listings:
            return self._ok(
                {
                    "sku": sku,
                    "status": "INVALID",
                    "submissionId": submission,
                    "issues": [
                        {
                            "code": "90220",
                            "message": f"The SKU '{sku}' has no listing in this marketplace.",
                            "severity": "ERROR",
                            "attributeNames": [],
                        }
                    ],
                },
                "patchListingsItem",
            )
        quantity = None
        for patch in patches:
            if patch.get("op") not in ("add", "replace", "merge", "delete"):
                return invalid(f"Invalid patch op {patch.get('op')!r}.")
            if patch.get("path") == "/attributes/fulfillment_availability":
                for entry in patch.get("value") or []:
                    if entry.get("fulfillment_channel_code") == "DEFAULT":
                        quantity = entry.get("quantity")
        if not isinstance(quantity, int) or quantity < 0:
            return self._ok(
                {
                    "sku": sku,
                    "status": "INVALID",
                    "submissionId": submission,
                    "issues": [
                        {
                            "code": "4000001",
                            "message": "fulfillment_availability needs a non-negative quantity.",
                            "severity": "ERROR",
                            "attributeNames": ["fulfillment_availability"],
                        }
                    ],
                },
                "patchListingsItem",
            )
        self.listings[sku] = quantity
        self.record_quantity(sku, quantity)
        return self._ok(
            {"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []}, "patchListingsItem"
        )

    # -- finances and settlement reports ---------------------------------------------------

    def list_financial_events(self, request: Request) -> Response:
        """Finances API v0 listFinancialEvents: RefundEventList by PostedDate, paged with a
        NextToken (other event lists are returned empty)."""
        refused, _ = self._gate(request, "listFinancialEvents")
        if refused:
            return refused
        args = request.args
        now = self.clock.now()
        if args.get("NextToken"):
            try:
                state = self._decode_token(args["NextToken"])
            except (ValueError, TypeError):
                return invalid("Invalid NextToken")
            lo, hi, start, size = state["lo"], state["hi"], state["start"], state["size"]
        else:
            if not args.get("PostedAfter"):
                return invalid("PostedAfter is required.")
            try:
                lo_t = self._when(args["PostedAfter"])
                hi_t = self._when(args["PostedBefore"]) if args.get("PostedBefore") else now - self.BEFORE_MARGIN
            except ValueError:
                return invalid("Dates must be ISO 8601 in UTC, e.g. 2026-10-01T00:00:00Z.")
            if hi_t > now - self.BEFORE_MARGIN:
                return invalid("PostedBefore must be no later than 2 minutes before the time of the request.")
            if lo_t >= hi_t:
                return invalid("PostedAfter must be before PostedBefore.")
            try:
                size = int(args.get("MaxResultsPerPage", 100))
            except ValueError:
                return invalid("MaxResultsPerPage must be an integer.")
            if not 1 <= size <= 100:
                return invalid("MaxResultsPerPage must be between 1 and 100.")
            lo, hi, start = lo_t.timestamp(), hi_t.timestamp(), 0
        found = [e for e in self.refund_events if lo <= self._when(e["PostedDate"]).timestamp() < hi]
        page = found[start : start + size]
        payload: dict[str, Any] = {
            "FinancialEvents": {"RefundEventList": page, "ShipmentEventList": [], "ServiceFeeEventList": []}
        }
        if start + size < len(found):
            payload["NextToken"] = self._encode_token({"lo": lo, "hi": hi, "start": start + size, "size": size})
        return self._ok({"payload": payload}, "listFinancialEvents")

    def get_reports(self, request: Request) -> Response:
        """Reports API 2021-06-30 getReports, for settlement reports (which Amazon generates by
        itself and cannot be requested: reference finance.md §3.1)."""
        refused, _ = self._gate(request, "getReports")
        if refused:
            return refused
        types = (request.args.get("reportTypes") or "").split(",")
        if request.args.get("nextToken"):
            return invalid("nextToken is not valid with other parameters.")
        if SETTLEMENT_REPORT not in types:
            return self._ok({"reports": []}, "getReports")
        since = request.args.get("createdSince")
        try:
            since_t = self._when(since) if since else self.clock.now() - timedelta(days=90)
        except ValueError:
            return invalid("createdSince must be ISO 8601 in UTC.")
        reports = [
            {
                "reportId": r["reportId"],
                "reportType": SETTLEMENT_REPORT,
                "dataStartTime": ts(r["dataStartTime"]),
                "dataEndTime": ts(r["dataEndTime"]),
                "createdTime": ts(r["createdTime"]),
                "processingStatus": "DONE",
                "reportDocumentId": r["reportDocumentId"],
                "marketplaceIds": [self.marketplace.id],
            }
            for r in sorted(self.reports, key=lambda r: r["createdTime"], reverse=True)
            if r["createdTime"] >= since_t
        ]
        return self._ok({"reports": reports}, "getReports")

    def get_report_document(self, request: Request, document_id: str) -> Response:
        """getReportDocument: a pre-signed URL to the document (here, on the emulator), gzipped."""
        refused, _ = self._gate(request, "getReportDocument")
        if refused:
            return refused
        if not any(r["reportDocumentId"] == document_id for r in self.reports):
            return errors("NotFound", f"Report document {document_id} was not found.", 404)
        url = f"{request.host_url.rstrip('/')}/_download/{document_id}"
        return self._ok(
            {"reportDocumentId": document_id, "url": url, "compressionAlgorithm": "GZIP"}, "getReportDocument"
        )

    def download_document(self, request: Request, document_id: str) -> Response:
        import gzip

        for r in self.reports:
            if r["reportDocumentId"] == document_id:
                return Response(gzip.compress(r["text"].encode("utf-8")), content_type="application/octet-stream")
        return Response("<Error><Code>NoSuchKey</Code></Error>", status=404, content_type="application/xml")
