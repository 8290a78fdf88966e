"""Profit uses the real fees of a booked settlement where it has matched the order, and the
estimate only where none has; lines of no order that name a SKU (storage per SKU, reference
finance.md §3.1) go to that SKU. Every grouping still adds up to the same profit."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from core.testing import settlements as v2
from tests.core.finance.helpers import shipped, shop, sku_line, vouchers
from tests.core.finance.settlements_helpers import report, upload
from tests.core.purchasing.helpers import local_today
from tests.support import body


def _rate(tenant, on, value):
    resp = tenant.api.post("exchange-rates", {"base": "USD", "quote": "CNY", "date": str(on), "rate": value})
    assert resp.status_code in (200, 201), body(resp)


def _at(day):
    return datetime.combine(day, time(8), UTC)


def _code(books, sku):
    from tests.core.finance.helpers import _code

    with books.tenant.scope():
        return _code(sku)


@pytest.fixture
def settled(tenant_a, tenant_b):
    books = shop(tenant_a)
    tenant, today = books.tenant, local_today()
    deposit_day = today + timedelta(days=3)
    _rate(tenant, today, "7.10")
    _rate(tenant, deposit_day, "7.15")
    assert books.api.patch("finance/settings", {"fee_estimates": {"dummy": "10"}}).status_code == 200
    paid = shipped(books, sku_line(books, books.tee, 2, "50.00"), currency="USD")
    waiting = shipped(books, sku_line(books, books.cap, 1, "30.00"), currency="USD")
    tee = _code(books, books.tee)
    rows = [
        *v2.order_rows(paid.external_order_id, sku=tee, quantity=2, principal="100.00", commission="-15.00"),
        v2.other_row("Storage Fee", "-4.00", sku=tee),
    ]
    _sid, text = report(
        rows, start=_at(today - timedelta(days=7)), end=_at(today + timedelta(days=1)), deposit=_at(deposit_day)
    )
    resp = upload(tenant, text, books.conn)
    assert resp.status_code == 201, body(resp)
    s = body(tenant.api.get(f"finance/settlements/{body(resp)['id']}"))
    assert s["status"] == "booked", s
    first = vouchers(tenant, "sales_order", paid.id)[0]["period"]
    last = vouchers(tenant, "settlement", s["id"])[0]["period"]
    return books, paid, waiting, f"period_from={first}&period_to={last}"


def _profit(books, group, periods):
    resp = books.api.get(f"finance/reports/profit?group={group}&{periods}")
    assert resp.status_code == 200, body(resp)
    return body(resp)


def test_a_settled_order_shows_its_real_fees_and_an_unsettled_one_the_estimate(settled):
    books, paid, waiting, periods = settled
    rows = {r["key"]: r for r in _profit(books, "order", periods)}
    real, guess = rows[str(paid.id)], rows[str(waiting.id)]
    # 15.00 USD commission at the rate the settlement's voucher booked it (7.15), no estimate.
    assert (real["fees"], real["fees_estimated"], real["fees_source"]) == ("107.25", False, "settlement")
    assert real["revenue"] == "710.00" and real["settled_orders"] == 1
    # 10 % of 30.00 USD at 7.10, marked as an estimate.
    assert (guess["fees"], guess["fees_estimated"], guess["fees_source"]) == ("21.30", True, "estimate")
    # The storage fee of the SKU is no order's: not in either order's fees.
    assert Decimal(rows.get("", {}).get("fees", "0")) == Decimal("28.60")


def test_a_storage_fee_per_sku_goes_to_the_sku_and_every_grouping_adds_up(settled):
    books, _paid, _waiting, periods = settled
    by_sku = {r["key"]: r for r in _profit(books, "sku", periods)}
    tee, cap = by_sku[str(books.tee)], by_sku[str(books.cap)]
    assert tee["fees"] == "135.85" and tee["fees_source"] == "settlement"  # 107.25 + 4.00 x 7.15
    assert cap["fees"] == "21.30" and cap["fees_source"] == "estimate"
    totals = {
        g: sum(Decimal(r["profit"]) for r in _profit(books, g, periods)) for g in ("order", "sku", "shop", "month")
    }
    assert len(set(totals.values())) == 1, totals
    (shop_row,) = _profit(books, "shop", periods)
    assert shop_row["fees"] == "157.15" and shop_row["fees_source"] == "mixed"  # 107.25 + 28.60 + 21.30
