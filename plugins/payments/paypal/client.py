"""HTTP client of PayPal's REST APIs (shared/reference/finance.md §3.3): an OAuth 2
client-credentials token from `POST /v1/oauth2/token` (client id and secret as HTTP Basic,
`grant_type=client_credentials` as a form body), cached in the connection's state and renewed
a minute early or once when refused, and the Transaction Search list
`GET /v1/reporting/transactions`, read in windows of at most 31 days, page by page
(`page` / `total_pages`). PayPal's error shape `{"name", "message", "debug_id", "details":
[{"field", "issue"}]}` (and the token endpoint's `{"error", "error_description"}`) goes into
every message."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core.ports import ClientCredentialsClient, ConnectionContext, RateLimited, TokenBucket

PRODUCTION = "https://api-m.paypal.com"
SANDBOX = "https://api-m.sandbox.paypal.com"
# Transaction Search takes a date range of at most 31 days per request, and up to 500 rows a page.
MAX_WINDOW = timedelta(days=31)
PAGE_SIZE = 500
# PayPal publishes no request rate for Transaction Search; it answers 429 RATE_LIMIT_REACHED
# when pushed. A polite pace keeps a 90-day read (a few dozen pages) well under it.
RATE, BURST = 5.0, 10.0


def wire_time(value: datetime) -> str:
    """PayPal's ISO 8601 form with a numeric offset, in UTC: `2026-11-01T00:00:00+0000`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def windows(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most 31 days (the API's limit)."""
    while start < end:
        stop = min(start + MAX_WINDOW, end)
        yield start, stop
        start = stop


class PayPalClient(ClientCredentialsClient):
    token_path = "/v1/oauth2/token"
    state_key = "paypal_token"

    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/"),
            limits={"reporting": (RATE, BURST)},
            headers={"Accept": "application/json"},
        )

    def token_request(self) -> dict[str, Any]:
        pair = f"{self.ctx.credentials['client_id'].reveal()}:{self.ctx.credentials['client_secret'].reveal()}"
        return {
            "data": {"grant_type": "client_credentials"},
            "headers": {
                "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        }

    def error_message(self, response: httpx.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            data = None
        text = ""
        if isinstance(data, dict):
            if data.get("error"):  # the token endpoint's OAuth shape
                text = f"{data['error']}: {data.get('error_description', '')}"
            else:
                details = "; ".join(
                    f"{d.get('field', '')} {d.get('issue', '')}".strip()
                    for d in data.get("details") or []
                    if isinstance(d, dict)
                )
                text = f"{data.get('name', '')}: {data.get('message', '')}" + (f" ({details})" if details else "")
                if data.get("debug_id"):
                    text += f" [debug_id {data['debug_id']}]"
        return f"PayPal {response.status_code}: {text or response.text[:300]}"

    def classify(self, response: httpx.Response) -> Any:
        error = super().classify(response)
        if isinstance(error, RateLimited) and error.retry_after is None:
            error.retry_after = 1.0  # PayPal's 429 carries no Retry-After; back off a second
        return error

    def observe(self, response: httpx.Response, bucket: TokenBucket | None) -> None:
        return None

    def search(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """Every page of the transactions initiated in [start, end), window by window and page
        by page until `total_pages`. A window's `end_date` is its last second (PayPal stamps
        whole seconds), so consecutive windows never overlap."""
        for lo, hi in windows(start, end):
            page, pages = 1, 1
            while page <= pages:
                params = {
                    "start_date": wire_time(lo),
                    "end_date": wire_time(hi - timedelta(seconds=1)),
                    "fields": "transaction_info",
                    "page_size": PAGE_SIZE,
                    "page": page,
                }
                data = self.json(self.request("GET", "/v1/reporting/transactions", op="reporting", params=params))
                yield data
                pages = int(data.get("total_pages") or 0)
                page += 1
