"""Plugin connections: validated against the plugin's settings schema, secrets encrypted at
rest, masked in every response and never logged."""

from __future__ import annotations

import logging

from sqlalchemy import text

from core.db import session
from tests.support import body

SECRET = "tok-9f8e7d6c5b4a"


def _create(tenant, **settings):
    payload = {
        "kind": "channel",
        "plugin": "dummy",
        "display_name": "My Shop",
        "settings": {"shop": "widgets", "api_token": SECRET, **settings},
    }
    return tenant.api.post("connections", payload)


def test_credentials_are_encrypted_masked_and_never_logged(tenant_a, caplog):
    caplog.set_level(logging.DEBUG)
    resp = _create(tenant_a)
    assert resp.status_code == 201, body(resp)
    conn = body(resp)
    assert conn["credentials"] == {"api_token": "********"} and "api_token" not in conn["settings"]
    assert conn["settings"]["base_url"] == "https://dummy.example", "defaults are filled in"
    assert SECRET not in tenant_a.api.get(f"connections/{conn['id']}").get_data(as_text=True)
    assert SECRET not in tenant_a.api.get("connections").get_data(as_text=True)
    with tenant_a.scope():
        raw = session.execute(
            text("SELECT credentials_encrypted FROM plugin_connections WHERE id = :i"), {"i": conn["id"]}
        ).scalar_one()
    assert raw and SECRET not in raw
    tenant_a.api.post(f"connections/{conn['id']}/test")
    assert SECRET not in caplog.text


def test_settings_are_checked_against_the_plugin_schema(tenant_a):
    resp = tenant_a.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "dummy",
            "display_name": "Bad",
            "settings": {"base_url": "ftp://x", "page_size": "many", "colour": 1},
        },
    )
    assert resp.status_code == 422
    errors = body(resp)["errors"]["settings"]
    assert {"shop", "api_token", "base_url", "page_size", "colour"} <= set(errors)
    resp = tenant_a.api.post("connections", {"kind": "channel", "plugin": "nosuch", "display_name": "x"})
    assert resp.status_code == 422 and "plugin" in body(resp)["errors"]


def test_test_connection_records_success_and_failure(tenant_a):
    conn = body(_create(tenant_a, api_token="good-token"))
    tested = body(tenant_a.api.post(f"connections/{conn['id']}/test"))
    assert tested["status"] == "ok" and tested["last_error"] is None and tested["last_checked_at"]
    assert tested["account"] == "shop widgets"
    bad = body(
        tenant_a.api.post(
            "connections",
            {
                "kind": "channel",
                "plugin": "dummy",
                "display_name": "Other",
                "settings": {"shop": "w", "api_token": "bad-token"},
            },
        )
    )
    tested = body(tenant_a.api.post(f"connections/{bad['id']}/test"))
    assert tested["status"] == "error" and "token refused" in tested["last_error"]


def test_blank_secret_keeps_the_stored_one(tenant_a):
    conn = body(_create(tenant_a, api_token="good-token"))
    resp = tenant_a.api.patch(f"connections/{conn['id']}", {"settings": {"shop": "renamed", "api_token": ""}})
    assert resp.status_code == 200 and body(resp)["settings"]["shop"] == "renamed"
    assert body(tenant_a.api.post(f"connections/{conn['id']}/test"))["status"] == "ok"


def test_connection_names_are_unique_per_tenant_and_kind(tenants):
    a, b = tenants
    assert _create(a).status_code == 201
    dup = _create(a)
    assert dup.status_code == 422 and "display_name" in body(dup)["errors"]
    assert _create(b).status_code == 201, "another tenant may use the same name"


def test_disable_and_delete(tenant_a):
    conn = body(_create(tenant_a))
    assert body(tenant_a.api.patch(f"connections/{conn['id']}", {"enabled": False}))["enabled"] is False
    assert tenant_a.api.delete(f"connections/{conn['id']}").status_code == 204
    assert tenant_a.api.get(f"connections/{conn['id']}").status_code == 404


def test_adapter_state_is_kept_encrypted(tenant_a):
    from core import connections

    conn_id = body(_create(tenant_a, api_token="good-token"))["id"]
    with tenant_a.scope():
        with connections.using(conn_id, "channel") as adapter:
            adapter.ctx.state["access_token"] = "cached-token-123"
    with tenant_a.scope():
        raw = session.execute(
            text("SELECT state_encrypted FROM plugin_connections WHERE id = :i"), {"i": conn_id}
        ).scalar_one()
        assert "cached-token-123" not in raw
        with connections.using(conn_id, "channel") as again:
            assert again.ctx.state["access_token"] == "cached-token-123"
