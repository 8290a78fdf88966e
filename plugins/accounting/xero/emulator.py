"""A Xero Accounting API emulator with state (shared/reference/finance.md §4.3, §4.4).

Reproduced: the identity token endpoint with rotating refresh tokens (30 min access tokens),
`xero-tenant-id` required, `Idempotency-Key` replay (the first answer again, nothing done),
ManualJournals created by PUT (lines netting to zero, known account codes, a narration,
tracking options checked), read back with MS-JSON dates (`/Date(…+0000)/`), the limits of 60
calls a minute, 5 in flight and 5,000 a day per organisation with `X-MinLimit-Remaining`,
`X-DayLimit-Remaining` and `X-AppMinLimit-Remaining` on every answer and 429 with `Retry-After`
and `X-Rate-Limit-Problem`, and the ValidationException shape for refusals. Base currency only
(§4.3, §4.4): a journal naming another currency (CurrencyCode, CurrencyRate) or a line on a
foreign-currency bank account is refused; those refusal texts are Tradelane's, not captured
from Xero.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import uuid
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.testing.emulator import Emulator, json_response

TENANT = "8f1c2d3e-4b5a-4c6d-9e8f-001122334455"
CLIENT_ID = "xero-client-id"
CLIENT_SECRET = "xero-client-secret"
ACCOUNTS = {
    "090": "Business Bank Account",
    "091": "Amazon Payouts",
    "610": "Accounts Receivable",
    "800": "Accounts Payable",
    "200": "Sales",
    "310": "Cost of Goods Sold",
    "630": "Inventory",
    "631": "Inventory in Transit",
    "404": "Marketplace Fees",
    "425": "Freight & Courier",
    "499": "FX Gain/Loss (own)",
    "820": "Sales Tax",
    "825": "Accrued Purchases",
    "860": "Inventory Adjustments",
    "970": "Owner Funds Introduced",
    "092": "Amazon Payouts USD",
}
BASE_CURRENCY = "CNY"
# A bank account in a foreign currency: manual journals are in the base currency only
# (§4.3, §4.4), so one cannot be posted to it.
FOREIGN_BANK_ACCOUNTS = {"092": "USD"}
TRACKING = {"Warehouse": ["Shenzhen", "US West"]}
PER_MINUTE, PER_DAY, IN_FLIGHT = 60, 5000, 5
WHERE = re.compile(r'^Narration\.StartsWith\("(.*)"\)$')


def ms_date(value: datetime) -> str:
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def validation(messages: list[str]) -> Response:
    return json_response(
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [{"ValidationErrors": [{"Message": m} for m in messages]}],
        },
        400,
    )


class XeroEmulator(Emulator):
    name = "xero"
    IDEMPOTENCY_HEADER = "Idempotency-Key"

    def reset_state(self) -> None:
        self.current_refresh = "xero-refresh-" + secrets.token_hex(8)
        self.refresh_valid = {self.current_refresh}
        self.access_tokens: dict[str, float] = {}
        self.journals: dict[str, dict[str, Any]] = {}
        self.minute: deque[float] = deque()
        self.day = 0
        self.day_of = self.clock.now().date()
        self.in_flight = 0
        self.in_flight_lock = threading.Lock()
        self.max_in_flight_seen = 0
        self.created = 0

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "manual_journals": len(self.journals), "created": self.created}

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        return {
            "base_url": base,
            "token_url": f"{base}/connect/token",
            "xero_tenant_id": TENANT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": self.current_refresh,
        }

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/connect/token", endpoint="token", methods=["POST"]),
            Rule("/api.xro/2.0/Organisation", endpoint="organisation", methods=["GET"]),
            Rule("/api.xro/2.0/Accounts", endpoint="accounts", methods=["GET"]),
            Rule("/api.xro/2.0/TrackingCategories", endpoint="tracking", methods=["GET"]),
            Rule("/api.xro/2.0/ManualJournals", endpoint="manual_journals", methods=["GET", "PUT", "POST"]),
            Rule("/api.xro/2.0/ManualJournals/<journal_id>", endpoint="manual_journal", methods=["GET"]),
        ]

    # -- limits ------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith("/api.xro/"):
            return super().__call__(environ, start_response)
        with self.in_flight_lock:
            self.in_flight += 1
            self.max_in_flight_seen = max(self.max_in_flight_seen, self.in_flight)
            over = self.in_flight > IN_FLIGHT
        try:
            if over and self.faults.throttle:
                return self._too_many("concurrent", 1.0)(environ, start_response)
            return super().__call__(environ, start_response)
        finally:
            with self.in_flight_lock:
                self.in_flight -= 1

    def _limit_headers(self) -> dict[str, str]:
        return {
            "X-MinLimit-Remaining": str(max(0, PER_MINUTE - len(self.minute))),
            "X-DayLimit-Remaining": str(max(0, PER_DAY - self.day)),
            "X-AppMinLimit-Remaining": "9999",
        }

    def _too_many(self, problem: str, retry_after: float) -> Response:
        headers = {
            **self._limit_headers(),
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-Rate-Limit-Problem": problem,
        }
        return json_response({"Title": "Too Many Requests", "Detail": f"{problem} rate limit exceeded"}, 429, headers)

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        return self._too_many("minute", retry_after)

    def _gate(self, request: Request) -> Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        expiry = self.access_tokens.get(token)
        if expiry is None or expiry <= self.clock.now().timestamp():
            return json_response({"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired"}, 401)
        if request.headers.get("xero-tenant-id") != TENANT:
            return json_response({"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}, 403)
        today = self.clock.now().date()
        if today != self.day_of:  # the day's allowance starts again at midnight UTC
            self.day, self.day_of = 0, today
        if self.faults.throttle:
            now = self.clock.monotonic()
            while self.minute and self.minute[0] <= now - 60:
                self.minute.popleft()
            if len(self.minute) >= PER_MINUTE * self.faults.rate_scale:
                return self._too_many("minute", self.minute[0] + 60 - now)
            if self.day >= PER_DAY * self.faults.rate_scale:
                wall = self.clock.now()
                midnight = datetime(wall.year, wall.month, wall.day, tzinfo=UTC).timestamp() + 86400
                return self._too_many("day", midnight - wall.timestamp())
            self.minute.append(now)
        self.day += 1
        return None

    def _ok(self, body: Any, status: int = 200) -> Response:
        return json_response(body, status, self._limit_headers())

    # -- OAuth -------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        try:
            user, _, password = (
                base64.b64decode(request.headers.get("Authorization", "").removeprefix("Basic "))
                .decode()
                .partition(":")
            )
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        if (user, password) != (CLIENT_ID, CLIENT_SECRET):
            return json_response({"error": "invalid_client"}, 400)
        presented = request.form.get("refresh_token", "")
        if request.form.get("grant_type") != "refresh_token" or presented not in self.refresh_valid:
            return json_response({"error": "invalid_grant"}, 400)
        self.refresh_valid.discard(presented)
        self.current_refresh = "xero-refresh-" + secrets.token_hex(8)
        self.refresh_valid.add(self.current_refresh)
        access = "xero-access-" + secrets.token_hex(12)
        self.access_tokens[access] = self.clock.now().timestamp() + 1800
        return json_response(
            {"access_token": access, "expires_in": 1800, "token_type": "Bearer", "refresh_token": self.current_refresh}
        )

    # -- API ---------------------------------------------------------------------------------

    def organisation(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        return self._ok(
            {"Organisations": [{"Name": "Tradelane Demo Ltd", "BaseCurrency": BASE_CURRENCY, "OrganisationID": TENANT}]}
        )

    def accounts(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        rows = [
            {"Code": c, "Name": n, "Status": "ACTIVE", "CurrencyCode": FOREIGN_BANK_ACCOUNTS.get(c, BASE_CURRENCY)}
            for c, n in ACCOUNTS.items()
        ]
        return self._ok({"Accounts": rows})

    def tracking(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        cats = [{"Name": n, "Options": [{"Name": o} for o in opts]} for n, opts in TRACKING.items()]
        return self._ok({"TrackingCategories": cats})

    def manual_journal(self, request: Request, journal_id: str) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        journal = self.journals.get(journal_id)
        if journal is None:
            return json_response({"Title": "Not Found", "Status": 404}, 404)
        return self._ok({"ManualJournals": [journal]})

    def manual_journals(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        if request.method == "GET":
            rows = list(self.journals.values())
            where = request.args.get("where")
            if where:
                m = WHERE.match(where)
                if not m:
                    return validation([f"the filter {where!r} is not supported here"])
                rows = [j for j in rows if j["Narration"].startswith(m.group(1))]
            return self._ok({"ManualJournals": rows})
        try:
            data = json.loads(request.data, parse_float=Decimal)
            items = data["ManualJournals"]
        except (ValueError, KeyError, TypeError):
            return validation(['send {"ManualJournals": [...]}'])
        out = []
        for item in items:
            problems = self._problems(item)
            if problems:
                return validation(problems)
            journal_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
            now = self.clock.now()
            try:
                day = datetime.fromisoformat(str(item.get("Date"))).replace(tzinfo=UTC)
            except ValueError:
                day = now
            journal = {
                "ManualJournalID": journal_id,
                "Date": ms_date(day),
                "Status": item.get("Status") or "DRAFT",
                "LineAmountTypes": item.get("LineAmountTypes") or "NoTax",
                "Narration": item["Narration"],
                "JournalLines": item["JournalLines"],
                "ShowOnCashBasisReports": True,
                "HasAttachments": False,
                "UpdatedDateUTC": ms_date(now),
            }
            self.journals[journal_id] = journal
            self.created += 1
            out.append(journal)
        return self._ok(
            {
                "Id": str(uuid.uuid4()),
                "Status": "OK",
                "ProviderName": "Tradelane",
                "DateTimeUTC": ms_date(self.clock.now()),
                "ManualJournals": out,
            }
        )

    def _problems(self, item: Any) -> list[str]:
        if not isinstance(item, dict):
            return ["a manual journal is an object"]
        problems = []
        if not str(item.get("Narration") or "").strip():
            problems.append("Narration is required")
        for name in ("CurrencyCode", "CurrencyRate"):
            if name in item and not (name == "CurrencyCode" and item[name] == BASE_CURRENCY):
                problems.append(f"Manual journals are in the base currency ({BASE_CURRENCY}): {name} cannot be set")
        lines = item.get("JournalLines")
        if not isinstance(lines, list) or len(lines) < 2:
            return problems + ["A manual journal needs at least two lines"]
        total = Decimal(0)
        for line in lines:
            try:
                total += Decimal(str(line.get("LineAmount")))
            except (InvalidOperation, AttributeError):
                problems.append("LineAmount must be a number")
                continue
            code = line.get("AccountCode")
            if code not in ACCOUNTS:
                problems.append(f"Account code '{code}' is not a valid code for this document.")
            elif code in FOREIGN_BANK_ACCOUNTS:
                problems.append(
                    f"Account code '{code}' is a {FOREIGN_BANK_ACCOUNTS[code]} bank account: manual journals "
                    f"are in the base currency ({BASE_CURRENCY}) and cannot use it"
                )
            for t in line.get("Tracking") or []:
                if t.get("Option") not in TRACKING.get(t.get("Name"), []):
                    problems.append(f"Tracking option {t.get('Name')}:{t.get('Option')} does not exist")
        if total != 0:
            problems.append("The total debits must equal total credits")
        return problems
