"""HTTP client of the Shopify Admin REST API (shared/reference/channels.md §2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from core.ports import ApiClient, ConnectionContext, TokenBucket

# The newest stable version; Shopify keeps each about a year, then serves the oldest one it still
# supports instead (X-Shopify-API-Version tells which answered).
DEFAULT_API_VERSION = "2026-10"
# Standard plans: a bucket of 40 requests leaking 2 per second. Bigger plans have bigger
# buckets that drain in the same 20 seconds (80 -> 4/s, 400 -> 20/s), so the rate follows the
# bucket size the server reports in X-Shopify-Shop-Api-Call-Limit.
BUCKET, LEAK = 40, 2.0


class ShopifyClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        version = ctx.settings.get("api_version") or DEFAULT_API_VERSION
        self.api_version = str(version)
        base = f"{str(ctx.settings['base_url']).rstrip('/')}/admin/api/{version}/"
        super().__init__(ctx, base, limits={"rest": (LEAK, BUCKET)}, headers={"Accept": "application/json"})

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["X-Shopify-Access-Token"] = self.ctx.credentials["access_token"].reveal()

    def observe(self, response: httpx.Response, bucket: TokenBucket | None) -> None:
        used, _, size = response.headers.get("X-Shopify-Shop-Api-Call-Limit", "").partition("/")
        if bucket is not None and used.isdigit() and size.isdigit() and int(size) > 0:
            bucket.observe(available=int(size) - int(used), burst=int(size), rate=int(size) / 20)

    def error_message(self, response: httpx.Response) -> str:
        try:
            errors = response.json().get("errors")
        except ValueError:
            errors = None
        if isinstance(errors, dict):
            text = "; ".join(f"{k}: {v if isinstance(v, str) else ', '.join(map(str, v))}" for k, v in errors.items())
        elif isinstance(errors, list):
            text = "; ".join(map(str, errors))
        else:
            text = str(errors or response.text[:300])
        return f"Shopify {response.status_code}: {text}"

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        response = self.request(method, path, op="rest", **kwargs)
        return self.json(response), response


def next_page_info(response: httpx.Response) -> str | None:
    """The opaque page_info of the Link header's rel="next", used verbatim."""
    url = response.links.get("next", {}).get("url")
    if not url:
        return None
    values = parse_qs(urlparse(url).query).get("page_info")
    return values[0] if values else None
