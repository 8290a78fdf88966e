"""HTTP client of the Amazon Selling Partner API (shared/reference/channels.md §1).

Login with Amazon: the refresh token is exchanged for a one-hour access token, cached in the
connection state and renewed a minute before it expires (or once when Amazon refuses it).
Buyer names, addresses and e-mails need a Restricted Data Token per path, cached alike. Every
operation has its own token bucket at Amazon's published rate; `x-amzn-RateLimit-Limit`
corrects the rate when Amazon says otherwise. There is no Retry-After: pacing is the cure.
"""

from __future__ import annotations

from typing import Any

import httpx

from core.ports import ApiClient, AuthError, ConnectionContext, TokenBucket

DEFAULT_BASE_URL = "https://sellingpartnerapi-na.amazon.com"
DEFAULT_LWA_URL = "https://api.amazon.com/auth/o2/token"
# (requests per second, burst) per operation, from the API models.
LIMITS = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "confirmShipment": (2, 10),
    "patchListingsItem": (5, 5),
    "createRestrictedDataToken": (1, 10),
    "getMarketplaceParticipations": (0.016, 15),
}
RENEW_BEFORE = 60  # seconds: renew tokens this long before they expire


class AmazonClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
            limits=LIMITS,
            headers={"Accept": "application/json", "User-Agent": "Tradelane (Language=Python)"},
        )
        self.lwa_url = str(ctx.settings.get("lwa_url") or DEFAULT_LWA_URL)

    # -- tokens -----------------------------------------------------------------------------

    def _cached(self, key: str) -> str | None:
        entry = self.ctx.state.get(key)
        if entry and entry.get("expires_at", 0) - RENEW_BEFORE > self.clock.now().timestamp():
            return entry["token"]
        return None

    def access_token(self) -> str:
        token = self._cached("lwa")
        if token:
            return token
        creds = self.ctx.credentials
        response = self.request(
            "POST",
            self.lwa_url,
            op="lwa",
            idempotent=True,  # asking for a token twice gets a token
            extensions={"tradelane_auth": "none"},
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds["refresh_token"].reveal(),
                "client_id": str(self.ctx.settings["client_id"]),
                "client_secret": creds["client_secret"].reveal(),
            },
        )
        data = self.json(response)
        self.ctx.state["lwa"] = {
            "token": data["access_token"],
            "expires_at": self.clock.now().timestamp() + int(data.get("expires_in", 3600)),
        }
        rotated = data.get("refresh_token")
        if rotated and rotated != creds["refresh_token"].reveal():
            self.ctx.save_credentials({"refresh_token": rotated})
        return data["access_token"]

    def restricted_token(self, path: str) -> str:
        """A Restricted Data Token for GET `path` (buyer info and shipping address)."""
        tokens = self.ctx.state.setdefault("rdt", {})
        entry = tokens.get(path)
        if entry and entry["expires_at"] - RENEW_BEFORE > self.clock.now().timestamp():
            return entry["token"]
        response = self.request(
            "POST",
            "/tokens/2021-03-01/restrictedDataToken",
            op="createRestrictedDataToken",
            idempotent=True,
            json={
                "restrictedResources": [
                    {"method": "GET", "path": path, "dataElements": ["buyerInfo", "shippingAddress"]}
                ]
            },
        )
        data = self.json(response)
        if len(tokens) > 50:  # per-order tokens are short-lived; keep the state small
            tokens.clear()
        tokens[path] = {
            "token": data["restrictedDataToken"],
            "expires_at": self.clock.now().timestamp() + int(data.get("expiresIn", 3600)),
        }
        return data["restrictedDataToken"]

    # -- hooks ------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> None:
        mode = request.extensions.get("tradelane_auth")
        if mode == "none":
            return
        if isinstance(mode, str) and mode.startswith("rdt:"):
            request.headers["x-amz-access-token"] = self.restricted_token(mode[4:])
        else:
            request.headers["x-amz-access-token"] = self.access_token()

    def renew_auth(self, error: AuthError) -> bool:
        # A cached token Amazon no longer takes (revoked, clock skew): fetch new ones once.
        return bool(self.ctx.state.pop("lwa", None)) | bool(self.ctx.state.pop("rdt", None))

    def observe(self, response: httpx.Response, bucket: TokenBucket | None) -> None:
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        if bucket is not None and limit:
            try:
                bucket.observe(rate=float(limit))
            except ValueError:
                pass

    def classify(self, response: httpx.Response) -> Any:
        if response.request.extensions.get("tradelane_auth") == "none" and response.status_code in (400, 401):
            try:
                data = response.json()
                detail = f"{data.get('error')}: {data.get('error_description')}"
            except ValueError:
                detail = response.text[:200]
            return AuthError(f"Login with Amazon refused the credentials ({detail})", status=response.status_code)
        return super().classify(response)

    def error_message(self, response: httpx.Response) -> str:
        try:
            first = (response.json().get("errors") or [{}])[0]
            text = f"{first.get('code', '')}: {first.get('message', '')} {first.get('details') or ''}".strip()
        except (ValueError, AttributeError, IndexError):
            text = response.text[:200]
        return f"Amazon {response.status_code} {text}"

    def call(self, method: str, path: str, op: str, *, pii: bool = False, **kwargs: Any) -> Any:
        """One SP-API operation; `pii` signs it with a Restricted Data Token for its path."""
        if pii:
            kwargs["extensions"] = {"tradelane_auth": f"rdt:{path}"}
        response = self.request(method, path, op=op, **kwargs)
        return self.json(response) if response.content else None
