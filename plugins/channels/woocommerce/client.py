"""HTTP client of the WooCommerce REST API v3 (shared/reference/channels.md §3)."""
from __future__ import annotations

import base64
from typing import Any

import httpx

from core.ports import ApiClient, ConnectionContext

# Core WooCommerce does not rate-limit; shared hosting and WAFs do. A polite default keeps one
# store from being hammered; the seller can raise it for a dedicated server.
DEFAULT_RATE = 5


class WooCommerceClient(ApiClient):
    def __init__(self, ctx: ConnectionContext, *, pacing: bool = True) -> None:
        rate = float(ctx.settings.get("requests_per_second") or DEFAULT_RATE)
        base = f"{str(ctx.settings['base_url']).rstrip('/')}/wp-json/wc/v3/"
        super().__init__(ctx, base, limits={"rest": (rate, rate * 2)}, pacing=pacing,
                         headers={"Accept": "application/json"})
        self.query_auth = ctx.settings.get("auth_mode") == "query"

    def authenticate(self, request: httpx.Request) -> None:
        key = self.ctx.credentials["consumer_key"].reveal()
        secret = self.ctx.credentials["consumer_secret"].reveal()
        if self.query_auth:
            # For hosts that strip the Authorization header (Apache/FastCGI); the keys are masked
            # in httpx's request log by core.ports.
            request.url = request.url.copy_merge_params({"consumer_key": key, "consumer_secret": secret})
        else:
            request.headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def error_message(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            code, message = data.get("code", ""), data.get("message", "")
        except (ValueError, AttributeError):
            code, message = "", response.text[:200]
        text = f"WooCommerce {response.status_code} {code}: {message}".replace("  ", " ")
        if code == "woocommerce_rest_cannot_view" and not self.query_auth:
            text += " (if the keys are right, the web server may strip the Authorization header: " \
                    "switch the connection to query-string authentication)"
        return text

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        response = self.request(method, path, op="rest", **kwargs)
        return self.json(response), response
