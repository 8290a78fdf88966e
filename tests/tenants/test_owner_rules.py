"""Only an owner may deactivate, demote or otherwise change the standing of an owner."""

from __future__ import annotations

import secrets

from tests.support import body


def _user(tenant, role):
    resp = tenant.api.post(
        "users", {"email": f"{role}-{secrets.token_hex(4)}@example.test", "password": "long enough pw", "roles": [role]}
    )
    assert resp.status_code == 201, body(resp)
    return body(resp)


def test_an_admin_cannot_deactivate_demote_or_reactivate_an_owner(tenant_a):
    second_owner = _user(tenant_a, "owner")  # so "the last owner" is not what refuses
    admin = tenant_a.client_with_roles("admin")
    for change in ({"active": False}, {"roles": ["viewer"]}, {"roles": ["owner", "finance"]}):
        resp = admin.patch(f"users/{second_owner['id']}", change)
        assert resp.status_code == 403, (change, body(resp))
        assert "only an owner" in body(resp)["message"]
    assert tenant_a.api.patch(f"users/{second_owner['id']}", {"active": False}).status_code == 200
    resp = admin.patch(f"users/{second_owner['id']}", {"active": True})
    assert resp.status_code == 403, "reactivating an owner is an owner's decision too"
    after = body(tenant_a.api.get(f"users/{second_owner['id']}"))
    assert after["roles"] == ["owner"] and after["active"] is False


def test_an_owner_deactivates_and_demotes_another_owner(tenant_a):
    second_owner = _user(tenant_a, "owner")
    assert tenant_a.api.patch(f"users/{second_owner['id']}", {"roles": ["admin"]}).status_code == 200
    assert tenant_a.api.patch(f"users/{second_owner['id']}", {"active": False}).status_code == 200


def test_an_admin_still_manages_everyone_else(tenant_a):
    admin = tenant_a.client_with_roles("admin")
    viewer = _user(tenant_a, "viewer")
    assert admin.patch(f"users/{viewer['id']}", {"roles": ["finance"]}).status_code == 200
    assert admin.patch(f"users/{viewer['id']}", {"active": False}).status_code == 200
    owner_name = admin.patch(f"users/{tenant_a.owner_id}", {"name": "The Founder"})
    assert owner_name.status_code == 200, "a name is not the owner's standing"


def test_only_an_owner_revokes_a_key_with_the_owner_role(tenant_a):
    owner_key = body(tenant_a.api.post("api-keys", {"name": "owner bridge", "roles": ["owner"]}))
    viewer_key = body(tenant_a.api.post("api-keys", {"name": "viewer bridge", "roles": ["viewer"]}))
    admin = tenant_a.client_with_roles("admin")
    refused = admin.delete(f"api-keys/{owner_key['id']}")
    assert refused.status_code == 403 and "only an owner" in body(refused)["message"]
    assert admin.delete(f"api-keys/{viewer_key['id']}").status_code == 204
    assert tenant_a.api.delete(f"api-keys/{owner_key['id']}").status_code == 204
