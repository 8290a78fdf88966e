"""Strict-order delivery (decision 0012): an ordered subscriber gets each tenant's events in
commit order, and a failing event holds back the later ones until it succeeds or is parked."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import events
from core.db import session, utcnow
from core.events import EventDelivery, OutboxEvent, dispatch_pending, emit
from tests.fixtures import jobs as fixture_jobs
from tests.fixtures.events import Counted
from tests.fixtures.jobs import sequence_value
from tests.support import body


@pytest.fixture
def in_order(monkeypatch):
    """What the ordered test subscriber received, and the counters it refuses."""
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


def _due_now(tenant, delivery_id):
    with tenant.scope():
        row = session.execute(select(EventDelivery).where(EventDelivery.id == delivery_id)).scalar_one()
        row.retry_at = utcnow() - timedelta(seconds=1)


def test_a_failing_event_holds_back_the_later_ones_until_it_succeeds(tenant_a, tenant_b, in_order, monkeypatch):
    received, refuse = in_order
    refuse.add("o1")
    for name in ("o1", "o2", "o3"):  # three transactions, committed in this order
        with tenant_a.scope():
            emit("test.ordered", Counted(counter=name), entity_type="thing", entity_id=name)
    assert received == [], "nothing is delivered out of order behind the failing first event"
    first = _delivery(tenant_a, "o1")
    assert first.status == "failed" and first.attempts == 1
    assert _delivery(tenant_a, "o2") is None and _delivery(tenant_a, "o3") is None
    with tenant_a.scope():  # unordered subscribers of the same events are not held back
        assert sequence_value("events:o2") == 1 and sequence_value("events:o3") == 1

    # Another tenant's events are not held back by tenant A's failure.
    with tenant_b.scope():
        emit("test.ordered", Counted(counter="b1"), entity_type="thing", entity_id="b1")
    assert received == ["b1"]

    # Retried (still failing) past MAX_ATTEMPTS: an ordered delivery never gives up by itself.
    monkeypatch.setattr(events, "MAX_ATTEMPTS", 2)
    for _ in range(2):
        _due_now(tenant_a, first.id)
        dispatch_pending(tenant_a.id)
    first = _delivery(tenant_a, "o1")
    assert first.status == "failed" and first.attempts == 3 and received == ["b1"]

    refuse.clear()  # the cause is fixed; the next retry succeeds and releases the rest in order
    _due_now(tenant_a, first.id)
    dispatch_pending(tenant_a.id)
    assert received == ["b1", "o1", "o2", "o3"]
    with tenant_a.scope():
        pending = session.execute(select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))).scalars().all()
        assert pending == []


def test_parking_the_failing_event_releases_the_rest(tenant_a, in_order):
    received, refuse = in_order
    refuse.add("p1")
    for name in ("p1", "p2", "p3"):
        with tenant_a.scope():
            emit("test.ordered", Counted(counter=name), entity_type="thing", entity_id=name)
    assert received == []
    listed = {d["event_name"] + ":" + d["handler"]: d for d in body(tenant_a.api.get("events/failed-deliveries"))}
    blocked = listed["test.ordered:test.in_order"]
    assert blocked["ordered"] is True and blocked["held_back"] == 2 and blocked["status"] == "failed"

    viewer = tenant_a.client_with_roles("viewer")
    assert viewer.post(f"events/failed-deliveries/{blocked['id']}/park").status_code == 403
    resp = tenant_a.api.post(f"events/failed-deliveries/{blocked['id']}/park")
    assert resp.status_code == 200 and body(resp)["status"] == "parked"
    events.dispatcher().wait_idle()
    assert received == ["p2", "p3"], "parking lets the later events through, in order"
    assert _delivery(tenant_a, "p1").status == "parked"
    again = tenant_a.api.post(f"events/failed-deliveries/{blocked['id']}/park")
    assert again.status_code == 409


def test_seq_is_commit_order_not_emit_order(app, tenant_a):
    """T1 emits first but commits after T2: T2's event comes first in commit order."""
    t1_emitted, t2_committed = threading.Event(), threading.Event()
    ids = {}
    events.configure(None, eager=False)  # no dispatch in between
    try:

        def t1():
            with tenant_a.scope():
                ids["t1"] = emit("test.created", Counted(counter="t1"), entity_type="thing", entity_id="c-1").id
                session.flush()
                t1_emitted.set()
                t2_committed.wait(10)

        def t2():
            t1_emitted.wait(10)
            with tenant_a.scope():
                ids["t2"] = emit("test.created", Counted(counter="t2"), entity_type="thing", entity_id="c-2").id
            t2_committed.set()

        threads = [threading.Thread(target=t1), threading.Thread(target=t2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        events.dispatcher().wait_idle()
    finally:
        events.configure(None, eager=True)
    assert ids["t1"] < ids["t2"]  # ids follow emit order
    with tenant_a.scope():
        seq = dict(
            session.execute(select(OutboxEvent.id, OutboxEvent.seq).where(OutboxEvent.id.in_(ids.values()))).all()
        )
    assert seq[ids["t2"]] < seq[ids["t1"]], "seq follows commit order"


def test_bulk_events_take_consecutive_seq_in_emit_order(app, tenant_b):
    """emit_many's rows are written at commit with their seq, in one statement with the
    sequence's UPDATE once the tenant has a sequence row (the first commit creates it)."""
    events.configure(None, eager=False)
    try:
        for batch in ("first", "second", "third"):
            with tenant_b.scope():
                events.emit_many(
                    [("test.created", Counted(counter=f"{batch}-{n}"), "thing", f"{batch}-{n}") for n in range(3)]
                )
        events.dispatcher().wait_idle()
    finally:
        events.configure(None, eager=True)
    with tenant_b.scope():
        rows = session.execute(
            select(OutboxEvent.entity_id, OutboxEvent.seq).where(OutboxEvent.name == "test.created")
        ).all()
        last = sequence_value("outbox")
    by_seq = [entity for entity, _ in sorted(rows, key=lambda r: r[1])]
    assert by_seq == [f"{b}-{n}" for b in ("first", "second", "third") for n in range(3)]
    seqs = sorted(seq for _, seq in rows)
    assert seqs[:3] == list(range(seqs[0], seqs[0] + 3))
    assert seqs[3:] == list(range(seqs[3], seqs[3] + 6)), "consecutive within and across commits"
    assert last == seqs[-1]
