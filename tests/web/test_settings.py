"""Settings: the company, users and API keys, each tenant seeing only its own."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import session
from tenants.models import ApiKey, User
from tests.web.conftest import PASSWORD, PortalClient, visible_text


def _user_id(tenant, email):
    with tenant.scope():
        return session.execute(select(User.id).where(User.email == email)).scalar_one()


def test_company_settings(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    resp = owner.post(
        "/settings/",
        {"name": "Tenant A Ltd", "functional_currency": "usd", "timezone": "Mars/Base", "default_locale": "zh_CN"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Mars/Base is not an IANA time zone" in visible_text(body)
    assert 'value="Tenant A Ltd"' in body and 'value="Mars/Base"' in body
    assert "Tenant A Ltd" not in owner.text("/")  # nothing was saved
    resp = owner.post(
        "/settings/",
        {"name": "Tenant A Ltd", "functional_currency": "usd", "timezone": "Europe/London", "default_locale": "zh_CN"},
    )
    assert resp.status_code == 302
    body = owner.get("/settings/").get_data(as_text=True)
    assert "Company settings saved." in visible_text(body)
    assert 'value="USD"' in body and 'value="Europe/London"' in body
    assert tenant_b.name in portal(tenant_b).text("/")


def test_admins_manage_users_of_their_own_tenant_only(app, portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    page = owner.text("/settings/users")
    assert tenant_a.owner_email in page and tenant_b.owner_email not in page

    resp = owner.post(
        "/settings/users/new",
        {"email": "packer@example.test", "name": "Packer", "password": "short", "roles": ["warehouse"], "locale": ""},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "use at least 10 characters" in visible_text(body) and 'value="packer@example.test"' in body
    assert re.search(r'value="warehouse" checked', body)  # the ticked role stays ticked

    resp = owner.post(
        "/settings/users/new",
        {"email": "packer@example.test", "name": "Packer", "password": PASSWORD, "roles": ["warehouse"]},
    )
    assert resp.status_code == 302
    page = owner.text("/settings/users")
    assert "packer@example.test can now log in with the password you set." in page and "Warehouse" in page
    assert "packer@example.test" not in portal(tenant_b).text("/settings/users")

    packer_id = _user_id(tenant_a, "packer@example.test")
    resp = owner.post(f"/settings/users/{packer_id}", {"name": "Chief packer", "roles": ["warehouse", "purchasing"]})
    assert resp.status_code == 302
    assert "Chief packer" in owner.text("/settings/users")
    resp = owner.post(f"/settings/users/{packer_id}", {"name": "Chief packer"})  # no role ticked
    assert resp.status_code == 422 and "at least one role is required" in visible_text(resp.get_data(as_text=True))

    packer = PortalClient(app)
    packer.login("packer@example.test", PASSWORD)
    assert owner.post(f"/settings/users/{packer_id}/active", {"active": "0"}).status_code == 302
    assert "packer@example.test is deactivated and logged out." in owner.text("/settings/users")
    assert packer.get("/").status_code == 302
    assert owner.post(f"/settings/users/{packer_id}/active", {"active": "1"}).status_code == 302
    packer.login("packer@example.test", PASSWORD)

    # Another tenant's user is not there to be changed.
    b_owner = _user_id(tenant_b, tenant_b.owner_email)
    assert owner.get(f"/settings/users/{b_owner}").status_code == 404
    assert owner.post(f"/settings/users/{b_owner}", {"name": "x", "roles": ["viewer"]}).status_code == 404
    assert owner.post(f"/settings/users/{b_owner}/active", {"active": "0"}).status_code == 404
    assert PortalClient(app).login(tenant_b.owner_email, tenant_b.password)


def test_the_last_owner_cannot_be_removed_and_nothing_half_saves(portal, tenant_a):
    owner = portal(tenant_a)
    me = tenant_a.owner_id
    resp = owner.post(f"/settings/users/{me}/active", {"active": "0"})
    assert resp.status_code == 302
    assert "you cannot deactivate yourself" in owner.text("/settings/users")
    resp = owner.post(f"/settings/users/{me}", {"name": "Renamed", "roles": ["viewer"]})
    assert resp.status_code == 409
    assert "a tenant must keep at least one active owner" in visible_text(resp.get_data(as_text=True))
    page = owner.text("/settings/users")
    assert "Renamed" not in page and "Owner" in page


def test_api_keys_are_shown_once_and_can_be_revoked(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    resp = owner.post("/settings/api-keys", {"name": "dock scanner", "roles": ["warehouse"]})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_data(as_text=True)
    plaintext = re.search(r'<code class="secret" id="new-api-key">([^<]+)</code>', body).group(1)
    assert "it is shown only this once" in visible_text(body)
    api = tenant_a.api.client
    assert api.get("/api/v1/jobs", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 200

    listing = owner.get("/settings/api-keys").get_data(as_text=True)
    assert "dock scanner" in listing and plaintext not in listing
    assert "dock scanner" not in portal(tenant_b).text("/settings/api-keys")

    with tenant_a.scope():
        key_id = session.execute(select(ApiKey.id).where(ApiKey.name == "dock scanner")).scalar_one()
    assert owner.post(f"/settings/api-keys/{key_id}/revoke").status_code == 302
    assert "is revoked" in owner.text("/settings/api-keys")
    assert api.get("/api/v1/jobs", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401
    assert owner.post(f"/settings/api-keys/{key_id}/revoke").status_code == 302
    assert "this API key is already revoked" in owner.text("/settings/api-keys")

    resp = owner.post("/settings/api-keys", {"name": "", "roles": ["viewer"]})
    assert resp.status_code == 422 and "is required" in visible_text(resp.get_data(as_text=True))


def test_keys_of_another_tenant_cannot_be_revoked(portal, tenant_a, tenant_b):
    with tenant_b.scope():
        key_id = session.execute(select(ApiKey.id).where(ApiKey.name == "owner key")).scalar_one()
    assert portal(tenant_a).post(f"/settings/api-keys/{key_id}/revoke").status_code == 404
    assert tenant_b.api.get("me").status_code == 200


def test_roles_below_admin_cannot_change_settings(portal, tenant_a):
    ops = portal(tenant_a, "operations")
    assert ops.get("/settings/users").status_code == 403
    assert (
        ops.post(
            "/settings/users/new", {"email": "x@example.test", "password": PASSWORD, "roles": ["owner"]}
        ).status_code
        == 403
    )
    assert ops.post("/settings/api-keys", {"name": "mine", "roles": ["owner"]}).status_code == 403
    admin = portal(tenant_a, "admin")
    resp = admin.post("/settings/users/new", {"email": "boss@example.test", "password": PASSWORD, "roles": ["owner"]})
    assert resp.status_code == 403
    assert "only an owner can grant or take away the owner role" in visible_text(resp.get_data(as_text=True))


def test_an_admin_cannot_deactivate_an_owner_or_revoke_an_owner_key(portal, tenant_a):
    from tests.support import body

    owner_key = body(tenant_a.api.post("api-keys", {"name": "owner bridge", "roles": ["owner"]}))
    admin = portal(tenant_a, "admin")
    page = admin.get("/settings/users").get_data(as_text=True)
    assert f"/settings/users/{tenant_a.owner_id}/active" not in page, "no button the service would refuse"
    assert admin.post(f"/settings/users/{tenant_a.owner_id}/active", {"active": "0"}).status_code == 302
    assert "only an owner can change the roles or status of an owner" in admin.text("/settings/users")
    assert body(tenant_a.api.get(f"users/{tenant_a.owner_id}"))["active"] is True
    assert f"/settings/api-keys/{owner_key['id']}/revoke" not in admin.get("/settings/api-keys").get_data(as_text=True)
    assert admin.post(f"/settings/api-keys/{owner_key['id']}/revoke").status_code == 302
    assert "only an owner can revoke a key with the owner role" in admin.text("/settings/api-keys")
    # The owner sees both buttons.
    owner = portal(tenant_a)
    assert f"/settings/api-keys/{owner_key['id']}/revoke" in owner.get("/settings/api-keys").get_data(as_text=True)
