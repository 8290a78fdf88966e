"""Amazon Selling Partner API: orders (Orders v0), shipment confirmation for merchant-fulfilled
orders and quantity pushes through the Listings Items API (shared/reference/channels.md §1).

Amazon has no HTTP webhooks (its notifications go to SQS or EventBridge), so the adapter
declares no "webhooks" capability: polling by LastUpdatedAfter is the source of truth.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from core.hookspecs import hookimpl
from core.ports import (
    PACING_SETTING,
    ChannelAdapter,
    ChannelOrder,
    ListingQuantity,
    OrderPage,
    PushResult,
    RefundPage,
    RemoteRejected,
    SettingField,
    SettlementReport,
    ShipmentConfirmation,
)
from core.ports import ChannelCapability as Cap
from plugins.channels.amazon.client import DEFAULT_BASE_URL, DEFAULT_LWA_URL, AmazonClient
from plugins.channels.amazon.mapping import order_from_amazon, order_with_items, refund_from_amazon

ORDERS = "/orders/v0/orders"
FINANCES = "/finances/v0/financialEvents"
REPORTS = "/reports/2021-06-30/reports"
DOCUMENTS = "/reports/2021-06-30/documents"
SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
CARRIERS = {  # our carrier names -> Amazon carrier codes; anything else goes as Other + carrierName
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhl express": "DHL",
    "dhl ecommerce": "DHL eCommerce",
    "yanwen": "Yanwen",
    "yunexpress": "YunExpress",
    "4px": "4PX",
    "china post": "China Post",
    "royal mail": "Royal Mail",
    "canada post": "Canada Post",
    "japan post": "Japan Post",
    "yamato": "Yamato Transport",
    "sf express": "SF Express",
    "dpd": "DPD",
    "gls": "GLS",
    "hermes": "Hermes",
    "australia post": "Australia Post",
    "ontrac": "OnTrac",
    "lasership": "Lasership",
}
REMEMBERED_PACKAGES = 500  # confirmations remembered in the state, to make retries no-ops


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _iso(value: datetime, up: bool = False) -> str:
    """Whole seconds in UTC with Z (Amazon rejects other offsets); rounded outward so the
    server's range covers the window."""
    value = value.astimezone(UTC)
    whole = value.replace(microsecond=0)
    if up and whole < value:
        whole += timedelta(seconds=1)
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


class AmazonAdapter(ChannelAdapter):
    name = "amazon"
    display_name = "Amazon (Selling Partner API)"
    client_class = AmazonClient
    capabilities = frozenset(
        {
            Cap.ORDERS,
            Cap.ORDER_LINES_SEPARATE,
            Cap.SHIP_CONFIRM,
            Cap.PARTIAL_SHIPMENT,
            Cap.PUSH_QUANTITY,
            Cap.PLATFORM_FULFILMENT,
            Cap.REFUND_EVENTS,
            Cap.SETTLEMENT_REPORTS,
        }
    )
    # Amazon refuses a LastUpdatedBefore within two minutes of now and shows changes about two
    # minutes late; ten seconds more absorb clock skew between us and Amazon.
    list_lag = timedelta(minutes=2, seconds=10)
    settings = (
        SettingField(
            "base_url",
            "API endpoint",
            type="url",
            required=False,
            default=DEFAULT_BASE_URL,
            help="sellingpartnerapi-na (Americas), -eu (Europe, India, Middle East) or -fe (Far East)",
        ),
        SettingField("lwa_url", "Login with Amazon token URL", type="url", required=False, default=DEFAULT_LWA_URL),
        SettingField("client_id", "LWA client id", help="amzn1.application-oa2-client...."),
        SettingField("client_secret", "LWA client secret", secret=True),
        SettingField("refresh_token", "Refresh token", secret=True, help="Atzr|... from authorising the app"),
        SettingField("seller_id", "Seller id (merchant token)"),
        SettingField(
            "marketplace_id",
            "Marketplace id",
            default="ATVPDKIKX0DER",
            help="One connection per marketplace, e.g. ATVPDKIKX0DER (US), A1F83G8C2ARO7P (UK)",
        ),
        SettingField("product_type", "Product type for quantity updates", required=False, default="PRODUCT"),
        SettingField(
            "use_rdt",
            "Fetch buyer names and addresses (Restricted Data Token)",
            type="bool",
            required=False,
            default=True,
            help="Needs the Direct-to-Consumer Shipping role",
        ),
        PACING_SETTING,
    )

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.marketplace = str(ctx.settings.get("marketplace_id") or "ATVPDKIKX0DER")
        self.pii = bool(ctx.settings.get("use_rdt", True))

    def check_connection(self) -> str:
        data = self.client.call("GET", "/sellers/v1/marketplaceParticipations", "getMarketplaceParticipations")
        names = [p["marketplace"]["name"] for p in data["payload"] if p["participation"]["isParticipating"]]
        return f"seller {self.ctx.settings['seller_id']} on {', '.join(names) or 'no marketplace'}"

    # -- orders -----------------------------------------------------------------------------

    def list_orders(self, updated_after: datetime, updated_before: datetime, cursor: str | None = None) -> OrderPage:
        if cursor:
            # NextToken overrides every other filter; httpx encodes it exactly once.
            params: dict[str, Any] = {"MarketplaceIds": self.marketplace, "NextToken": cursor}
        else:
            limit = self.window_end()
            if updated_before > limit:
                raise RemoteRejected(f"Amazon windows must end by {limit.isoformat()} (two minutes before now)")
            params = {
                "MarketplaceIds": self.marketplace,
                "LastUpdatedAfter": _iso(updated_after),
                "LastUpdatedBefore": _iso(updated_before, up=True),
                "MaxResultsPerPage": 100,
            }
        payload = self.client.call("GET", ORDERS, "getOrders", pii=self.pii, params=params)["payload"]
        orders = tuple(
            o
            for o in map(order_from_amazon, payload.get("Orders") or [])
            if updated_after <= o.updated_at < updated_before
        )
        return OrderPage(orders, payload.get("NextToken") or None)

    def _items(self, order_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {}
        while True:
            payload = self.client.call("GET", f"{ORDERS}/{order_id}/orderItems", "getOrderItems", params=params)[
                "payload"
            ]
            items.extend(payload.get("OrderItems") or [])
            if not payload.get("NextToken"):
                return items
            params = {"NextToken": payload["NextToken"]}

    def fetch_order_lines(self, order: ChannelOrder) -> ChannelOrder:
        if order.lines_complete:
            return order
        return order_with_items(order, self._items(order.external_order_id))

    def get_order(self, external_order_id: str) -> ChannelOrder:
        path = f"{ORDERS}/{quote(external_order_id, safe='')}"
        order = order_from_amazon(self.client.call("GET", path, "getOrder", pii=self.pii)["payload"])
        return self.fetch_order_lines(order)

    # -- finances: refunds and settlement reports ---------------------------------------------

    def list_refunds(self, posted_after: datetime, posted_before: datetime, cursor: str | None = None) -> RefundPage:
        """RefundEventList of the Finances API v0 (refunds are not in the Orders API:
        shared/reference/channels.md §1). The amount is the principal, shipping and tax paid
        back, as a positive number; fees returned or charged stay for the settlement."""
        if cursor:
            params: dict[str, Any] = {"NextToken": cursor}
        else:
            limit = self.window_end()
            if posted_before > limit:
                raise RemoteRejected(f"Amazon windows must end by {limit.isoformat()} (two minutes before now)")
            params = {
                "PostedAfter": _iso(posted_after),
                "PostedBefore": _iso(posted_before, up=True),
                "MaxResultsPerPage": 100,
            }
        payload = self.client.call("GET", FINANCES, "listFinancialEvents", params=params)["payload"]
        refunds = []
        for event in (payload.get("FinancialEvents") or {}).get("RefundEventList") or []:
            refund = refund_from_amazon(event)
            if refund is not None and posted_after <= refund.posted_at < posted_before:
                refunds.append(refund)
        return RefundPage(tuple(refunds), payload.get("NextToken") or None)

    def list_settlement_reports(self, created_after: datetime) -> list[SettlementReport]:
        """Reports API getReports for GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 (settlement
        reports cannot be requested, only listed: reference finance.md §3.1)."""
        params = {
            "reportTypes": SETTLEMENT_REPORT,
            "processingStatuses": "DONE",
            "createdSince": _iso(created_after),
            "pageSize": 100,
        }
        out: list[SettlementReport] = []
        while True:
            data = self.client.call("GET", REPORTS, "getReports", params=params)
            for r in data.get("reports") or []:
                if r.get("reportDocumentId"):
                    out.append(
                        SettlementReport(
                            report_id=str(r["reportId"]),
                            document_id=str(r["reportDocumentId"]),
                            created_at=_parse_time(r["createdTime"]),
                            start=_parse_time(r["dataStartTime"]) if r.get("dataStartTime") else None,
                            end=_parse_time(r["dataEndTime"]) if r.get("dataEndTime") else None,
                        )
                    )
            if not data.get("nextToken"):
                return sorted(out, key=lambda r: r.created_at)
            params = {"nextToken": data["nextToken"]}

    def settlement_report(self, document_id: str) -> bytes:
        """getReportDocument, then the document from its pre-signed URL (no SP-API token),
        gunzipped when Amazon says GZIP."""
        import gzip

        doc = self.client.call("GET", f"{DOCUMENTS}/{quote(document_id, safe='')}", "getReportDocument")
        response = self.client.request("GET", doc["url"], op="download", extensions={"tradelane_auth": "none"})
        content = response.content
        return gzip.decompress(content) if doc.get("compressionAlgorithm") == "GZIP" else content

    # -- shipments --------------------------------------------------------------------------

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        oid = confirmation.external_order_id
        memory = self.ctx.state.setdefault("confirmed_packages", [])
        key = f"{oid}:{confirmation.tracking_number}"
        if key in memory:
            return
        items = {i["OrderItemId"]: i for i in self._items(oid)}
        remaining = {k: int(i["QuantityOrdered"]) - int(i.get("QuantityShipped") or 0) for k, i in items.items()}
        wanted = dict(confirmation.lines) if confirmation.lines else {k: q for k, q in remaining.items() if q > 0}
        unknown = set(wanted) - set(items)
        if unknown:
            raise RemoteRejected(f"Amazon order {oid} has no items {sorted(unknown)}")
        if not wanted or all(remaining[k] == 0 for k in wanted):
            return  # everything asked for has shipped already: this is a retry
        if any(q > remaining[k] for k, q in wanted.items()):
            raise RemoteRejected(f"Amazon order {oid}: more than the unshipped quantity of {sorted(wanted)}")
        carrier = CARRIERS.get(confirmation.carrier.strip().lower())
        package: dict[str, Any] = {
            # Amazon wants a positive number, unique within the order.
            "packageReferenceId": str(zlib.crc32((confirmation.reference or key).encode()) % 999_999_999 + 1),
            "carrierCode": carrier or "Other",
            "shippingMethod": confirmation.service,
            "trackingNumber": confirmation.tracking_number,
            "shipDate": _iso(confirmation.shipped_at),
            "orderItems": [{"orderItemId": k, "quantity": q} for k, q in wanted.items() if q > 0],
        }
        if carrier is None:
            package["carrierName"] = confirmation.carrier
        self.client.call(
            "POST",
            f"{ORDERS}/{quote(oid, safe='')}/shipmentConfirmation",
            "confirmShipment",
            json={"marketplaceId": self.marketplace, "packageDetail": package},
        )
        memory.append(key)
        del memory[:-REMEMBERED_PACKAGES]

    # -- stock ------------------------------------------------------------------------------

    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        seller = quote(str(self.ctx.settings["seller_id"]), safe="")
        product_type = str(self.ctx.settings.get("product_type") or "PRODUCT")
        results = []
        for q in quantities:
            body = {
                "productType": product_type,
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": max(0, q.quantity)}],
                    }
                ],
            }
            try:
                answer = self.client.call(
                    "PATCH",
                    f"/listings/2021-08-01/items/{seller}/{quote(q.seller_sku, safe='')}",
                    "patchListingsItem",
                    params={"marketplaceIds": self.marketplace},
                    json=body,
                    idempotent=True,  # replaces the quantity with an absolute value
                )
            except RemoteRejected as exc:
                results.append(PushResult(q.seller_sku, False, str(exc)))
                continue
            if answer.get("status") == "ACCEPTED":
                results.append(PushResult(q.seller_sku, True))
            else:
                issues = "; ".join(i.get("message", "") for i in answer.get("issues") or []) or answer.get("status", "")
                results.append(PushResult(q.seller_sku, False, issues))
        return results


@hookimpl
def register_channels() -> list[type[ChannelAdapter]]:
    return [AmazonAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.channels.amazon.emulator import AmazonEmulator

    return {"amazon": AmazonEmulator()}
