"""A QuickBooks Online emulator with state (shared/reference/finance.md §4.2, §4.4).

Reproduced: the token endpoint with 1 h access tokens and rotating refresh tokens (the
previous refresh token stops working once its successor is used), `minorversion >= 75`
required, `requestid` replay returning the stored response, the duplicate DocNumber fault
(6140), debits = credits, positive amounts, AR/AP lines requiring `Entity`, references to
accounts, customers and vendors checked (2500), 429 past 500 calls a minute or 10 in flight,
a `Fault` in a 200 body on demand (`fault_in_200`), `intuit_tid` headers, the query endpoint
(`select * from JournalEntry where DocNumber = '…'`, Account, Customer, Vendor, Department) and
reads by id. Multicurrency (§4.2): `CurrencyRef` applies to the whole entry and needs a
positive `ExchangeRate` (home units per foreign unit) when it is not the home currency; a
line's account must be in the entry's currency or the home currency (a USD receivable in a
CNY entry is refused, as is a EUR entry on it); the entry keeps `HomeTotalAmt` and each line
its `HomeAmount` (amount × rate, rounded). The refusal texts of these checks are Tradelane's,
not captured from QBO. Journal entries are never edited here; a reversal is an entry of its
own.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.testing.emulator import Emulator, json_response

REALM = "9130350000000000"
CLIENT_ID = "qbo-client-id"
CLIENT_SECRET = "qbo-client-secret"
ACCOUNTS = {
    "35": ("Checking", "Bank"),
    "36": ("Amazon Payouts USD", "Bank"),
    "84": ("Accounts Receivable (A/R)", "Accounts Receivable"),
    "33": ("Accounts Payable (A/P)", "Accounts Payable"),
    "79": ("Sales of Product Income", "Income"),
    "80": ("Cost of Goods Sold", "Cost of Goods Sold"),
    "81": ("Inventory Asset", "Other Current Asset"),
    "82": ("Inventory in Transit", "Other Current Asset"),
    "90": ("Marketplace Fees", "Expense"),
    "91": ("Freight Out", "Expense"),
    "92": ("Exchange Gain or Loss", "Other Expense"),
    "93": ("Sales Tax Payable", "Other Current Liability"),
    "94": ("Accrued Purchases", "Other Current Liability"),
    "95": ("Inventory Adjustments", "Other Expense"),
    "96": ("Opening Balance Equity", "Equity"),
    "97": ("Accounts Receivable (A/R) - USD", "Accounts Receivable"),
    "98": ("Currency Clearing", "Other Current Asset"),
}
HOME_CURRENCY = "CNY"
# §4.2 Multicurrency: a bank, receivable or payable account is kept in one currency; the
# others (income, expense, equity, …) are home-currency accounts any entry may use.
ACCOUNT_CURRENCY = {"36": "USD", "97": "USD"}
CURRENCIES = {"CNY", "USD", "EUR", "GBP", "JPY", "CAD", "AUD"}
CUSTOMERS = {"58": "Amazon US", "59": "Shopify Store"}
VENDORS = {"41": "Shenzhen Textiles Co.", "42": "Forwarder Ltd"}
DEPARTMENTS = {"1": "Shenzhen", "2": "US West"}
ENTITY_REQUIRED = {"Accounts Receivable": "Customer", "Accounts Payable": "Vendor"}
QUERY = re.compile(r"^select \* from (\w+)(?: where DocNumber = '((?:[^'\\]|\\.)*)')?(?: maxresults \d+)?$", re.I)


def fault(code: str, message: str, detail: str, kind: str = "ValidationFault", status: int = 400) -> Response:
    body = {"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}], "type": kind}}
    return json_response(body, status, {"intuit_tid": secrets.token_hex(8)})


class QuickBooksEmulator(Emulator):
    name = "quickbooks"
    LIMITS = {"api": (500 / 60, 500.0)}  # per realm: 500 a minute
    MAX_IN_FLIGHT = 10

    def reset_state(self) -> None:
        self.refresh_tokens: dict[str, str] = {}  # token -> "current" | "used"
        self.current_refresh = "qbo-refresh-" + secrets.token_hex(8)
        self.refresh_tokens[self.current_refresh] = "current"
        self.access_tokens: dict[str, float] = {}  # token -> expiry (emulator clock)
        self.entries: dict[str, dict[str, Any]] = {}  # Id -> JournalEntry
        self.by_doc_number: dict[str, str] = {}
        self.request_ids: dict[str, tuple[int, dict[str, Any]]] = {}
        self.next_id = 200
        self.faults_in_200 = 0
        self.in_flight = 0
        self.in_flight_lock = threading.Lock()
        self.created = 0  # journal entries created (replays not counted)

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "journal_entries": len(self.entries), "created": self.created}

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        return {
            "base_url": base,
            "token_url": f"{base}/oauth2/v1/tokens/bearer",
            "realm_id": REALM,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": self.current_refresh,
        }

    def fault_in_200(self, times: int = 1) -> None:
        """Answer the next `times` journal-entry creates with a Fault in an HTTP 200 body,
        creating nothing."""
        self.faults_in_200 += times

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    # -- WSGI: in-flight limit --------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/v3/"):
            with self.in_flight_lock:
                self.in_flight += 1
                over = self.in_flight > self.MAX_IN_FLIGHT
            try:
                if over and self.faults.throttle:
                    response = fault(
                        "003001", "ThrottleExceeded", "Too many concurrent requests", "ThrottleExceeded", 429
                    )
                    return response(environ, start_response)
                return super().__call__(environ, start_response)
            finally:
                with self.in_flight_lock:
                    self.in_flight -= 1
        return super().__call__(environ, start_response)

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/oauth2/v1/tokens/bearer", endpoint="token", methods=["POST"]),
            Rule("/v3/company/<realm>/journalentry", endpoint="create_entry", methods=["POST"]),
            Rule("/v3/company/<realm>/journalentry/<entry_id>", endpoint="read_entry", methods=["GET"]),
            Rule("/v3/company/<realm>/query", endpoint="query", methods=["GET"]),
            Rule("/v3/company/<realm>/companyinfo/<rid>", endpoint="company_info", methods=["GET"]),
        ]

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return fault("003001", "ThrottleExceeded", "Request rate limit exceeded", "ThrottleExceeded", 429)

    def server_error(self, request: Request, status: int) -> Response:
        return fault("10000", "An application error has occurred", "internal error", "SystemFault", status)

    # -- OAuth -------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        try:
            user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        if (user, password) != (CLIENT_ID, CLIENT_SECRET):
            return json_response({"error": "invalid_client"}, 401)
        if request.form.get("grant_type") != "refresh_token":
            return json_response({"error": "unsupported_grant_type"}, 400)
        presented = request.form.get("refresh_token", "")
        if self.refresh_tokens.get(presented) != "current":
            return json_response({"error": "invalid_grant"}, 400)
        self.refresh_tokens[presented] = "used"
        self.current_refresh = "qbo-refresh-" + secrets.token_hex(8)
        self.refresh_tokens[self.current_refresh] = "current"
        access = "qbo-access-" + secrets.token_hex(12)
        self.access_tokens[access] = self.clock.now().timestamp() + 3600
        return json_response(
            {
                "token_type": "bearer",
                "access_token": access,
                "expires_in": 3600,
                "refresh_token": self.current_refresh,
                "x_refresh_token_expires_in": 8726400,
            }
        )

    def _api_gate(self, request: Request, realm: str) -> Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        expiry = self.access_tokens.get(token)
        if expiry is None or expiry <= self.clock.now().timestamp():
            return fault("3200", "message=AuthenticationFailed", "Token expired or invalid", "AuthenticationFault", 401)
        if realm != REALM:
            return fault(
                "3100", "ApplicationAuthorizationFailed", f"realm {realm} is not authorised", "AuthorizationFault", 403
            )
        try:
            minor = int(request.args.get("minorversion", "0"))
        except ValueError:
            minor = 0
        if minor < 75:
            return fault("4000", "Unsupported minor version", "minorversion 75 or later is required")
        wait = self.limit("api")
        return self.throttled(request, "api", wait) if wait is not None else None

    # -- API ---------------------------------------------------------------------------------

    def company_info(self, request: Request, realm: str, rid: str) -> Response:
        refused = self._api_gate(request, realm)
        if refused:
            return refused
        return json_response({"CompanyInfo": {"CompanyName": "Tradelane Demo Trading LLC", "Id": "1"}})

    def read_entry(self, request: Request, realm: str, entry_id: str) -> Response:
        refused = self._api_gate(request, realm)
        if refused:
            return refused
        entry = self.entries.get(entry_id)
        if entry is None:
            return fault("610", "Object Not Found", f"JournalEntry {entry_id} not found")
        return json_response({"JournalEntry": entry})

    def query(self, request: Request, realm: str) -> Response:
        refused = self._api_gate(request, realm)
        if refused:
            return refused
        m = QUERY.match(request.args.get("query", "").strip())
        if not m:
            return fault("4000", "Error parsing query", request.args.get("query", "")[:200])
        entity, number = m.group(1), m.group(2)
        if entity == "JournalEntry":
            rows = [self.entries[i] for i in self.entries]
            if number is not None:
                number = number.replace("\\'", "'")
                rows = [self.entries[self.by_doc_number[number]]] if number in self.by_doc_number else []
        elif entity == "Account":
            rows = [{"Id": k, "Name": n, "FullyQualifiedName": n, "AccountType": t} for k, (n, t) in ACCOUNTS.items()]
        elif entity in ("Customer", "Vendor", "Department"):
            table = {"Customer": CUSTOMERS, "Vendor": VENDORS, "Department": DEPARTMENTS}[entity]
            rows = [{"Id": k, "DisplayName": n, "Name": n} for k, n in table.items()]
        else:
            return fault("4001", "Invalid query", f"unknown entity {entity}")
        body = {"QueryResponse": {entity: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {}}
        return json_response(body)

    def create_entry(self, request: Request, realm: str) -> Response:
        refused = self._api_gate(request, realm)
        if refused:
            return refused
        rid = request.args.get("requestid")
        if rid and rid in self.request_ids:
            status, body = self.request_ids[rid]
            return json_response(body, status, {"intuit_tid": secrets.token_hex(8)})
        if self.faults_in_200 > 0:
            self.faults_in_200 -= 1
            return fault("10000", "An application error has occurred", "please try again", "SystemFault", 200)
        status, body = self._create(request)
        if rid:
            self.request_ids[rid] = (status, body)
        return json_response(body, status, {"intuit_tid": secrets.token_hex(8)})

    def _create(self, request: Request) -> tuple[int, dict[str, Any]]:
        import json

        def bad(code: str, message: str, detail: str) -> tuple[int, dict[str, Any]]:
            return 400, {
                "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": "ValidationFault"}
            }

        try:
            data = json.loads(request.data, parse_float=Decimal)
        except ValueError:
            return bad("2020", "Required param missing", "the body is not JSON")
        lines = data.get("Line") if isinstance(data, dict) else None
        if not isinstance(lines, list) or not lines:
            return bad("2020", "Required param missing, need to supply the required value for the API", "Line")
        currency = (data.get("CurrencyRef") or {}).get("value") or HOME_CURRENCY
        if currency not in CURRENCIES:
            return bad("2500", "Invalid Reference Id", f"Invalid Reference Id : Currency {currency} not found")
        rate = Decimal(1)
        if currency != HOME_CURRENCY:
            try:
                rate = Decimal(str(data.get("ExchangeRate")))
            except (InvalidOperation, ValueError):
                rate = Decimal(0)
            if not rate.is_finite() or rate <= 0:
                return bad(
                    "6000",
                    "A business validation error has occurred",
                    f"ExchangeRate is required and positive for a transaction in {currency}",
                )
        debit = credit = Decimal(0)
        for i, line in enumerate(lines):
            detail = line.get("JournalEntryLineDetail") if isinstance(line, dict) else None
            if line.get("DetailType") != "JournalEntryLineDetail" or not isinstance(detail, dict):
                return bad("2020", "Required param missing", f"Line[{i}].JournalEntryLineDetail")
            try:
                amount = Decimal(str(line.get("Amount")))
            except (InvalidOperation, ValueError):
                return bad("2050", "Invalid String", f"Line[{i}].Amount")
            if amount < 0:
                return bad("6000", "A business validation error has occurred", "Amounts must be positive")
            account = (detail.get("AccountRef") or {}).get("value")
            if account not in ACCOUNTS:
                return bad(
                    "2500", "Invalid Reference Id", f"Invalid Reference Id : Accounts element id {account} not found"
                )
            held_in = ACCOUNT_CURRENCY.get(account, HOME_CURRENCY)
            if held_in not in (currency, HOME_CURRENCY):
                return bad(
                    "6000",
                    "A business validation error has occurred",
                    f"The account {ACCOUNTS[account][0]} is in {held_in}; a transaction in {currency} "
                    f"can use accounts in {currency} or {HOME_CURRENCY} only",
                )
            needed = ENTITY_REQUIRED.get(ACCOUNTS[account][1])
            entity = detail.get("Entity") or {}
            if needed and entity.get("Type") != needed:
                return bad(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    f"Business Validation Error: When you use {ACCOUNTS[account][0]}, you must select a "
                    f"{needed.lower()} in the Name field.",
                )
            if entity:
                table = CUSTOMERS if entity.get("Type") == "Customer" else VENDORS
                ref = (entity.get("EntityRef") or {}).get("value")
                if ref not in table:
                    return bad(
                        "2500", "Invalid Reference Id", f"Invalid Reference Id : Names element id {ref} not found"
                    )
            side = detail.get("PostingType")
            if side == "Debit":
                debit += amount
            elif side == "Credit":
                credit += amount
            else:
                return bad("2020", "Required param missing", f"Line[{i}].JournalEntryLineDetail.PostingType")
        if debit != credit:
            return bad("6000", "A business validation error has occurred", "Transaction must be in balance.")
        number = data.get("DocNumber") or ""
        if number and number in self.by_doc_number:
            return bad(
                "6140",
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different number. "
                f"This number has already been used. DocNumber={number}",
            )
        self.next_id += 1
        entry_id = str(self.next_id)
        now = self.clock.now().isoformat()
        entry = {
            **data,
            "Id": entry_id,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CurrencyRef": {"value": currency},
            "ExchangeRate": rate,
            "TotalAmt": debit,
            "HomeTotalAmt": (debit * rate).quantize(Decimal("0.01"), ROUND_HALF_UP),
            "Line": [
                {
                    **line,
                    "Id": str(i),
                    "HomeAmount": (Decimal(str(line["Amount"])) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP),
                }
                for i, line in enumerate(lines)
            ],
            "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
        }
        self.entries[entry_id] = entry
        if number:
            self.by_doc_number[number] = entry_id
        self.created += 1
        return 200, {"JournalEntry": entry, "time": now}
