"""The audit log and failed event deliveries, per tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import events
from core.db import session
from core.events import EventDelivery, OutboxEvent, emit
from tests.fixtures import jobs as fixture_jobs
from tests.fixtures.events import Counted
from tests.web.conftest import visible_text


def test_audit_log_shows_who_changed_what(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    owner.post(
        "/settings/users/new", {"email": "auditme@example.test", "password": "long enough pw", "roles": ["viewer"]}
    )
    portal(tenant_b).post(
        "/settings/users/new", {"email": "b-only@example.test", "password": "long enough pw", "roles": ["viewer"]}
    )
    page = owner.text("/audit/")
    assert "auditme@example.test" in page and tenant_a.owner_email in page and "Added" in page
    assert "b-only@example.test" not in page and tenant_b.owner_email not in page
    assert "auditme@example.test" in owner.text("/audit/?entity_type=users&action=create")
    assert "auditme@example.test" not in owner.text("/audit/?entity_type=api_keys")
    assert "auditme@example.test" not in owner.text("/audit/?actor=nobody-like-this")


def test_failed_deliveries_are_listed_for_their_tenant(portal, tenant_a, tenant_b):
    with tenant_a.scope():
        events.emit("test.fails", Counted(counter="audit"), entity_type="order", entity_id="A-ORDER-1")
    events.dispatcher().wait_idle()
    page = portal(tenant_a).text("/audit/deliveries")
    assert "test.fails" in page and "test.failing" in page and "handler is broken" in page
    assert "A-ORDER-1" not in portal(tenant_b).text("/audit/deliveries")


def test_audit_is_for_roles_that_may_read_it(portal, tenant_a):
    assert portal(tenant_a, "finance").get("/audit/").status_code == 200
    resp = portal(tenant_a, "operations").get("/audit/")
    assert resp.status_code == 403 and "audit:read" in visible_text(resp.get_data(as_text=True))


@pytest.fixture
def in_order(monkeypatch):
    received: list[str] = []
    refuse: set[str] = set()
    monkeypatch.setattr(fixture_jobs, "ORDERED_RECEIVED", received)
    monkeypatch.setattr(fixture_jobs, "ORDERED_REFUSES", refuse)
    return received, refuse


def _delivery(tenant, counter: str, handler: str = "test.in_order"):
    with tenant.scope():
        ev = session.execute(select(OutboxEvent).where(OutboxEvent.entity_id == counter)).scalar_one()
        return session.execute(
            select(EventDelivery).where(EventDelivery.event_id == ev.id, EventDelivery.handler == handler)
        ).scalar_one_or_none()


def test_the_portal_shows_what_a_failing_delivery_holds_back_and_parks_it(portal, tenant_a, in_order):
    received, refuse = in_order
    refuse.add("w1")
    for name in ("w1", "w2"):
        with tenant_a.scope():
            emit("test.ordered", Counted(counter=name), entity_type="thing", entity_id=name)
    owner = portal(tenant_a)
    page = owner.text("/audit/deliveries")
    assert "test.in_order" in page and "Holds back 1 later events" in page and "Park" in page
    delivery = _delivery(tenant_a, "w1")
    resp = owner.post(f"/audit/deliveries/{delivery.id}/park", {})
    assert resp.status_code in (302, 303)
    events.dispatcher().wait_idle()
    assert received == ["w2"]
    assert "Parked" in owner.text("/audit/deliveries")


def test_every_audited_record_type_has_a_name_and_its_link_leads_to_a_page(app):
    """The audit log's filter and rows name each kind of record in the reader's words (a table
    name such as 'shipping parcels' read as English in Chinese), and a record's link is built
    from a page that exists."""
    from core.db import Base, TenantMixin
    from web.audit.records import RECORDS

    audited = {
        m.class_.__tablename__
        for m in Base.registry.mappers
        if issubclass(m.class_, TenantMixin) and getattr(m.class_, "__audit__", True)
    }
    assert sorted(audited - set(RECORDS)) == []
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for table, (_label, endpoint, argument) in RECORDS.items():
        if endpoint is None:
            continue
        assert endpoint in endpoints, (table, endpoint)
        assert (argument in endpoints[endpoint].arguments) if argument else not endpoints[endpoint].arguments, table


def test_stored_codes_in_changes_read_in_the_readers_words(app):
    """A hold's type and source, an order's state and channel are codes in the stored row;
    the log shows them as the orders pages do (待付款, 已挂起, Shopify), not as the codes."""
    from types import SimpleNamespace

    from web.audit.records import changes

    hold = SimpleNamespace(
        entity_type="order_holds",
        action="create",
        before=None,
        after={"type": "awaiting_payment", "source": "channel", "reason": "x"},
    )
    order = SimpleNamespace(
        entity_type="orders",
        action="update",
        before={"status": "pending_review", "channel": "shopify"},
        after={"status": "on_hold", "channel": "woocommerce"},
    )
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        held = [after for _label, _before, after in changes(hold)]
        moved = [(before, after) for _label, before, after in changes(order)]
    assert held == ["待付款", "渠道", "x"], held
    assert moved == [("待审核", "已挂起"), ("Shopify", "WooCommerce")], moved
