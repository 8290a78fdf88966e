"""The embedded demo tells the truth: every listing maps to the product it is, the Amazon
shop's FBA orders reserve and consume FBA stock, receipts come days after their purchase
orders, and a month of shipped orders gives replenishment real suggestions."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from core import connections
from core.db import backdated, session, utcnow
from core.demo import seed_demo
from core.plugins import registry
from core.sync import demo as sync_demo
from core.testing import VirtualClock
from core.testing.orders import CATALOGUE
from tests.support import scope


def seeded(app):
    for name in sync_demo.CHANNELS:
        registry().emulators[name].faults.throttle = False
    connections.route(
        "http://localhost/_emulators", transport=httpx.WSGITransport(app=app), clock=VirtualClock(datetime.now(UTC))
    )
    try:
        tenant_id, created = seed_demo(
            f"demo-{secrets.token_hex(4)}@example.test", "correct horse battery", "http://localhost"
        )
    finally:
        connections.unroute("http://localhost/_emulators")
        for name in sync_demo.CHANNELS:
            registry().emulators[name].reset()
    assert created
    return tenant_id


def test_backdated_moves_the_clock_for_the_block_only():
    before = utcnow()
    with backdated(days=3):
        inside = utcnow()
    assert timedelta(days=3) - timedelta(seconds=5) < before - inside < timedelta(days=3, seconds=5)
    assert utcnow() >= before


def test_the_demo_tells_the_truth(app):
    """One seeding (a minute or two) for every promise: xdist would seed once per worker
    for a shared fixture."""
    tenant_id = seeded(app)
    every_listing_maps_to_its_own_product(tenant_id)
    no_demo_order_is_recorded_without_reserving(tenant_id)
    receipts_come_days_after_their_orders(tenant_id)
    the_sales_history_gives_replenishment_suggestions(tenant_id)


def every_listing_maps_to_its_own_product(demo_tenant):
    from core.catalog.models import ListingMapping, Product, Sku

    titles = {sku: title for sku, title, _ in CATALOGUE}
    with scope(demo_tenant):
        rows = (
            select(ListingMapping.seller_sku, Product.title_en, Product.title_zh)
            .join(Sku, Sku.id == ListingMapping.sku_id)
            .join(Product, Product.id == Sku.product_id)
        )
        mapped = list(session.execute(rows).all())
    assert len(mapped) == (len(CATALOGUE) - 1) * len(sync_demo.CHANNELS)
    wrong = [(seller, title) for seller, title, _zh in mapped if titles[seller] != title]
    assert wrong == []
    assert all(zh for _s, _t, zh in mapped)  # each has its Chinese title too


def no_demo_order_is_recorded_without_reserving(demo_tenant):
    from core.inventory.models import Warehouse
    from core.orders.models import Order, OrderActivity

    with scope(demo_tenant):
        notes = (
            session.execute(
                select(OrderActivity.message).where(OrderActivity.action.in_(("not_reserved", "stock_not_moved")))
            )
            .scalars()
            .all()
        )
        fba = session.execute(select(Warehouse).where(Warehouse.code == "FBA-US")).scalar_one()
        platform = (
            session.execute(select(Order).where(Order.fulfilment == "platform", Order.parent_id.is_(None)))
            .scalars()
            .all()
        )
    assert notes == []
    assert platform, "the Amazon emulator sends FBA orders"
    assert fba.connection_id is not None
    assert all(o.warehouse_id == fba.id for o in platform), [(o.number, o.status) for o in platform]


def receipts_come_days_after_their_orders(demo_tenant):
    from core.purchasing.service import scorecard
    from core.suppliers import service as suppliers

    with scope(demo_tenant):
        ids = [s.id for s in session.execute(suppliers.supplier_query(status="approved")).scalars()]
        cards = scorecard.scorecards(ids)
    leads = [c.average_lead_time_days for c in cards.values() if c.receipts]
    assert len(leads) >= 2 and all(lead >= 3 for lead in leads), leads


def the_sales_history_gives_replenishment_suggestions(demo_tenant):
    from core.inventory.models import StockMovement
    from core.purchasing.models import ReplenishmentSuggestion
    from core.purchasing.service.replenishment import latest_run

    with scope(demo_tenant):
        days = session.execute(
            select(func.count(func.distinct(func.date(StockMovement.created_at)))).where(
                StockMovement.kind == "order_shipment"
            )
        ).scalar_one()
        run = latest_run()
        rows = (
            session.execute(select(ReplenishmentSuggestion).where(ReplenishmentSuggestion.run_id == run.id))
            .scalars()
            .all()
        )
    assert days >= 20  # shipped on most days of the last month, not all at once
    selling = [s for s in rows if s.daily_sales > 0]
    open_ = [s for s in rows if s.status == "open" and s.quantity > 0]
    assert len(selling) >= 8 and open_, [(s.daily_sales, s.available, s.status) for s in rows]
    assert any(s.lead_time_source == "supplier" for s in open_)
