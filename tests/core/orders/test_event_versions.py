"""The lean order events of an import (version 2) read back typed, and the version 1 payloads
stored before them (the order's summary in every event) still decode into the current shape."""

import uuid
from decimal import Decimal

from core.event_types import decode
from core.orders.events import OrderAllocated, OrderApproved, OrderPlaced, PlacedLine, WarehouseRef

ORDER = uuid.uuid4()
LINE, SKU, WH, CONN = (uuid.uuid4() for _ in range(4))

SUMMARY_V1 = {
    "order_id": str(ORDER),
    "number": "SO-000001",
    "channel": "shopify",
    "connection_id": str(CONN),
    "marketplace": "US",
    "external_order_id": "1001",
    "fulfilment": "merchant",
    "status": "pending_review",
    "parent_id": None,
    "purchased_at": "2026-11-01T00:00:00+00:00",
    "ship_country": "DE",
    "currency": "USD",
    "prices_include_tax": False,
    "amounts": {
        "goods": "20.00",
        "tax": "1.60",
        "shipping": "4.99",
        "discount": "0.00",
        "total": "26.59",
        "refunded": "0.00",
    },
    "warehouse_id": None,
    "version": 1,
}


def test_an_imported_order_of_version_1_reads_as_ids_units_and_totals():
    line_v1 = {
        "line_id": str(LINE),
        "external_order_id": "1001",
        "external_line_id": "1",
        "seller_sku": "MUG",
        "sku_id": str(SKU),
        "sku_code": "MUG",
        "kit_type": None,
        "quantity": 2,
        "stock_quantity": 2,
        "unit_price": "10.000000",
        "item_amount": "20.00",
        "item_tax": "1.60",
        "shipping": "4.99",
        "shipping_tax": "0.00",
        "discount": "0.00",
        "promotion": "0.00",
        "total": "26.59",
    }
    unmapped = {**line_v1, "line_id": str(uuid.uuid4()), "sku_id": None, "quantity": 1, "total": "3.00"}
    got = decode("order.imported", {**SUMMARY_V1, "lines": [line_v1, unmapped]})
    assert isinstance(got, OrderPlaced)
    assert got.lines == (
        PlacedLine(line_id=LINE, sku_id=SKU, quantity=2, total=Decimal("26.59")),
        PlacedLine(line_id=uuid.UUID(unmapped["line_id"]), sku_id=None, quantity=1, total=Decimal("3.00")),
    )
    assert got.amounts == {k: Decimal(v) for k, v in SUMMARY_V1["amounts"].items() if k != "refunded"}
    assert (got.order_id, got.number, got.connection_id, got.warehouse_id) == (ORDER, "SO-000001", CONN, None)
    # hand-entered orders stored the same shape
    assert decode("order.created", {**SUMMARY_V1, "lines": [line_v1]}).lines[0].sku_id == SKU


def test_approved_and_allocated_of_version_1_keep_their_ids_and_what_changed():
    approved = decode("order.approved", {**SUMMARY_V1, "status": "approved", "rule": "Merchant orders", "note": ""})
    assert approved == OrderApproved(order_id=ORDER, status="approved", rule="Merchant orders", note=None)
    allocated = decode(
        "order.allocated",
        {**SUMMARY_V1, "status": "allocated", "warehouse_id": str(WH), "warehouse": {"id": str(WH), "code": "CN-1"}},
    )
    assert allocated == OrderAllocated(
        order_id=ORDER, status="allocated", warehouse=WarehouseRef(id=WH, code="CN-1"), stock_reserved=None
    )


def test_version_2_stores_ids_and_changed_fields_only():
    from core.event_types import encode

    stored = encode(OrderApproved(order_id=ORDER, status="approved", rule="Merchant orders"))
    assert stored == {"order_id": str(ORDER), "status": "approved", "rule": "Merchant orders", "version": 2}
    assert decode("order.approved", stored) == OrderApproved(order_id=ORDER, status="approved", rule="Merchant orders")
    allocated = OrderAllocated(
        order_id=ORDER, status="allocated", warehouse=WarehouseRef(id=WH, code="CN-1"), stock_reserved=True
    )
    assert decode("order.allocated", encode(allocated)) == allocated
    placed = decode("order.imported", {**SUMMARY_V1, "lines": [], "version": 2})
    assert placed.lines == () and placed.parent_id is None
