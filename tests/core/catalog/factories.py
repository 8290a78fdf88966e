"""Approved products and SKUs for tests of any capability (a stable helper: others import it).

    from tests.core.catalog.factories import approved_sku, approved_kit
    sku_id = approved_sku(tenant_a, "TSHIRT-RED-L", purchase_price={"amount": "12.50", "currency": "CNY"})
    kit_id = approved_kit(tenant_a, {sku_id: 2}, kit_type="virtual")

Both create the product through the service (create -> submit -> approve) in `tenant.scope()`
and return the SKU id. Keyword arguments are SKU fields as the API takes them (barcode,
net_weight_g, gross_weight_g, size, package_size, carton_size, units_per_carton, purchase_price,
sale_price, market_price, input_vat_rate, output_vat_rate, customs, kit_type, components);
product fields (title_zh, title_en, description_zh, description_en, category_id, brand,
attributes, spu_code) go to the product.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

PRODUCT_FIELDS = {
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "category_id",
    "brand",
    "attributes",
    "spu_code",
}


def _create_approved(tenant: Any, code: str | None, fields: dict[str, Any]) -> uuid.UUID:
    from core.catalog import service

    product = {k: fields.pop(k) for k in list(fields) if k in PRODUCT_FIELDS}
    product.setdefault("title_en", f"Test product {code or secrets.token_hex(3)}")
    sku: dict[str, Any] = {"gross_weight_g": 250, "net_weight_g": 200, **fields}
    if code is not None:
        sku["code"] = code
    with tenant.scope("test factory"):
        created = service.create_product({**product, "skus": [sku]})
        service.submit_product(created.id)
        service.approve_product(created.id)
        return created.skus[0].id


def approved_sku(tenant: Any, code: str | None = None, **fields: Any) -> uuid.UUID:
    """An approved, active SKU (code generated from the tenant's pattern when not given)."""
    return _create_approved(tenant, code, fields)


def approved_kit(
    tenant: Any,
    components: Mapping[uuid.UUID, int] | list[tuple[uuid.UUID, int]],
    kit_type: str = "virtual",
    code: str | None = None,
    **fields: Any,
) -> uuid.UUID:
    """An approved kit SKU made of `components` ({component sku id: units per kit}), whose
    components must be approved SKUs (e.g. from `approved_sku`)."""
    pairs = components.items() if isinstance(components, Mapping) else components
    fields["kit_type"] = kit_type
    fields["components"] = [{"sku_id": str(sku_id), "quantity": qty} for sku_id, qty in pairs]
    return _create_approved(tenant, code, fields)
