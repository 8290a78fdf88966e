"""Helpers for Tradelane's own tests: tenants, API clients and service scopes."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from core.db import unit_of_work
from core.tenancy import Actor, actor_context, tenant_context


@contextmanager
def scope(tenant_id: uuid.UUID, actor: str = "test") -> Iterator[None]:
    """Call services as one tenant, committed as one unit of work."""
    with tenant_context(tenant_id), actor_context(Actor("cli", None, actor)), unit_of_work():
        yield


class ApiClient:
    """A test client that authenticates with an API key and speaks JSON."""

    def __init__(self, client: FlaskClient, key: str | None) -> None:
        self.client = client
        self.key = key

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"Accept": "application/json"}
        if self.key:
            out["Authorization"] = f"Bearer {self.key}"
        out.update(headers or {})
        return out

    def request(
        self, method: str, path: str, json_body: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        if not path.startswith("/"):
            path = "/api/v1/" + path
        resp = self.client.open(path, method=method, json=json_body, headers=self._headers(headers), **kw)
        return resp

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:  # noqa: A002 - mirrors requests
        return self.request("POST", path, json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:  # noqa: A002
        return self.request("PATCH", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:  # noqa: A002
        return self.request("PUT", path, json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


@dataclass
class TenantHandle:
    """A freshly signed-up tenant with its owner and an owner API client."""

    id: uuid.UUID
    name: str
    owner_id: uuid.UUID
    owner_email: str
    password: str
    app: Flask
    api: ApiClient
    keys: dict[str, str] = field(default_factory=dict)

    def scope(self, actor: str = "test") -> Any:
        return scope(self.id, actor)

    def client_with_roles(self, *roles: str) -> ApiClient:
        """An API client whose key has exactly these roles."""
        label = ",".join(sorted(roles))
        if label not in self.keys:
            resp = self.api.post("api-keys", {"name": f"test {label}", "roles": list(roles)})
            assert resp.status_code == 201, resp.get_json()
            self.keys[label] = resp.get_json()["key"]
        return ApiClient(self.app.test_client(), self.keys[label])


def make_tenant(app: Flask, name: str | None = None, currency: str = "CNY") -> TenantHandle:
    from tenants import service

    name = name or f"Tenant {secrets.token_hex(3)}"
    email = f"owner-{secrets.token_hex(6)}@example.test"
    password = "correct horse battery"
    with actor_context(Actor("cli", None, "test setup")), unit_of_work():
        tenant, user = service.signup(
            company=name, email=email, password=password, currency=currency, timezone="Asia/Shanghai", locale="en"
        )
        tenant_id, user_id = tenant.id, user.id
    with tenant_context(tenant_id), actor_context(Actor("cli", None, "test setup")), unit_of_work():
        principal = service.Principal(tenant_id=tenant_id, kind="user", id=user_id, label=email, roles=("owner",))
        _key, plaintext = service.create_api_key(principal, name="owner key", roles=["owner"])
    return TenantHandle(
        id=tenant_id,
        name=name,
        owner_id=user_id,
        owner_email=email,
        password=password,
        app=app,
        api=ApiClient(app.test_client(), plaintext),
        keys={"owner": plaintext},
    )


def body(resp: Any) -> Any:
    """The JSON body of a response, with a readable failure if it is not JSON."""
    try:
        return resp.get_json(force=True)
    except Exception:  # noqa: BLE001
        raise AssertionError(f"not JSON ({resp.status_code}): {resp.get_data(as_text=True)[:500]}") from None


def pagination(resp: Any) -> dict[str, Any]:
    return json.loads(resp.headers["X-Pagination"])
