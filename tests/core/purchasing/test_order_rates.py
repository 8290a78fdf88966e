"""A purchase order in another currency takes the tenant's dated rate of its fx_date unless a
rate is agreed for it, keeps the rate it took whatever later happens to the rates table, and
is refused with 422 naming the pair and the day when no rate is known."""

from __future__ import annotations

from datetime import timedelta

from tests.core.purchasing.helpers import approved_order, buyer, events, local_today, ok, order, receive
from tests.support import body


def set_rate(tenant, on, value, base="USD"):
    resp = tenant.api.post("exchange-rates", {"base": base, "quote": "CNY", "date": str(on), "rate": value})
    assert resp.status_code == 201, body(resp)
    return body(resp)


def test_an_order_takes_the_rate_of_its_day_and_keeps_it(tenants):
    a, b = tenants
    today = local_today()
    first = set_rate(a, today - timedelta(days=2), "7.1")
    set_rate(b, today, "6.0")
    buy = buyer(a, prices=("2.50", "1.00"), currency="USD")
    po = order(buy, (10,))
    assert (po["fx_rate"], po["fx_date"], po["fx_source"]) == (
        "7.1000000000",
        today.isoformat(),
        f"rates table: manual USD/CNY {(today - timedelta(days=2)).isoformat()}",
    )
    # 10 x 2.50 = 25.00 + 13 % = 28.25 USD at 7.1.
    assert po["total_functional"] == "200.58"

    # The table changes (a rate of its very day, the rate it used deleted); the order keeps
    # its rate, and its receipt is valued at it.
    set_rate(a, today, "7.3")
    assert a.api.delete(f"exchange-rates/{first['id']}").status_code == 204
    approved = ok(a.api.post(f"purchase-orders/{po['id']}/approve"))
    assert approved["fx_rate"] == "7.1000000000"
    receive(buy, approved, 10)
    [received] = events(a, "purchase.received")
    assert (received["fx_rate"], received["lines"][0]["value"]) == ("7.1000000000", "177.50")


def test_a_draft_reads_the_table_again_when_its_rate_day_changes_or_its_rate_is_cleared(tenants):
    a, _b = tenants
    today = local_today()
    set_rate(a, today - timedelta(days=10), "7.0")
    set_rate(a, today, "7.2")
    buy = buyer(a, prices=("1.00",), currency="USD")
    po = order(buy, (10,), fx_date=str(today - timedelta(days=5)))
    assert po["fx_rate"] == "7.0000000000"
    moved = ok(a.api.patch(f"purchase-orders/{po['id']}", {"fx_date": str(today)}))
    assert moved["fx_rate"] == "7.2000000000"
    agreed = ok(a.api.patch(f"purchase-orders/{po['id']}", {"fx_rate": "7.25"}))
    assert (agreed["fx_rate"], agreed["fx_source"]) == ("7.2500000000", "entered on the order")
    # An agreed rate stays when only the day changes; clearing it takes the table's again.
    kept = ok(a.api.patch(f"purchase-orders/{po['id']}", {"fx_date": str(today - timedelta(days=5))}))
    assert kept["fx_rate"] == "7.2500000000"
    cleared = ok(a.api.patch(f"purchase-orders/{po['id']}", {"fx_rate": None}))
    assert (cleared["fx_rate"], cleared["fx_source"]) == (
        "7.0000000000",
        f"rates table: manual USD/CNY {(today - timedelta(days=10)).isoformat()}",
    )


def test_no_rate_known_is_a_422_naming_the_pair_and_the_day(tenants):
    a, b = tenants
    set_rate(b, local_today(), "7.1")  # the other tenant's rate is not this tenant's
    buy = buyer(a, prices=("1.00",), currency="USD")
    resp = a.api.post(
        "purchase-orders",
        {
            "supplier_id": str(buy.supplier_id),
            "warehouse_id": str(buy.warehouse_id),
            "fx_date": "2026-06-01",
            "lines": [{"sku_id": str(buy.skus[0]), "quantity": 1}],
        },
    )
    assert resp.status_code == 422
    assert body(resp)["errors"]["fx_rate"] == [
        "is required: no rate for USD to CNY on 2026-06-01 or in the 31 days before"
    ]
    assert body(a.api.get("purchase-orders")) == []
    # The functional currency needs no rate at all.
    home = buyer(a)
    assert approved_order(home, (1,))["fx_rate"] == "1.0000000000"
