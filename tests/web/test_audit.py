"""The audit log and failed event deliveries, per tenant."""
from __future__ import annotations

from core import events
from tests.web.conftest import visible_text


def test_audit_log_shows_who_changed_what(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    owner.post("/settings/users/new", {"email": "auditme@example.test", "password": "long enough pw",
                                       "roles": ["viewer"]})
    portal(tenant_b).post("/settings/users/new", {"email": "b-only@example.test", "password": "long enough pw",
                                                  "roles": ["viewer"]})
    page = owner.text("/audit/")
    assert "auditme@example.test" in page and tenant_a.owner_email in page and "Created" in page
    assert "b-only@example.test" not in page and tenant_b.owner_email not in page
    assert "auditme@example.test" in owner.text("/audit/?entity_type=users&action=create")
    assert "auditme@example.test" not in owner.text("/audit/?entity_type=api_keys")
    assert "auditme@example.test" not in owner.text("/audit/?actor=nobody-like-this")


def test_failed_deliveries_are_listed_for_their_tenant(portal, tenant_a, tenant_b):
    with tenant_a.scope():
        events.emit("test.fails", {"counter": "audit"}, entity_type="order", entity_id="A-ORDER-1")
    events.dispatcher().wait_idle()
    page = portal(tenant_a).text("/audit/deliveries")
    assert "test.fails" in page and "test.failing" in page and "handler is broken" in page
    assert "A-ORDER-1" not in portal(tenant_b).text("/audit/deliveries")


def test_audit_is_for_roles_that_may_read_it(portal, tenant_a):
    assert portal(tenant_a, "finance").get("/audit/").status_code == 200
    resp = portal(tenant_a, "operations").get("/audit/")
    assert resp.status_code == 403 and "audit:read" in visible_text(resp.get_data(as_text=True))
