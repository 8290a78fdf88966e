"""Sign-up, login, sessions, passwords and API keys."""

from __future__ import annotations

from sqlalchemy import select

from core.db import session
from tenants.models import ApiKey, User
from tests.support import ApiClient, body


def _signup(app, **overrides):
    data = {
        "company": "Shenzhen Widgets",
        "email": "founder@widgets.test",
        "password": "a long password",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "locale": "zh_CN",
        **overrides,
    }
    client = app.test_client()
    return client, client.post("/api/v1/auth/signup", json=data)


def test_signup_creates_tenant_and_owner_and_logs_in(app):
    client, resp = _signup(app, email="founder1@widgets.test")
    assert resp.status_code == 201, body(resp)
    me = body(resp)
    assert me["tenant"]["name"] == "Shenzhen Widgets" and me["user"]["roles"] == ["owner"]
    again = body(client.get("/api/v1/me"))
    assert again["user"]["email"] == "founder1@widgets.test"


def test_signup_names_every_bad_field(app):
    _, resp = _signup(app, email="nope", password="short", currency="XXX", timezone="Mars/Olympus", locale="fr")
    assert resp.status_code == 422
    assert {"email", "password", "currency", "timezone", "locale"} <= set(body(resp)["errors"])


def test_signup_with_a_registered_email_is_refused(app, tenant_a):
    _, resp = _signup(app, email=tenant_a.owner_email)
    assert resp.status_code == 422 and "already registered" in body(resp)["errors"]["email"][0]


def test_login_logout_and_wrong_password(app, tenant_a):
    client = app.test_client()
    bad = client.post("/api/v1/auth/login", json={"email": tenant_a.owner_email, "password": "wrong password"})
    assert bad.status_code == 401 and body(bad)["message"] == "e-mail or password is incorrect"
    unknown = client.post("/api/v1/auth/login", json={"email": "ghost@example.test", "password": "wrong password"})
    assert body(unknown)["message"] == body(bad)["message"], "the error must not reveal which part was wrong"
    ok = client.post("/api/v1/auth/login", json={"email": tenant_a.owner_email.upper(), "password": tenant_a.password})
    assert ok.status_code == 200
    token = body(ok)["csrf_token"]
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_repeated_wrong_passwords_lock_the_account_for_a_while(app, tenant_a, monkeypatch):
    from datetime import timedelta

    from tenants import service
    from tests.web.conftest import PortalClient

    def login(password):
        return app.test_client().post("/api/v1/auth/login", json={"email": tenant_a.owner_email, "password": password})

    for _ in range(service.MAX_FAILED_LOGINS - 1):
        assert login("wrong password").status_code == 401
    assert login(tenant_a.password).status_code == 200, "a success before the limit starts the count again"
    for _ in range(service.MAX_FAILED_LOGINS):
        assert login("wrong password").status_code == 401
    locked = login(tenant_a.password)
    assert locked.status_code == 429 and body(locked)["message"] == "too many failed logins: try again in 15 minutes"
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    portal = PortalClient(app).post("/login", {"email": tenant_a.owner_email, "password": tenant_a.password})
    assert portal.status_code == 429 and "too many failed logins" in portal.get_data(as_text=True)
    zh = PortalClient(app, accept_language="zh-CN").post("/login", {"email": tenant_a.owner_email, "password": "x"})
    assert "登录失败次数过多：请 15 分钟后再试" in zh.get_data(as_text=True)
    # Once the lock has passed, the right password works again and resets the count.
    later = service.utcnow() + service.LOGIN_LOCKOUT + timedelta(seconds=1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert login(tenant_a.password).status_code == 200
    with tenant_a.scope():
        user = session.get(User, tenant_a.owner_id)
        assert (user.failed_logins, user.locked_until) == (0, None)


def test_password_change_logs_out_other_sessions(app, tenant_a):
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        assert (
            c.post(
                "/api/v1/auth/login", json={"email": tenant_a.owner_email, "password": tenant_a.password}
            ).status_code
            == 200
        )
    token = body(laptop.get("/api/v1/me"))["csrf_token"]
    wrong = laptop.post(
        "/api/v1/me/password",
        json={"current_password": "nope", "new_password": "another long one"},
        headers={"X-CSRFToken": token},
    )
    assert wrong.status_code == 422 and "current_password" in body(wrong)["errors"]
    ok = laptop.post(
        "/api/v1/me/password",
        json={"current_password": tenant_a.password, "new_password": "another long one"},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 204
    assert laptop.get("/api/v1/me").status_code == 200, "the session that changed it stays logged in"
    assert phone.get("/api/v1/me").status_code == 401
    assert (
        app.test_client()
        .post("/api/v1/auth/login", json={"email": tenant_a.owner_email, "password": "another long one"})
        .status_code
        == 200
    )


def test_api_keys_are_hashed_shown_once_and_revocable(app, tenant_a):
    created = body(tenant_a.api.post("api-keys", {"name": "erp bridge", "roles": ["viewer"]}))
    plaintext = created["key"]
    assert plaintext.startswith("tl_")
    listed = body(tenant_a.api.get("api-keys"))
    assert all("key" not in k for k in listed)
    with tenant_a.scope():
        row = session.execute(select(ApiKey).where(ApiKey.name == "erp bridge")).scalar_one()
        assert plaintext not in (row.secret_hash, row.prefix) and plaintext.split("_")[2] not in row.secret_hash
    client = ApiClient(app.test_client(), plaintext)
    assert client.get("jobs").status_code == 200
    assert body(tenant_a.api.get("api-keys?page_size=50"))  # last_used_at is recorded:
    assert any(k["last_used_at"] for k in body(tenant_a.api.get("api-keys")) if k["name"] == "erp bridge")
    assert tenant_a.api.delete(f"api-keys/{created['id']}").status_code == 204
    assert client.get("jobs").status_code == 401


def test_api_key_cannot_exceed_its_creators_roles(app, tenant_a):
    ops_user = body(
        tenant_a.api.post("users", {"email": "ops@example.test", "password": "long enough pw", "roles": ["operations"]})
    )
    client = app.test_client()
    login = body(client.post("/api/v1/auth/login", json={"email": "ops@example.test", "password": "long enough pw"}))
    resp = client.post(
        "/api/v1/api-keys", json={"name": "x", "roles": ["finance"]}, headers={"X-CSRFToken": login["csrf_token"]}
    )
    assert resp.status_code == 403  # operations may not manage settings at all
    assert ops_user["roles"] == ["operations"]


def test_the_last_owner_cannot_be_demoted_or_deactivated(tenant_a):
    resp = tenant_a.api.patch(f"users/{tenant_a.owner_id}", {"roles": ["viewer"]})
    assert resp.status_code == 409 and "owner" in body(resp)["message"]


def test_only_an_owner_grants_owner(app, tenant_a):
    admin = body(
        tenant_a.api.post("users", {"email": "admin@example.test", "password": "long enough pw", "roles": ["admin"]})
    )
    client = app.test_client()
    login = body(client.post("/api/v1/auth/login", json={"email": "admin@example.test", "password": "long enough pw"}))
    resp = client.patch(
        f"/api/v1/users/{admin['id']}", json={"roles": ["owner"]}, headers={"X-CSRFToken": login["csrf_token"]}
    )
    assert resp.status_code == 403


def test_deactivated_user_cannot_log_in(app, tenant_a):
    user = body(
        tenant_a.api.post("users", {"email": "leaver@example.test", "password": "long enough pw", "roles": ["viewer"]})
    )
    assert tenant_a.api.patch(f"users/{user['id']}", {"active": False}).status_code == 200
    resp = app.test_client().post(
        "/api/v1/auth/login", json={"email": "leaver@example.test", "password": "long enough pw"}
    )
    assert resp.status_code == 401


def test_passwords_are_stored_as_argon2(tenant_a):
    with tenant_a.scope():
        stored = session.execute(select(User.password_hash).where(User.id == tenant_a.owner_id)).scalar_one()
    assert stored.startswith("$argon2id$") and tenant_a.password not in stored


def test_cli_creates_a_tenant(app, database_url):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TRADELANE_ENCRYPTION_KEY": app.config["TRADELANE_ENCRYPTION_KEY"],
    }
    cmd = [
        sys.executable,
        "-m",
        "core.cli",
        "tenant",
        "create",
        "--name",
        "CLI Co",
        "--email",
        "cli@example.test",
        "--password",
        "a long password",
        "--currency",
        "USD",
        "--locale",
        "en",
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "owner cli@example.test" in result.stdout
    assert (
        app.test_client()
        .post("/api/v1/auth/login", json={"email": "cli@example.test", "password": "a long password"})
        .status_code
        == 200
    )
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "already registered" in again.stderr


def test_functional_currency_is_frozen_once_stock_is_valued(tenant_a):
    from tests.core.catalog.factories import approved_sku
    from tests.core.inventory.helpers import stock, warehouse

    assert tenant_a.api.patch("tenant", {"functional_currency": "USD"}).status_code == 200
    stock(tenant_a, approved_sku(tenant_a), warehouse(tenant_a), 5, currency="USD")
    resp = tenant_a.api.patch("tenant", {"functional_currency": "EUR"})
    assert resp.status_code == 409 and "functional_currency" in body(resp)["errors"]
    assert tenant_a.api.patch("tenant", {"name": "Still editable"}).status_code == 200
