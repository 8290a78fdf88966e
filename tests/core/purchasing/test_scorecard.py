"""Supplier scorecards from receipts: on-time rate, defect rate, average lead time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.core.purchasing.helpers import approved_order, buyer, inspect, local_today, ok, receive
from tests.support import body


def _approved_days_ago(tenant, order_id, days):
    from sqlalchemy import update

    from core.db import session, utcnow
    from core.purchasing.models import PurchaseOrder

    with tenant.scope():
        session.execute(
            update(PurchaseOrder)
            .where(PurchaseOrder.id == order_id)
            .values(approved_at=utcnow() - timedelta(days=days))
        )


def test_a_scorecard_adds_up_the_suppliers_receipts(tenants):
    a, b = tenants
    buy = buyer(a)
    empty = ok(a.api.get(f"suppliers/{buy.supplier_id}/scorecard"))
    assert empty["receipts"] == 0
    assert (empty["on_time_rate"], empty["defect_rate"], empty["average_lead_time_days"]) == (None, None, None)

    today = local_today()
    on_time = approved_order(buy, (100,), expected_date=(today + timedelta(days=3)).isoformat())
    late = approved_order(buy, (50,), expected_date=(today - timedelta(days=2)).isoformat())
    _approved_days_ago(a, on_time["id"], 10)
    _approved_days_ago(a, late["id"], 4)
    first = receive(buy, on_time, 100)
    inspect(buy, first, (95, 5))
    second = receive(buy, late, 50)
    inspect(buy, second, (50, 0))

    card = ok(a.api.get(f"suppliers/{buy.supplier_id}/scorecard"))
    assert (card["purchase_orders"], card["receipts"], card["units_received"]) == (2, 2, 150)
    assert (card["timed_receipts"], card["on_time_receipts"], card["on_time_rate"]) == (2, 1, "0.5000")
    assert (card["units_inspected"], card["units_failed"], card["defect_rate"]) == (150, 5, "0.0333")
    assert card["average_lead_time_days"] == "7.0"  # (10 + 4) / 2

    # A period without receipts shows nothing; the supplier list shows who delivered.
    old = ok(a.api.get(f"suppliers/{buy.supplier_id}/scorecard?until={(today - timedelta(days=30)).isoformat()}"))
    assert old["receipts"] == 0
    listed = body(a.api.get("purchasing/supplier-scorecards"))
    assert [(c["supplier_id"], c["receipts"]) for c in listed] == [(str(buy.supplier_id), 2)]

    assert b.api.get(f"suppliers/{buy.supplier_id}/scorecard").status_code == 404
    assert body(b.api.get("purchasing/supplier-scorecards")) == []


def test_the_scorecard_function_for_the_supplier_pages(tenants):
    from core.purchasing.service import supplier_scorecard

    a, _b = tenants
    buy = buyer(a)
    po = approved_order(buy, (10,))
    inspect(buy, receive(buy, po, 10), (8, 2))
    with a.scope():
        card = supplier_scorecard(buy.supplier_id)
    assert (card.receipts, card.defect_rate, card.on_time_rate) == (1, Decimal("0.2"), 1)
