"""One of everything of orders for tenant B in the cross-tenant tests: a split order with a
shipped child, a refund and a return, a merged order, a held order, a saved view, settings."""

from __future__ import annotations

from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import APPROVE_ALL, channel_order, connection, line, stock, warehouse
from tests.populate import populator
from tests.support import TenantHandle


@populator
def orders(tenant: TenantHandle) -> None:
    from core.orders import service

    api = tenant.api
    conn = connection(tenant, "Orders shop")
    one, two = approved_sku(tenant, "ORD-POP-1"), approved_sku(tenant, "ORD-POP-2")
    wh1, wh2 = warehouse(tenant, "ORD-WH1"), warehouse(tenant, "ORD-WH2")
    stock(tenant, one, wh1, 10)
    stock(tenant, two, wh2, 10)
    manual = [
        api.post(
            "orders",
            {
                "currency": "USD",
                "buyer": {"name": "Pop Buyer"},
                "shipping_address": {"country": "US", "line1": "1 Pop St"},
                "lines": [{"sku": "ORD-POP-1", "quantity": 1, "unit_price": "5"}],
            },
        ).get_json()
        for _ in range(2)
    ]
    merged = api.post("orders/merge", {"order_ids": [m["id"] for m in manual]})
    assert merged.status_code == 201, merged.get_json()
    assert api.patch("order-settings", {"review_rules": APPROVE_ALL}).status_code == 200
    with tenant.scope():
        split = service.upsert_from_channel(
            conn, channel_order(line("ORD-POP-1", 2), line("ORD-POP-2", 1), ext="POP-SPLIT")
        )
        held = service.upsert_from_channel(conn, channel_order(line("ORD-POP-UNMAPPED", 1), ext="POP-HELD"))
    detail = api.get(f"orders/{split.order_id}").get_json()
    first, second = detail["children"]
    assert api.post(f"orders/{first['id']}/ship", {"carrier": "UPS", "tracking_number": "1Z"}).status_code == 200
    line_id = api.get(f"orders/{first['id']}").get_json()["lines"][0]["id"]
    assert (
        api.post(f"orders/{first['id']}/refunds", {"method": "offline", "reason": "late", "amount": "1.00"}).status_code
        == 201
    )
    rma = api.post(
        f"orders/{first['id']}/returns", {"lines": [{"line_id": line_id, "quantity": 1}], "reason": "size"}
    ).get_json()
    assert (
        api.post(f"order-returns/{rma['id']}/receive", {"inspection": [{"line_id": line_id, "restock": 1}]}).status_code
        == 200
    )
    assert api.post(f"orders/{held.order_id}/cancel", {"reason": "test"}).status_code == 200
    assert api.post("order-views", {"name": "Held", "filters": {"status": "on_hold"}}).status_code == 201
