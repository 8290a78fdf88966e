"""HTTP client of the AliExpress Open Platform gateway (IOP; shared/reference/channels.md §4).

Every call is a form POST to `/sync` with the method name, system parameters and business
parameters (objects as JSON strings), signed with HMAC-SHA256 over the sorted parameters; it is
signed again on every retry so the timestamp stays fresh. The gateway reports failures --
throttling included -- inside HTTP 200 as `error_response`, so `classify` reads the body. The
access token travels in the body, never in the URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from core.ports import (
    AdapterError,
    ApiClient,
    AuthError,
    ConnectionContext,
    RateLimited,
    RemoteRejected,
    TransientError,
)

DEFAULT_BASE_URL = "https://api-sg.aliexpress.com"
DEFAULT_RATE = 5  # requests per second across methods: below the per-method limits AliExpress grants
AUTH_CODES = {
    "IllegalAccessToken",
    "InvalidSession",
    "MissingSession",
    "SessionExpired",
    "27",
    "InvalidRefreshToken",
    "IncompleteSignature",
    "InvalidSignature",
    "InvalidAppKey",
    "MissingAppKey",
    "25",
    "29",
}
THROTTLE_CODES = {"7", "ApiCallLimit", "AppCallLimit"}
_BAN = re.compile(r"(\d+)\s*more\s*seconds")


def sign(params: Mapping[str, str], secret: str, api_path: str = "") -> str:
    """HMAC-SHA256 over `api_path` (system APIs only) and every parameter but `sign` as
    name+value, sorted by name; uppercase hex."""
    text = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


class AliExpressClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        rate = float(ctx.settings.get("requests_per_second") or DEFAULT_RATE)
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
            limits={"iop": (rate, rate * 2)},
            headers={"Accept": "application/json"},
        )
        self.token = ctx.credentials["access_token"].reveal()

    def prepare(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = dict(kwargs.pop("data"))
        api_path = kwargs.pop("extensions", {}).get("iop_path", "")
        params.update(
            {
                "app_key": str(self.ctx.settings["app_key"]),
                "sign_method": "sha256",
                "timestamp": str(int(self.clock.now().timestamp() * 1000)),
            }
        )
        if not api_path:
            params.update({"session": self.token, "format": "json", "partner_id": "tradelane"})
        params["sign"] = sign(params, self.ctx.credentials["app_secret"].reveal(), api_path)
        return {**kwargs, "data": params}

    def classify(self, response: httpx.Response) -> AdapterError | None:
        if response.status_code != 200:
            return super().classify(response)
        try:
            body = response.json()
        except ValueError:
            return TransientError("AliExpress returned a body that is not JSON", status=200)
        error = body.get("error_response") if isinstance(body, dict) else None
        if error is None and isinstance(body, dict) and body.get("code") not in (None, "0", 0):
            error = {**body, "msg": body.get("message", "")}  # system APIs answer at the top level
        if error is None:
            return None
        code, kind = str(error.get("code", "")), str(error.get("type", ""))
        message = f"AliExpress {code}: {error.get('msg', '')} {error.get('sub_msg', '') or ''}".strip()
        if code in THROTTLE_CODES or str(error.get("sub_code", "")).startswith("accesscontrol.limited"):
            ban = _BAN.search(str(error.get("sub_msg", "")))
            return RateLimited(message, status=200, code=code, retry_after=int(ban.group(1)) + 1 if ban else None)
        if code in AUTH_CODES:
            return AuthError(message, status=200, code=code)
        if kind in ("ISP", "SYSTEM") or code.startswith("isp."):
            return TransientError(message, status=200, code=code)
        return RemoteRejected(message, status=200, code=code)

    def renew_auth(self, error: AuthError) -> bool:
        """An expired access token is renewed with the refresh token, and the new pair saved."""
        refresh = self.ctx.credentials.get("refresh_token")
        if error.code != "IllegalAccessToken" or refresh is None:
            return False
        response = self.request(
            "POST",
            "/rest/auth/token/refresh",
            op="iop",
            idempotent=True,
            data={"refresh_token": refresh.reveal()},
            extensions={"iop_path": "/auth/token/refresh"},
        )
        data = self.json(response)
        self.token = data["access_token"]
        self.ctx.save_credentials(
            {"access_token": data["access_token"], "refresh_token": data.get("refresh_token") or refresh.reveal()}
        )
        return True

    def call(self, method: str, **business: Any) -> dict[str, Any]:
        """Call a business method; dict and list parameters go as JSON strings. Returns the
        method's response object (`<method>_response`)."""
        data = {"method": method}
        for key, value in business.items():
            data[key] = json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else str(value)
        # Every IOP call is a signed form POST; the ones this adapter makes are safe to send
        # twice (reads, absolute stock, and fulfil, which refuses a repeated tracking number
        # as LOGISTICS_NO_DUPLICATE).
        body = self.json(self.request("POST", "/sync", op="iop", data=data, idempotent=True))
        return body.get(method.replace(".", "_") + "_response") or body
