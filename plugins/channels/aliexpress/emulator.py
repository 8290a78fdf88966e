"""An AliExpress Open Platform (IOP) emulator: one seller's store behind the `/sync` gateway.

Wire behaviour reproduced (shared/reference/channels.md §4): every business call is a POST (or
GET) to `/sync` naming its `method`, signed with HMAC-SHA256 over the sorted parameters
(uppercase hex; system APIs such as `/auth/token/refresh` prefix their path), a timestamp within
7,200 seconds, the seller's `session` token, object parameters as JSON strings, and errors --
throttling included -- reported inside HTTP 200 as `error_response` ("This ban will last for N
more seconds"). Order times are naive US Pacific strings; lists page by `current_page`/
`page_size` (at most 50), and `simplify=true` answers without the wrapper objects;
modified-time queries need a created-time range of at most 180 days,
and FINISH orders come only when asked for, within 30 days of creation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.money import round_money
from core.testing.emulator import ChannelEmulator, json_response
from core.testing.orders import CATALOGUE, SampleOrder

PACIFIC = ZoneInfo("America/Los_Angeles")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
OPEN_STATUSES = (
    "PLACE_ORDER_SUCCESS",
    "IN_CANCEL",
    "WAIT_SELLER_SEND_GOODS",
    "SELLER_PART_SEND_GOODS",
    "WAIT_BUYER_ACCEPT_GOODS",
    "FUND_PROCESSING",
    "IN_ISSUE",
    "IN_FROZEN",
    "WAIT_SELLER_EXAMINE_MONEY",
    "RISK_CONTROL",
)
SERVICES = {
    "CAINIAO_STANDARD",
    "CAINIAO_PREMIUM",
    "AE_STANDARD",
    "EMS",
    "DHL",
    "UPS",
    "FEDEX_IE",
    "TNT",
    "CPAM",
    "YANWEN_JYT",
    "FOURPX_RM",
    "YUNEXPRESS",
    "SUNYOU_RM",
    "OTHER",
}
METHODS = {
    "aliexpress.solution.order.get": (5, 10),
    "aliexpress.solution.order.info.get": (10, 20),
    "aliexpress.solution.order.fulfill": (5, 10),
    "aliexpress.solution.batch.product.inventory.update": (5, 10),
    "aliexpress.solution.product.list.get": (5, 10),
    "aliexpress.solution.product.info.get": (10, 20),
    "aliexpress.solution.merchant.profile.get": (5, 10),
}
VARIANTS = {"TL-SCK-WOOL-M": 1005006000000101, "TL-GLV-TOUCH-L": 1005006000000101}  # two SKUs of one product


def pacific(value: datetime) -> str:
    return value.astimezone(PACIFIC).strftime(TIME_FORMAT)


def from_pacific(value: str) -> datetime:
    return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=PACIFIC).astimezone(UTC)


def sign(params: Mapping[str, str], secret: str, api_path: str = "") -> str:
    """The IOP signature: HMAC-SHA256 over the API path (system APIs only) followed by every
    parameter but `sign` as name+value, sorted by name; uppercase hex."""
    text = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def simplified(body: Any, top: bool = True) -> Any:
    """The gateway's answer with `simplify=true` (shared/reference/channels.md §4.3): without the
    `<method>_response` wrapper, and every list without the object wrapped round it
    (`target_list.order_dto[]` becomes `target_list[]`). Errors keep their `error_response`."""
    if isinstance(body, dict):
        if top and len(body) == 1 and next(iter(body)).endswith("_response") and "error_response" not in body:
            return simplified(next(iter(body.values())), top=False)
        if len(body) == 1 and isinstance(next(iter(body.values())), list) and not top:
            return [simplified(item, top=False) for item in next(iter(body.values()))]
        return {key: simplified(value, top=False) for key, value in body.items()}
    if isinstance(body, list):
        return [simplified(item, top=False) for item in body]
    return body


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    amount = round_money(amount, currency)
    return {"amount": str(amount), "currency_code": currency, "cent": int(amount * 100), "cent_factor": 100}


class AliExpressEmulator(ChannelEmulator):
    name = "aliexpress"
    LIMITS = METHODS
    CHANGES = {
        "cancel": "the order closes unshipped (FINISH, end_reason buyer_cancel_order)",
        "request_cancel": "the buyer asks to cancel (IN_CANCEL)",
        "refund": "the order closes refunded after a dispute (FINISH with refund_info)",
        "address": "the buyer changes the receipt address",
        "pay": "payment clears: PLACE_ORDER_SUCCESS -> WAIT_SELLER_SEND_GOODS",
        "deliver": "the buyer confirms receipt (FINISH, end_reason buyer_accept_goods)",
        "touch": "something else changes, which only bumps gmt_modified",
    }
    TIMESTAMP_SKEW = 7200

    def __init__(self, *, seed: int = 1, clock: Any = None) -> None:
        digest = hashlib.sha256(f"aliexpress-{seed}".encode()).hexdigest()
        self.app_key = str(500000 + int(digest[:6], 16) % 400000)
        self.app_secret = digest[6:38]
        self.refresh_token = f"50001{digest[38:60]}"
        self.throttle_code = "ApiCallLimit"  # "7" for the legacy TOP code
        super().__init__(seed=seed, clock=clock)

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
        }

    # -- state ------------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.orders: dict[int, dict[str, Any]] = {}
        self.version = 0
        self._cache: tuple[Any, list[int]] | None = None
        self.tokens: dict[str, datetime] = {}
        self.access_token = self._issue_token(days=30)
        self.products: dict[int, dict[str, Any]] = {}
        for n, (sku, title, usd) in enumerate(CATALOGUE):
            pid = VARIANTS.get(sku, 1005006000000000 + n)
            product = self.products.setdefault(pid, {"product_id": pid, "subject": title, "skus": {}})
            product["skus"][sku] = {"id": f"{pid}-{sku}", "sku_code": sku, "sku_price": usd, "ipm_sku_stock": 0}
        self.sku_products = {sku: pid for pid, p in self.products.items() for sku in p["skus"]}

    def _issue_token(self, days: float) -> str:
        token = f"50000{secrets.token_hex(24)}"
        self.tokens[token] = self.clock.now() + timedelta(days=days)
        return token

    def expire_access_token(self) -> None:
        for token in self.tokens:
            self.tokens[token] = self.clock.now()

    def generation_defaults(self) -> dict[str, Any]:
        return {"currency": "USD", "countries": ("US", "ES", "FR", "DE", "GB", "NL", "IT", "MX", "CA", "AU")}

    def add_order(self, sample: SampleOrder) -> str:
        rng = self.factory.rng
        oid = 3_000_000_000_000_000 + rng.randint(10**13, 10**14 - 1)
        while oid in self.orders:
            oid += 1
        status = rng.choices(("WAIT_SELLER_SEND_GOODS", "PLACE_ORDER_SUCCESS", "RISK_CONTROL"), (90, 6, 4))[0]
        discount = Decimal("0.08") if rng.random() < 0.2 else Decimal(0)
        lines = []
        for line in sample.lines:
            off = round_money(line.unit_price * line.quantity * discount, "USD")
            lines.append(
                {
                    "child_id": oid + len(lines) + 1,
                    "sku_code": line.sku,
                    "product_id": self.sku_products[line.sku],
                    "product_name": line.title,
                    "product_count": line.quantity,
                    "unit": line.unit_price,
                    "discount": off,
                    "status": status,
                }
            )
        created = sample.created_at
        self.orders[oid] = {
            "id": oid,
            "status": status,
            "created": created,
            "modified": created,
            "paid": None if status == "PLACE_ORDER_SUCCESS" else created + timedelta(minutes=2),
            "lines": lines,
            "shipping": sample.shipping,
            "address": sample.address,
            "buyer": sample.buyer_name,
            "buyer_login": f"{sample.address.country.lower()}{rng.getrandbits(40):x}",
            "memo": sample.buyer_note,
            "logistics": [],
            "end_reason": "",
            "refund": None,
            "service": "CAINIAO_STANDARD",
        }
        self.version += 1
        return str(oid)

    def _total(self, order: dict[str, Any]) -> Decimal:
        goods = sum((ln["unit"] * ln["product_count"] - ln["discount"] for ln in order["lines"]), Decimal(0))
        return goods + order["shipping"]

    def _order(self, order_id: str | int) -> dict[str, Any]:
        try:
            return self.orders[int(order_id)]
        except (KeyError, ValueError):
            raise KeyError(f"no order {order_id}") from None

    def _touch(self, order: dict[str, Any]) -> None:
        order["modified"] = max(self.clock.now().replace(microsecond=0), order["modified"])
        self.version += 1

    def apply_change(self, order_id: str, change: str, **options: Any) -> None:
        order = self._order(order_id)
        status = order["status"]
        if change in ("cancel", "refund", "deliver") and status == "FINISH":
            raise ValueError("the order is already finished")
        if change == "cancel":
            if status in ("WAIT_BUYER_ACCEPT_GOODS", "FUND_PROCESSING"):
                raise ValueError("a shipped order cannot be cancelled; use refund")
            order["status"] = "FINISH"
            order["end_reason"] = "buyer_cancel_notpay_order" if order["paid"] is None else "buyer_cancel_order"
            if order["paid"] is not None:
                order["refund"] = {
                    "refund_status": "refund_ok",
                    "refund_reason": "buyer cancelled",
                    "refund_cash_amt": money(self._total(order), "USD"),
                    "refund_time": pacific(self.clock.now()),
                }
        elif change == "request_cancel":
            order["status"] = "IN_CANCEL"
        elif change == "refund":
            order["status"] = "FINISH"
            order["end_reason"] = "seller_accept_issue_refund"
            order["refund"] = {
                "refund_status": "refund_ok",
                "refund_reason": options.get("reason", "dispute"),
                "refund_cash_amt": money(self._total(order), "USD"),
                "refund_time": pacific(self.clock.now()),
            }
        elif change == "address":
            order["address"] = replace(order["address"], line1=options.get("line1", "Calle Nueva 8"))
        elif change == "pay":
            if status != "PLACE_ORDER_SUCCESS":
                raise ValueError("only an unpaid order can be paid")
            order["status"], order["paid"] = "WAIT_SELLER_SEND_GOODS", self.clock.now()
        elif change == "deliver":
            order["status"], order["end_reason"] = "FINISH", "buyer_accept_goods"
        for line in order["lines"]:
            line["status"] = order["status"]
        self._touch(order)

    def order_ids(self) -> list[str]:
        return [str(i) for i in self.orders]

    def quantities(self) -> dict[str, int]:
        return {sku: s["ipm_sku_stock"] for p in self.products.values() for sku, s in p["skus"].items()}

    # -- renderings -------------------------------------------------------------------------

    def list_dto(self, order: dict[str, Any]) -> dict[str, Any]:
        total = self._total(order)
        return {
            "order_id": order["id"],
            "order_status": order["status"],
            "fund_status": "NOT_PAY" if order["paid"] is None else "PAY_SUCCESS",
            "frozen_status": "NO_FROZEN",
            "issue_status": "END_ISSUE" if order["refund"] else "NO_ISSUE",
            "logistics_status": self._logistics_status(order),
            "biz_type": "AE_COMMON",
            "gmt_create": pacific(order["created"]),
            "gmt_update": pacific(order["modified"]),
            "gmt_pay_time": pacific(order["paid"]) if order["paid"] else "",
            "pay_amount": money(total, "USD"),
            "payment_type": "MIXEDCARD",
            "buyer_login_id": order["buyer_login"],
            "buyer_signer_fullname": order["buyer"],
            "seller_login_id": "cn1520312360tl",
            "end_reason": order["end_reason"],
            "left_send_good_day": "4",
            "product_list": {
                "order_product_dto": [
                    {
                        "child_id": ln["child_id"],
                        "order_id": order["id"],
                        "product_id": ln["product_id"],
                        "sku_code": ln["sku_code"],
                        "product_name": ln["product_name"],
                        "product_count": ln["product_count"],
                        "product_unit": "piece",
                        "product_unit_price": money(ln["unit"], "USD"),
                        "total_product_amount": money(ln["unit"] * ln["product_count"], "USD"),
                        "logistics_amount": money(Decimal(0), "USD"),
                        "logistics_service_name": "AliExpress Standard Shipping",
                        "logistics_type": order["service"],
                        "son_order_status": ln["status"],
                        "show_status": ln["status"],
                        "goods_prepare_time": 3,
                        "send_goods_operator": "SELLER_SEND_GOODS",
                    }
                    for ln in order["lines"]
                ]
            },
        }

    @staticmethod
    def _logistics_status(order: dict[str, Any]) -> str:
        return {
            "SELLER_PART_SEND_GOODS": "SELLER_SEND_PART_GOODS",
            "WAIT_BUYER_ACCEPT_GOODS": "SELLER_SEND_GOODS",
            "WAIT_SELLER_SEND_GOODS": "WAIT_SELLER_SEND_GOODS",
        }.get(order["status"], "NO_LOGISTICS")

    def detail_dto(self, order: dict[str, Any]) -> dict[str, Any]:
        a = order["address"]
        phone = a.phone.split(" ", 1)
        discount = sum((ln["discount"] for ln in order["lines"]), Decimal(0))
        return {
            "id": order["id"],
            "order_status": order["status"],
            "gmt_create": pacific(order["created"]),
            "gmt_modified": pacific(order["modified"]),
            "gmt_pay_success": pacific(order["paid"]) if order["paid"] else "",
            "fund_status": "NOT_PAY" if order["paid"] is None else "PAY_SUCCESS",
            "frozen_status": "NO_FROZEN",
            "issue_status": "END_ISSUE" if order["refund"] else "NO_ISSUE",
            "logistics_status": self._logistics_status(order),
            "order_end_reason": order["end_reason"],
            "buyerloginid": order["buyer_login"],
            "memo": order["memo"],
            "buyer_info": {
                "first_name": order["buyer"].split(" ")[0],
                "last_name": order["buyer"].partition(" ")[2],
                "country": a.country,
                "login_id": order["buyer_login"],
            },
            "receipt_address": {
                "contact_person": a.name,
                "address": a.line1,
                "address2": a.line2,
                "detail_address": a.line1,
                "city": a.city,
                "province": a.state,
                "zip": a.postal_code,
                "country": a.country,
                "phone_country": phone[0].lstrip("+"),
                "mobile_no": phone[1] if len(phone) > 1 else a.phone,
            },
            "order_amount": money(self._total(order), "USD"),
            "init_oder_amount": money(self._total(order), "USD"),
            "logistics_amount": money(order["shipping"], "USD"),
            "order_discount_info": money(discount, "USD"),
            "settlement_currency": "USD",
            "pay_amount_by_settlement_cur": str(round_money(self._total(order), "USD")),
            "refund_info": order["refund"],
            "logistic_info_list": {"global_aeop_tp_logistic_info_dto": order["logistics"]},
            "child_order_list": {
                "global_aeop_tp_child_order_dto": [
                    {
                        "id": ln["child_id"],
                        "child_order_id": str(ln["child_id"]),
                        "sku_code": ln["sku_code"],
                        "product_id": ln["product_id"],
                        "product_name": ln["product_name"],
                        "product_count": ln["product_count"],
                        "product_unit": "piece",
                        "product_price": money(ln["unit"], "USD"),
                        "child_order_discount_info": money(ln["discount"], "USD"),
                        "order_status": ln["status"],
                        "logistics_service_name": "AliExpress Standard Shipping",
                        "logistics_type": order["service"],
                        "send_goods_operator": "SELLER_SEND_GOODS",
                    }
                    for ln in order["lines"]
                ]
            },
        }

    def order_json(self, order_id: str) -> dict[str, Any]:
        return json.loads(json.dumps(self.detail_dto(self._order(order_id)), default=str))

    # -- gateway ----------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/sync", endpoint="sync", methods=["GET", "POST"]),
            Rule("/rest/auth/token/refresh", endpoint="token_refresh", methods=["GET", "POST"]),
        ]

    def unknown_route(self, request: Request, exc: Any) -> Response:
        return json_response(
            {
                "type": "ISV",
                "code": "InvalidApiPath",
                "message": "The specified API path is invalid",
                "request_id": secrets.token_hex(10),
            },
            404,
        )

    @staticmethod
    def error(code: str, msg: str, kind: str = "ISV", **extra: Any) -> Response:
        return json_response(
            {"error_response": {"type": kind, "code": code, "msg": msg, **extra, "request_id": secrets.token_hex(10)}}
        )

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        seconds = max(1, math.ceil(retry_after))
        return self.error(
            self.throttle_code,
            "App Call Limited",
            "ISP",
            sub_code="accesscontrol.limited-by-app-api-access-count",
            sub_msg=f"This ban will last for {seconds} more seconds",
        )

    def server_error(self, request: Request, status: int) -> Response:
        if status in (502, 503, 504):  # the load balancer in front of the gateway
            return Response("<html><body>Bad Gateway</body></html>", status=status, content_type="text/html")
        return self.error("ServiceUnavailable", "The service is temporarily unavailable", "ISP")

    def _params(self, request: Request) -> dict[str, str]:
        params = {k: v for k, v in request.args.items()}
        params.update({k: v for k, v in request.form.items()})
        return params

    def _check_signature(self, params: dict[str, str], api_path: str = "") -> Response | None:
        if params.get("app_key") != self.app_key:
            return self.error("InvalidAppKey" if params.get("app_key") else "MissingAppKey", "Invalid app key")
        if params.get("sign_method", "").lower() != "sha256":
            return self.error("InvalidSignMethod", "Only sha256 signatures are accepted")
        try:
            stamp = datetime.fromtimestamp(int(params.get("timestamp", "")) / 1000, UTC)
        except ValueError:
            return self.error("MissingTimestamp", "timestamp must be epoch milliseconds")
        if abs((stamp - self.clock.now()).total_seconds()) > self.TIMESTAMP_SKEW:
            return self.error("InvalidTimestamp", "The request timestamp is out of the allowed range")
        expected = sign(params, self.app_secret, api_path)
        if not hmac.compare_digest(expected, params.get("sign", "")):
            return self.error("IncompleteSignature", "The request signature does not conform to platform standards")
        return None

    def token_refresh(self, request: Request) -> Response:
        params = self._params(request)
        refused = self._check_signature(params, "/auth/token/refresh")
        if refused:
            body = json.loads(refused.get_data())["error_response"]
            return json_response(
                {"type": body["type"], "code": body["code"], "message": body["msg"], "request_id": body["request_id"]}
            )
        if not hmac.compare_digest(params.get("refresh_token", ""), self.refresh_token):
            return json_response(
                {
                    "type": "ISV",
                    "code": "InvalidRefreshToken",
                    "message": "refresh token is invalid",
                    "request_id": secrets.token_hex(10),
                }
            )
        self.access_token = self._issue_token(days=30)
        now = self.clock.now()
        return json_response(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": 30 * 86400,
                "refresh_expires_in": 180 * 86400,
                "expire_time": int((now + timedelta(days=30)).timestamp() * 1000),
                "refresh_token_valid_time": int((now + timedelta(days=180)).timestamp() * 1000),
                "user_id": "200042362",
                "seller_id": "200042362",
                "user_nick": "cn1520312360tl",
                "account": "seller@example.com",
                "account_platform": "seller_center",
                "sp": "ae",
                "locale": "en_US",
                "code": "0",
                "request_id": secrets.token_hex(10),
            }
        )

    def sync(self, request: Request) -> Response:
        params = self._params(request)
        method = params.get("method", "")
        refused = self._check_signature(params)
        if refused:
            return refused
        if method not in METHODS:
            return self.error("InvalidMethod", f"Invalid method: {method}")
        token = params.get("session") or params.get("access_token") or ""
        expiry = self.tokens.get(token)
        if expiry is None or expiry <= self.clock.now():
            return self.error("IllegalAccessToken", "The specified access token is invalid or expired")
        wait = self.limit(method)
        if wait is not None:
            return self.throttled(request, method, wait)
        handler = getattr(self, "m_" + method.replace("aliexpress.solution.", "").replace(".", "_"))
        try:
            response = handler(params)
        except (ValueError, KeyError, TypeError) as exc:
            return self.error("isv.invalid-parameter", f"Invalid parameter: {exc}")
        if params.get("simplify", "").lower() == "true":
            return json_response(simplified(json.loads(response.get_data())))
        return response

    def _wrap(self, method: str, body: dict[str, Any]) -> Response:
        key = method.replace(".", "_") + "_response"
        return json_response({key: {**body, "request_id": secrets.token_hex(10)}})

    # -- methods ----------------------------------------------------------------------------

    def m_merchant_profile_get(self, params: dict[str, str]) -> Response:
        return self._wrap(
            "aliexpress.solution.merchant.profile.get",
            {
                "country_code": "CN",
                "merchant_login_id": "cn1520312360tl",
                "shop_id": 912345678,
                "shop_name": "Tradelane Demo Store",
                "shop_type": "global",
                "shop_url": "https://www.aliexpress.com/store/912345678",
                "product_posting_forbidden": False,
            },
        )

    def m_order_get(self, params: dict[str, str]) -> Response:
        q = json.loads(params["param0"])

        def fail(code: str, message: str) -> Response:
            return self._wrap(
                "aliexpress.solution.order.get",
                {"result": {"success": False, "error_code": code, "error_message": message, "total_count": 0}},
            )

        page, size = int(q.get("current_page", 1)), int(q.get("page_size", 20))
        if not 1 <= size <= 50:
            return fail("PARAM_ERROR", "page_size must be between 1 and 50")
        bounds = {}
        for key in ("create_date_start", "create_date_end", "modified_date_start", "modified_date_end"):
            if q.get(key):
                try:
                    bounds[key] = from_pacific(q[key])
                except ValueError:
                    return fail("PARAM_ERROR", f"{key} must be yyyy-MM-dd HH:mm:ss (US Pacific time)")
        statuses = set(q.get("order_status_list") or ([q["order_status"]] if q.get("order_status") else []))
        has_created = "create_date_start" in bounds and "create_date_end" in bounds
        if ("modified_date_start" in bounds or "modified_date_end" in bounds) and not has_created:
            return fail("PARAM_ERROR", "a modified-time query needs create_date_start and create_date_end")
        if has_created:
            span = bounds["create_date_end"] - bounds["create_date_start"]
            if span > timedelta(days=180):
                return fail("PARAM_ERROR", "the created-time range may not exceed 180 days")
            if "FINISH" in statuses and span > timedelta(days=30):
                return fail("PARAM_ERROR", "FINISH orders can be queried for at most 30 days of creation")
        if "FINISH" in statuses and not has_created:
            return fail("PARAM_ERROR", "FINISH orders need a created-time range")
        wanted = statuses or set(OPEN_STATUSES)
        key = (
            json.dumps({k: v for k, v in q.items() if k not in ("current_page", "page_size")}, sort_keys=True),
            self.version,
        )
        if self._cache is None or self._cache[0] != key:
            ids = [oid for oid, o in self.orders.items() if o["status"] in wanted and self._within(o, bounds)]
            ids.sort(key=lambda oid: (self.orders[oid]["created"], oid), reverse=True)  # newest first
            self._cache = (key, ids)
        ids = self._cache[1]
        total_pages = math.ceil(len(ids) / size) if ids else 0
        chunk = ids[(page - 1) * size : page * size]
        return self._wrap(
            "aliexpress.solution.order.get",
            {
                "result": {
                    "success": True,
                    "error_code": "",
                    "error_message": "",
                    "total_count": len(ids),
                    "total_page": total_pages,
                    "current_page": page,
                    "page_size": size,
                    "time_stamp": pacific(self.clock.now()),
                    "target_list": {"order_dto": [self.list_dto(self.orders[oid]) for oid in chunk]},
                }
            },
        )

    @staticmethod
    def _within(order: dict[str, Any], bounds: dict[str, datetime]) -> bool:
        # Times have whole seconds on both sides; every bound is inclusive.
        checks = (
            ("create_date_start", order["created"], 1),
            ("create_date_end", order["created"], -1),
            ("modified_date_start", order["modified"], 1),
            ("modified_date_end", order["modified"], -1),
        )
        for key, stamp, sense in checks:
            bound = bounds.get(key)
            if bound is not None and ((stamp < bound) if sense > 0 else (stamp > bound)):
                return False
        return True

    def m_order_info_get(self, params: dict[str, str]) -> Response:
        q = json.loads(params["param1"])
        order = self.orders.get(int(q["order_id"]))
        if order is None:
            return self._wrap(
                "aliexpress.solution.order.info.get",
                {
                    "result": {
                        "result_success": False,
                        "error_code": "ORDER_NOT_FOUND",
                        "error_message": "order not found",
                    }
                },
            )
        return self._wrap(
            "aliexpress.solution.order.info.get",
            {"result": {"result_success": True, "error_code": "", "error_message": "", "data": self.detail_dto(order)}},
        )

    def m_order_fulfill(self, params: dict[str, str]) -> Response:
        def fail(code: str, desc: str) -> Response:
            return self._wrap(
                "aliexpress.solution.order.fulfill",
                {"result": {"result_success": False, "result_error_code": code, "result_error_desc": desc}},
            )

        for key in ("service_name", "logistics_no", "send_type", "out_ref"):
            if not params.get(key):
                return fail("PARAM_ERROR", f"{key} is required")
        order = self.orders.get(int(params["out_ref"]))
        if order is None:
            return fail("ORDER_NOT_FOUND", "order not found")
        service = params["service_name"]
        if service not in SERVICES:
            return fail("LOGISTICS_SERVICE_INVALID", f"unknown logistics service {service}")
        if service == "OTHER" and not params.get("tracking_website"):
            return fail("PARAM_ERROR", "tracking_website is required for OTHER")
        if params["send_type"] not in ("all", "part"):
            return fail("PARAM_ERROR", "send_type must be all or part")
        if order["status"] not in ("WAIT_SELLER_SEND_GOODS", "SELLER_PART_SEND_GOODS"):
            return fail("ORDER_STATUS_ERROR", f"the order is {order['status']}")
        if any(entry["logistics_no"] == params["logistics_no"] for entry in order["logistics"]):
            return fail("LOGISTICS_NO_DUPLICATE", "the logistics number was already declared for this order")
        order["logistics"].append(
            {
                "logistics_no": params["logistics_no"],
                "logistics_service": service,
                "gmt_send": pacific(self.clock.now()),
                "receive_status": "not_received",
                "logistics_type_code": service,
            }
        )
        order["status"] = "WAIT_BUYER_ACCEPT_GOODS" if params["send_type"] == "all" else "SELLER_PART_SEND_GOODS"
        for line in order["lines"]:
            line["status"] = order["status"]
        self._touch(order)
        self.record_shipment(
            str(order["id"]),
            carrier=service,
            tracking_number=params["logistics_no"],
            service=params.get("description", ""),
            raw=dict(params, sign="***", session="***"),
        )
        return self._wrap(
            "aliexpress.solution.order.fulfill",
            {"result": {"result_success": True, "result_error_code": "", "result_error_desc": ""}},
        )

    def m_product_list_get(self, params: dict[str, str]) -> Response:
        q = json.loads(params.get("aeop_a_e_product_list_query") or "{}")
        page, size = int(q.get("current_page", 1)), min(int(q.get("page_size", 20)), 100)
        ids = sorted(self.products)
        chunk = ids[(page - 1) * size : page * size]
        return self._wrap(
            "aliexpress.solution.product.list.get",
            {
                "result": {
                    "success": True,
                    "current_page": page,
                    "product_count": len(ids),
                    "total_page": math.ceil(len(ids) / size),
                    "aeop_a_e_product_display_d_t_o_list": {
                        "item_display_dto": [
                            {
                                "product_id": pid,
                                "subject": self.products[pid]["subject"],
                                "product_status_type": "onSelling",
                            }
                            for pid in chunk
                        ]
                    },
                }
            },
        )

    def m_product_info_get(self, params: dict[str, str]) -> Response:
        product = self.products.get(int(params["product_id"]))
        if product is None:
            return self.error("isv.product-not-exist", "product does not exist")
        return self._wrap(
            "aliexpress.solution.product.info.get",
            {
                "result": {
                    "product_id": product["product_id"],
                    "subject": product["subject"],
                    "product_status_type": "onSelling",
                    "aeop_ae_product_s_k_us": {"global_aeop_ae_product_sku": list(product["skus"].values())},
                }
            },
        )

    def m_batch_product_inventory_update(self, params: dict[str, str]) -> Response:
        updates = json.loads(params["mutiple_product_update_list"])
        if len(updates) > 20 or any(len(u.get("multiple_sku_update_list") or []) > 200 for u in updates):
            return self.error("isv.param-error", "at most 20 products with 200 SKUs each")
        ok, failed = [], []
        for update in updates:
            product = self.products.get(int(update["product_id"]))
            if product is None:
                failed.append(
                    {
                        "product_id": update["product_id"],
                        "error_code": "PRODUCT_NOT_EXIST",
                        "error_message": "product does not exist",
                    }
                )
                continue
            problems = [
                s["sku_code"]
                for s in update["multiple_sku_update_list"]
                if s.get("sku_code") not in product["skus"]
                or not isinstance(s.get("inventory"), int)
                or s["inventory"] < 0
            ]
            if problems:
                failed.append(
                    {
                        "product_id": product["product_id"],
                        "error_code": "SKU_NOT_EXIST",
                        "error_message": f"invalid sku_code or inventory: {', '.join(map(str, problems))}",
                    }
                )
                continue
            for s in update["multiple_sku_update_list"]:
                product["skus"][s["sku_code"]]["ipm_sku_stock"] = s["inventory"]
                self.record_quantity(s["sku_code"], s["inventory"])
            ok.append({"product_id": product["product_id"]})
        return self._wrap(
            "aliexpress.solution.batch.product.inventory.update",
            {
                "update_success": not failed,
                "update_successful_list": {"synchronize_product_response_dto": ok},
                "update_failed_list": {"synchronize_product_response_dto": failed},
                "update_error_code": "" if not failed else "PART_FAILED",
                "update_error_message": "",
            },
        )
