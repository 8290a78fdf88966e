"""HTTP client of the Xero Accounting API (shared/reference/finance.md §4.3): OAuth 2 bearer
tokens from a rotating refresh token, the `xero-tenant-id` header on every call, and Xero's
limits obeyed from its own answers: 60 calls a minute (`X-MinLimit-Remaining` re-synchronises
the client's bucket), 5 in flight per organisation (a semaphore), and 429 with `Retry-After`."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from core.ports import (
    AdapterError,
    ConnectionContext,
    RefreshTokenClient,
    RemoteRejected,
    TokenBucket,
    json_bytes,
)

PRODUCTION = "https://api.xero.com"
TOKEN_URL = "https://identity.xero.com/connect/token"
MAX_CONCURRENT = 5  # §4.3, per organisation and app
_slots: dict[str, threading.BoundedSemaphore] = {}
_slots_guard = threading.Lock()


def validation_text(body: Any) -> str:
    """Xero's ValidationException: the messages of every element's ValidationErrors."""
    if not isinstance(body, dict):
        return ""
    messages = []
    for element in body.get("Elements") or []:
        for err in element.get("ValidationErrors") or [] if isinstance(element, dict) else []:
            if isinstance(err, dict) and err.get("Message"):
                messages.append(str(err["Message"]))
    return "; ".join(dict.fromkeys(messages)) or str(body.get("Message") or body.get("Detail") or "")


class XeroClient(RefreshTokenClient):
    token_url = TOKEN_URL
    state_key = "xero_token"

    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/"),
            limits={"api": (1.0, float(MAX_CONCURRENT))},  # 60 a minute, in small bursts
            headers={"Accept": "application/json"},
        )
        self.tenant = str(ctx.settings.get("xero_tenant_id") or "")
        with _slots_guard:
            self.slots = _slots.setdefault(self.tenant, threading.BoundedSemaphore(MAX_CONCURRENT))

    def authenticate(self, request: httpx.Request) -> None:
        super().authenticate(request)
        if str(request.url) != self.token_endpoint():
            request.headers["xero-tenant-id"] = self.tenant

    def observe(self, response: httpx.Response, bucket: TokenBucket | None) -> None:
        remaining = response.headers.get("X-MinLimit-Remaining")
        if bucket is None or remaining is None:
            return
        try:
            left = float(remaining)
        except ValueError:
            return
        if left < bucket.burst:  # near the end of the minute's allowance: adopt Xero's count
            bucket.observe(available=left)

    def classify(self, response: httpx.Response) -> AdapterError | None:
        error = super().classify(response)
        if isinstance(error, RemoteRejected):
            try:
                text = validation_text(response.json())
            except ValueError:
                text = ""
            if text:
                return RemoteRejected(f"Xero {response.status_code}: {text}", status=response.status_code)
        return error

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with self.slots:  # at most 5 calls in flight for this organisation
            return super().request(method, url, **kwargs)

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self.json(self.request("GET", f"/api.xro/2.0/{path}", op="api", params=params))

    def put(self, path: str, body: Any, idempotency_key: str) -> Any:
        response = self.request(
            "PUT",
            f"/api.xro/2.0/{path}",
            op="api",
            content=json_bytes(body),
            headers={"Content-Type": "application/json"},
            idempotency_key=idempotency_key,
        )
        return self.json(response)
