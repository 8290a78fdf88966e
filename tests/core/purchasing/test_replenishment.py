"""Replenishment: the arithmetic on hand-computed cases (zero sales, a new SKU, stock already
inbound, the MOQ, open requests), then the job over all SKUs of two tenants through the API,
and accepting a suggestion into a stocking request."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.purchasing.service.replenishment import Inputs, arithmetic, days_on_sale
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import key, stock
from tests.core.purchasing.helpers import buyer, local_today, ok
from tests.support import body

TODAY = date(2026, 12, 1)
# Defaults: weights 0.5 / 0.3 / 0.2, lead time 10 days (the supplier's), safety 7, cycle 14.
BASE = {"lead_time_days": 10, "safety_days": 7, "cycle_days": 14}


def test_a_steady_seller_below_its_reorder_point():
    # 14 shipped in 7 days, 21 in 14, 36 in 30: averages 2, 1.5 and 1.2 a day.
    i = Inputs(shipped_7d=14, shipped_14d=21, shipped_30d=36, available=20, **BASE)
    assert [i.average(d) for d in (7, 14, 30)] == [Decimal(2), Decimal("1.5"), Decimal("1.2")]
    assert i.daily_sales == Decimal("1.69")  # 0.5 x 2 + 0.3 x 1.5 + 0.2 x 1.2
    assert i.reorder_point == Decimal("28.73")  # 1.69 x (10 + 7)
    assert i.target == Decimal("52.39")  # 1.69 x (10 + 7 + 14)
    assert i.stock_position == 20 and i.needed
    assert i.quantity == 33  # ceil(52.39 - 20)
    assert i.stockout_date(TODAY) == date(2026, 12, 12)  # floor(20 / 1.69) = 11 days
    steps = arithmetic(i, TODAY)
    assert "Daily sales = (0.5 x 2.0000 + 0.3 x 1.5000 + 0.2 x 1.2000) / 1.0 = 1.6900/day" in steps
    assert any(s.endswith("= ceil(32.3900) = 33") for s in steps)
    assert steps[-1] == "Runs out: available 20 / 1.6900 per day = 11 days -> 2026-12-12"


def test_zero_sales_suggests_nothing_and_never_runs_out():
    i = Inputs(available=0, **BASE)
    assert i.daily_sales == 0 and i.quantity == 0 and i.stockout_date(TODAY) is None
    assert "No sales in the last 30 days: nothing to suggest" in arithmetic(i, TODAY)


def test_a_new_sku_is_averaged_over_the_days_it_has_been_on_sale():
    # On sale for 5 days, 10 sold: every window averages 10 / 5 = 2 a day (not 10 / 30).
    i = Inputs(shipped_7d=10, shipped_14d=10, shipped_30d=10, days_on_sale=5, **BASE)
    assert [i.window_days(d) for d in (7, 14, 30)] == [5, 5, 5]
    assert i.daily_sales == Decimal(2)
    assert i.quantity == 62  # 2 x 31 - 0
    assert i.stockout_date(TODAY) == TODAY  # nothing available
    # The same sales for a SKU sold all month would be a slow seller.
    old = Inputs(shipped_7d=10, shipped_14d=10, shipped_30d=10, **BASE)
    assert old.daily_sales == Decimal("0.9953")  # 0.5 x 1.4286 + 0.3 x 0.7143 + 0.2 x 0.3333 = 0.99525
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert days_on_sale(now - timedelta(hours=100), now) == 5
    assert days_on_sale(now - timedelta(days=45), now) is None and days_on_sale(None, now) is None


def test_stock_already_inbound_or_requested_counts():
    covered = Inputs(shipped_7d=14, shipped_14d=21, shipped_30d=36, available=20, inbound_ordered=15, **BASE)
    assert covered.stock_position == 35 and not covered.needed and covered.quantity == 0  # 35 >= 28.73
    part = Inputs(shipped_7d=14, shipped_14d=21, shipped_30d=36, available=20, inbound_ordered=3, in_transit=2, **BASE)
    assert part.stock_position == 25 and part.quantity == 28  # ceil(52.39 - 25)
    requested = Inputs(shipped_7d=14, shipped_14d=21, shipped_30d=36, available=20, qc_pending=4, requested=5, **BASE)
    assert requested.stock_position == 29 and requested.quantity == 0
    assert "Stock position = available 20 + in QC 4 + inbound 0 + in transit 0 + requested 5 = 29" in arithmetic(
        requested, TODAY
    )


def test_the_minimum_order_quantity_raises_a_suggestion():
    i = Inputs(shipped_7d=14, shipped_14d=21, shipped_30d=36, available=20, moq=50, **BASE)
    assert i.raw_quantity == 33 and i.quantity == 50
    assert "Raised to the supplier's minimum order quantity 50" in arithmetic(i, TODAY)


def test_weights_are_normalised():
    i = Inputs(
        shipped_7d=14,
        shipped_14d=21,
        shipped_30d=36,
        weight_7d=Decimal(1),
        weight_14d=Decimal(0),
        weight_30d=Decimal(1),
        **BASE,
    )
    assert i.daily_sales == Decimal("1.6")  # (2 + 1.2) / 2


# ---------------------------------------------------------------------------------------------
# The job, through the API


def _on_sale_since(tenant, sku_id, days):
    from sqlalchemy import update

    from core.catalog.models import Sku
    from core.db import session, utcnow

    with tenant.scope():
        session.execute(update(Sku).where(Sku.id == sku_id).values(approved_at=utcnow() - timedelta(days=days)))


def _sell(tenant, sku_id, wh_id, quantity):
    from core.inventory import service as inv
    from core.inventory.service import Doc, Line

    with tenant.scope():
        inv.ship(Doc("sales_order", uuid.uuid4(), "SO-T"), [Line("1", sku_id, wh_id, quantity)], key=key("ship"))


def _run(tenant):
    run = ok(tenant.api.post("replenishment/runs"), 202)
    run = ok(tenant.api.get(f"replenishment/runs/{run['id']}"))  # jobs run inline in tests
    assert run["status"] == "succeeded", run
    return run


def test_the_job_suggests_per_sku_and_warehouse_with_its_arithmetic(tenants):
    a, b = tenants
    buy = buyer(a)  # the supplier quotes a 10-day lead time
    seller, idle = buy.skus
    _on_sale_since(a, seller, 90)
    _on_sale_since(a, idle, 90)
    stock(a, seller, buy.warehouse_id, 24)
    stock(a, idle, buy.warehouse_id, 5)
    _sell(a, seller, buy.warehouse_id, 14)  # 14 shipped today: 2, 1 and 0.4667 a day
    other = buyer(b)
    stock(b, other.skus[0], other.warehouse_id, 3)
    _sell(b, other.skus[0], other.warehouse_id, 3)

    run = _run(a)
    assert (run["evaluated"], run["suggested"]) == (2, 1)
    assert run["settings"]["safety_days"] == "7"

    [s] = body(a.api.get("replenishment/suggestions?status=open"))
    assert (s["sku_code"], s["warehouse_id"], s["supplier_id"]) == (
        buy.codes[0],
        str(buy.warehouse_id),
        str(buy.supplier_id),
    )
    assert s["inputs"]["average_7d"] == "2.0000" and s["inputs"]["average_30d"] == "0.4667"
    assert s["daily_sales"] == "1.3933"  # 1 + 0.3 + 0.2 x 0.4667
    assert s["inputs"]["available"] == 10 and s["inputs"]["lead_time_source"] == "supplier"
    assert (s["reorder_point"], s["target"]) == ("23.6861", "43.1923")
    assert s["quantity"] == 34  # ceil(43.1923 - 10)
    assert s["stockout_date"] == (local_today() + timedelta(days=7)).isoformat()  # floor(10 / 1.3933)
    assert any("= 34" in step for step in s["arithmetic"])

    [quiet] = body(a.api.get("replenishment/suggestions?status=not_needed"))
    assert quiet["sku_id"] == str(idle) and quiet["quantity"] == 0 and quiet["stockout_date"] is None

    # Tenant B's run sees only its own SKU, and A's suggestions are not B's.
    assert b.api.get(f"replenishment/suggestions/{s['id']}").status_code == 404
    assert body(b.api.get("replenishment/suggestions")) == []
    assert _run(b)["evaluated"] == 1


def test_accepting_a_suggestion_submits_a_stocking_request(tenants):
    a, _b = tenants
    buy = buyer(a)
    _on_sale_since(a, buy.skus[0], 90)
    stock(a, buy.skus[0], buy.warehouse_id, 24)
    _sell(a, buy.skus[0], buy.warehouse_id, 14)
    _run(a)
    [s] = body(a.api.get("replenishment/suggestions?status=open"))

    req = ok(a.api.post(f"replenishment/suggestions/{s['id']}/accept", {}), 201)
    assert (req["status"], req["source"], req["quantity"]) == ("submitted", "replenishment", 34)
    assert req["needed_by"] == s["stockout_date"] and req["supplier_id"] == str(buy.supplier_id)
    again = a.api.post(f"replenishment/suggestions/{s['id']}/accept", {})
    assert again.status_code == 409 and "it is accepted" in body(again)["message"]

    # The next run counts the open request: nothing more to order.
    _run(a)
    assert body(a.api.get("replenishment/suggestions?status=open")) == []
    [covered] = body(a.api.get("replenishment/suggestions"))
    assert covered["inputs"]["requested"] == 34 and covered["status"] == "not_needed"


def test_a_suggestion_of_an_earlier_run_cannot_be_decided(tenants):
    a, _b = tenants
    buy = buyer(a)
    stock(a, buy.skus[0], buy.warehouse_id, 2)
    _sell(a, buy.skus[0], buy.warehouse_id, 2)  # a new SKU: 2 a day
    first = _run(a)
    [old] = body(a.api.get(f"replenishment/suggestions?run_id={first['id']}&status=open"))
    assert old["inputs"]["days_on_sale"] == 1 and old["daily_sales"] == "2.0000"
    _run(a)
    resp = a.api.post(f"replenishment/suggestions/{old['id']}/dismiss")
    assert resp.status_code == 409 and "later run" in body(resp)["message"]
    [new] = body(a.api.get("replenishment/suggestions?status=open"))
    assert ok(a.api.post(f"replenishment/suggestions/{new['id']}/dismiss"))["status"] == "dismissed"
    assert [r["id"] for r in body(a.api.get("replenishment/runs"))][1] == first["id"]


def test_settings_change_the_arithmetic_and_refuse_nonsense(tenants):
    a, b = tenants
    buy = buyer(a)
    resp = a.api.patch("purchasing/settings", {"weight_7d": "0", "weight_14d": "0", "weight_30d": "0"})
    assert resp.status_code == 422 and "weight_7d" in body(resp)["errors"]
    resp = a.api.patch("purchasing/settings", {"safety_days": -1, "receipt_tolerance_percent": "-5"})
    assert resp.status_code == 422 and set(body(resp)["errors"]) == {"safety_days", "receipt_tolerance_percent"}
    saved = ok(
        a.api.patch(
            "purchasing/settings",
            {"weight_7d": "1", "weight_14d": "0", "weight_30d": "0", "safety_days": 0, "purchase_cycle_days": 0},
        )
    )
    assert (saved["weight_7d"], saved["safety_days"], saved["functional_currency"]) == ("1.0000", 0, "CNY")
    assert ok(b.api.get("purchasing/settings"))["safety_days"] == 7  # B keeps the defaults

    sku = approved_sku(a)  # no supplier quote: the default lead time (15 days) applies
    _on_sale_since(a, sku, 90)
    stock(a, sku, buy.warehouse_id, 7)
    _sell(a, sku, buy.warehouse_id, 7)  # 1 a day over 7 days, all that counts now
    _run(a)
    [s] = body(a.api.get(f"replenishment/suggestions?sku_id={sku}"))
    assert s["inputs"]["lead_time_source"] == "default" and s["inputs"]["lead_time_days"] == 15
    assert (s["daily_sales"], s["quantity"]) == ("1.0000", 15)  # 1 x (15 + 0 + 0) - 0


def test_roles_on_replenishment(tenants):
    a, _b = tenants
    viewer = a.client_with_roles("viewer")
    assert viewer.post("replenishment/runs").status_code == 403
    assert viewer.get("replenishment/runs").status_code == 200
    assert viewer.patch("purchasing/settings", {"safety_days": 3}).status_code == 403
