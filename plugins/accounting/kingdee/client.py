"""HTTP client of Kingdee 云星空 (K3Cloud) WebAPI (shared/reference/finance.md §4.1).

Two login styles, chosen per connection (`login`):
- "session": `LoginBySign` (sign = lowercase hex SHA-256 of the ordinal-sorted concatenation of
  acctId, userName, appId, appSecret and the timestamp in seconds), then the session id in the
  `kdservice-sessionid` header (and the cookie) of every call. A session that idled out
  answers `MsgCode: 1`: the client logs in again once and repeats the call once.
- "signed": the headers the official Python SDK 8.2 builds on every POST (X-Api-ClientID,
  X-Api-Auth-Version 2.0, x-api-timestamp, x-api-nonce, x-api-signheaders, X-Api-Signature,
  X-Kd-Appkey, X-Kd-Appdata, X-Kd-Signature). X-Kd-Signature is base64(hex(HMAC-SHA256(AppID +
  appData, AppSecret))), as §4.1 gives it. The SDK keys X-Api-Signature with a value it decodes
  from the AppID's second part by a fixed transform §4.1 does not spell out; this client keys it
  with that second part as it stands (the emulator checks X-Kd-Signature). Confirm against a
  real site before relying on the signed style there.

Every business call is `POST {server}/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.<Op>.common.kdsvc`
with the SDK 8.x envelope `{"formid", "data"}`; answers carry `Result.ResponseStatus` (with
`IsSuccess` sometimes a string), `ExecuteBillQuery` a bare 2-D array. HTTP 519 (the public
cloud's gateway) is a transient failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import urllib.parse
from typing import Any

import httpx

from core.ports import (
    AdapterError,
    ApiClient,
    AuthError,
    ConnectionContext,
    RemoteRejected,
    TransientError,
    json_bytes,
)

AUTH = "Kingdee.BOS.WebApi.ServicesStub.AuthService.{}.common.kdsvc"
FORM = "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.{}.common.kdsvc"
PAGE = 2000


def login_sign(acct_id: str, user: str, app_id: str, app_secret: str, timestamp: str) -> str:
    parts = sorted([acct_id, user, app_id, app_secret, timestamp])  # ordinal sort (§4.1)
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def kd_signature(app_id: str, app_data: str, app_secret: str) -> str:
    mac = hmac.new(app_secret.encode(), (app_id + app_data).encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(mac.encode()).decode()


def api_signature(path: str, nonce: str, timestamp: str, key: str) -> str:
    text = f"POST\n{urllib.parse.quote(path, safe='')}\n\nx-api-nonce:{nonce}\nx-api-timestamp:{timestamp}\n"
    mac = hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(mac.encode()).decode()


def success(status: dict[str, Any]) -> bool:
    return str(status.get("IsSuccess")).lower() == "true"


def status_text(status: dict[str, Any]) -> str:
    errors = status.get("Errors") or []
    parts = []
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, dict):
            field = e.get("FieldName")
            parts.append(f"{field}: {e.get('Message', '')}" if field else str(e.get("Message", "")))
    return "; ".join(p for p in parts if p) or f"ErrorCode {status.get('ErrorCode')}"


class KingdeeClient(ApiClient):
    def __init__(self, ctx: ConnectionContext) -> None:
        base = str(ctx.settings.get("base_url") or "").rstrip("/") + "/"
        super().__init__(ctx, base, limits={"api": (20.0, 20.0)}, headers={"Content-Type": "application/json"})
        self.login_style = str(ctx.settings.get("login") or "session")

    # -- credentials -------------------------------------------------------------------------

    def _setting(self, name: str, default: str = "") -> str:
        return str(self.ctx.settings.get(name) or default)

    def _secret(self, name: str) -> str:
        return self.ctx.credentials[name].reveal()

    def login(self) -> str:
        ts = str(int(self.clock.now().timestamp()))
        acct, user, app_id = self._setting("acct_id"), self._setting("user_name"), self._secret("app_id")
        sign = login_sign(acct, user, app_id, self._secret("app_secret"), ts)
        body = {"parameters": [acct, user, app_id, ts, sign, int(self._setting("lcid", "2052"))]}
        response = self.request(
            "POST", AUTH.format("LoginBySign"), op="auth", idempotent=True, content=json_bytes(body)
        )
        data = self.json(response)
        if not isinstance(data, dict) or data.get("LoginResultType") != 1 or not data.get("KDSVCSessionId"):
            message = (data or {}).get("Message") if isinstance(data, dict) else ""
            raise AuthError(f"Kingdee refused the login: {message or 'LoginResultType is not 1'}")
        self.ctx.state["kingdee_session"] = str(data["KDSVCSessionId"])
        return self.ctx.state["kingdee_session"]

    def authenticate(self, request: httpx.Request) -> None:
        if "AuthService" in request.url.path:
            return
        if self.login_style == "signed":
            self._sign(request)
            return
        sid = self.ctx.state.get("kingdee_session") or self.login()
        request.headers["kdservice-sessionid"] = sid
        request.headers["Cookie"] = f"kdservice-sessionid={sid}"

    def _sign(self, request: httpx.Request) -> None:
        app_id, app_secret = self._secret("app_id"), self._secret("app_secret")
        ts, nonce = (
            str(int(self.clock.now().timestamp())),
            str(int(self.clock.now().timestamp())) + secrets.token_hex(2),
        )
        app_data = base64.b64encode(
            f"{self._setting('acct_id')},{self._setting('user_name')},{self._setting('lcid', '2052')},"
            f"{self._setting('org_num', '0')}".encode()
        ).decode()
        client_id, _, key = app_id.partition("_")
        request.headers.update(
            {
                "X-Api-ClientID": client_id,
                "X-Api-Auth-Version": "2.0",
                "x-api-timestamp": ts,
                "x-api-nonce": nonce,
                "x-api-signheaders": "x-api-timestamp,x-api-nonce",
                "X-Api-Signature": api_signature(request.url.path, nonce, ts, key),
                "X-Kd-Appkey": app_id,
                "X-Kd-Appdata": app_data,
                "X-Kd-Signature": kd_signature(app_id, app_data, app_secret),
            }
        )

    def renew_auth(self, error: AuthError) -> bool:
        if self.login_style == "signed" or error.code != "session":
            return False
        self.ctx.state.pop("kingdee_session", None)  # MsgCode 1: log in again once
        try:
            self.login()
        except AuthError:
            return False
        return True

    # -- answers -----------------------------------------------------------------------------

    def classify(self, response: httpx.Response) -> AdapterError | None:
        if response.status_code == 519:
            return TransientError("Kingdee's gateway failed (HTTP 519)", status=519)
        error = super().classify(response)
        if error is not None or "AuthService" in response.request.url.path:
            return error
        try:
            data = response.json()
        except ValueError:
            return TransientError(f"Kingdee answered {response.status_code} without JSON")
        status = None
        if isinstance(data, dict):
            status = (data.get("Result") or {}).get("ResponseStatus")
        elif isinstance(data, list) and data and isinstance(data[0], list) and data[0] and isinstance(data[0][0], dict):
            status = (data[0][0].get("Result") or {}).get("ResponseStatus")  # a query's error, wrapped
        if isinstance(status, dict) and not success(status):
            text = f"Kingdee: {status_text(status)}"
            if str(status.get("MsgCode")) == "1":
                return AuthError(text, code="session")
            return RemoteRejected(text, code=str(status.get("ErrorCode") or ""))
        return None

    # -- calls -------------------------------------------------------------------------------

    def form(self, op: str, form_id: str, data: dict[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        response = self.request(
            "POST",
            FORM.format(op),
            op="api",
            idempotent=idempotent,
            content=json_bytes({"formid": form_id, "data": data}),
        )
        return self.json(response)

    def query(
        self, form_id: str, fields: list[str], where: str = "", order: str = "", limit: int = PAGE
    ) -> list[list[Any]]:
        """Every row of an ExecuteBillQuery, page by page (the end is a page shorter than
        `limit`)."""
        rows: list[list[Any]] = []
        start = 0
        while True:
            data = {
                "FormId": form_id,
                "FieldKeys": ",".join(fields),
                "FilterString": where,
                "OrderString": order,
                "TopRowCount": 0,
                "StartRow": start,
                "Limit": limit,
                "SubSystemId": "",
            }
            response = self.request(
                "POST", FORM.format("ExecuteBillQuery"), op="api", idempotent=True, content=json_bytes({"data": data})
            )
            page = self.json(response)
            if not isinstance(page, list):
                raise TransientError("Kingdee answered a query without rows")
            rows.extend(page)
            if len(page) < limit:
                return rows
            start += limit
