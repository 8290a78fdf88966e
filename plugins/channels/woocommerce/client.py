"""HTTP client of the WooCommerce REST API v3 (shared/reference/channels.md §3).

How a request is authenticated (§3.1) depends on what WordPress sees: over HTTPS it takes the
consumer key and secret as HTTP Basic (or in the query string, for hosts that strip the
Authorization header); over plain HTTP it takes only one-legged OAuth 1.0a, signed in the query
string. A store reached by https:// behind a proxy that does not pass the scheme on is plain
HTTP to WordPress, so it refuses Basic with 401 `woocommerce_rest_cannot_view`; in the `auto`
mode the client then signs with OAuth 1.0a instead and keeps what worked in the connection state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from core.ports import AdapterError, ApiClient, AuthError, ConnectionContext

# Core WooCommerce does not rate-limit; shared hosting and WAFs do. A polite default keeps one
# store from being hammered; the seller can raise it for a dedicated server.
DEFAULT_RATE = 5
AUTH_MODES = ("auto", "basic", "query", "oauth1")
AUTH_NAMES = {
    "basic": "HTTP Basic over HTTPS",
    "query": "consumer key and secret in the query string over HTTPS",
    "oauth1": "OAuth 1.0a signature (HMAC-SHA256)",
}


def _pct(value: str) -> str:
    """RFC 3986 percent-encoding, as OAuth 1.0a wants it (RFC 5849 §3.6)."""
    return quote(value, safe="-._~")


def oauth1_params(
    method: str, url: httpx.URL, key: str, secret: str, *, timestamp: int, nonce: str, scheme: str | None = None
) -> dict[str, str]:
    """The oauth_* query parameters that sign `method url` one-legged (RFC 5849 §3.4, as
    WooCommerce checks them: every query parameter signed, key `secret&`). `scheme` is the one
    WordPress believes the request came with, which the signed base URI carries."""
    oauth = {
        "oauth_consumer_key": key,
        "oauth_timestamp": str(timestamp),
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA256",
    }
    pairs = sorted((_pct(k), _pct(v)) for k, v in [*url.params.multi_items(), *oauth.items()])
    normalised = "&".join(f"{k}={v}" for k, v in pairs)
    port = f":{url.port}" if url.port else ""
    base_uri = f"{scheme or url.scheme}://{url.host}{port}{url.path}"
    text = "&".join((method.upper(), _pct(base_uri), _pct(normalised)))
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha256).digest()
    return {**oauth, "oauth_signature": base64.b64encode(digest).decode()}


class WooCommerceClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        rate = float(ctx.settings.get("requests_per_second") or DEFAULT_RATE)
        self.store_url = str(ctx.settings["base_url"]).rstrip("/")
        base = f"{self.store_url}/wp-json/wc/v3/"
        super().__init__(ctx, base, limits={"rest": (rate, rate * 2)}, headers={"Accept": "application/json"})
        self.mode = str(ctx.settings.get("auth_mode") or "auto")
        self.plain_http = urlsplit(self.store_url).scheme == "http"
        learned = ctx.state.get("auth") if self.mode == "auto" else None
        if self.plain_http:
            # The consumer secret never travels in clear, whatever the mode says: WordPress
            # accepts nothing but OAuth 1.0a over plain HTTP anyway.
            self.method, self.sign_scheme = "oauth1", "http"
        elif isinstance(learned, dict) and learned.get("method") in AUTH_NAMES:
            self.method, self.sign_scheme = learned["method"], learned.get("sign_scheme") or "https"
        else:
            self.method = "basic" if self.mode == "auto" else self.mode
            self.sign_scheme = "https"

    @property
    def auth_description(self) -> str:
        """Which authentication this connection uses, in words for the seller."""
        text = AUTH_NAMES[self.method]
        if self.method == "oauth1":
            text += (
                ", as the store is served over plain HTTP"
                if self.plain_http
                else (", as WordPress does not see this store as HTTPS" if self.sign_scheme == "http" else "")
            )
        return text

    def authenticate(self, request: httpx.Request) -> None:
        key = self.ctx.credentials["consumer_key"].reveal()
        secret = self.ctx.credentials["consumer_secret"].reveal()
        if self.method == "oauth1":
            # Signed afresh on every attempt: WooCommerce refuses a nonce it has seen and a
            # timestamp more than 15 minutes off.
            signed = oauth1_params(
                request.method,
                request.url,
                key,
                secret,
                timestamp=int(self.clock.now().timestamp()),
                nonce=secrets.token_hex(16),
                scheme=self.sign_scheme,
            )
            request.url = request.url.copy_merge_params(signed)
        elif self.method == "query":
            # For hosts that strip the Authorization header (Apache/FastCGI); the keys are masked
            # in httpx's request log by core.ports.
            request.url = request.url.copy_merge_params({"consumer_key": key, "consumer_secret": secret})
        else:
            request.headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def classify(self, response: httpx.Response) -> AdapterError | None:
        error = super().classify(response)
        if error is not None:
            try:
                error.code = str(response.json().get("code") or "") or None
            except (ValueError, AttributeError):
                pass
        return error

    def renew_auth(self, error: AuthError) -> bool:
        """In the auto mode, a store that refuses Basic as if it had no credentials at all does
        not see HTTPS: find the OAuth 1.0a signature it accepts, keep it, and send again."""
        if self.mode != "auto" or self.method != "basic" or error.code != "woocommerce_rest_cannot_view":
            return False
        # WordPress signs the base URI with the scheme it believes in: plain http behind a
        # proxy that does not pass it on, https where only the header was stripped.
        for scheme in ("http", "https"):
            self.method, self.sign_scheme = "oauth1", scheme
            probe = self.http.build_request("GET", "orders", params={"per_page": 1, "_fields": "id"})
            self.authenticate(probe)
            try:
                answer = self.http.send(probe)
            except httpx.HTTPError:
                break
            if answer.status_code < 300:
                self.ctx.state["auth"] = {"method": "oauth1", "sign_scheme": scheme}
                return True
        self.method, self.sign_scheme = "basic", "https"
        return False

    def error_message(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            code, message = data.get("code", ""), data.get("message", "")
        except (ValueError, AttributeError):
            code, message = "", response.text[:200]
        text = f"WooCommerce {response.status_code} {code}: {message}".replace("  ", " ")
        if code == "woocommerce_rest_cannot_view" and self.method == "basic":
            text += (
                " (if the keys are right, the web server may strip the Authorization header: "
                "switch the connection to query-string or automatic authentication)"
            )
        return text

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        response = self.request(method, path, op="rest", **kwargs)
        return self.json(response), response
