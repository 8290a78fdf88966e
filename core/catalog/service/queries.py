"""Queries of products and SKUs for lists and pickers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from core.catalog.models import Product, Sku
from core.catalog.service.categories import category_ids_under
from core.catalog.service.common import PURPOSES, like_pattern
from core.errors import ValidationError
from core.messages import Msg


def product_query(
    *,
    q: str | None = None,
    status: Iterable[str] | str | None = None,
    category_id: uuid.UUID | None = None,
    sku: str | None = None,
    kit: bool | None = None,
) -> Any:
    """Products, newest first. `q` matches titles (zh and en, case-insensitive), the SPU code,
    SKU codes and barcodes; `sku` matches SKU codes only; a category includes its descendants."""
    stmt = select(Product)
    if q and q.strip():
        like = like_pattern(q)
        sku_match = select(Sku.product_id).where(or_(Sku.code.ilike(like, escape="\\"), Sku.barcode == q.strip()))
        stmt = stmt.where(
            or_(
                Product.title_zh.ilike(like, escape="\\"),
                Product.title_en.ilike(like, escape="\\"),
                Product.spu_code.ilike(like, escape="\\"),
                Product.id.in_(sku_match),
            )
        )
    if sku and sku.strip():
        stmt = stmt.where(Product.id.in_(select(Sku.product_id).where(Sku.code.ilike(like_pattern(sku), escape="\\"))))
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        stmt = stmt.where(Product.status.in_(statuses))
    if category_id:
        stmt = stmt.where(Product.category_id.in_(category_ids_under(category_id)))
    if kit is not None:
        kits = select(Sku.product_id).where(Sku.kit_type.is_not(None))
        stmt = stmt.where(Product.id.in_(kits) if kit else Product.id.not_in(kits))
    return stmt.order_by(Product.created_at.desc(), Product.id.desc())


def sku_query(
    *,
    q: str | None = None,
    code: str | None = None,
    status: Iterable[str] | str | None = None,
    active: bool | None = None,
    kit_type: str | None = None,
    product_id: uuid.UUID | None = None,
    category_id: uuid.UUID | None = None,
    usable_for: str | None = None,
) -> Any:
    """SKUs ordered by code. `usable_for` keeps those `require_sku` would accept for that purpose
    (kits whose components became unusable are still listed; require_sku has the last word)."""
    stmt = select(Sku).join(Product, Product.id == Sku.product_id)
    if q and q.strip():
        like = like_pattern(q)
        stmt = stmt.where(
            or_(
                Sku.code.ilike(like, escape="\\"),
                Sku.barcode == q.strip(),
                Product.title_zh.ilike(like, escape="\\"),
                Product.title_en.ilike(like, escape="\\"),
                Product.spu_code.ilike(like, escape="\\"),
            )
        )
    if code:
        stmt = stmt.where(Sku.code == code.strip())
    if status:
        stmt = stmt.where(Sku.status.in_([status] if isinstance(status, str) else list(status)))
    if active is not None:
        stmt = stmt.where(Sku.active.is_(active))
    if kit_type == "none":
        stmt = stmt.where(Sku.kit_type.is_(None))
    elif kit_type == "any":
        stmt = stmt.where(Sku.kit_type.is_not(None))
    elif kit_type:
        stmt = stmt.where(Sku.kit_type == kit_type)
    if product_id:
        stmt = stmt.where(Sku.product_id == product_id)
    if category_id:
        stmt = stmt.where(Product.category_id.in_(category_ids_under(category_id)))
    if usable_for:
        if usable_for not in PURPOSES:
            raise ValidationError.field("usable_for", Msg("one_of", choices=", ".join(PURPOSES)))
        stmt = stmt.where(Sku.status == "approved", Sku.active.is_(True))
        if usable_for in ("purchase", "stock"):
            stmt = stmt.where(or_(Sku.kit_type.is_(None), Sku.kit_type != "virtual"))
    return stmt.order_by(Sku.code, Sku.id)
