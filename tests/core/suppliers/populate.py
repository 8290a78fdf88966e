"""One of everything of suppliers for tenant B in the cross-tenant tests."""

from __future__ import annotations

from core.catalog.service import find_sku_by_code
from tests.core.catalog.factories import approved_sku
from tests.core.suppliers.factories import approved_supplier
from tests.populate import populator
from tests.support import TenantHandle


@populator
def suppliers(tenant: TenantHandle) -> None:
    with tenant.scope():
        existing = find_sku_by_code("POP-1")
        sku = existing.id if existing else None
    sku = sku or approved_sku(tenant, "POP-SUP-1")
    approved_supplier(
        tenant,
        prices={sku: "2.50"},
        contacts=[{"name": "Populated contact"}],
        finance={"account_number": "6222000011112222", "currency": "CNY"},
    )
    assert tenant.api.post("suppliers", {"name": "Draft supplier"}).status_code == 201
