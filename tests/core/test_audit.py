"""The audit log records every write with its actor and values before/after (DESIGN §8)."""

from tests.support import body


def test_writes_are_audited_with_actor_and_changes(tenant_a):
    created = body(
        tenant_a.api.post(
            "users", {"email": "clerk@example.test", "password": "long enough pw", "roles": ["viewer"], "name": "Clerk"}
        )
    )
    tenant_a.api.patch(f"users/{created['id']}", {"roles": ["warehouse"]})
    entries = body(tenant_a.api.get(f"audit?entity_id={created['id']}"))
    assert [e["action"] for e in entries] == ["update", "create"]
    update, create = entries
    assert update["before"]["roles"] == ["viewer"] and update["after"]["roles"] == ["warehouse"]
    assert update["actor_type"] == "api_key" and update["actor_label"] == "api-key:owner key"
    assert create["after"]["email"] == "clerk@example.test"
    assert create["after"]["password_hash"] == "***", "secrets are never written to the audit log"


def test_connection_credentials_never_reach_the_audit_log(tenant_a):
    body(
        tenant_a.api.post(
            "connections",
            {
                "kind": "channel",
                "plugin": "dummy",
                "display_name": "Audited",
                "settings": {"shop": "s", "api_token": "super-secret-token"},
            },
        )
    )
    text = tenant_a.api.get("audit?entity_type=plugin_connections").get_data(as_text=True)
    assert "plugin_connections" in text and "super-secret-token" not in text


def test_audit_needs_its_permission(tenant_a):
    assert tenant_a.client_with_roles("viewer").get("audit").status_code == 403
    assert tenant_a.client_with_roles("finance").get("audit").status_code == 200
