"""An opening balance valued in another currency takes the tenant's dated rate of today: the
movement keeps the converted cost, `stock.adjusted` names the rate used, and without a rate
the adjustment is refused with 422 naming the line, the pair and the day (never valued at 1)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent
from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import value, warehouse
from tests.core.purchasing.helpers import local_today
from tests.support import body


def opening(tenant, sku, wh, amount="10", currency="USD"):
    return tenant.api.post(
        "stock/adjustments",
        {
            "kind": "opening_balance",
            "lines": [
                {
                    "sku_id": str(sku),
                    "warehouse_id": str(wh),
                    "quantity": 3,
                    "unit_cost": {"amount": amount, "currency": currency},
                }
            ],
        },
    )


def test_an_opening_balance_in_dollars_is_valued_at_the_rate_of_today(tenants):
    a, b = tenants
    sku, wh = approved_sku(a), warehouse(a)
    missing = opening(a, sku, wh)
    assert missing.status_code == 422
    assert body(missing)["errors"] == {
        "lines.0.unit_cost": [
            f"is in USD and stock is valued in CNY: no rate for USD to CNY on {local_today().isoformat()} "
            "or in the 31 days before"
        ]
    }
    assert value(a, sku, wh) == 0
    # A rate of the other tenant, or of a later day, does not count.
    b.api.post("exchange-rates", {"base": "USD", "quote": "CNY", "date": str(local_today()), "rate": "6.5"})
    a.api.post(
        "exchange-rates",
        {"base": "USD", "quote": "CNY", "date": str(local_today() + timedelta(days=1)), "rate": "9"},
    )
    assert opening(a, sku, wh).status_code == 422

    yesterday = str(local_today() - timedelta(days=1))
    a.api.post("exchange-rates", {"base": "CNY", "quote": "USD", "date": yesterday, "rate": "0.125"})
    posted = opening(a, sku, wh)
    assert posted.status_code == 201, body(posted)
    assert (body(posted)["lines"][0]["unit_cost"], body(posted)["value"]) == ("80.000000", "240.00")
    assert value(a, sku, wh) == 240
    with a.scope():
        adjusted = session.execute(select(OutboxEvent).where(OutboxEvent.name == "stock.adjusted")).scalar_one()
    assert adjusted.payload["rates"] == {
        "USD": {"rate": "8.0000000000", "rate_date": yesterday, "source": f"manual 1/(CNY/USD) {yesterday}"}
    }
    # Stock in the functional currency needs no rate and names none.
    plain = opening(a, approved_sku(a), wh, currency="CNY")
    assert plain.status_code == 201
