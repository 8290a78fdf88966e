"""HTTP client of the DHL Express MyDHL API (shared/reference/carriers.md §2.3): HTTP Basic
with the API key and secret, the account number in the body, and DHL's problem-details
errors `{"title", "detail", "status", "additionalDetails"}` in every message."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx

from core.ports import ApiClient, ConnectionContext, json_bytes

PRODUCTION = "https://express.api.dhl.com/mydhlapi"
TEST = "https://express.api.dhl.com/mydhlapi/test"
INTERFACE_VERSION = "3.1.1"  # the vendored spec's version; the spec asks for it in x-version


class DHLClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/") + "/",
            limits={"api": (5.0, 10.0)},
            headers={"Accept": "application/json", "x-version": INTERFACE_VERSION, "Plugin-Name": "Tradelane"},
        )

    def authenticate(self, request: httpx.Request) -> None:
        pair = f"{self.ctx.credentials['api_key'].reveal()}:{self.ctx.credentials['api_secret'].reveal()}"
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        request.headers["Message-Reference"] = str(uuid.uuid4())

    def error_message(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            details = data.get("additionalDetails") or []
            text = " ".join(str(x) for x in (data.get("title"), data.get("detail")) if x)
            if details:
                text += " (" + "; ".join(str(d) for d in details) + ")"
        except (ValueError, AttributeError):
            text = ""
        return f"DHL Express {response.status_code}: {text or response.text[:300]}"

    def call(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["content"] = json_bytes(json)
            kwargs["headers"] = {"Content-Type": "application/json"}
        return self.json(self.request(method, path, op="api", **kwargs))
