"""Lookups and rules shared by the catalogue's use cases: SKU and product by id, labels, whether a
SKU may be purchased, stocked or sold."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.catalog.models import Product, Sku
from core.db import get_or_none, locked, session
from core.errors import InvalidTransition, NotFound, ValidationError
from core.messages import Msg

PURPOSES = {"purchase": "purchased", "stock": "stocked", "sale": "sold"}
EDITABLE = ("draft", "rejected")


def sku_label(sku: Sku) -> str:
    return sku.code or f"(draft variant {sku.position} of {product_title(sku.product)})"


def product_title(product: Product) -> str:
    return product.title_en or product.title_zh or product.spu_code or str(product.id)


def get_sku(sku_id: uuid.UUID | str) -> Sku:
    sku = get_or_none(Sku, sku_id)
    if sku is None:
        raise NotFound("SKU", sku_id)
    return sku


def require_sku(sku_id: uuid.UUID | str, purpose: str) -> Sku:
    """The SKU, if it may be purchased, stocked or sold (`purpose`).

    NotFound for unknown ids and other tenants' ids; ValidationError on field "sku_id" naming
    the SKU and the reason otherwise. A kit also needs usable components, and a virtual kit is
    never purchased or stocked itself (its components are)."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    sku = get_sku(sku_id)
    verb = PURPOSES[purpose]
    reason = unusable_reason(sku)
    if reason is None and sku.kit_type == "virtual" and purpose in ("purchase", "stock"):
        reason = Msg("catalog.virtual_kit_components")
    if reason is None and sku.kit_type:
        for line in sku.components:
            why = unusable_reason(line.component)
            if why:
                reason = Msg("order.component_unusable", sku=sku_label(line.component), reason=why)
                break
    if reason:
        raise ValidationError.field("sku_id", Msg("catalog.sku_cannot", sku=sku_label(sku), verb=verb, reason=reason))
    return sku


def unusable_reason(sku: Sku) -> str | None:
    if sku.status != "approved":
        if sku.status == "discontinued":
            return Msg("catalog.product_is", status=sku.status)
        return Msg("catalog.product_not_approved", status=sku.status)
    if not sku.active:
        return Msg("catalog.sku_inactive")
    return None


def find_sku_by_code(code: str) -> Sku | None:
    code = (code or "").strip()
    if not code:
        return None
    return session.execute(select(Sku).where(Sku.code == code)).scalar_one_or_none()


def as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def get_product(product_id: uuid.UUID | str) -> Product:
    row = get_or_none(Product, product_id)
    if row is None:
        raise NotFound("product", product_id)
    return row


def locked_product(product_id: uuid.UUID | str) -> Product:
    """The product, its row locked until the transaction ends, so two reviewers never both
    act on the same state."""
    return locked(Product, product_id, "product")


def require_editable(product: Product, action: str = "edit") -> None:
    if product.status not in EDITABLE:
        hint = Msg("catalog.only_drafts_changed")
        if product.status == "approved":
            hint = Msg("catalog.only_drafts_changed_revise")
        elif product.status == "submitted":
            hint = Msg("catalog.only_drafts_changed_withdraw")
        raise InvalidTransition("product", product.status, action, hint)


def like_pattern(q: str) -> str:
    escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
