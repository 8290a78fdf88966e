"""Use cases of the catalogue. Plain Python: services add and flush, the door commits.

For other capabilities (docs/catalog.md, "For other capabilities"): `require_sku`,
`find_sku_by_code`, `kit_components`, `resolve_listing`.

Review workflow of a product:

    draft --submit--> submitted --approve--> approved --discontinue--> discontinued
      ^  <--withdraw--    |                      |
      |                   +--reject--> rejected  |
      +-------------------------revise-----------+   (rejected is edited, then submitted)

Editing (content, variants, images) is possible in draft and rejected only. Approval fixes the
codes: SPU and SKU codes left blank are generated from the tenant's patterns. Only SKUs of an
approved product that are active can be purchased, stocked or sold.
"""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import or_, select

from core.catalog import codes, images
from core.catalog import fields as f
from core.catalog.models import (
    KIT_TYPES,
    PRODUCT_STATUSES,
    CatalogSettings,
    Category,
    KitComponent,
    ListingMapping,
    Product,
    ProductImage,
    Sku,
)
from core.db import get_or_none, session, utcnow, uuid7
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.numbering import next_value
from core.tenancy import current_actor

PURPOSES = {"purchase": "purchased", "stock": "stocked", "sale": "sold"}
EDITABLE = ("draft", "rejected")
MAX_AXES = 5
MAX_VARIANTS = 500


# ---------------------------------------------------------------------------------------------
# For other capabilities


@dataclass(frozen=True)
class ListingResolution:
    """What a channel listing stands for: `quantity` units of the local SKU `sku_id` per unit
    ordered. A bundle listing resolves to a kit SKU (`kit_type` set; see `kit_components`).
    `mapping_id` is None when no mapping exists and the seller SKU equals a local SKU code."""

    sku_id: uuid.UUID
    sku_code: str | None
    quantity: int
    kit_type: str | None
    mapping_id: uuid.UUID | None


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
    reason = _unusable_reason(sku)
    if reason is None and sku.kit_type == "virtual" and purpose in ("purchase", "stock"):
        reason = "it is a virtual kit; its components are"
    if reason is None and sku.kit_type:
        for line in sku.components:
            why = _unusable_reason(line.component)
            if why:
                reason = f"its component {sku_label(line.component)} cannot be used: {why}"
                break
    if reason:
        raise ValidationError.field("sku_id", f"SKU {sku_label(sku)} cannot be {verb}: {reason}")
    return sku


def _unusable_reason(sku: Sku) -> str | None:
    if sku.status != "approved":
        return f"its product is {sku.status}" + ("" if sku.status == "discontinued" else ", not approved")
    if not sku.active:
        return "it is inactive"
    return None


def find_sku_by_code(code: str) -> Sku | None:
    code = (code or "").strip()
    if not code:
        return None
    return session.execute(select(Sku).where(Sku.code == code)).scalar_one_or_none()


def kit_components(sku_id: uuid.UUID | str) -> list[tuple[uuid.UUID, int]]:
    """(component SKU id, units per kit) of a kit; empty for a SKU that is not a kit."""
    sku = get_sku(sku_id)
    if not sku.kit_type:
        return []
    return [(line.component_sku_id, line.quantity) for line in sku.components]


def resolve_listing(connection_id: uuid.UUID | str, seller_sku: str) -> ListingResolution | None:
    """The local SKU a channel listing's seller SKU stands for, or None when unmapped.

    An explicit mapping wins; without one, a local SKU whose code equals the seller SKU is
    used one for one (sellers usually list under their own SKU codes)."""
    seller_sku = (seller_sku or "").strip()
    if not seller_sku:
        return None
    mapping = session.execute(
        select(ListingMapping).where(ListingMapping.connection_id == _uuid(connection_id),
                                     ListingMapping.seller_sku == seller_sku)
    ).scalar_one_or_none()
    if mapping is not None:
        sku = get_sku(mapping.sku_id)
        return ListingResolution(sku.id, sku.code, mapping.quantity, sku.kit_type, mapping.id)
    sku = find_sku_by_code(seller_sku)
    if sku is None:
        return None
    return ListingResolution(sku.id, sku.code, 1, sku.kit_type, None)


def _uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Settings: code patterns


def get_settings() -> CatalogSettings:
    row = session.execute(select(CatalogSettings)).scalar_one_or_none()
    return row if row is not None else CatalogSettings(spu_pattern="SPU{seq:6}", sku_pattern="{spu}-{variant}")


def update_settings(*, spu_pattern: str | None = None, sku_pattern: str | None = None) -> CatalogSettings:
    errors = f.Errors()
    for field, value, kind in (("spu_pattern", spu_pattern, "spu"), ("sku_pattern", sku_pattern, "sku")):
        if value is not None:
            problem = codes.check_pattern(value.strip(), kind)
            if problem:
                errors.add(field, problem)
    errors.raise_if_any()
    row = session.execute(select(CatalogSettings)).scalar_one_or_none()
    if row is None:
        row = get_settings()
        session.add(row)
    if spu_pattern is not None:
        row.spu_pattern = spu_pattern.strip()
    if sku_pattern is not None:
        row.sku_pattern = sku_pattern.strip()
    session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Categories


def list_categories() -> Any:
    return select(Category).order_by(Category.path)


def get_category(category_id: uuid.UUID | str) -> Category:
    row = get_or_none(Category, category_id)
    if row is None:
        raise NotFound("category", category_id)
    return row


def find_category_by_code(code: str) -> Category | None:
    return session.execute(select(Category).where(Category.code == (code or "").strip())).scalar_one_or_none()


def create_category(*, code: str, name_zh: str = "", name_en: str = "",
                    parent_id: uuid.UUID | None = None) -> Category:
    errors = f.Errors()
    clean_code = f.code(errors, "code", code, max_len=32)
    if clean_code is None and "code" not in errors.errors:
        errors.add("code", "is required")
    row = Category(id=uuid7(), code=clean_code or "", name_zh=f.text(errors, "name_zh", name_zh),
                   name_en=f.text(errors, "name_en", name_en))
    if not (row.name_zh or row.name_en):
        errors.add("name_zh", "give a Chinese or an English name")
    parent = _parent(errors, parent_id)
    errors.raise_if_any()
    _ensure_category_code_free(row.code)
    row.parent_id = parent.id if parent else None
    row.path = (parent.path if parent else "/") + row.id.hex + "/"
    session.add(row)
    session.flush()
    emit("category.created", _category_payload(row), entity_type="category", entity_id=row.id)
    return row


def _parent(errors: f.Errors, parent_id: Any) -> Category | None:
    if parent_id in f.EMPTY:
        return None
    parent = get_or_none(Category, parent_id)
    if parent is None:
        errors.add("parent_id", f"no category {parent_id}")
    return parent


def _ensure_category_code_free(code: str, except_id: uuid.UUID | None = None) -> None:
    existing = find_category_by_code(code)
    if existing is not None and existing.id != except_id:
        raise ValidationError.field("code", f"category code {code} is already used")


def update_category(category_id: uuid.UUID, **changes: Any) -> Category:
    row = get_category(category_id)
    errors = f.Errors()
    new_code = row.code
    if "code" in changes:
        new_code = f.code(errors, "code", changes["code"], max_len=32)
        if new_code is None and "code" not in errors.errors:
            errors.add("code", "is required")
    for field in ("name_zh", "name_en"):
        if field in changes:
            setattr(row, field, f.text(errors, field, changes[field]))
    parent = _parent(errors, changes.get("parent_id")) if "parent_id" in changes else None
    if parent is not None and parent.path.startswith(row.path):
        errors.add("parent_id", "a category cannot move under itself or its descendants")
    errors.raise_if_any()
    if new_code != row.code:
        _ensure_category_code_free(new_code, row.id)
        row.code = new_code
    new_parent_id = parent.id if parent else None
    if "parent_id" in changes and new_parent_id != row.parent_id:
        old_path = row.path
        new_path = (parent.path if parent else "/") + row.id.hex + "/"
        for node in session.execute(select(Category).where(Category.path.startswith(old_path))).scalars():
            node.path = new_path + node.path[len(old_path):]
        row.parent_id = new_parent_id
    session.flush()
    emit("category.updated", _category_payload(row), entity_type="category", entity_id=row.id)
    return row


def delete_category(category_id: uuid.UUID) -> None:
    row = get_category(category_id)
    if session.execute(select(Category.id).where(Category.parent_id == row.id).limit(1)).first():
        raise Conflict(f"category {row.code} has subcategories; move or delete them first")
    if session.execute(select(Product.id).where(Product.category_id == row.id).limit(1)).first():
        raise Conflict(f"category {row.code} has products; move them to another category first")
    session.delete(row)
    session.flush()
    emit("category.deleted", {"id": row.id, "code": row.code}, entity_type="category", entity_id=row.id)


def _category_payload(row: Category) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "name_zh": row.name_zh, "name_en": row.name_en,
            "parent_id": row.parent_id}


def category_ids_under(category_id: uuid.UUID | str) -> Any:
    """A subquery of the category and all its descendants."""
    cat = get_category(category_id)
    return select(Category.id).where(Category.path.startswith(cat.path))


# ---------------------------------------------------------------------------------------------
# Products: queries


def _like(q: str) -> str:
    escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def product_query(*, q: str | None = None, status: Iterable[str] | str | None = None,
                  category_id: uuid.UUID | None = None, sku: str | None = None,
                  kit: bool | None = None) -> Any:
    """Products, newest first. `q` matches titles (zh and en, case-insensitive), the SPU code,
    SKU codes and barcodes; `sku` matches SKU codes only; a category includes its descendants."""
    stmt = select(Product)
    if q and q.strip():
        like = _like(q)
        sku_match = select(Sku.product_id).where(or_(Sku.code.ilike(like, escape="\\"),
                                                     Sku.barcode == q.strip()))
        stmt = stmt.where(or_(Product.title_zh.ilike(like, escape="\\"), Product.title_en.ilike(like, escape="\\"),
                              Product.spu_code.ilike(like, escape="\\"), Product.id.in_(sku_match)))
    if sku and sku.strip():
        stmt = stmt.where(Product.id.in_(select(Sku.product_id).where(Sku.code.ilike(_like(sku), escape="\\"))))
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        stmt = stmt.where(Product.status.in_(statuses))
    if category_id:
        stmt = stmt.where(Product.category_id.in_(category_ids_under(category_id)))
    if kit is not None:
        kits = select(Sku.product_id).where(Sku.kit_type.is_not(None))
        stmt = stmt.where(Product.id.in_(kits) if kit else Product.id.not_in(kits))
    return stmt.order_by(Product.created_at.desc(), Product.id.desc())


def sku_query(*, q: str | None = None, code: str | None = None, status: Iterable[str] | str | None = None,
              active: bool | None = None, kit_type: str | None = None, product_id: uuid.UUID | None = None,
              category_id: uuid.UUID | None = None, usable_for: str | None = None) -> Any:
    """SKUs ordered by code. `usable_for` keeps those `require_sku` would accept for that purpose
    (kits whose components became unusable are still listed; require_sku has the last word)."""
    stmt = select(Sku).join(Product, Product.id == Sku.product_id)
    if q and q.strip():
        like = _like(q)
        stmt = stmt.where(or_(Sku.code.ilike(like, escape="\\"), Sku.barcode == q.strip(),
                              Product.title_zh.ilike(like, escape="\\"), Product.title_en.ilike(like, escape="\\"),
                              Product.spu_code.ilike(like, escape="\\")))
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
            raise ValidationError.field("usable_for", f"use one of {', '.join(PURPOSES)}")
        stmt = stmt.where(Sku.status == "approved", Sku.active.is_(True))
        if usable_for in ("purchase", "stock"):
            stmt = stmt.where(or_(Sku.kit_type.is_(None), Sku.kit_type != "virtual"))
    return stmt.order_by(Sku.code, Sku.id)


def get_product(product_id: uuid.UUID | str) -> Product:
    row = get_or_none(Product, product_id)
    if row is None:
        raise NotFound("product", product_id)
    return row


def _locked_product(product_id: uuid.UUID | str) -> Product:
    """The product, its row locked until the transaction ends, so two reviewers never both
    act on the same state."""
    ident = _uuid(product_id)
    row = None
    if ident is not None:
        row = session.execute(
            select(Product).where(Product.id == ident).with_for_update().execution_options(populate_existing=True)
        ).scalar_one_or_none()
    if row is None:
        raise NotFound("product", product_id)
    return row


# ---------------------------------------------------------------------------------------------
# Products: editing

PRODUCT_TEXT = {"title_zh": 500, "title_en": 500, "description_zh": 20000, "description_en": 20000, "brand": 100}
SIZE_GROUPS = {"size": "", "package_size": "package_", "carton_size": "carton_"}
MONEY_FIELDS = ("purchase_price", "sale_price", "market_price")
CUSTOMS_TEXT = {"material": ("material", 200), "name_en": ("customs_name_en", 200),
                "name_zh": ("customs_name_zh", 200)}


def create_product(data: dict[str, Any]) -> Product:
    """Create a product in draft with its SKUs. Without `skus`, the product gets one SKU per
    combination of its variant attributes (or a single SKU when it has none)."""
    product, errors = build_product(data)
    errors.raise_if_any()
    save_new_product(product)
    return product


def build_product(data: dict[str, Any], prefix: str = "",
                  known_codes: dict[str, Sku] | None = None) -> tuple[Product, f.Errors]:
    """A new, unsaved product from input, with every problem collected (the import checks a
    whole file this way before anything is saved; `known_codes` are SKUs built from earlier
    rows of the file, which kits in later rows may name)."""
    errors = f.Errors()
    product = Product(status="draft", attributes={}, variant_attributes=[], title_zh="", title_en="",
                      description_zh="", description_en="", brand="")
    with session.no_autoflush:
        _apply_product(product, data, errors, prefix)
        skus_data = data.get("skus")
        if not skus_data:
            skus_data = [{"options": dict(combo)} for combo in _combinations(product.variant_attributes)] or [{}]
        _sync_skus(product, skus_data, errors, prefix, known_codes)
        _check_product(product, errors, prefix)
    return product, errors


def save_new_product(product: Product) -> None:
    session.add(product)
    session.flush()
    emit("product.created", product_payload(product), entity_type="product", entity_id=product.id)


def update_product(product_id: uuid.UUID | str, data: dict[str, Any]) -> Product:
    """Change a product in draft or rejected. `skus`, when given, is the complete list of
    variants: items with an `id` update that SKU, items without one add a SKU, and SKUs left out
    are removed (unless they were approved before: deactivate those instead)."""
    product = _locked_product(product_id)
    _require_editable(product)
    errors = f.Errors()
    with session.no_autoflush:
        _apply_product(product, data, errors)
        if "skus" in data:
            if not data["skus"]:
                errors.add("skus", "a product needs at least one SKU")
            else:
                _sync_skus(product, data["skus"], errors)
        _check_product(product, errors)
    errors.raise_if_any()
    session.flush()
    emit("product.updated", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def update_sku(sku_id: uuid.UUID | str, data: dict[str, Any]) -> Sku:
    """Change one SKU of a product in draft or rejected."""
    sku = get_sku(sku_id)
    product = _locked_product(sku.product_id)
    _require_editable(product, "edit a SKU of")
    errors = f.Errors()
    with session.no_autoflush:
        _apply_sku(sku, data, errors, "")
        _check_product(product, errors, sku_prefix=lambda s: "" if s is sku else None)
    errors.raise_if_any()
    session.flush()
    emit("product.updated", product_payload(product), entity_type="product", entity_id=product.id)
    return sku


def generate_variants(product_id: uuid.UUID | str, defaults: dict[str, Any] | None = None) -> list[Sku]:
    """Add a SKU for every combination of the variant attributes that has none yet, filled
    from `defaults` (weights, sizes, prices, customs...). Returns the new SKUs."""
    product = _locked_product(product_id)
    _require_editable(product, "add variants to")
    if not product.variant_attributes:
        raise ValidationError.field("variant_attributes", "define variant attributes (e.g. colour, size) first")
    existing = {_options_key(product, s.options) for s in product.skus}
    base = {k: v for k, v in (defaults or {}).items() if k not in ("id", "code", "barcode", "options")}
    errors = f.Errors()
    added: list[Sku] = []
    with session.no_autoflush:
        for combo in _combinations(product.variant_attributes):
            if _options_key(product, dict(combo)) in existing:
                continue
            sku = _new_sku(product)
            _apply_sku(sku, {**base, "options": dict(combo)}, errors, "defaults.")
            added.append(sku)
        _check_product(product, errors)
    errors.raise_if_any()
    session.flush()
    if added:
        emit("product.updated", product_payload(product), entity_type="product", entity_id=product.id)
    return added


def delete_product(product_id: uuid.UUID | str) -> None:
    """Delete a product that never got approved (an approved one is discontinued instead)."""
    product = _locked_product(product_id)
    if product.status not in EDITABLE or any(s.approved_at for s in product.skus):
        raise InvalidTransition("product", product.status, "delete",
                                "only never-approved drafts can be deleted; discontinue the product instead")
    for sku in product.skus:
        _ensure_sku_unreferenced(sku, "delete the product")
    for image in product.images:
        images.forget_file(image)
    payload = product_payload(product)
    session.delete(product)
    session.flush()
    emit("product.deleted", payload, entity_type="product", entity_id=product.id)


def _require_editable(product: Product, action: str = "edit") -> None:
    if product.status not in EDITABLE:
        hint = "only drafts and rejected products can be changed"
        if product.status == "approved":
            hint += "; revise it to make changes"
        elif product.status == "submitted":
            hint += "; withdraw it or wait for the review"
        raise InvalidTransition("product", product.status, action, hint)


def _apply_product(product: Product, data: dict[str, Any], errors: f.Errors, prefix: str = "") -> None:
    for field, max_len in PRODUCT_TEXT.items():
        if field in data:
            setattr(product, field, f.text(errors, prefix + field, data[field], max_len=max_len))
    if "spu_code" in data:
        new = f.code(errors, prefix + "spu_code", data["spu_code"])
        if new != product.spu_code and any(s.approved_at for s in product.skus):
            errors.add(prefix + "spu_code", "cannot change once the product was approved")
        else:
            product.spu_code = new
    if "category_id" in data:
        value = data["category_id"]
        if value in f.EMPTY:
            product.category_id = None
        elif get_or_none(Category, value) is None:
            errors.add(prefix + "category_id", f"no category {value}")
        else:
            product.category_id = _uuid(value)
    if "attributes" in data:
        product.attributes = _clean_attributes(errors, prefix + "attributes", data["attributes"])
    if "variant_attributes" in data:
        product.variant_attributes = _clean_axes(errors, prefix + "variant_attributes", data["variant_attributes"])


def _clean_attributes(errors: f.Errors, field: str, value: Any) -> dict[str, str]:
    if value in f.EMPTY:
        return {}
    if not isinstance(value, dict):
        errors.add(field, 'use an object of names and values, e.g. {"material": "cotton"}')
        return {}
    if len(value) > 100:
        errors.add(field, "use at most 100 attributes")
    out: dict[str, str] = {}
    for key, val in value.items():
        name = f.text(errors, f"{field}.{key}", key, max_len=100)
        if not name:
            errors.add(field, "attribute names cannot be empty")
            continue
        out[name] = f.text(errors, f"{field}.{key}", val, max_len=1000)
    return out


def _clean_axes(errors: f.Errors, field: str, value: Any) -> list[dict[str, Any]]:
    if value in f.EMPTY:
        return []
    if not isinstance(value, list):
        errors.add(field, 'use a list like [{"name": "colour", "values": ["Red", "Blue"]}]')
        return []
    if len(value) > MAX_AXES:
        errors.add(field, f"use at most {MAX_AXES} variant attributes")
    axes: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, axis in enumerate(value):
        path = f"{field}.{i}"
        if not isinstance(axis, dict):
            errors.add(path, 'use {"name": ..., "values": [...]}')
            continue
        name = f.text(errors, f"{path}.name", axis.get("name"), max_len=50, required=True)
        if name and name.lower() in names:
            errors.add(f"{path}.name", f"{name} is listed twice")
        names.add(name.lower())
        raw_values = axis.get("values") or []
        if not isinstance(raw_values, list) or not raw_values:
            errors.add(f"{path}.values", "list at least one value")
            raw_values = []
        values: list[str] = []
        for j, raw in enumerate(raw_values):
            val = f.text(errors, f"{path}.values.{j}", raw, max_len=100, required=True)
            if val in values:
                errors.add(f"{path}.values.{j}", f"{val} is listed twice")
            elif val:
                values.append(val)
        axes.append({"name": name, "values": values})
    total = 1
    for axis in axes:
        total *= max(1, len(axis["values"]))
    if total > MAX_VARIANTS:
        errors.add(field, f"these attributes make {total} variants; at most {MAX_VARIANTS} are allowed")
    return axes


def _combinations(axes: list[dict[str, Any]]) -> list[tuple[tuple[str, str], ...]]:
    if not axes or any(not a["values"] for a in axes):
        return []
    return [tuple(zip([a["name"] for a in axes], combo))
            for combo in itertools.product(*[a["values"] for a in axes])]


def _options_key(product: Product, options: dict[str, Any]) -> tuple:
    return tuple((a["name"], (options or {}).get(a["name"])) for a in product.variant_attributes)


def _new_sku(product: Product) -> Sku:
    sku = Sku(status=product.status, active=True, options={},
              position=max((s.position for s in product.skus), default=0) + 1)
    product.skus.append(sku)
    return sku


def _sync_skus(product: Product, items: Any, errors: f.Errors, prefix: str = "",
               known_codes: dict[str, Sku] | None = None) -> None:
    if not isinstance(items, list):
        errors.add(prefix + "skus", "use a list of SKUs")
        return
    if len(items) > MAX_VARIANTS:
        errors.add(prefix + "skus", f"use at most {MAX_VARIANTS} SKUs per product")
        return
    by_id = {s.id: s for s in product.skus if s.id is not None}
    keep: list[Sku] = []
    for i, item in enumerate(items):
        path = f"{prefix}skus.{i}."
        if not isinstance(item, dict):
            errors.add(path[:-1], "use an object")
            continue
        if item.get("id") not in f.EMPTY:
            sku = by_id.get(_uuid(item["id"]))
            if sku is None:
                errors.add(path + "id", f"{item['id']} is not a SKU of this product")
                continue
        else:
            sku = Sku(status=product.status, active=True, options={})
        sku.position = i + 1
        keep.append(sku)
        _apply_sku(sku, {k: v for k, v in item.items() if k != "id"}, errors, path, known_codes)
    for sku in list(product.skus):
        if sku not in keep:
            if sku.approved_at is not None:
                errors.add(prefix + "skus", f"SKU {sku.code} was approved before and cannot be removed; "
                                            "deactivate it instead")
                keep.append(sku)
                continue
            try:
                _ensure_sku_unreferenced(sku, "remove it")
            except Conflict as exc:
                errors.add(prefix + "skus", exc.message)
                keep.append(sku)
    product.skus = keep


def _ensure_sku_unreferenced(sku: Sku, action: str) -> None:
    if sku.id is None:
        return
    label = sku_label(sku)
    if session.execute(select(KitComponent.id).where(KitComponent.component_sku_id == sku.id,
                                                     KitComponent.kit_sku_id != sku.id).limit(1)).first():
        raise Conflict(f"SKU {label} is a component of a kit; cannot {action}")
    if session.execute(select(ListingMapping.id).where(ListingMapping.sku_id == sku.id).limit(1)).first():
        raise Conflict(f"SKU {label} has channel listing mappings; cannot {action}")


def _apply_sku(sku: Sku, data: dict[str, Any], errors: f.Errors, path: str,
               known_codes: dict[str, Sku] | None = None) -> None:
    if "code" in data:
        new = f.code(errors, path + "code", data["code"])
        if sku.approved_at is not None and new != sku.code:
            errors.add(path + "code", "cannot change once the SKU was approved")
        else:
            sku.code = new
    if "options" in data:
        options = data["options"] or {}
        if not isinstance(options, dict):
            errors.add(path + "options", 'use an object like {"colour": "Red"}')
        else:
            sku.options = {f.text(errors, path + "options", k, max_len=50): f.text(errors, path + "options", v,
                                                                                  max_len=100)
                           for k, v in options.items()}
    if "barcode" in data:
        sku.barcode = f.barcode(errors, path + "barcode", data["barcode"])
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors.add(path + "active", "use true or false")
        else:
            sku.active = data["active"]
    for field in ("net_weight_g", "gross_weight_g", "carton_weight_g"):
        if field in data:
            setattr(sku, field, f.integer(errors, path + field, data[field], maximum=100_000_000))
    if "units_per_carton" in data:
        sku.units_per_carton = f.integer(errors, path + "units_per_carton", data["units_per_carton"], minimum=1,
                                         maximum=1_000_000)
    for group, col_prefix in SIZE_GROUPS.items():
        if group not in data:
            continue
        value = data[group] or {}
        if not isinstance(value, dict):
            errors.add(path + group, 'use {"length_cm": ..., "width_cm": ..., "height_cm": ...}')
            continue
        for dim in ("length_cm", "width_cm", "height_cm"):
            if dim in value or not data[group]:
                setattr(sku, col_prefix + dim, f.decimal(errors, f"{path}{group}.{dim}", value.get(dim), places=2,
                                                         max_digits=10))
    for field in MONEY_FIELDS:
        if field in data:
            amount, currency = f.money_pair(errors, path + field, data[field])
            setattr(sku, field, amount)
            setattr(sku, field.replace("_price", "_currency"), currency)
    for field in ("input_vat_rate", "output_vat_rate"):
        if field in data:
            setattr(sku, field, f.vat_rate(errors, path + field, data[field]))
    if "customs" in data:
        _apply_customs(sku, data["customs"], errors, path + "customs.")
    if "kit_type" in data:
        sku.kit_type = f.choice(errors, path + "kit_type", data["kit_type"], KIT_TYPES)
    if "components" in data:
        _apply_components(sku, data["components"], errors, path + "components", known_codes or {})
    if sku.net_weight_g is not None and sku.gross_weight_g is not None and sku.gross_weight_g < sku.net_weight_g:
        errors.add(path + "gross_weight_g", "cannot be less than the net weight")
    if sku.components and not sku.kit_type:
        errors.add(path + "kit_type", "set physical or virtual: only kits have components")


def _apply_customs(sku: Sku, value: Any, errors: f.Errors, path: str) -> None:
    if value in f.EMPTY:
        value = {k: None for k in ("hs_code", "origin_country", "declared_value", *CUSTOMS_TEXT)}
    if not isinstance(value, dict):
        errors.add(path[:-1], "use an object with hs_code, origin_country, declared_value, material, name_en")
        return
    unknown = set(value) - {"hs_code", "origin_country", "declared_value", *CUSTOMS_TEXT}
    for key in sorted(unknown):
        errors.add(path + key, "unknown field")
    if "hs_code" in value:
        sku.hs_code = f.hs_code(errors, path + "hs_code", value["hs_code"])
    if "origin_country" in value:
        sku.origin_country = f.country(errors, path + "origin_country", value["origin_country"])
    if "declared_value" in value:
        sku.declared_value, sku.declared_currency = f.money_pair(errors, path + "declared_value",
                                                                 value["declared_value"])
    for key, (column, max_len) in CUSTOMS_TEXT.items():
        if key in value:
            setattr(sku, column, f.optional_text(errors, path + key, value[key], max_len=max_len))


def _apply_components(sku: Sku, value: Any, errors: f.Errors, path: str, known_codes: dict[str, Sku]) -> None:
    if value in f.EMPTY:
        sku.components = []
        return
    if not isinstance(value, list):
        errors.add(path, 'use a list like [{"sku_id": "...", "quantity": 2}]')
        return
    lines: list[KitComponent] = []
    seen: set[Any] = set()
    existing = {line.component_sku_id: line for line in sku.components}
    for i, item in enumerate(value):
        item_path = f"{path}.{i}."
        if not isinstance(item, dict):
            errors.add(path + f".{i}", 'use {"sku_id": ..., "quantity": n}')
            continue
        quantity = f.integer(errors, item_path + "quantity", item.get("quantity"), minimum=1, maximum=10_000,
                             required=True)
        component = _component_sku(errors, item_path, item, known_codes)
        if component is None or quantity is None:
            continue
        if component is sku or (sku.id is not None and component.id == sku.id):
            errors.add(item_path + "sku_id", "a kit cannot contain itself")
            continue
        if component.kit_type:
            errors.add(item_path + "sku_id", f"SKU {sku_label(component)} is itself a kit; list its components")
            continue
        if component.status == "discontinued":
            errors.add(item_path + "sku_id", f"SKU {sku_label(component)} is discontinued")
            continue
        key = component.id or id(component)  # SKUs named by an import file have no id yet
        if key in seen:
            errors.add(item_path + "sku_id", f"SKU {sku_label(component)} is listed twice")
            continue
        seen.add(key)
        line = existing.get(component.id) or KitComponent(component_sku_id=component.id, component=component)
        line.quantity, line.position = quantity, i + 1
        lines.append(line)
    sku.components = lines


def _component_sku(errors: f.Errors, path: str, item: dict[str, Any], known_codes: dict[str, Sku]) -> Sku | None:
    """A component is named by `sku_id` or, in files, by `sku_code`."""
    if item.get("sku_id") not in f.EMPTY:
        component = get_or_none(Sku, item["sku_id"])
        if component is None:
            errors.add(path + "sku_id", f"no SKU {item['sku_id']}")
        return component
    if item.get("sku_code") not in f.EMPTY:
        component = known_codes.get(str(item["sku_code"])) or find_sku_by_code(str(item["sku_code"]))
        if component is None:
            errors.add(path + "sku_code", f"no SKU with code {item['sku_code']}")
        return component
    errors.add(path + "sku_id", "is required")
    return None


def _check_product(product: Product, errors: f.Errors, prefix: str = "", sku_prefix: Any = None) -> None:
    """Rules across fields and rows: variant options fit the axes, codes and barcodes are
    unique in the product and in the tenant."""
    def where(i: int, sku: Sku) -> str | None:
        if sku_prefix is not None:
            return sku_prefix(sku)
        return f"{prefix}skus.{i}."

    axes = product.variant_attributes or []
    names = [a["name"] for a in axes]
    seen_options: dict[tuple, int] = {}
    for i, sku in enumerate(product.skus):
        path = where(i, sku)
        if path is None:
            continue
        options = sku.options or {}
        if not axes and options:
            errors.add(path + "options", "the product has no variant attributes")
        elif axes:
            if sorted(options) != sorted(names):
                errors.add(path + "options", f"give a value for each of {', '.join(names)}")
            else:
                for axis in axes:
                    if options[axis["name"]] not in axis["values"]:
                        errors.add(path + "options", f"{options[axis['name']]} is not a value of {axis['name']}")
                key = _options_key(product, options)
                if key in seen_options:
                    errors.add(path + "options", f"the same options as SKU {seen_options[key] + 1}")
                seen_options.setdefault(key, i)
    for column, label in (("code", "SKU code"), ("barcode", "barcode")):
        values: dict[str, int] = {}
        for i, sku in enumerate(product.skus):
            value = getattr(sku, column)
            if value is None:
                continue
            if value in values and where(i, sku) is not None:
                errors.add(where(i, sku) + column, f"{label} {value} is used twice in this product")
            values.setdefault(value, i)
        if values:
            own = [s.id for s in product.skus if s.id is not None]
            stmt = select(getattr(Sku, column)).where(getattr(Sku, column).in_(list(values)))
            if own:
                stmt = stmt.where(Sku.id.not_in(own))
            for taken in session.execute(stmt).scalars():
                i = values[taken]
                path = where(i, product.skus[i])
                if path is not None:
                    errors.add(path + column, f"{label} {taken} is already used by another SKU")
    if product.spu_code:
        stmt = select(Product.id).where(Product.spu_code == product.spu_code)
        if product.id is not None:
            stmt = stmt.where(Product.id != product.id)
        if session.execute(stmt.limit(1)).first():
            errors.add(prefix + "spu_code", f"SPU code {product.spu_code} is already used by another product")


# ---------------------------------------------------------------------------------------------
# Products: images (content, so editable like the rest)


def get_image(product_id: uuid.UUID | str, image_id: uuid.UUID) -> ProductImage:
    for image in get_product(product_id).images:
        if image.id == image_id:
            return image
    raise NotFound("image", image_id)


def add_image_file(product_id: uuid.UUID | str, stream: Any, filename: str | None,
                   sku_id: uuid.UUID | None = None) -> ProductImage:
    product = _locked_product(product_id)
    _require_editable(product, "change images of")
    return images.add_upload(product, stream, filename, sku_id)


def add_image_url(product_id: uuid.UUID | str, url: str, sku_id: uuid.UUID | None = None) -> ProductImage:
    product = _locked_product(product_id)
    _require_editable(product, "change images of")
    return images.add_url(product, url, sku_id)


def remove_image(product_id: uuid.UUID | str, image_id: uuid.UUID) -> None:
    product = _locked_product(product_id)
    _require_editable(product, "change images of")
    images.remove(product, get_image(product.id, image_id))


# ---------------------------------------------------------------------------------------------
# Products: review workflow


def _require_status(product: Product, allowed: tuple[str, ...], action: str, hint: str = "") -> None:
    if product.status not in allowed:
        raise InvalidTransition("product", product.status, action, hint)


def _set_status(product: Product, status: str) -> None:
    assert status in PRODUCT_STATUSES
    product.status = status
    for sku in product.skus:
        sku.status = status


def submit_product(product_id: uuid.UUID | str) -> Product:
    product = _locked_product(product_id)
    _require_status(product, EDITABLE, "submit", "only drafts and rejected products can be submitted")
    errors = f.Errors()
    if not (product.title_zh or product.title_en):
        errors.add("title_zh", "give a Chinese or an English title")
    if not product.skus:
        errors.add("skus", "a product needs at least one SKU")
    for i, sku in enumerate(product.skus):
        if sku.kit_type and not sku.components:
            errors.add(f"skus.{i}.components", "a kit needs at least one component")
    errors.raise_if_any()
    _set_status(product, "submitted")
    product.submitted_at, product.submitted_by = utcnow(), str(current_actor())[:200]
    product.rejection_reason = None
    session.flush()
    emit("product.submitted", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def withdraw_product(product_id: uuid.UUID | str) -> Product:
    product = _locked_product(product_id)
    _require_status(product, ("submitted",), "withdraw", "only submitted products can be withdrawn")
    _set_status(product, "draft")
    session.flush()
    emit("product.withdrawn", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def approve_product(product_id: uuid.UUID | str) -> Product:
    """Approve a submitted product: blank SPU and SKU codes are generated from the tenant's
    patterns, and its SKUs can be purchased, stocked and sold from now on."""
    product = _locked_product(product_id)
    _require_status(product, ("submitted",), "approve", "only submitted products can be approved")
    errors = f.Errors()
    own = {s.id for s in product.skus}
    for i, sku in enumerate(product.skus):
        for j, line in enumerate(sku.components if sku.kit_type else ()):  # only kits have components
            if line.component_sku_id in own:
                continue  # approved together with the kit
            why = _unusable_reason(line.component)
            if why:
                errors.add(f"skus.{i}.components.{j}.sku_id",
                           f"component {sku_label(line.component)} cannot be used: {why}")
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
            taken = session.execute(select(Product.id).where(Product.spu_code == product.spu_code,
                                                             Product.id != product.id).limit(1)).first()
            if taken:
                raise Conflict(f"the generated SPU code {product.spu_code} is already used; "
                               "give the product its own SPU code or change the SPU pattern",
                               {"spu_code": [f"{product.spu_code} is already used"]})
        names = [a["name"] for a in product.variant_attributes or []]
        generated: dict[str, int] = {}
        for i, sku in enumerate(product.skus):
            if sku.code:
                generated[sku.code] = -1
                continue
            sku_ctx = codes.CodeContext(spu=product.spu_code, category=ctx.category, position=sku.position,
                                        option_values=tuple(str(sku.options.get(n, "")) for n in names), when=now)
            code = codes.render(settings.sku_pattern, sku_ctx, lambda: next_value("catalog.sku"))
            if code in generated:
                raise Conflict(f"the SKU pattern gives two variants the code {code}; "
                               "give them their own codes or change the SKU pattern",
                               {f"skus.{i}.code": [f"{code} is generated twice"]})
            generated[code] = i
            sku.code = code
    except codes.PatternError as exc:
        raise ValidationError.field("category_id", str(exc)) from None
    new_codes = [c for c, i in generated.items() if i >= 0]
    if new_codes:
        taken = session.execute(select(Sku.code).where(Sku.code.in_(new_codes), Sku.product_id != product.id)
                                ).scalars().first()
        if taken:
            raise Conflict(f"the generated SKU code {taken} is already used by another SKU; "
                           "give the variant its own code or change the SKU pattern",
                           {f"skus.{generated[taken]}.code": [f"{taken} is already used"]})


def reject_product(product_id: uuid.UUID | str, reason: str) -> Product:
    product = _locked_product(product_id)
    _require_status(product, ("submitted",), "reject", "only submitted products can be rejected")
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000, required=True)
    errors.raise_if_any()
    _set_status(product, "rejected")
    product.rejection_reason = reason
    product.reviewed_at, product.reviewed_by = utcnow(), str(current_actor())[:200]
    session.flush()
    emit("product.rejected", {**product_payload(product), "reason": reason},
         entity_type="product", entity_id=product.id)
    return product


def revise_product(product_id: uuid.UUID | str) -> Product:
    """Reopen an approved product for changes. Until it is approved again its SKUs (which keep
    their codes) cannot be purchased, stocked or sold."""
    product = _locked_product(product_id)
    _require_status(product, ("approved",), "revise", "only approved products can be revised")
    _set_status(product, "draft")
    session.flush()
    emit("product.revised", product_payload(product), entity_type="product", entity_id=product.id)
    return product


def discontinue_product(product_id: uuid.UUID | str, reason: str | None = None) -> Product:
    """Retire a product for good: its SKUs can no longer be purchased, stocked or sold."""
    product = _locked_product(product_id)
    _require_status(product, ("approved", "draft", "rejected"), "discontinue",
                    "withdraw a submitted product first" if product.status == "submitted" else "")
    errors = f.Errors()
    reason = f.text(errors, "reason", reason, max_len=2000)
    errors.raise_if_any()
    _set_status(product, "discontinued")
    product.discontinued_at = utcnow()
    session.flush()
    emit("product.discontinued", {**product_payload(product), "reason": reason},
         entity_type="product", entity_id=product.id)
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


def sku_payload(sku: Sku) -> dict[str, Any]:
    return {"id": sku.id, "code": sku.code, "product_id": sku.product_id, "options": sku.options,
            "status": sku.status, "active": sku.active, "kit_type": sku.kit_type, "barcode": sku.barcode,
            # Only kits have components (checked on save): no query per ordinary SKU.
            "components": [{"sku_id": c.component_sku_id, "quantity": c.quantity}
                           for c in (sku.components if sku.kit_type else ())]}


def product_payload(product: Product) -> dict[str, Any]:
    return {"id": product.id, "spu_code": product.spu_code, "status": product.status,
            "title_zh": product.title_zh, "title_en": product.title_en, "category_id": product.category_id,
            "skus": [sku_payload(s) for s in product.skus]}


# ---------------------------------------------------------------------------------------------
# Listing mappings


def mapping_query(*, connection_id: uuid.UUID | None = None, sku_id: uuid.UUID | None = None,
                  q: str | None = None) -> Any:
    stmt = select(ListingMapping)
    if connection_id:
        stmt = stmt.where(ListingMapping.connection_id == connection_id)
    if sku_id:
        stmt = stmt.where(ListingMapping.sku_id == sku_id)
    if q and q.strip():
        stmt = stmt.where(ListingMapping.seller_sku.ilike(_like(q), escape="\\"))
    return stmt.order_by(ListingMapping.seller_sku, ListingMapping.id)


def get_mapping(mapping_id: uuid.UUID | str) -> ListingMapping:
    row = get_or_none(ListingMapping, mapping_id)
    if row is None:
        raise NotFound("listing mapping", mapping_id)
    return row


def create_mapping(*, connection_id: uuid.UUID, seller_sku: str, sku_id: uuid.UUID, quantity: int = 1,
                   note: str = "") -> ListingMapping:
    errors = f.Errors()
    seller = f.text(errors, "seller_sku", seller_sku, max_len=200, required=True)
    qty = f.integer(errors, "quantity", quantity, minimum=1, maximum=10_000, required=True)
    note = f.text(errors, "note", note, max_len=500)
    _channel_connection(errors, connection_id)
    sku = _mappable_sku(errors, sku_id)
    errors.raise_if_any()
    existing = session.execute(select(ListingMapping).where(ListingMapping.connection_id == connection_id,
                                                            ListingMapping.seller_sku == seller)).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"seller SKU {seller} is already mapped to SKU {sku_label(get_sku(existing.sku_id))} "
                       "on this connection", {"seller_sku": ["already mapped"]})
    row = ListingMapping(connection_id=connection_id, seller_sku=seller, sku_id=sku.id, quantity=qty, note=note)
    session.add(row)
    session.flush()
    emit("listing.mapped", _mapping_payload(row, sku), entity_type="listing_mapping", entity_id=row.id)
    return row


def update_mapping(mapping_id: uuid.UUID, **changes: Any) -> ListingMapping:
    row = get_mapping(mapping_id)
    errors = f.Errors()
    sku = get_sku(row.sku_id)
    if "sku_id" in changes:
        sku = _mappable_sku(errors, changes["sku_id"])
    if "quantity" in changes:
        qty = f.integer(errors, "quantity", changes["quantity"], minimum=1, maximum=10_000, required=True)
    if "note" in changes:
        note = f.text(errors, "note", changes["note"], max_len=500)
    errors.raise_if_any()
    row.sku_id = sku.id
    if "quantity" in changes:
        row.quantity = qty
    if "note" in changes:
        row.note = note
    session.flush()
    emit("listing.remapped", _mapping_payload(row, sku), entity_type="listing_mapping", entity_id=row.id)
    return row


def delete_mapping(mapping_id: uuid.UUID) -> None:
    row = get_mapping(mapping_id)
    payload = _mapping_payload(row, get_sku(row.sku_id))
    session.delete(row)
    session.flush()
    emit("listing.unmapped", payload, entity_type="listing_mapping", entity_id=row.id)


def _channel_connection(errors: f.Errors, connection_id: Any) -> None:
    from tenants.models import PluginConnection

    conn = get_or_none(PluginConnection, connection_id)
    if conn is None:
        errors.add("connection_id", f"no connection {connection_id}")
    elif conn.kind != "channel":
        errors.add("connection_id", f"{conn.display_name} is a {conn.kind} connection, not a sales channel")


def _mappable_sku(errors: f.Errors, sku_id: Any) -> Sku | None:
    sku = get_or_none(Sku, sku_id)
    if sku is None:
        errors.add("sku_id", f"no SKU {sku_id}")
    elif sku.status == "discontinued":
        errors.add("sku_id", f"SKU {sku_label(sku)} is discontinued")
    return sku


def _mapping_payload(row: ListingMapping, sku: Sku) -> dict[str, Any]:
    return {"id": row.id, "connection_id": row.connection_id, "seller_sku": row.seller_sku, "sku_id": sku.id,
            "sku_code": sku.code, "quantity": row.quantity, "kit_type": sku.kit_type}
