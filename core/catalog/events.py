"""The catalog's business events (contracts: docs/events.md, "catalog")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.event_types import Payload, declare


@dataclass(frozen=True, kw_only=True)
class KitComponent:
    sku_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, kw_only=True)
class SkuState(Payload):
    """A SKU as it is after the change: codes, options, kit components."""

    id: uuid.UUID
    code: str | None
    product_id: uuid.UUID
    options: dict[str, Any]
    status: str
    active: bool
    kit_type: str | None
    barcode: str | None
    components: tuple[KitComponent, ...]


@dataclass(frozen=True, kw_only=True)
class ProductState(Payload):
    """A product and its SKUs as they are after the change."""

    id: uuid.UUID
    spu_code: str | None
    status: str
    title_zh: str | None
    title_en: str | None
    category_id: uuid.UUID | None
    skus: tuple[SkuState, ...]


@dataclass(frozen=True, kw_only=True)
class ProductClosed(ProductState):
    """A product the review rejected or that was discontinued, and why."""

    reason: str | None


@dataclass(frozen=True, kw_only=True)
class ProductImageAdded(Payload):
    product_id: uuid.UUID
    image_id: uuid.UUID
    sku_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class ProductImageRemoved(Payload):
    product_id: uuid.UUID
    image_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class CategoryState(Payload):
    id: uuid.UUID
    code: str
    name_zh: str | None
    name_en: str | None
    parent_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class CategoryDeleted(Payload):
    id: uuid.UUID
    code: str


@dataclass(frozen=True, kw_only=True)
class ListingMapping(Payload):
    """A channel listing (connection + seller SKU) and the SKU it sells, `quantity` units each."""

    id: uuid.UUID
    connection_id: uuid.UUID
    seller_sku: str | None
    sku_id: uuid.UUID
    sku_code: str | None
    quantity: int
    kit_type: str | None


declare("product.created", ProductState, "A product was created (as a draft) with its SKUs.")
declare("product.updated", ProductState, "A product's fields or SKUs changed.")
declare(
    "product.deleted",
    ProductState,
    "A draft product that nothing referenced was deleted; the payload is its last state.",
)
declare("product.submitted", ProductState, "A product was submitted for review.")
declare("product.withdrawn", ProductState, "A submitted product was withdrawn from review.")
declare("product.approved", ProductState, "A product passed review: its SKUs can be purchased, stocked and sold.")
declare("product.rejected", ProductClosed, "The review rejected a product; `reason` says why.")
declare("product.revised", ProductState, "An approved product was reopened for changes (back to draft).")
declare("product.discontinued", ProductClosed, "A product was retired for good; its SKUs can no longer be used.")
declare("product.image_added", ProductImageAdded, "An image was added to a product (or one of its SKUs).")
declare("product.image_removed", ProductImageRemoved, "An image was removed from a product.")
declare("sku.activated", SkuState, "A single SKU was switched on again.")
declare("sku.deactivated", SkuState, "A single SKU was switched off without a new review.")
declare("category.created", CategoryState, "A product category was created.")
declare("category.updated", CategoryState, "A category was renamed or moved.")
declare("category.deleted", CategoryDeleted, "An empty category was deleted.")
declare("listing.mapped", ListingMapping, "A channel listing was mapped to a SKU.")
declare("listing.remapped", ListingMapping, "A listing's mapping changed (another SKU or quantity).")
declare("listing.unmapped", ListingMapping, "A listing's mapping was removed; the payload is its last state.")
