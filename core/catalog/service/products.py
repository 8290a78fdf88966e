"""Editing products, their SKUs (variants, kits, customs) and images, in draft and rejected."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy import select

from core import validation as f
from core.catalog import images
from core.catalog.models import KIT_TYPES, Category, KitComponent, ListingMapping, Product, ProductImage, Sku
from core.catalog.service.common import (
    EDITABLE,
    as_uuid,
    find_sku_by_code,
    get_product,
    get_sku,
    locked_product,
    require_editable,
    sku_label,
)
from core.catalog.service.payloads import product_payload
from core.db import get_or_none, session
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.messages import Msg, msg

MAX_AXES = 5
MAX_VARIANTS = 500
PRODUCT_TEXT = {"title_zh": 500, "title_en": 500, "description_zh": 20000, "description_en": 20000, "brand": 100}
SIZE_GROUPS = {"size": "", "package_size": "package_", "carton_size": "carton_"}
MONEY_FIELDS = ("purchase_price", "sale_price", "market_price")
CUSTOMS_TEXT = {"material": ("material", 200), "name_en": ("customs_name_en", 200), "name_zh": ("customs_name_zh", 200)}


def create_product(data: dict[str, Any]) -> Product:
    """Create a product in draft with its SKUs. Without `skus`, the product gets one SKU per
    combination of its variant attributes (or a single SKU when it has none)."""
    product, errors = build_product(data)
    errors.raise_if_any()
    save_new_product(product)
    return product


def build_product(
    data: dict[str, Any], prefix: str = "", known_codes: dict[str, Sku] | None = None
) -> tuple[Product, f.Errors]:
    """A new, unsaved product from input, with every problem collected (the import checks a
    whole file this way before anything is saved; `known_codes` are SKUs built from earlier
    rows of the file, which kits in later rows may name)."""
    errors = f.Errors()
    product = Product(
        status="draft",
        attributes={},
        variant_attributes=[],
        title_zh="",
        title_en="",
        description_zh="",
        description_en="",
        brand="",
    )
    with session.no_autoflush:
        _apply_product(product, data, errors, prefix)
        _require_title(product, errors, prefix)
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
    product = locked_product(product_id)
    require_editable(product)
    errors = f.Errors()
    with session.no_autoflush:
        _apply_product(product, data, errors)
        _require_title(product, errors)
        if "skus" in data:
            if not data["skus"]:
                errors.add("skus", Msg("catalog.product_needs_sku"))
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
    product = locked_product(sku.product_id)
    require_editable(product, "edit a SKU of")
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
    product = locked_product(product_id)
    require_editable(product, "add variants to")
    if not product.variant_attributes:
        raise ValidationError.field("variant_attributes", Msg("catalog.define_variant_attributes"))
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
    product = locked_product(product_id)
    if product.status not in EDITABLE or any(s.approved_at for s in product.skus):
        raise InvalidTransition(
            "product",
            product.status,
            "delete",
            Msg("catalog.only_drafts_deleted"),
        )
    for sku in product.skus:
        _ensure_sku_unreferenced(sku, "delete the product")
    for image in product.images:
        images.forget_file(image)
    payload = product_payload(product)
    session.delete(product)
    session.flush()
    emit("product.deleted", payload, entity_type="product", entity_id=product.id)


def _apply_product(product: Product, data: dict[str, Any], errors: f.Errors, prefix: str = "") -> None:
    for field, max_len in PRODUCT_TEXT.items():
        if field in data:
            setattr(product, field, f.text(errors, prefix + field, data[field], max_len=max_len))
    if "spu_code" in data:
        new = f.code(errors, prefix + "spu_code", data["spu_code"])
        if new != product.spu_code and any(s.approved_at for s in product.skus):
            errors.add(prefix + "spu_code", Msg("catalog.spu_code_fixed"))
        else:
            product.spu_code = new
    if "category_id" in data:
        value = data["category_id"]
        if value in f.EMPTY:
            product.category_id = None
        elif get_or_none(Category, value) is None:
            errors.add(prefix + "category_id", Msg("catalog.no_category_2", value=value))
        else:
            product.category_id = as_uuid(value)
    if "attributes" in data:
        product.attributes = _clean_attributes(errors, prefix + "attributes", data["attributes"])
    if "variant_attributes" in data:
        product.variant_attributes = _clean_axes(errors, prefix + "variant_attributes", data["variant_attributes"])


def _require_title(product: Product, errors: f.Errors, prefix: str = "") -> None:
    """An untitled product is not a draft: it needs its name in Chinese or English."""
    if not (product.title_zh or product.title_en) and not errors.errors.get(prefix + "title_zh"):
        errors.add(prefix + "title_zh", msg("title_required"))
        errors.add(prefix + "title_en", msg("title_required"))


def _clean_attributes(errors: f.Errors, field: str, value: Any) -> dict[str, str]:
    if value in f.EMPTY:
        return {}
    if not isinstance(value, dict):
        errors.add(field, Msg("catalog.attributes_shape"))
        return {}
    if len(value) > 100:
        errors.add(field, Msg("catalog.at_most_attributes"))
    out: dict[str, str] = {}
    for key, val in value.items():
        name = f.text(errors, f"{field}.{key}", key, max_len=100)
        if not name:
            errors.add(field, Msg("catalog.attribute_name_empty"))
            continue
        out[name] = f.text(errors, f"{field}.{key}", val, max_len=1000)
    return out


def _clean_axes(errors: f.Errors, field: str, value: Any) -> list[dict[str, Any]]:
    if value in f.EMPTY:
        return []
    if not isinstance(value, list):
        errors.add(field, Msg("catalog.variant_attributes_shape"))
        return []
    if len(value) > MAX_AXES:
        errors.add(field, Msg("catalog.use_at_most_variant", max_axes=MAX_AXES))
    axes: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, axis in enumerate(value):
        path = f"{field}.{i}"
        if not isinstance(axis, dict):
            errors.add(path, Msg("catalog.variant_attribute_shape"))
            continue
        name = f.text(errors, f"{path}.name", axis.get("name"), max_len=50, required=True)
        if name and name.lower() in names:
            errors.add(f"{path}.name", Msg("catalog.listed_twice", name=name))
        names.add(name.lower())
        raw_values = axis.get("values") or []
        if not isinstance(raw_values, list) or not raw_values:
            errors.add(f"{path}.values", Msg("catalog.list_one_value"))
            raw_values = []
        values: list[str] = []
        for j, raw in enumerate(raw_values):
            val = f.text(errors, f"{path}.values.{j}", raw, max_len=100, required=True)
            if val in values:
                errors.add(f"{path}.values.{j}", Msg("catalog.listed_twice_2", val=val))
            elif val:
                values.append(val)
        axes.append({"name": name, "values": values})
    total = 1
    for axis in axes:
        total *= max(1, len(axis["values"]))
    if total > MAX_VARIANTS:
        errors.add(field, Msg("catalog.these_attributes_make_variants", total=total, max_variants=MAX_VARIANTS))
    return axes


def _combinations(axes: list[dict[str, Any]]) -> list[tuple[tuple[str, str], ...]]:
    if not axes or any(not a["values"] for a in axes):
        return []
    return [tuple(zip([a["name"] for a in axes], combo)) for combo in itertools.product(*[a["values"] for a in axes])]


def _options_key(product: Product, options: dict[str, Any]) -> tuple:
    return tuple((a["name"], (options or {}).get(a["name"])) for a in product.variant_attributes)


def _new_sku(product: Product) -> Sku:
    sku = Sku(
        status=product.status, active=True, options={}, position=max((s.position for s in product.skus), default=0) + 1
    )
    product.skus.append(sku)
    return sku


def _sync_skus(
    product: Product, items: Any, errors: f.Errors, prefix: str = "", known_codes: dict[str, Sku] | None = None
) -> None:
    if not isinstance(items, list):
        errors.add(prefix + "skus", Msg("catalog.skus_list"))
        return
    if len(items) > MAX_VARIANTS:
        errors.add(prefix + "skus", Msg("catalog.use_at_most_skus", max_variants=MAX_VARIANTS))
        return
    by_id = {s.id: s for s in product.skus if s.id is not None}
    keep: list[Sku] = []
    for i, item in enumerate(items):
        path = f"{prefix}skus.{i}."
        if not isinstance(item, dict):
            errors.add(path[:-1], Msg("use_object"))
            continue
        if item.get("id") not in f.EMPTY:
            sku = by_id.get(as_uuid(item["id"]))
            if sku is None:
                errors.add(path + "id", Msg("catalog.not_sku_this_product_2", id=item["id"]))
                continue
        else:
            sku = Sku(status=product.status, active=True, options={})
        sku.position = i + 1
        keep.append(sku)
        _apply_sku(sku, {k: v for k, v in item.items() if k != "id"}, errors, path, known_codes)
    for sku in list(product.skus):
        if sku not in keep:
            if sku.approved_at is not None:
                errors.add(prefix + "skus", Msg("catalog.sku_was_approved_before", code=sku.code))
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
    if session.execute(
        select(KitComponent.id)
        .where(KitComponent.component_sku_id == sku.id, KitComponent.kit_sku_id != sku.id)
        .limit(1)
    ).first():
        raise Conflict(Msg("catalog.sku_component_kit_cannot", label=label, action=action))
    if session.execute(select(ListingMapping.id).where(ListingMapping.sku_id == sku.id).limit(1)).first():
        raise Conflict(Msg("catalog.sku_has_channel_listing", label=label, action=action))


def _apply_sku(
    sku: Sku, data: dict[str, Any], errors: f.Errors, path: str, known_codes: dict[str, Sku] | None = None
) -> None:
    if "code" in data:
        new = f.code(errors, path + "code", data["code"])
        if sku.approved_at is not None and new != sku.code:
            errors.add(path + "code", Msg("catalog.sku_code_fixed"))
        else:
            sku.code = new
    if "options" in data:
        options = data["options"] or {}
        if not isinstance(options, dict):
            errors.add(path + "options", Msg("catalog.options_shape"))
        else:
            sku.options = {
                f.text(errors, path + "options", k, max_len=50): f.text(errors, path + "options", v, max_len=100)
                for k, v in options.items()
            }
    if "barcode" in data:
        sku.barcode = f.barcode(errors, path + "barcode", data["barcode"])
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors.add(path + "active", Msg("use_true_false"))
        else:
            sku.active = data["active"]
    for field in ("net_weight_g", "gross_weight_g", "carton_weight_g"):
        if field in data:
            setattr(sku, field, f.integer(errors, path + field, data[field], maximum=100_000_000))
    if "units_per_carton" in data:
        sku.units_per_carton = f.integer(
            errors, path + "units_per_carton", data["units_per_carton"], minimum=1, maximum=1_000_000
        )
    for group, col_prefix in SIZE_GROUPS.items():
        if group not in data:
            continue
        value = data[group] or {}
        if not isinstance(value, dict):
            errors.add(path + group, Msg("catalog.dimensions_shape"))
            continue
        for dim in ("length_cm", "width_cm", "height_cm"):
            if dim in value or not data[group]:
                setattr(
                    sku,
                    col_prefix + dim,
                    f.decimal(errors, f"{path}{group}.{dim}", value.get(dim), places=2, max_digits=10),
                )
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
        errors.add(path + "gross_weight_g", Msg("catalog.gross_below_net"))
    if sku.components and not sku.kit_type:
        errors.add(path + "kit_type", Msg("catalog.only_kits_components"))


def _apply_customs(sku: Sku, value: Any, errors: f.Errors, path: str) -> None:
    if value in f.EMPTY:
        value = {k: None for k in ("hs_code", "origin_country", "declared_value", *CUSTOMS_TEXT)}
    if not isinstance(value, dict):
        errors.add(path[:-1], Msg("catalog.customs_shape"))
        return
    unknown = set(value) - {"hs_code", "origin_country", "declared_value", *CUSTOMS_TEXT}
    for key in sorted(unknown):
        errors.add(path + key, Msg("unknown_field"))
    if "hs_code" in value:
        sku.hs_code = f.hs_code(errors, path + "hs_code", value["hs_code"])
    if "origin_country" in value:
        sku.origin_country = f.country(errors, path + "origin_country", value["origin_country"])
    if "declared_value" in value:
        sku.declared_value, sku.declared_currency = f.money_pair(
            errors, path + "declared_value", value["declared_value"]
        )
    for key, (column, max_len) in CUSTOMS_TEXT.items():
        if key in value:
            setattr(sku, column, f.optional_text(errors, path + key, value[key], max_len=max_len))


def _apply_components(sku: Sku, value: Any, errors: f.Errors, path: str, known_codes: dict[str, Sku]) -> None:
    if value in f.EMPTY:
        sku.components = []
        return
    if not isinstance(value, list):
        errors.add(path, Msg("catalog.components_shape"))
        return
    lines: list[KitComponent] = []
    seen: set[Any] = set()
    existing = {line.component_sku_id: line for line in sku.components}
    for i, item in enumerate(value):
        item_path = f"{path}.{i}."
        if not isinstance(item, dict):
            errors.add(path + f".{i}", Msg("catalog.component_shape"))
            continue
        quantity = f.integer(
            errors, item_path + "quantity", item.get("quantity"), minimum=1, maximum=10_000, required=True
        )
        component = _component_sku(errors, item_path, item, known_codes)
        if component is None or quantity is None:
            continue
        if component is sku or (sku.id is not None and component.id == sku.id):
            errors.add(item_path + "sku_id", Msg("catalog.kit_contains_itself"))
            continue
        if component.kit_type:
            errors.add(item_path + "sku_id", Msg("catalog.sku_itself_kit_list", component=sku_label(component)))
            continue
        if component.status == "discontinued":
            errors.add(item_path + "sku_id", Msg("catalog.sku_discontinued_2", component=sku_label(component)))
            continue
        key = component.id or id(component)  # SKUs named by an import file have no id yet
        if key in seen:
            errors.add(item_path + "sku_id", Msg("catalog.sku_listed_twice", component=sku_label(component)))
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
            errors.add(path + "sku_id", Msg("catalog.no_sku", sku_id=item["sku_id"]))
        return component
    if item.get("sku_code") not in f.EMPTY:
        component = known_codes.get(str(item["sku_code"])) or find_sku_by_code(str(item["sku_code"]))
        if component is None:
            errors.add(path + "sku_code", Msg("catalog.no_sku_with_code", sku_code=item["sku_code"]))
        return component
    errors.add(path + "sku_id", Msg("required"))
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
            errors.add(path + "options", Msg("catalog.no_variant_attributes"))
        elif axes:
            if sorted(options) != sorted(names):
                errors.add(path + "options", Msg("catalog.give_value_for_each", items=", ".join(names)))
            else:
                for axis in axes:
                    if options[axis["name"]] not in axis["values"]:
                        errors.add(
                            path + "options", Msg("catalog.not_value", options=options[axis["name"]], name=axis["name"])
                        )
                key = _options_key(product, options)
                if key in seen_options:
                    errors.add(path + "options", Msg("catalog.same_options_as_sku", sku=seen_options[key] + 1))
                seen_options.setdefault(key, i)
    for column, label in (("code", "SKU code"), ("barcode", "barcode")):
        values: dict[str, int] = {}
        for i, sku in enumerate(product.skus):
            value = getattr(sku, column)
            if value is None:
                continue
            if value in values and where(i, sku) is not None:
                errors.add(where(i, sku) + column, Msg("catalog.used_twice_in_this", label=label, value=value))
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
                    errors.add(path + column, Msg("catalog.already_used_by_another", label=label, taken=taken))
    if product.spu_code:
        stmt = select(Product.id).where(Product.spu_code == product.spu_code)
        if product.id is not None:
            stmt = stmt.where(Product.id != product.id)
        if session.execute(stmt.limit(1)).first():
            errors.add(prefix + "spu_code", Msg("catalog.spu_code_already_used", spu_code=product.spu_code))


def get_image(product_id: uuid.UUID | str, image_id: uuid.UUID) -> ProductImage:
    for image in get_product(product_id).images:
        if image.id == image_id:
            return image
    raise NotFound("image", image_id)


def add_image_file(
    product_id: uuid.UUID | str, stream: Any, filename: str | None, sku_id: uuid.UUID | None = None
) -> ProductImage:
    product = locked_product(product_id)
    require_editable(product, "change images of")
    return images.add_upload(product, stream, filename, sku_id)


def add_image_url(product_id: uuid.UUID | str, url: str, sku_id: uuid.UUID | None = None) -> ProductImage:
    product = locked_product(product_id)
    require_editable(product, "change images of")
    return images.add_url(product, url, sku_id)


def remove_image(product_id: uuid.UUID | str, image_id: uuid.UUID) -> None:
    product = locked_product(product_id)
    require_editable(product, "change images of")
    images.remove(product, get_image(product.id, image_id))
