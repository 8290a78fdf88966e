"""HTTP client of the QuickBooks Online Accounting API (shared/reference/finance.md §4.2):
OAuth 2 bearer tokens from a rotating refresh token (1 h access tokens), `minorversion=75` on
every call, faults read from the body whatever the status (a `Fault` can come with HTTP 200),
429 as a throttle (QBO asks for 60 s), and the `intuit_tid` of each answer in the log."""

from __future__ import annotations

from typing import Any

import httpx

from core.ports import (
    AdapterError,
    AuthError,
    ConnectionContext,
    RateLimited,
    RefreshTokenClient,
    RemoteRejected,
    TransientError,
    json_bytes,
)

PRODUCTION = "https://quickbooks.api.intuit.com"
SANDBOX = "https://sandbox-quickbooks.api.intuit.com"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
MINOR_VERSION = "75"  # §4.2: 1-74 unsupported since 2025-08-01


def fault_text(fault: dict[str, Any]) -> str:
    errors = fault.get("Error") or []
    parts = []
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, dict):
            parts.append(f"{e.get('code', '')}: {e.get('Detail') or e.get('Message') or ''}".strip(": "))
    return "; ".join(parts) or str(fault.get("type") or "fault")


class QuickBooksClient(RefreshTokenClient):
    token_url = TOKEN_URL
    state_key = "qbo_token"

    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/"),
            # §4.2: 500 requests a minute per realm, bursts of 10 a second.
            limits={"api": (500 / 60, 10.0)},
            headers={"Accept": "application/json"},
        )
        self.realm = str(ctx.settings.get("realm_id") or "")

    def classify(self, response: httpx.Response) -> AdapterError | None:
        tid = response.headers.get("intuit_tid")
        if tid:
            self.log.debug("intuit_tid %s for %s", tid, response.request.url.path)
        fault = None
        if "json" in response.headers.get("Content-Type", ""):
            try:
                body = response.json()
                fault = body.get("Fault") if isinstance(body, dict) else None
            except ValueError:
                fault = None
        if fault is None:
            return super().classify(response)
        text = f"QuickBooks {response.status_code}: {fault_text(fault)}"
        kind = str(fault.get("type") or "")
        if response.status_code == 429 or kind == "ThrottleExceeded" or "3001" in text:
            return RateLimited(text, status=response.status_code, retry_after=60.0)
        if response.status_code == 401 or kind == "AuthenticationFault" or "3200" in text:
            return AuthError(text, status=response.status_code)
        if response.status_code >= 500 or kind == "SystemFault":
            return TransientError(text, status=response.status_code)
        return RemoteRejected(text, status=response.status_code, code=kind)

    def error_message(self, response: httpx.Response) -> str:
        return f"QuickBooks {response.status_code}: {response.text[:300]}"

    def path(self, tail: str) -> str:
        return f"/v3/company/{self.realm}/{tail}"

    def get(self, tail: str, params: dict[str, str] | None = None) -> Any:
        query = {"minorversion": MINOR_VERSION, **(params or {})}
        return self.json(self.request("GET", self.path(tail), op="api", params=query))

    def query(self, statement: str) -> dict[str, Any]:
        return self.get("query", {"query": statement}).get("QueryResponse") or {}

    def create(self, entity: str, body: Any, request_id: str) -> Any:
        """A create with QBO's `requestid`: sent again with the same id, QBO answers the first
        response instead of creating a duplicate, so the request is safe to repeat."""
        response = self.request(
            "POST",
            self.path(entity),
            op="api",
            params={"minorversion": MINOR_VERSION, "requestid": request_id},
            content=json_bytes(body),
            headers={"Content-Type": "application/json"},
            idempotent=True,
        )
        return self.json(response)
