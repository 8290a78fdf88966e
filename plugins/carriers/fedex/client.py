"""HTTP client of the FedEx REST APIs (shared/reference/carriers.md §2.1): an OAuth
client-credentials token from a form body, valid 3,599 s, cached in the connection's state and
renewed a minute early or once when refused; FedEx's error shape
`{"transactionId", "errors": [{"code", "message", "parameterList"}]}` in every message."""

from __future__ import annotations

from typing import Any

import httpx

from core.ports import ClientCredentialsClient, ConnectionContext, json_bytes

PRODUCTION = "https://apis.fedex.com"
SANDBOX = "https://apis-sandbox.fedex.com"


class FedExClient(ClientCredentialsClient):
    token_path = "/oauth/token"
    state_key = "fedex_token"

    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/"),
            limits={"api": (10.0, 20.0)},
            headers={"Accept": "application/json", "X-locale": "en_US"},
        )

    def token_request(self) -> dict[str, Any]:
        return {
            "data": {
                "grant_type": "client_credentials",
                "client_id": self.ctx.credentials["client_id"].reveal(),
                "client_secret": self.ctx.credentials["client_secret"].reveal(),
            }
        }

    def error_message(self, response: httpx.Response) -> str:
        try:
            errors = response.json().get("errors") or []
            text = "; ".join(f"{e.get('code', '')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
        except (ValueError, AttributeError):
            text = ""
        return f"FedEx {response.status_code}: {text or response.text[:300]}"

    def call(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        """One API call: `json` is written with exact Decimals (weights, customs values)."""
        if json is not None:
            kwargs["content"] = json_bytes(json)
            kwargs["headers"] = {"Content-Type": "application/json"}
        return self.json(self.request(method, path, op="api", **kwargs))
