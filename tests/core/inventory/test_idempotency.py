"""Replaying a stock event with its idempotency key changes nothing and returns the first
outcome; a key reused for a different request is refused; a failed event leaves nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from core.errors import Conflict, ValidationError
from core.inventory import service as inv
from core.inventory.service import Doc, Line
from core.inventory.service.reconcile import verify
from core.money import Money
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import key, snapshot, stock, warehouse


@pytest.fixture
def sku_wh(tenant_a):
    sku, wh = approved_sku(tenant_a), warehouse(tenant_a)
    stock(tenant_a, sku, wh, 20, "3.00")
    return sku, wh


def test_every_replayed_event_changes_nothing(tenant_a, sku_wh):
    sku, wh = sku_wh
    po, so, rma = Doc("purchase_order", uuid.uuid4()), Doc("sales_order", uuid.uuid4()), Doc("rma", uuid.uuid4())
    calls = [
        lambda: inv.expect_inbound(po, [Line("1", sku, wh, 5)], key="k-expect"),
        lambda: inv.receive_purchase(po, [Line("1", sku, wh, 5, Money(Decimal("4"), "CNY"))], key="k-receive"),
        lambda: inv.qc_pass(po, [Line("1", sku, wh, 5)], key="k-qc"),
        lambda: inv.reserve(so, [Line("1", sku, wh, 6)], key="k-reserve"),
        lambda: inv.release(so, [Line("1", sku, wh, 2)], key="k-release"),
        lambda: inv.mark_picked(so, key="k-pick"),
        lambda: inv.ship(so, key="k-ship"),
        lambda: inv.customer_return(rma, [Line("1", sku, wh, 1)], key="k-return"),
    ]
    for call in calls:
        with tenant_a.scope():
            first = call()
        before = snapshot(tenant_a, sku, wh)
        with tenant_a.scope():
            again = call()
        assert again.replayed and not first.replayed
        assert again.operation_id == first.operation_id and again.lines == first.lines
        assert snapshot(tenant_a, sku, wh) == before, first.kind
    assert snapshot(tenant_a, sku, wh)["on_hand"] == 20 + 5 - 4 + 1
    with tenant_a.scope():
        assert verify().ok


def test_keys_belong_to_their_tenant(tenant_a, tenant_b, sku_wh):
    sku, wh = sku_wh
    b_sku, b_wh = approved_sku(tenant_b), warehouse(tenant_b)
    stock(tenant_b, b_sku, b_wh, 5)
    with tenant_a.scope():
        inv.reserve(Doc("sales_order", "1"), [Line("1", sku, wh, 1)], key="shared-key")
    with tenant_b.scope():  # the same key in another tenant is another event
        p = inv.reserve(Doc("sales_order", "1"), [Line("1", b_sku, b_wh, 1)], key="shared-key")
    assert not p.replayed and snapshot(tenant_b, b_sku, b_wh)["reserved"] == 1


def test_a_key_used_for_another_request_is_refused(tenant_a, sku_wh):
    sku, wh = sku_wh
    so = Doc("sales_order", uuid.uuid4())
    with tenant_a.scope():
        inv.reserve(so, [Line("1", sku, wh, 1)], key="k-1")
    with tenant_a.scope():
        with pytest.raises(Conflict) as exc:
            inv.reserve(so, [Line("1", sku, wh, 2)], key="k-1")
        assert exc.value.status_code == 409 and "key" in exc.value.errors
    with tenant_a.scope():
        with pytest.raises(ValidationError) as exc:
            inv.reserve(so, [Line("1", sku, wh, 1)], key="")
        assert "key" in exc.value.errors


def test_a_failed_event_leaves_nothing_and_its_key_stays_usable(tenant_a, sku_wh):
    sku, wh = sku_wh
    other = approved_sku(tenant_a)
    so = Doc("sales_order", uuid.uuid4())
    with tenant_a.scope():
        inv.reserve(so, [Line("1", sku, wh, 2)], key=key())
    before = snapshot(tenant_a, sku, wh)
    with tenant_a.scope():
        # The caller catches the error and commits its own work: the failed shipment must not
        # have consumed the reservation of line 1 before line 2 failed.
        with pytest.raises(inv.InsufficientStock):
            inv.ship(so, [Line("1", sku, wh, 2), Line("2", other, wh, 1)], key="k-ship")
    assert snapshot(tenant_a, sku, wh) == before
    with tenant_a.scope():
        assert verify().ok
        p = inv.ship(so, [Line("1", sku, wh, 2)], key="k-ship-2")
        assert p.line("1").value == Decimal("6.00")


def test_a_reservation_short_on_a_later_balance_gives_back_what_it_held(tenant_a):
    """The balances are held after the savepoint of the claim and the rows: a shortage on the
    second balance row (in lock order) takes back the first one's units, the rows and the
    claim, while the caller's transaction goes on and commits."""
    from sqlalchemy import func, select

    from core.db import session
    from core.events import OutboxEvent
    from core.inventory.models import Reservation, StockOperation

    wh = warehouse(tenant_a)
    first, second = sorted([approved_sku(tenant_a), approved_sku(tenant_a)])
    stock(tenant_a, first, wh, 10)
    stock(tenant_a, second, wh, 2)
    before_first, before_second = snapshot(tenant_a, first, wh), snapshot(tenant_a, second, wh)
    so = Doc("sales_order", uuid.uuid4())
    with tenant_a.scope():
        events_before = session.execute(select(func.count()).select_from(OutboxEvent)).scalar_one()
        with pytest.raises(inv.InsufficientStock) as exc:
            inv.reserve(so, [Line("a", first, wh, 4), Line("b", second, wh, 3)], key="k-short")
        assert [(s.ref, s.requested, s.available) for s in exc.value.shortages] == [("b", 3, 2)]
        # The caller carries on in the same transaction: nothing of the failed call is in it.
        held = inv.reserve(Doc("sales_order", uuid.uuid4()), [Line("1", first, wh, 1)], key=key())
    assert snapshot(tenant_a, first, wh) == {**before_first, "reserved": 1, "available": 9}
    assert snapshot(tenant_a, second, wh) == before_second
    with tenant_a.scope():
        assert session.execute(select(func.count()).where(Reservation.doc_id == so.id)).scalar_one() == 0
        assert session.execute(select(func.count()).where(StockOperation.key == "k-short")).scalar_one() == 0
        # One stock.changed, for the reservation that held: the failed one announced nothing.
        changed = session.execute(
            select(OutboxEvent).where(OutboxEvent.name == "stock.changed").order_by(OutboxEvent.seq.desc())
        ).scalars()
        latest = next(iter(changed))
        assert latest.payload["operations"] == [str(held.operation_id)]
        assert session.execute(select(func.count()).select_from(OutboxEvent)).scalar_one() == events_before + 1
        assert verify().ok
    stock(tenant_a, second, wh, 1)
    with tenant_a.scope():  # the key was never used: the same request now holds
        p = inv.reserve(so, [Line("a", first, wh, 4), Line("b", second, wh, 3)], key="k-short")
    assert not p.replayed and snapshot(tenant_a, second, wh)["reserved"] == 3


def test_invalid_lines_name_the_field(tenant_a, sku_wh):
    sku, wh = sku_wh
    with tenant_a.scope():
        with pytest.raises(ValidationError) as exc:
            inv.reserve(Doc("sales_order", "x"), [Line("1", sku, wh, 0)], key=key())
        assert exc.value.errors == {"lines.0.quantity": ["must be a positive whole number"]}
        with pytest.raises(ValidationError) as exc:
            inv.receive_purchase(Doc("purchase_order", "x"), [Line("1", sku, wh, 1)], key=key())
        assert "lines.0.unit_cost" in exc.value.errors


def test_reserve_many_holds_each_document_completely_or_not_at_all(tenant_a, sku_wh):
    from core.inventory.service import ReserveRequest, reserve_many

    sku, wh = sku_wh  # 20 in stock
    docs = [Doc("sales_order", f"bulk-{n}") for n in range(4)]
    requests = [
        ReserveRequest(docs[0], [Line("1", sku, wh, 8)], "bulk-0"),
        ReserveRequest(docs[1], [Line("1", sku, wh, 9), Line("2", sku, wh, 4)], "bulk-1"),  # 13 > 12 left
        ReserveRequest(docs[2], [Line("1", sku, wh, 12)], "bulk-2"),
        ReserveRequest(docs[3], [Line("1", sku, wh, 1)], "bulk-3"),
    ]
    with tenant_a.scope():
        results = reserve_many(requests)
    assert [type(r).__name__ for r in results] == ["Posting", "InsufficientStock", "Posting", "InsufficientStock"]
    assert snapshot(tenant_a, sku, wh)["reserved"] == 20
    with tenant_a.scope():
        again = reserve_many(requests[:1] + requests[2:3])
        assert all(r.replayed for r in again)
        inv.release(docs[0], key=key())
        inv.release(docs[2], key=key())
        (retried,) = reserve_many(requests[1:2])  # a refused document's key stays usable
        assert not retried.replayed and retried.quantity == 13
        assert verify().ok
    assert snapshot(tenant_a, sku, wh)["reserved"] == 13
