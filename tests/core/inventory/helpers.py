"""Helpers for inventory tests: warehouses, stock in a known state, bucket snapshots."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from typing import Any

from core.inventory import service as inv
from core.inventory.service import Doc, Line
from core.money import Money

BUCKETS = ("on_hand", "reserved", "available", "qc_pending", "unsellable", "inbound_ordered", "in_transit")


def key(prefix: str = "test") -> str:
    return f"{prefix}:{secrets.token_hex(8)}"


def warehouse(tenant: Any, code: str | None = None, **fields: Any) -> uuid.UUID:
    from core.inventory.service.warehouses import create_warehouse

    data = {
        "code": code or f"WH-{secrets.token_hex(3)}",
        "name": "Test warehouse",
        "type": "domestic",
        "country": "CN",
        **fields,
    }
    with tenant.scope():
        return create_warehouse(**data).id


def stock(
    tenant: Any, sku_id: uuid.UUID, wh_id: uuid.UUID, qty: int, cost: str = "10.00", currency: str = "CNY"
) -> inv.Posting:
    """Put `qty` sellable units at `cost` into the warehouse (a receipt without QC)."""
    with tenant.scope():
        return inv.receive_purchase(
            Doc("test_receipt", uuid.uuid4()),
            [Line("1", sku_id, wh_id, qty, Money(Decimal(cost), currency))],
            key=key("stock"),
            qc=False,
        )


def snapshot(tenant: Any, sku_id: uuid.UUID, wh_id: uuid.UUID) -> dict[str, int]:
    with tenant.scope():
        b = inv.get_buckets(sku_id, wh_id)
    return {name: getattr(b, name) for name in BUCKETS}


def value(tenant: Any, sku_id: uuid.UUID, wh_id: uuid.UUID) -> Decimal:
    with tenant.scope():
        return inv.get_buckets(sku_id, wh_id).stock_value


def diff(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The buckets that changed, with their change."""
    return {k: after[k] - before[k] for k in BUCKETS if after[k] != before[k]}
