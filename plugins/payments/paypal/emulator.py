"""A PayPal REST API emulator: one merchant account, its currency balances and their
transactions (shared/reference/finance.md §3.3).

Wire behaviour reproduced: `POST /v1/oauth2/token` with the client id and secret as HTTP
Basic and `grant_type=client_credentials` (9-hour bearer tokens; `invalid_client` when
refused, `invalid_token` for an unknown or expired one), `GET /v1/reporting/transactions` with
`start_date` and `end_date` required and at most 31 days apart, `page_size` up to 500 and
`page`, answered with `transaction_details`, `account_number`, `page`, `total_items` and
`total_pages`; transactions shown only 3 hours after they executed; `ending_balance` and
`available_balance` per row, blanked when an optional filter is given; T-codes of the groups
finance reads (T00 payments, T01 fees, T02 conversions as two rows, T04 withdrawals, T11
refunds, T12 chargebacks, T15 holds, T21 reserves); PayPal's error shape
`{"name", "message", "debug_id", "details"}` for 400, 404, 429 (`RATE_LIMIT_REACHED`) and 5xx.

State is driven in Python (`pay_orders`, `refund`, `fee`, `hold`, `convert`, `withdraw`,
`sweep`) or over `/_control/` for the demo and other processes.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.money import round_money
from core.testing.emulator import CONTROL, Emulator, json_response
from plugins.payments.paypal.mapping import parse_time

LAG = timedelta(hours=3)  # §3.3: transactions appear up to 3 hours after they execute
MAX_RANGE = timedelta(days=31)
TOKEN_TTL = 32400
# A commercial rate for the fees of generated payments (what PayPal charges varies by country
# and volume; the figure only has to be a fee).
FEE_RATE, FEE_FIXED = Decimal("0.0349"), Decimal("0.49")
OPTIONAL_FILTERS = (
    "transaction_id",
    "transaction_type",
    "transaction_status",
    "transaction_amount",
    "transaction_currency",
    "payment_instrument_type",
    "store_id",
    "terminal_id",
    "balance_affecting_records_only",
)


def wire_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": str(round_money(amount, currency))}


class PayPalEmulator(Emulator):
    name = "paypal"
    LIMITS = {"reporting": (10.0, 20.0)}

    def __init__(self, *, seed: int = 1, clock: Any = None) -> None:
        digest = hashlib.sha256(f"paypal-{seed}".encode()).hexdigest()
        self.client_id = f"A{digest[:40]}"
        self.client_secret = f"E{digest[40:64]}"
        self.account_number = digest[:13].upper()
        super().__init__(seed=seed, clock=clock)

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "client_id": self.client_id, "client_secret": self.client_secret}

    # -- state ------------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.tokens: dict[str, datetime] = {}
        self.rows: list[dict[str, Any]] = []  # transaction_info dicts, in the order they executed
        self.balances: dict[str, Decimal] = {}
        self._serial = 0

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "transactions": len(self.rows),
            "balances": {c: str(v) for c, v in sorted(self.balances.items())},
        }

    def _id(self) -> str:
        self._serial += 1
        return hashlib.sha256(f"{self.seed}-{self._serial}".encode()).hexdigest()[:17].upper()

    def _add(
        self,
        code: str,
        amount: Decimal,
        currency: str,
        *,
        at: datetime | None = None,
        fee: Decimal = Decimal(0),
        invoice_id: str = "",
        custom_field: str = "",
        reference: str = "",
        reference_type: str = "",
        status: str = "S",
    ) -> dict[str, Any]:
        when = (at or self.clock.now()).astimezone(UTC).replace(microsecond=0)
        amount, fee = round_money(Decimal(amount), currency), round_money(Decimal(fee), currency)
        with self.lock:
            balance = self.balances.get(currency, Decimal(0)) + amount + fee
            self.balances[currency] = balance
            info: dict[str, Any] = {
                "paypal_account_id": self._id()[:13],
                "transaction_id": self._id(),
                "transaction_event_code": code,
                "transaction_initiation_date": wire_time(when),
                "transaction_updated_date": wire_time(when),
                "transaction_amount": _money(amount, currency),
                "transaction_status": status,
                "ending_balance": _money(balance, currency),
                "available_balance": _money(balance, currency),
                "protection_eligibility": "01" if code.startswith("T00") else "02",
            }
            if fee:
                info["fee_amount"] = _money(fee, currency)
            if invoice_id:
                info["invoice_id"] = invoice_id
            if custom_field:
                info["custom_field"] = custom_field
            if reference:
                info["paypal_reference_id"] = reference
                info["paypal_reference_id_type"] = reference_type or "TXN"
            self.rows.append(info)
            self.rows.sort(key=lambda r: r["transaction_initiation_date"])
            return info

    def pay(
        self,
        amount: Decimal | str,
        currency: str,
        *,
        invoice_id: str = "",
        custom_field: str = "",
        at: datetime | None = None,
        fee: Decimal | None = None,
    ) -> str:
        """A checkout payment (T0006) with PayPal's fee taken from it; returns its id."""
        amount = Decimal(amount)
        charged = round_money(amount * FEE_RATE + FEE_FIXED, currency) if fee is None else Decimal(fee)
        row = self._add(
            "T0006", amount, currency, at=at, fee=-charged, invoice_id=invoice_id, custom_field=custom_field
        )
        return str(row["transaction_id"])

    def pay_orders(
        self, orders: Iterable[Mapping[str, Any]], *, invoice_prefix: str = "", at: datetime | None = None
    ) -> list[str]:
        """Payments of shop orders (WooCommerce order JSON: `id`, `number`, `total`, `currency`)
        as WooCommerce PayPal Payments sends them: `invoice_id` the prefix and the order number,
        `custom_field` the order id."""
        return [
            self.pay(
                Decimal(str(o["total"])),
                str(o["currency"]),
                invoice_id=f"{invoice_prefix}{o.get('number') or o['id']}",
                custom_field=str(o["id"]),
                at=at,
            )
            for o in orders
        ]

    def _row(self, transaction_id: str) -> dict[str, Any]:
        for row in self.rows:
            if row["transaction_id"] == transaction_id:
                return row
        raise KeyError(f"no transaction {transaction_id}")

    def refund(
        self, payment_id: str, amount: Decimal | str | None = None, *, at: datetime | None = None, fee_back: Any = 0
    ) -> str:
        """A refund (T1107) of a payment, whole or in part; PayPal keeps its fee unless
        `fee_back` says what it returns."""
        paid = self._row(payment_id)
        currency = paid["transaction_amount"]["currency_code"]
        value = Decimal(amount) if amount is not None else Decimal(paid["transaction_amount"]["value"])
        row = self._add(
            "T1107",
            -value,
            currency,
            at=at,
            fee=Decimal(fee_back),
            invoice_id=paid.get("invoice_id", ""),
            custom_field=paid.get("custom_field", ""),
            reference=payment_id,
        )
        return str(row["transaction_id"])

    def fee(self, amount: Decimal | str, currency: str, *, code: str = "T0106", at: datetime | None = None) -> str:
        """A fee that is not a payment's (T0106 chargeback processing fee by default)."""
        return str(self._add(code, -Decimal(amount), currency, at=at)["transaction_id"])

    def hold(
        self, amount: Decimal | str, currency: str, *, code: str = "T1503", at: datetime | None = None, **refs: str
    ) -> str:
        """Money held back (T1503, a temporary hold; T2101 a reserve); give it negative to
        release (T1105 or T2102)."""
        return str(self._add(code, -Decimal(amount), currency, at=at, **refs)["transaction_id"])

    def convert(
        self, amount: Decimal | str, currency: str, to: str, rate: Decimal | str, *, at: datetime | None = None
    ) -> tuple[str, str]:
        """A currency conversion: two T0200 rows, `amount` of `currency` debited and its value
        at `rate` credited in `to`, sharing one `paypal_reference_id`. Returns their ids."""
        amount = Decimal(amount)
        reference = self._id()
        debit = self._add("T0200", -amount, currency, at=at, reference=reference)
        credit = self._add("T0200", amount * Decimal(rate), to, at=at, reference=reference)
        return str(debit["transaction_id"]), str(credit["transaction_id"])

    def withdraw(self, amount: Decimal | str, currency: str, *, at: datetime | None = None) -> str:
        """A withdrawal to the seller's bank account (T0400)."""
        return str(self._add("T0400", -Decimal(amount), currency, at=at)["transaction_id"])

    def day_net(self, day: date, currency: str) -> Decimal:
        """What the day's payments, refunds, fees and holds added to a balance (before any
        conversion or withdrawal)."""
        total = Decimal(0)
        for row in self.rows:
            code = row["transaction_event_code"]
            if row["transaction_amount"]["currency_code"] != currency or code[:3] in ("T02", "T03", "T04", "T13"):
                continue
            if parse_time(row["transaction_initiation_date"]).date() != day:
                continue
            total += Decimal(row["transaction_amount"]["value"]) + Decimal(
                (row.get("fee_amount") or {}).get("value", "0")
            )
        return total

    def sweep(
        self, day: date, currency: str, *, to: str = "", rate: Decimal | str | None = None, at: datetime | None = None
    ) -> Decimal:
        """Withdraw the day's money of a balance at the end of that day, converted into `to`
        at `rate` first when given (a USD balance paid out to a CNY bank account). Returns
        what reached the bank."""
        net = self.day_net(day, currency)
        when = at or datetime.combine(day, time(23, 30), UTC)
        if to and to != currency:
            self.convert(net, currency, to, Decimal(rate or 1), at=when)
            arrived = round_money(net * Decimal(rate or 1), to)
            self.withdraw(arrived, to, at=when)
            return arrived
        self.withdraw(net, currency, at=when)
        return net

    # -- credentials ------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = self.clock.now()

    def _error(self, status: int, name: str, message: str, details: list[dict[str, str]] | None = None) -> Response:
        body: dict[str, Any] = {"name": name, "message": message, "debug_id": secrets.token_hex(7)}
        if details:
            body["details"] = details
        return json_response(body, status)

    def authorize(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        expiry = self.tokens.get(header[7:].strip()) if header.startswith("Bearer ") else None
        if expiry is not None and expiry > self.clock.now():
            return None
        return json_response(
            {"error": "invalid_token", "error_description": "The token passed in was not found in the system"}, 401
        )

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return self._error(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting.")

    def server_error(self, request: Request, status: int) -> Response:
        return self._error(status, "INTERNAL_SERVICE_ERROR", "An internal service error has occurred.")

    def unknown_route(self, request: Request, exc: HTTPException) -> Response:
        return self._error(exc.code or 404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")

    # -- API --------------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/v1/oauth2/token", endpoint="token", methods=["POST"]),
            Rule("/v1/reporting/transactions", endpoint="transactions", methods=["GET"]),
        ]

    def token(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        try:
            pair = base64.b64decode(header[6:]).decode() if header.startswith("Basic ") else ""
        except (ValueError, UnicodeDecodeError):
            pair = ""
        if pair != f"{self.client_id}:{self.client_secret}":
            return json_response({"error": "invalid_client", "error_description": "Client Authentication failed"}, 401)
        if request.form.get("grant_type") != "client_credentials":
            return json_response(
                {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"},
                400,
            )
        token = f"A21AA{secrets.token_urlsafe(32)}"
        self.tokens[token] = self.clock.now() + timedelta(seconds=TOKEN_TTL)
        return json_response(
            {
                "scope": "https://uri.paypal.com/services/reporting/search/read",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": f"APP-{self.client_id[:17]}",
                "expires_in": TOKEN_TTL,
                "nonce": f"{wire_time(self.clock.now())}{secrets.token_hex(8)}",
            }
        )

    def _invalid(self, field: str, value: str, issue: str) -> Response:
        return self._error(
            400,
            "INVALID_REQUEST",
            "Request is not well-formed, syntactically incorrect, or violates schema.",
            [{"field": field, "value": value, "location": "query", "issue": issue}],
        )

    def transactions(self, request: Request) -> Response:
        refused = self.gate(request, "reporting")
        if refused:
            return refused
        args = request.args
        bounds = []
        for name in ("start_date", "end_date"):
            value = args.get(name, "")
            if not value:
                return self._invalid(name, "", "Required parameter missing")
            try:
                bounds.append(parse_time(value))
            except ValueError:
                return self._invalid(name, value, "Invalid date format")
        start, end = bounds
        if end < start:
            return self._invalid("end_date", args["end_date"], "End date cannot be before start date")
        if end - start > MAX_RANGE:
            return self._invalid("start_date", args["start_date"], "Date range is greater than 31 days")
        try:
            size, page = int(args.get("page_size", 100)), int(args.get("page", 1))
        except ValueError:
            return self._invalid("page_size", args.get("page_size", ""), "Must be a whole number")
        if not 1 <= size <= 500:
            return self._invalid("page_size", str(size), "Must be between 1 and 500")
        if page < 1:
            return self._invalid("page", str(page), "Must be 1 or more")
        shown_until = self.clock.now() - LAG
        filtered = any(args.get(f) for f in OPTIONAL_FILTERS)
        rows = [
            r
            for r in self.rows
            if start <= parse_time(r["transaction_initiation_date"]) <= min(end, shown_until)
            and all(not args.get(f) or str(r.get(f, "")) == args[f] for f in ("transaction_id", "transaction_status"))
        ]
        total_pages = math.ceil(len(rows) / size)
        fields = set((args.get("fields") or "transaction_info").split(","))
        details = []
        for r in rows[(page - 1) * size : page * size]:
            info = dict(r)
            if filtered:  # §3.3: any optional filter blanks the balances
                info.pop("ending_balance", None)
                info.pop("available_balance", None)
            item: dict[str, Any] = {"transaction_info": info}
            if fields & {"all", "payer_info"}:
                item["payer_info"] = {"account_id": info["paypal_account_id"], "payer_status": "Y"}
            if fields & {"all", "cart_info"}:
                item["cart_info"] = {"item_details": []}
            details.append(item)
        base = f"{request.host_url.rstrip('/')}{request.script_root}{request.path}"
        links = [{"href": f"{base}?{request.query_string.decode()}", "rel": "self", "method": "GET"}]
        return json_response(
            {
                "transaction_details": details,
                "account_number": self.account_number,
                "start_date": wire_time(start),
                "end_date": wire_time(end),
                "last_refreshed_datetime": wire_time(shown_until),
                "page": page,
                "total_items": len(rows),
                "total_pages": total_pages,
                "links": links,
            }
        )

    # -- control API over HTTP --------------------------------------------------------------

    def control_rules(self) -> list[Rule]:
        r = CONTROL
        return super().control_rules() + [
            Rule(f"{r}/transactions", endpoint="ctl_transactions", methods=["GET"]),
            Rule(f"{r}/payments", endpoint="ctl_payments", methods=["POST"]),
            Rule(f"{r}/sweep", endpoint="ctl_sweep", methods=["POST"]),
            Rule(f"{r}/tokens/expire", endpoint="ctl_expire", methods=["POST"]),
        ]

    def ctl_transactions(self, request: Request) -> Response:
        with self.lock:
            return json_response({"transactions": self.rows, "balances": self.summary()["balances"]})

    def ctl_payments(self, request: Request) -> Response:
        """`{"orders": [{id, number, total, currency}], "invoice_prefix": "WC-", "at": iso}`."""
        body = self._body(request)
        at = datetime.fromisoformat(body["at"]) if body.get("at") else None
        ids = self.pay_orders(body.get("orders") or [], invoice_prefix=str(body.get("invoice_prefix") or ""), at=at)
        return json_response({"transaction_ids": ids}, 201)

    def ctl_sweep(self, request: Request) -> Response:
        """`{"day": "2026-11-20", "currency": "USD", "to": "CNY", "rate": "7.05"}`."""
        body = self._body(request)
        arrived = self.sweep(
            date.fromisoformat(body["day"]), str(body["currency"]), to=str(body.get("to") or ""), rate=body.get("rate")
        )
        return json_response({"arrived": str(arrived)}, 201)

    def ctl_expire(self, request: Request) -> Response:
        self.expire_tokens()
        return json_response({"expired": len(self.tokens)})
