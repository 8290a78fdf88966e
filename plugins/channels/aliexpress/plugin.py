"""AliExpress: seller orders, logistics fulfilment and stock through the Open Platform (IOP)
gateway (shared/reference/channels.md §4).

No HTTP-signed order webhooks are available to us here, so the adapter polls by modified time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
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
)
from core.ports import ChannelCapability as Cap
from plugins.channels.aliexpress.client import DEFAULT_BASE_URL, DEFAULT_RATE, AliExpressClient
from plugins.channels.aliexpress.mapping import (
    PACIFIC,
    order_from_detail,
    order_from_list,
    pacific_readings,
    to_pacific,
    unwrap,
)

PAGE_SIZE = 50  # the largest page the order list serves
# The order list refuses modified-time queries without a created-time range of at most 180 days,
# and returns FINISH orders only when asked for them, created within 30 days. So a window is two
# passes: open orders created in the last 180 days, then finished ones created in the last 30.
# Orders changed longer after their creation than that are beyond the API's reach.
OPEN_SPAN, FINISH_SPAN = timedelta(days=180), timedelta(days=30)
SERVICES = {  # our carrier names -> AliExpress logistics service keys
    "cainiao": "CAINIAO_STANDARD",
    "aliexpress standard shipping": "CAINIAO_STANDARD",
    "ems": "EMS",
    "dhl": "DHL",
    "ups": "UPS",
    "fedex": "FEDEX_IE",
    "tnt": "TNT",
    "china post": "CPAM",
    "yanwen": "YANWEN_JYT",
    "4px": "FOURPX_RM",
    "yunexpress": "YUNEXPRESS",
    "sunyou": "SUNYOU_RM",
}
_SERVICE_KEY = re.compile(r"^[A-Z0-9]+(_[A-Z0-9]+)+$")


def _second(value: datetime, up: bool = False) -> datetime:
    whole = value.replace(microsecond=0)
    return whole + timedelta(seconds=1) if up and whole < value else whole


def _ambiguous(value: datetime) -> bool:
    """Whether the Pacific wall time of `value` happens twice (the autumn hour)."""
    local = value.astimezone(PACIFIC).replace(tzinfo=None)
    return local.replace(tzinfo=PACIFIC, fold=0).utcoffset() != local.replace(tzinfo=PACIFIC, fold=1).utcoffset()


def _in_window(order: ChannelOrder, start: datetime, end: datetime) -> ChannelOrder | None:
    """The order if its change time falls in [start, end): a wall time of the repeated autumn
    hour counts if either of its readings does (and is kept as that reading)."""
    stamp = order.raw.get("gmt_update") or order.raw.get("gmt_create")
    for reading in pacific_readings(stamp) if stamp else (order.updated_at,):
        if start <= reading < end:
            return order if reading == order.updated_at else replace(order, updated_at=reading)
    return None


class AliExpressAdapter(ChannelAdapter):
    name = "aliexpress"
    display_name = "AliExpress"
    client_class = AliExpressClient
    capabilities = frozenset(
        {Cap.ORDERS, Cap.ORDER_LINES_SEPARATE, Cap.SHIP_CONFIRM, Cap.PARTIAL_SHIPMENT, Cap.PUSH_QUANTITY, Cap.REFUNDS}
    )
    # Changes are stamped in whole seconds: a window ending a few seconds ago is closed for good.
    list_lag = timedelta(seconds=5)
    settings = (
        SettingField("base_url", "Gateway URL", type="url", required=False, default=DEFAULT_BASE_URL),
        SettingField("app_key", "App key"),
        SettingField("app_secret", "App secret", secret=True),
        SettingField("access_token", "Seller access token", secret=True, help="From authorising the app in the store"),
        SettingField(
            "refresh_token",
            "Refresh token",
            secret=True,
            required=False,
            help="Lets Tradelane renew the access token when it expires",
        ),
        SettingField("requests_per_second", "Requests per second", type="int", required=False, default=DEFAULT_RATE),
        PACING_SETTING,
    )

    def check_connection(self) -> str:
        profile = self.client.call("aliexpress.solution.merchant.profile.get")
        return f"{profile.get('shop_name', 'AliExpress store')} (shop {profile.get('shop_id', '?')})"

    # -- orders -----------------------------------------------------------------------------

    def list_orders(self, updated_after: datetime, updated_before: datetime, cursor: str | None = None) -> OrderPage:
        phase, _, page_text = (cursor or "open:1").partition(":")
        page = int(page_text)
        start = _second(updated_after)
        if _ambiguous(start):
            start -= timedelta(hours=1)  # the wall time could be read as the later occurrence
        # The created-time end only has to cover the window: an hour beyond it keeps a wall time
        # read as the earlier occurrence of the autumn hour from cutting the window short.
        created_end = _second(updated_before, up=True) + timedelta(hours=1)
        query: dict[str, Any] = {
            "modified_date_start": to_pacific(start),
            "create_date_end": to_pacific(created_end),
            "current_page": page,
            "page_size": PAGE_SIZE,
        }
        if phase == "finish":
            query.update(order_status="FINISH", create_date_start=to_pacific(created_end - FINISH_SPAN))
        else:
            query["create_date_start"] = to_pacific(created_end - OPEN_SPAN)
        # No modified-time end: page numbers over a list that changes stay safe only if changes
        # can add orders to the query but never remove any; the window's end is applied here.
        result = self.client.call("aliexpress.solution.order.get", param0=query)["result"]
        if not result.get("success", True):
            raise RemoteRejected(f"AliExpress order list: {result.get('error_code')} {result.get('error_message')}")
        orders = tuple(
            filter(
                None,
                (
                    _in_window(o, updated_after, updated_before)
                    for o in map(order_from_list, unwrap(result.get("target_list")))
                ),
            )
        )
        if page < int(result.get("total_page") or 0):
            following: str | None = f"{phase}:{page + 1}"
        else:
            following = "finish:1" if phase == "open" else None
        return OrderPage(orders, following)

    def _detail(self, order_id: str) -> dict[str, Any]:
        result = self.client.call(
            "aliexpress.solution.order.info.get", param1={"order_id": int(order_id), "ext_info_bit_flag": 11111}
        )["result"]
        if not result.get("result_success") or not result.get("data"):
            raise RemoteRejected(
                f"AliExpress order {order_id}: {result.get('error_code')} {result.get('error_message')}"
            )
        return result["data"]

    def get_order(self, external_order_id: str) -> ChannelOrder:
        return order_from_detail(self._detail(external_order_id))

    def fetch_order_lines(self, order: ChannelOrder) -> ChannelOrder:
        return order if order.lines_complete else self.get_order(order.external_order_id)

    # -- shipments --------------------------------------------------------------------------

    def _service(self, confirmation: ShipmentConfirmation) -> str:
        if _SERVICE_KEY.match(confirmation.service or ""):
            return confirmation.service  # already an AliExpress logistics service key
        return SERVICES.get(confirmation.carrier.strip().lower(), "OTHER")

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        oid = confirmation.external_order_id
        detail = self._detail(oid)
        if any(
            entry.get("logistics_no") == confirmation.tracking_number
            for entry in unwrap(detail.get("logistic_info_list"))
        ):
            return  # already declared: a retried job must not declare it twice
        if detail["order_status"] not in ("WAIT_SELLER_SEND_GOODS", "SELLER_PART_SEND_GOODS"):
            raise RemoteRejected(f"AliExpress order {oid} is {detail['order_status']}; it cannot ship")
        ordered = {str(c["id"]): int(c["product_count"]) for c in unwrap(detail.get("child_order_list"))}
        # AliExpress tracks parcels per order, not per line: what earlier partial shipments
        # covered is remembered in the connection state to know when the last one goes.
        sent = self.ctx.state.setdefault("partial_shipments", {}).get(oid, {})
        now = dict(confirmation.lines) if confirmation.lines else dict(ordered)
        covered = {k: sent.get(k, 0) + now.get(k, 0) for k in ordered}
        whole = all(covered[k] >= q for k, q in ordered.items())
        service = self._service(confirmation)
        params: dict[str, Any] = {
            "service_name": service,
            "logistics_no": confirmation.tracking_number,
            "send_type": "all" if whole else "part",
            "out_ref": oid,
            "description": f"{confirmation.carrier} {confirmation.service}".strip()[:512],
        }
        if service == "OTHER":
            if not confirmation.tracking_url:
                raise RemoteRejected(f"AliExpress needs a tracking website for carrier {confirmation.carrier!r}")
            params["tracking_website"] = confirmation.tracking_url
        result = self.client.call("aliexpress.solution.order.fulfill", **params)["result"]
        if not result.get("result_success") and result.get("result_error_code") != "LOGISTICS_NO_DUPLICATE":
            raise RemoteRejected(
                f"AliExpress fulfil {oid}: {result.get('result_error_code')} {result.get('result_error_desc')}"
            )
        if whole:
            self.ctx.state["partial_shipments"].pop(oid, None)
        else:
            self.ctx.state["partial_shipments"][oid] = covered

    # -- stock ------------------------------------------------------------------------------

    def _products(self, refresh: bool = False) -> dict[str, int]:
        """SKU code -> product id, from the product list and each product's SKUs; cached."""
        cached = self.ctx.state.get("sku_products")
        if cached and not refresh:
            return cached
        mapping: dict[str, int] = {}
        page = 1
        while True:
            result = self.client.call(
                "aliexpress.solution.product.list.get",
                aeop_a_e_product_list_query={
                    "current_page": page,
                    "page_size": 100,
                    "product_status_type": "onSelling",
                },
            )["result"]
            for item in unwrap(result.get("aeop_a_e_product_display_d_t_o_list")):
                info = self.client.call("aliexpress.solution.product.info.get", product_id=item["product_id"])["result"]
                for sku in unwrap(info.get("aeop_ae_product_s_k_us")):
                    if sku.get("sku_code"):
                        mapping[sku["sku_code"]] = int(item["product_id"])
            if page >= int(result.get("total_page") or 0):
                break
            page += 1
        self.ctx.state["sku_products"] = mapping
        return mapping

    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        products = self._products()
        if any(q.seller_sku not in products and not q.external_listing_id for q in quantities):
            products = self._products(refresh=True)
        results: dict[int, PushResult] = {}
        groups: dict[int, list[tuple[int, ListingQuantity]]] = {}
        for index, q in enumerate(quantities):
            product = int(q.external_listing_id) if q.external_listing_id.isdigit() else products.get(q.seller_sku)
            if product is None:
                results[index] = PushResult(q.seller_sku, False, "no AliExpress product has this SKU code")
            else:
                groups.setdefault(product, []).append((index, q))
        ids = list(groups)
        for start in range(0, len(ids), 20):  # at most 20 products (of 200 SKUs) per call
            batch = ids[start : start + 20]
            answer = self.client.call(
                "aliexpress.solution.batch.product.inventory.update",
                mutiple_product_update_list=[
                    {
                        "product_id": pid,
                        "multiple_sku_update_list": [
                            {"sku_code": q.seller_sku, "inventory": max(0, q.quantity)} for _, q in groups[pid]
                        ],
                    }
                    for pid in batch
                ],
            )
            failed = {
                int(f["product_id"]): f.get("error_message") or f.get("error_code") or "refused"
                for f in unwrap(answer.get("update_failed_list"))
            }
            for pid in batch:
                for index, q in groups[pid]:
                    results[index] = PushResult(q.seller_sku, pid not in failed, failed.get(pid, ""))
        return [results[i] for i in range(len(quantities))]


@hookimpl
def register_channels() -> list[type[ChannelAdapter]]:
    return [AliExpressAdapter]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.channels.aliexpress.emulator import AliExpressEmulator

    return {"aliexpress": AliExpressEmulator()}
