"""The outbox (DESIGN §5): events exist exactly when their transaction commits; every handler
runs at least once with an exactly-once effect; failures retry and end as dead letters."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import events
from core.db import session, utcnow
from core.events import EventDelivery, OutboxEvent, dispatch_pending, emit
from tests.fixtures import dummy_plugin
from tests.fixtures.jobs import sequence_value
from tests.support import body


def test_event_is_written_with_the_change_and_handled_once(tenant_a):
    with tenant_a.scope():
        emit("test.created", {"counter": "once"}, entity_type="thing", entity_id="t-1")
    with tenant_a.scope():
        assert sequence_value("events:once") == 1
        ev = session.execute(select(OutboxEvent).where(OutboxEvent.name == "test.created")).scalar_one()
        assert ev.dispatched_at is not None
    assert any(e.id == str(ev.id) for e in dummy_plugin.RECEIVED_EVENTS), "plugin on_event was not called"
    dispatch_pending(tenant_a.id)  # a replay finds the delivery markers
    with tenant_a.scope():
        assert sequence_value("events:once") == 1


def test_rolled_back_transaction_leaves_no_event(tenant_a):
    with pytest.raises(RuntimeError), tenant_a.scope():
        emit("test.created", {"counter": "rolled-back"}, entity_type="thing", entity_id="t-2")
        raise RuntimeError("the use case failed after emitting")
    with tenant_a.scope():
        assert session.execute(select(OutboxEvent).where(OutboxEvent.entity_id == "t-2")).first() is None
        assert sequence_value("events:rolled-back") == 0


def test_concurrent_dispatchers_apply_each_handler_once(app, tenant_a):
    events.configure(None, eager=False)  # hold dispatch until the threads below run it
    try:
        with tenant_a.scope():
            for i in range(20):
                emit("test.created", {"counter": "race"}, entity_type="thing", entity_id=f"r-{i}")
        threads = [threading.Thread(target=dispatch_pending, args=(tenant_a.id,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        events.dispatcher().wait_idle()
    finally:
        events.configure(None, eager=True)
    with tenant_a.scope():
        assert sequence_value("events:race") == 20
        markers = session.execute(select(EventDelivery).where(EventDelivery.handler == "test.counter")).scalars().all()
        assert len(markers) == 20


def test_failing_handler_retries_then_becomes_a_dead_letter(tenant_a, monkeypatch):
    with tenant_a.scope():
        ev = emit("test.fails", {"counter": "fails"}, entity_type="thing", entity_id="f-1")
    with tenant_a.scope():
        delivery = session.execute(select(EventDelivery).where(
            EventDelivery.event_id == ev.id, EventDelivery.handler == "test.failing")).scalar_one()
        assert delivery.status == "failed" and delivery.attempts == 1 and delivery.retry_at > utcnow()
        assert "handler is broken" in delivery.last_error
        # the other handlers of the same event were not held back
        assert sequence_value("events:fails") == 1
        assert session.execute(select(OutboxEvent.dispatched_at).where(OutboxEvent.id == ev.id)).scalar_one() is None
    monkeypatch.setattr(events, "MAX_ATTEMPTS", 2)
    with tenant_a.scope():
        session.execute(select(EventDelivery).where(EventDelivery.id == delivery.id)).scalar_one().retry_at = \
            utcnow() - timedelta(seconds=1)
    dispatch_pending(tenant_a.id)
    with tenant_a.scope():
        delivery = session.execute(select(EventDelivery).where(EventDelivery.id == delivery.id)).scalar_one()
        assert delivery.status == "dead" and delivery.attempts == 2
        assert session.execute(select(OutboxEvent.dispatched_at).where(OutboxEvent.id == ev.id)).scalar_one()
        assert sequence_value("events:fails") == 1
    listed = body(tenant_a.api.get("events/failed-deliveries"))
    assert [d["handler"] for d in listed] == ["test.failing"] and listed[0]["status"] == "dead"


def test_events_are_listed_per_tenant_and_filterable(tenants):
    a, b = tenants
    with a.scope():
        emit("test.listed", {"counter": "listed"}, entity_type="thing", entity_id="l-1")
    names = [e["name"] for e in body(a.api.get("events?entity_id=l-1"))]
    assert names == ["test.listed"]
    assert body(b.api.get("events?entity_id=l-1")) == []


def test_sweep_finds_tenants_with_stranded_events(app, tenant_a, monkeypatch):
    class Recorder:
        def __init__(self):
            self.nudged = []

        def nudge(self, tenant_id):
            self.nudged.append(tenant_id)

    lost = Recorder()  # the nudge after commit is lost
    monkeypatch.setattr(events, "_dispatcher", lost)
    with tenant_a.scope():
        emit("test.created", {"counter": "stranded"}, entity_type="thing", entity_id="s-1")
    assert lost.nudged == [tenant_a.id]
    assert tenant_a.id in events.tenants_with_pending()
    sweeper = Recorder()
    monkeypatch.setattr(events, "_dispatcher", sweeper)
    assert events.sweep(older_than=timedelta(0)) >= 1
    assert tenant_a.id in sweeper.nudged, "the sweep nudges the stranded tenant again"
    dispatch_pending(tenant_a.id)  # what the nudge starts
    with tenant_a.scope():
        assert sequence_value("events:stranded") == 1
    assert tenant_a.id not in events.tenants_with_pending()
