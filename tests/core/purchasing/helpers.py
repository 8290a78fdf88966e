"""A tenant ready to buy: a destination warehouse with a bin, approved SKUs and a supplier
quoting them; shortcuts through the API for the documents the tests walk through."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.core.catalog.factories import approved_sku
from tests.core.inventory.helpers import snapshot, warehouse
from tests.core.suppliers.factories import approved_supplier
from tests.support import body


@dataclass
class Buyer:
    tenant: Any
    warehouse_id: uuid.UUID
    bin_id: uuid.UUID
    skus: list[uuid.UUID]
    codes: list[str]
    supplier_id: uuid.UUID
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> Any:
        return self.tenant.api

    def buckets(self, sku_index: int = 0) -> dict[str, int]:
        return snapshot(self.tenant, self.skus[sku_index], self.warehouse_id)


def buyer(
    tenant: Any,
    *,
    prices: tuple[str, ...] = ("12.50", "8.00"),
    currency: str = "CNY",
    lead_time: int = 10,
    moq: int = 1,
) -> Buyer:
    from core.inventory.service.warehouses import create_location

    wh = warehouse(tenant)
    with tenant.scope():
        bin_id = create_location(wh, code=f"A-{secrets.token_hex(2)}").id
    codes = [f"SKU-{secrets.token_hex(4).upper()}" for _ in prices]
    skus = [approved_sku(tenant, code, input_vat_rate="0.13") for code in codes]
    supplier = approved_supplier(
        tenant,
        finance={"currency": currency, "payment_method": "bank_transfer", "settlement_mode": "prepaid"},
        prices={sku: {"price": p, "lead_time_days": lead_time, "moq": moq} for sku, p in zip(skus, prices)},
    )
    return Buyer(tenant, wh, bin_id, skus, codes, supplier)


def local_today() -> date:
    """Today in the test tenants' time zone (Asia/Shanghai), which dates are kept in."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:800])
    return body(resp)


def order(b: Buyer, quantities: tuple[int, ...] = (100,), **extra: Any) -> dict[str, Any]:
    payload = {
        "supplier_id": str(b.supplier_id),
        "warehouse_id": str(b.warehouse_id),
        "lines": [{"sku_id": str(b.skus[i]), "quantity": q} for i, q in enumerate(quantities)],
        **extra,
    }
    return ok(b.api.post("purchase-orders", payload), 201)


def approved_order(b: Buyer, quantities: tuple[int, ...] = (100,), **extra: Any) -> dict[str, Any]:
    po = order(b, quantities, **extra)
    return ok(b.api.post(f"purchase-orders/{po['id']}/approve"))


def receive(b: Buyer, po: dict[str, Any], *quantities: int, expect: int = 201, **extra: Any) -> dict[str, Any]:
    lines = [{"line_id": line["id"], "quantity": q} for line, q in zip(po["lines"], quantities)]
    return ok(b.api.post(f"purchase-orders/{po['id']}/receipts", {"lines": lines, **extra}), expect)


def inspect(
    b: Buyer,
    receipt: dict[str, Any],
    *outcomes: tuple[int, int],
    reasons: tuple[str, ...] = ("scratched",),
    expect: int = 200,
) -> dict[str, Any]:
    lines = [
        {
            "receipt_line_id": line["id"],
            "passed_quantity": passed,
            "failed_quantity": failed,
            "sample_size": passed + failed,
            "defect_reasons": list(reasons) if failed else [],
            "location_id": str(b.bin_id),
        }
        for line, (passed, failed) in zip(receipt["lines"], outcomes)
    ]
    return ok(b.api.post(f"purchase-receipts/{receipt['id']}/inspect", {"lines": lines}), expect)


def events(tenant: Any, name: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from core.db import session
    from core.events import OutboxEvent

    with tenant.scope():
        return [
            e.payload
            for e in session.execute(
                select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.created_at)
            ).scalars()
        ]
