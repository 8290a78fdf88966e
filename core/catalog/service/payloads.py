"""Event payloads of products and SKUs (declared in core/catalog/events.py)."""

from __future__ import annotations

from typing import Any

from core.catalog.events import KitComponent, ProductClosed, ProductState, SkuState
from core.catalog.models import Product, Sku


def sku_payload(sku: Sku) -> SkuState:
    return SkuState(
        id=sku.id,
        code=sku.code,
        product_id=sku.product_id,
        options=sku.options or {},
        status=sku.status,
        active=sku.active,
        kit_type=sku.kit_type,
        barcode=sku.barcode,
        # Only kits have components (checked on save): no query per ordinary SKU.
        components=tuple(
            KitComponent(sku_id=c.component_sku_id, quantity=c.quantity)
            for c in (sku.components if sku.kit_type else ())
        ),
    )


def _product_fields(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "spu_code": product.spu_code,
        "status": product.status,
        "title_zh": product.title_zh,
        "title_en": product.title_en,
        "category_id": product.category_id,
        "skus": tuple(sku_payload(s) for s in product.skus),
    }


def product_payload(product: Product) -> ProductState:
    return ProductState(**_product_fields(product))


def closed_payload(product: Product, reason: str | None) -> ProductClosed:
    """A rejected or discontinued product, and why."""
    return ProductClosed(**_product_fields(product), reason=reason)
