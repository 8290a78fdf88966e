"""TinyShop's HTTP client: core's ApiClient does pacing, retries and error mapping; this class
only says how TinyShop authenticates and words its errors."""

from __future__ import annotations

import httpx

from core.ports import ApiClient, ConnectionContext


class TinyShopClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(ctx, str(ctx.settings["base_url"]).rstrip("/"), limits={"api": (10, 10)})

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.ctx.credentials['api_key'].reveal()}"

    def error_message(self, response: httpx.Response) -> str:
        try:
            return f"TinyShop {response.status_code}: {response.json().get('error')}"
        except ValueError:
            return f"TinyShop {response.status_code}"
