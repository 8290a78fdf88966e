"""One of each purchasing document for tenant B in the cross-tenant tests: a request of each
state that matters, orders with lines and a tracking number, a receipt with QC, a return, a
replenishment run with suggestions, saved settings."""

from __future__ import annotations

from datetime import date, timedelta

from tests.core.inventory.helpers import stock
from tests.core.purchasing.helpers import approved_order, buyer, inspect, ok, order, receive
from tests.populate import populator
from tests.support import TenantHandle


@populator
def purchasing(tenant: TenantHandle) -> None:
    api = tenant.api
    b = buyer(tenant)
    ok(api.patch("purchasing/settings", {"safety_days": 5, "second_approval_threshold": "100000"}))
    soon = (date.today() + timedelta(days=30)).isoformat()
    for _ in range(2):
        req = ok(
            api.post(
                "stocking-requests",
                {
                    "sku_id": str(b.skus[0]),
                    "warehouse_id": str(b.warehouse_id),
                    "quantity": 10,
                    "needed_by": soon,
                    "supplier_id": str(b.supplier_id),
                },
            ),
            201,
        )
    ok(api.post(f"stocking-requests/{req['id']}/approve"))
    ok(api.post("purchase-orders/from-requests", {"request_ids": [req["id"]]}), 201)
    order(b, (3,))
    po = approved_order(b, (20, 5))
    ok(api.post(f"purchase-orders/{po['id']}/trackings", {"tracking_number": "POP-TRACK-1"}), 201)
    receipt = receive(b, po, 20, 5)
    inspect(b, receipt, (18, 2), (5, 0))
    ok(
        api.post(
            "purchase-returns",
            {
                "purchase_order_id": po["id"],
                "reason": "defects",
                "lines": [{"line_id": po["lines"][0]["id"], "quantity": 2}],
            },
        ),
        201,
    )
    stock(tenant, b.skus[1], b.warehouse_id, 4)
    ok(api.post("replenishment/runs"), 202)
