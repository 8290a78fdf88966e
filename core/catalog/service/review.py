"""Review workflow of a product:

    draft --submit--> submitted --approve--> approved --discontinue--> discontinued
      ^  <--withdraw--    |                      |
      |                   +--reject--> rejected  |
      +-------------------------revise-----------+   (rejected is edited, then submitted)

Approval fixes the codes: SPU and SKU codes left blank are generated from the tenant's
patterns. Only SKUs of an approved product that are active can be purchased, stocked or sold."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core import validation as f
from core.catalog import codes
from core.catalog.models import PRODUCT_STATUSES, Category, Product, Sku
from core.catalog.service.common import EDITABLE, get_sku, locked_product, sku_label, unusable_reason
from core.catalog.service.payloads import closed_payload, product_payload, sku_payload
from core.catalog.service.settings import get_settings
from core.db import get_or_none, session, utcnow
from core.errors import Conflict, InvalidTransition, ValidationError
from core.events import emit
from core.messages import Msg
from core.numbering import next_value
from core.tenancy import current_actor
from tenants.service import actor_identity, require_separate_approver


def _require_status(product: Product, allowed: tuple[str, ...], action: str, hint: str = "") -> None:
    if product.status not in allowed:
        raise InvalidTransition("product", product.status, action, hint)


def _set_status(product: Product, status: str) -> None:
    assert status in PRODUCT_STATUSES
    product.status = status
    for sku in product.skus:
        sku.status = status


def submit_product(product_id: uuid.UUID | str) -> Product:
    product = locked_product(product_id)
    _require_status(product, EDITABLE, "submit", Msg("catalog.only_submittable"))
    errors = f.Errors()
    if not (product.title_zh or product.title_en):
        errors.add("title_zh", Msg("catalog.title_required"))
    if not product.skus:
        errors.add("skus", Msg("catalog.product_needs_sku"))
    for i, sku in enumerate(product.skus):
        if sku.kit_type and not sku.components:
            errors.add(f"skus.{i}.components", Msg("catalog.kit_needs_component"))
    errors.raise_if_any()
    _set_status(product, "submitted")
    product.submitted_at, product.submitted_by = utcnow(), str(current_actor())[:200]
    product.submitted_by_id = actor_identity()
    product.rejection_reason = None
    session.flush()
    emit("product.submitted", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def withdraw_product(product_id: uuid.UUID | str) -> Product:
    product = locked_product(product_id)
    _require_status(product, ("submitted",), "withdraw", Msg("catalog.only_submitted_withdrawn"))
    _set_status(product, "draft")
    session.flush()
    emit("product.withdrawn", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def approve_product(product_id: uuid.UUID | str) -> Product:
    """Approve a submitted product: blank SPU and SKU codes are generated from the tenant's
    patterns, and its SKUs can be purchased, stocked and sold from now on."""
    product = locked_product(product_id)
    _require_status(product, ("submitted",), "approve", Msg("catalog.only_submitted_approved"))
    require_separate_approver(product.submitted_by_id, "product")
    errors = f.Errors()
    own = {s.id for s in product.skus}
    for i, sku in enumerate(product.skus):
        for j, line in enumerate(sku.components if sku.kit_type else ()):  # only kits have components
            if line.component_sku_id in own:
                continue  # approved together with the kit
            why = unusable_reason(line.component)
            if why:
                errors.add(
                    f"skus.{i}.components.{j}.sku_id",
                    Msg("catalog.component_cannot_used", component=sku_label(line.component), why=why),
                )
    errors.raise_if_any()
    _assign_codes(product)
    now = utcnow()
    _set_status(product, "approved")
    for sku in product.skus:
        sku.approved_at = sku.approved_at or now
    product.reviewed_at, product.reviewed_by = now, str(current_actor())[:200]
    product.rejection_reason = None
    session.flush()
    emit("product.approved", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def _assign_codes(product: Product) -> None:
    settings = get_settings()
    category = get_or_none(Category, product.category_id) if product.category_id else None
    now = utcnow()
    ctx = codes.CodeContext(category=category.code if category else "", when=now)
    try:
        if not product.spu_code:
            product.spu_code = codes.render(settings.spu_pattern, ctx, lambda: next_value("catalog.spu"))
            taken = session.execute(
                select(Product.id).where(Product.spu_code == product.spu_code, Product.id != product.id).limit(1)
            ).first()
            if taken:
                raise Conflict(
                    Msg("catalog.generated_spu_code_already", spu_code=product.spu_code),
                    {"spu_code": [Msg("catalog.code_already_used", code=product.spu_code)]},
                )
        names = [a["name"] for a in product.variant_attributes or []]
        generated: dict[str, int] = {}
        for i, sku in enumerate(product.skus):
            if sku.code:
                generated[sku.code] = -1
                continue
            sku_ctx = codes.CodeContext(
                spu=product.spu_code,
                category=ctx.category,
                position=sku.position,
                option_values=tuple(str(sku.options.get(n, "")) for n in names),
                when=now,
            )
            code = codes.render(settings.sku_pattern, sku_ctx, lambda: next_value("catalog.sku"))
            if code in generated:
                raise Conflict(
                    Msg("catalog.sku_pattern_gives_two", code=code),
                    {f"skus.{i}.code": [Msg("catalog.code_generated_twice", code=code)]},
                )
            generated[code] = i
            sku.code = code
    except codes.PatternError as exc:
        raise ValidationError.field("category_id", exc.args[0]) from None
    new_codes = [c for c, i in generated.items() if i >= 0]
    if new_codes:
        taken = (
            session.execute(select(Sku.code).where(Sku.code.in_(new_codes), Sku.product_id != product.id))
            .scalars()
            .first()
        )
        if taken:
            raise Conflict(
                Msg("catalog.generated_sku_code_already", taken=taken),
                {f"skus.{generated[taken]}.code": [Msg("catalog.code_already_used", code=taken)]},
            )


def reject_product(product_id: uuid.UUID | str, reason: str) -> Product:
    product = locked_product(product_id)
    _require_status(product, ("submitted",), "reject", Msg("catalog.only_submitted_rejected"))
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    errors.raise_if_any()
    _set_status(product, "rejected")
    product.rejection_reason = reason
    product.reviewed_at, product.reviewed_by = utcnow(), str(current_actor())[:200]
    session.flush()
    emit("product.rejected", closed_payload(product, reason), entity_type="product", entity_id=product.id)
    return product


def revise_product(product_id: uuid.UUID | str) -> Product:
    """Reopen an approved product for changes. Until it is approved again its SKUs (which keep
    their codes) cannot be purchased, stocked or sold."""
    product = locked_product(product_id)
    _require_status(product, ("approved",), "revise", Msg("catalog.only_approved_revised"))
    _set_status(product, "draft")
    session.flush()
    emit("product.revised", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def discontinue_product(product_id: uuid.UUID | str, reason: str | None = None) -> Product:
    """Retire a product for good: its SKUs can no longer be purchased, stocked or sold."""
    product = locked_product(product_id)
    _require_status(
        product,
        ("approved", "draft", "rejected"),
        "discontinue",
        Msg("catalog.withdraw_first") if product.status == "submitted" else "",
    )
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000)
    errors.raise_if_any()
    _set_status(product, "discontinued")
    product.discontinued_at = utcnow()
    session.flush()
    emit(
        "product.discontinued",
        closed_payload(product, reason),
        entity_type="product",
        entity_id=product.id,
    )
    return product


def set_sku_active(sku_id: uuid.UUID | str, active: bool) -> Sku:
    """Switch a single variant off (or on again) without a new review."""
    sku = get_sku(sku_id)
    if sku.status == "discontinued":
        raise InvalidTransition("SKU", "discontinued", "activate" if active else "deactivate")
    if sku.active == active:
        raise InvalidTransition("SKU", "active" if active else "inactive", "activate" if active else "deactivate")
    sku.active = active
    session.flush()
    emit("sku.activated" if active else "sku.deactivated", sku_payload(sku), entity_type="sku", entity_id=sku.id)
    return sku
