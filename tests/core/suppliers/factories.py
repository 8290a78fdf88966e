"""Approved suppliers for tests of any capability (a stable helper: others import it).

    from tests.core.suppliers.factories import approved_supplier
    supplier_id = approved_supplier(tenant_a, prices={sku_id: "12.50"})

Keyword arguments are supplier fields as the API takes them (name, kind, country, finance,
contacts, ...). `prices` maps SKU ids to a price (string or Decimal, in the supplier's currency)
or to a dict of `set_price` arguments (price, currency, moq, lead_time_days).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any


def approved_supplier(tenant: Any, prices: Mapping[uuid.UUID, Any] | None = None, **fields: Any) -> uuid.UUID:
    from core.suppliers import service

    fields.setdefault("name", f"Test supplier {secrets.token_hex(4)}")
    fields.setdefault("finance", {"currency": "CNY", "payment_method": "bank_transfer", "settlement_mode": "prepaid"})
    with tenant.scope("test factory"):
        supplier = service.create_supplier(fields)
        service.submit_supplier(supplier.id)
        service.approve_supplier(supplier.id)
        for sku_id, price in (prices or {}).items():
            args = dict(price) if isinstance(price, Mapping) else {"price": price}
            service.set_price(supplier.id, sku_id, **args)
        return supplier.id
