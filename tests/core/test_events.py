"""The outbox (DESIGN §5): events exist exactly when their transaction commits; every handler
runs at least once with an exactly-once effect; failures retry and end as dead letters."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
from sqlalchemy import select

from core import events
from core.db import session, utcnow
from core.events import EventDelivery, OutboxEvent, dispatch_pending, emit
from tests.fixtures import dummy_plugin
from tests.fixtures.events import Counted
from tests.fixtures.jobs import sequence_value
from tests.support import body


def test_event_is_written_with_the_change_and_handled_once(tenant_a):
    with tenant_a.scope():
        emit("test.created", Counted(counter="once"), entity_type="thing", entity_id="t-1")
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
        emit("test.created", Counted(counter="rolled-back"), entity_type="thing", entity_id="t-2")
        raise RuntimeError("the use case failed after emitting")
    with tenant_a.scope():
        assert session.execute(select(OutboxEvent).where(OutboxEvent.entity_id == "t-2")).first() is None
        assert sequence_value("events:rolled-back") == 0


def test_concurrent_dispatchers_apply_each_handler_once(app, tenant_a):
    events.configure(None, eager=False)  # hold dispatch until the threads below run it
    try:
        with tenant_a.scope():
            for i in range(20):
                emit("test.created", Counted(counter="race"), entity_type="thing", entity_id=f"r-{i}")
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
        ev = emit("test.fails", Counted(counter="fails"), entity_type="thing", entity_id="f-1")
    with tenant_a.scope():
        delivery = session.execute(
            select(EventDelivery).where(EventDelivery.event_id == ev.id, EventDelivery.handler == "test.failing")
        ).scalar_one()
        assert delivery.status == "failed" and delivery.attempts == 1 and delivery.retry_at > utcnow()
        assert "handler is broken" in delivery.last_error
        # the other handlers of the same event were not held back
        assert sequence_value("events:fails") == 1
        assert session.execute(select(OutboxEvent.dispatched_at).where(OutboxEvent.id == ev.id)).scalar_one() is None
    monkeypatch.setattr(events, "MAX_ATTEMPTS", 2)
    with tenant_a.scope():
        session.execute(select(EventDelivery).where(EventDelivery.id == delivery.id)).scalar_one().retry_at = (
            utcnow() - timedelta(seconds=1)
        )
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
        emit("test.listed", Counted(counter="listed"), entity_type="thing", entity_id="l-1")
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
        emit("test.created", Counted(counter="stranded"), entity_type="thing", entity_id="s-1")
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


# ---------------------------------------------------------------------------------------------
# Declared contracts


def test_emit_refuses_an_undeclared_name_or_a_wrong_payload_and_writes_nothing(tenant_a):
    from core.events import PayloadError, UndeclaredEvent
    from core.fx.events import RateDeleted

    with tenant_a.scope():
        with pytest.raises(UndeclaredEvent, match="'test.nobody_declared' is not declared"):
            emit("test.nobody_declared", Counted(counter="x"), entity_type="thing", entity_id="u-1")
        with pytest.raises(PayloadError, match="must be a Counted, not dict"):
            emit("test.created", {"counter": "x"}, entity_type="thing", entity_id="u-1")
        with pytest.raises(PayloadError, match="must be a Counted, not RateDeleted"):
            emit(
                "test.created",
                RateDeleted(base="USD", quote="CNY", date=date(2026, 1, 2), rate=Decimal("7.1"), source="manual"),
                entity_type="thing",
                entity_id="u-1",
            )
        with pytest.raises(PayloadError, match=r"payload of exchange_rate.deleted.rate must be Decimal, not float"):
            emit(
                "exchange_rate.deleted",
                RateDeleted(base="USD", quote="CNY", date=date(2026, 1, 2), rate=7.1, source="manual"),
                entity_type="exchange_rate",
                entity_id="u-1",
            )
        assert session.execute(select(OutboxEvent).where(OutboxEvent.entity_id == "u-1")).first() is None


def test_ids_must_be_uuids_and_nested_lines_are_checked(tenant_a):
    from core.events import PayloadError
    from core.inventory.events import TransferCreated, TransferItem

    sku, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with tenant_a.scope():
        with pytest.raises(PayloadError, match=r"\.id must be UUID, not str"):
            emit(
                "transfer.created",
                TransferCreated(
                    id=str(uuid.uuid4()), number="T1", source_warehouse_id=a, destination_warehouse_id=b, lines=()
                ),
                entity_type="transfer",
                entity_id="x",
            )
        with pytest.raises(PayloadError, match=r"lines\[0\]\.quantity must be int, not Decimal"):
            emit(
                "transfer.created",
                TransferCreated(
                    id=uuid.uuid4(),
                    number="T1",
                    source_warehouse_id=a,
                    destination_warehouse_id=b,
                    lines=(TransferItem(sku_id=sku, quantity=Decimal(2)),),
                ),
                entity_type="transfer",
                entity_id="x",
            )


def test_the_stored_form_is_versioned_json_and_reads_back_typed(tenant_a):
    from core.inventory.events import TransferCreated, TransferItem

    payload = TransferCreated(
        id=uuid.uuid4(),
        number="T-9",
        source_warehouse_id=uuid.uuid4(),
        destination_warehouse_id=uuid.uuid4(),
        lines=(TransferItem(sku_id=uuid.uuid4(), quantity=3),),
    )
    with tenant_a.scope():
        ev = emit("transfer.created", payload, entity_type="transfer", entity_id=payload.id)
    with tenant_a.scope():
        row = session.execute(select(OutboxEvent).where(OutboxEvent.id == ev.id)).scalar_one()
        assert row.payload == {
            "id": str(payload.id),
            "number": "T-9",
            "source_warehouse_id": str(payload.source_warehouse_id),
            "destination_warehouse_id": str(payload.destination_warehouse_id),
            "lines": [{"sku_id": str(payload.lines[0].sku_id), "quantity": 3}],
            "version": 1,
        }
        assert row.data == payload


def test_an_event_stored_before_the_declarations_still_reads(tenant_a):
    """Rows written by the untyped outbox have no version and their values as JSON: they read
    as version 1 of the declared class (a field added later takes its default)."""
    from core.inventory.events import StockAdjusted

    wid, sku, doc = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with tenant_a.scope():
        row = OutboxEvent(
            name="stock.adjusted",
            entity_type="stock_adjustment",
            entity_id=str(doc),
            payload={
                "kind": "scrap",
                "reason": "broken",
                "number": "ADJ-1",
                "document": {"type": "stock_adjustment", "id": str(doc)},
                "operation_id": str(doc),
                "lines": [
                    {
                        "sku_id": str(sku),
                        "warehouse_id": str(wid),
                        "quantity": -2,
                        "unit_cost": "3.5",
                        "value": "-7.00",
                        "currency": "CNY",
                    }
                ],
            },
            dispatched_at=utcnow(),
        )
        session.add(row)
        session.flush()
        data = row.data
    assert isinstance(data, StockAdjusted) and data.kind == "scrap" and data.borrower is None
    assert data.lines[0].sku_id == sku and data.lines[0].value == Decimal("-7.00")
    assert data.document.id == doc and data.operation_id == doc


def test_a_later_version_upgrades_older_stored_payloads():
    from core.event_types import Payload, declare, decode

    @dataclass(frozen=True, kw_only=True)
    class Renamed(Payload):
        version: ClassVar[int] = 2
        amount: Decimal
        currency: str

        @classmethod
        def upgrade(cls, data, version):
            if version == 1:  # version 1 called the amount "value"
                data = {**data, "amount": data.pop("value")}
            return data

    declare("test.renamed", Renamed, "A test event whose field was renamed in version 2.")
    assert decode("test.renamed", {"value": "1.50", "currency": "EUR"}) == Renamed(
        amount=Decimal("1.50"), currency="EUR"
    )
    assert decode("test.renamed", {"amount": "2", "currency": "EUR", "version": 2}).amount == Decimal(2)
