"""HTTP client of the USPS APIs v3 (shared/reference/carriers.md §2.4): an OAuth
client-credentials token from a form body with the scopes we use (`expires_in` as a string),
a payment-authorization token for labels (cached 50 minutes), labels answered as
multipart/form-data, and USPS's error shape `{"apiVersion", "error": {"code", "message",
"errors": [{"code", "title", "detail", "source": {"parameter"}}]}}` in every message."""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

import httpx

from core.ports import AuthError, ClientCredentialsClient, ConnectionContext, TransientError, json_bytes

PRODUCTION = "https://apis.usps.com"
TEST = "https://apis-tem.usps.com"
SCOPES = "prices international-prices labels international-labels tracking payments"
PAYMENT_TTL = 50 * 60  # seconds a payment token is reused (karrio's figure, §2.4)


class USPSClient(ClientCredentialsClient):
    token_path = "/oauth2/v3/token"
    state_key = "usps_token"
    idempotency_header = "X-Idempotency-Key"

    def __init__(self, ctx: ConnectionContext) -> None:
        super().__init__(
            ctx,
            str(ctx.settings.get("base_url") or PRODUCTION).rstrip("/"),
            limits={"api": (5.0, 10.0)},
            headers={"Accept": "application/json"},
        )

    def token_request(self) -> dict[str, Any]:
        return {
            "data": {
                "grant_type": "client_credentials",
                "client_id": self.ctx.credentials["client_id"].reveal(),
                "client_secret": self.ctx.credentials["client_secret"].reveal(),
                "scope": SCOPES,
            }
        }

    def payment_token(self, roles: list[dict[str, str]]) -> str:
        """The payment-authorization token labels are bought with, fetched once per 50 minutes."""
        cached = self.ctx.state.get("usps_payment") or {}
        now = self.clock.now().timestamp()
        if cached.get("token") and float(cached.get("expires_at", 0)) > now:
            return str(cached["token"])
        data = self.call("POST", "/payments/v3/payment-authorization", json={"roles": roles}, idempotent=True)
        token = data.get("paymentAuthorizationToken")
        if not token:
            raise AuthError("USPS did not authorise payment for labels: check the CRID, MID and account number")
        self.ctx.state["usps_payment"] = {"token": token, "expires_at": now + PAYMENT_TTL}
        return str(token)

    def error_message(self, response: httpx.Response) -> str:
        try:
            error = response.json().get("error") or {}
            parts = [str(error.get("message", ""))]
            for e in error.get("errors") or []:
                where = (e.get("source") or {}).get("parameter")
                parts.append(
                    f"{e.get('code', '')} {e.get('title', '')}: {e.get('detail', '')}"
                    + (f" ({where})" if where else "")
                )
            text = "; ".join(p for p in parts if p.strip())
        except (ValueError, AttributeError):
            text = ""
        return f"USPS {response.status_code}: {text or response.text[:300]}"

    def call(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        return self.json(self.send(method, path, json=json, **kwargs))

    def send(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> httpx.Response:
        if json is not None:
            kwargs["content"] = json_bytes(json)
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Content-Type": "application/json"}
        return self.request(method, path, op="api", **kwargs)


def multipart(response: httpx.Response) -> dict[str, bytes]:
    """The parts of a multipart/form-data answer by name (labelMetadata, labelImage, ...)."""
    ctype = response.headers.get("content-type", "")
    if not ctype.startswith("multipart/"):
        raise TransientError(f"USPS answered a label with {ctype or 'no content type'}, not multipart/form-data")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + response.content
    )
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = part.get_payload(decode=True) or b""
    return parts
