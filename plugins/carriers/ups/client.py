"""HTTP client of the UPS REST APIs (shared/reference/carriers.md §2.2): OAuth client
credentials with the client id and secret in a Basic header and the account in
`x-merchant-id`, a token whose `expires_in` comes as a string, versioned paths under `/api`,
and UPS's error shape `{"response": {"errors": [{"code", "message"}]}}` in every message."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx

from core.ports import ClientCredentialsClient, ConnectionContext, json_bytes

PRODUCTION = "https://onlinetools.ups.com"
TEST = "https://wwwcie.ups.com"
DEFAULT_VERSION = "v2409"  # the specs' default (§2.2)


class UPSClient(ClientCredentialsClient):
    token_path = "/security/v1/oauth/token"
    state_key = "ups_token"

    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/"),
            limits={"api": (10.0, 20.0)},
            headers={"Accept": "application/json", "transactionSrc": "tradelane"},
        )
        self.version = str(ctx.settings.get("api_version") or DEFAULT_VERSION)

    def token_request(self) -> dict[str, Any]:
        pair = f"{self.ctx.credentials['client_id'].reveal()}:{self.ctx.credentials['client_secret'].reveal()}"
        return {
            "data": {"grant_type": "client_credentials"},
            "headers": {
                "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
                "x-merchant-id": self.ctx.credentials["account_number"].reveal(),
            },
        }

    def authenticate(self, request: httpx.Request) -> None:
        super().authenticate(request)
        request.headers.setdefault("transId", uuid.uuid4().hex[:32])  # unique per request (§2.2)

    def error_message(self, response: httpx.Response) -> str:
        try:
            errors = (response.json().get("response") or {}).get("errors") or []
            text = "; ".join(f"{e.get('code', '')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
        except (ValueError, AttributeError):
            text = ""
        return f"UPS {response.status_code}: {text or response.text[:300]}"

    def call(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["content"] = json_bytes(json)
            kwargs["headers"] = {"Content-Type": "application/json"}
        return self.json(self.request(method, f"/api/{path.format(version=self.version)}", op="api", **kwargs))
