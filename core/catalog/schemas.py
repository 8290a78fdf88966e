"""Request and response schemas of the catalogue API, and the views of rows they dump."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.catalog import images
from core.catalog.models import (
    KIT_TYPES,
    PRODUCT_STATUSES,
    CatalogSettings,
    Category,
    ListingMapping,
    Product,
    ProductImage,
    Sku,
)
from core.http import Schema


def _dec(**kw: Any) -> fields.Decimal:
    return fields.Decimal(as_string=True, allow_none=True, **kw)


class MoneySchema(Schema):
    amount = fields.Decimal(as_string=True, required=True)
    # Checked by the catalogue's cleaner (core.validation.currency) with the product's other
    # fields, so one response names every problem of a product.
    currency = fields.String(required=True, metadata={"description": "ISO 4217, e.g. CNY, USD (RMB is CNY)"})


class SizeSchema(Schema):
    length_cm = _dec()
    width_cm = _dec()
    height_cm = _dec()


class CustomsSchema(Schema):
    __model__ = Sku

    hs_code = fields.String(allow_none=True, metadata={"description": "6 to 10 digits"})
    origin_country = fields.String(allow_none=True, metadata={"description": "ISO 3166 alpha-2, e.g. CN"})
    declared_value = fields.Nested(MoneySchema, allow_none=True)
    material = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True, metadata={"description": "English customs description"})
    name_zh = fields.String(allow_none=True, metadata={"description": "Chinese customs description (申报名)"})


class ComponentInSchema(Schema):
    sku_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1))


class ComponentSchema(Schema):
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    quantity = fields.Integer()


class SkuFieldsSchema(Schema):
    __model__ = Sku

    code = fields.String(allow_none=True, metadata={"description": "Leave empty to generate at approval"})
    options = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": 'Variant options, e.g. {"colour": "Red", "size": "L"}'},
    )
    barcode = fields.String(allow_none=True, metadata={"description": "EAN/UPC (check digit verified) or own code"})
    active = fields.Boolean()
    net_weight_g = fields.Integer(allow_none=True)
    gross_weight_g = fields.Integer(allow_none=True)
    size = fields.Nested(SizeSchema, allow_none=True)
    package_size = fields.Nested(SizeSchema, allow_none=True)
    carton_size = fields.Nested(SizeSchema, allow_none=True)
    units_per_carton = fields.Integer(allow_none=True)
    carton_weight_g = fields.Integer(allow_none=True)
    purchase_price = fields.Nested(MoneySchema, allow_none=True)
    sale_price = fields.Nested(MoneySchema, allow_none=True)
    market_price = fields.Nested(MoneySchema, allow_none=True)
    input_vat_rate = _dec(metadata={"description": "Fraction: 0.13 = 13 %"})
    output_vat_rate = _dec(metadata={"description": "Fraction: 0.13 = 13 %"})
    customs = fields.Nested(CustomsSchema, allow_none=True)
    kit_type = fields.String(allow_none=True, validate=validate.OneOf(KIT_TYPES))
    components = fields.List(fields.Nested(ComponentInSchema))


class SkuInSchema(SkuFieldsSchema):
    id = fields.UUID(metadata={"description": "An existing SKU of this product; omit to add one"})


class AxisSchema(Schema):
    name = fields.String(required=True)
    values = fields.List(fields.String(), required=True)


class ProductInSchema(Schema):
    __model__ = Product

    spu_code = fields.String(allow_none=True, metadata={"description": "Leave empty to generate at approval"})
    title_zh = fields.String()
    title_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    category_id = fields.UUID(allow_none=True)
    brand = fields.String()
    attributes = fields.Dict(keys=fields.String(), values=fields.String())
    variant_attributes = fields.List(fields.Nested(AxisSchema))
    skus = fields.List(
        fields.Nested(SkuInSchema),
        metadata={"description": "All variants. On create, omit to get one SKU per combination of variant_attributes"},
    )


class GenerateVariantsSchema(Schema):
    defaults = fields.Nested(
        SkuFieldsSchema, load_default=dict, metadata={"description": "Values copied into every new SKU"}
    )


class ReasonRequiredSchema(Schema):
    reason = fields.String(required=True)


class ReasonOptionalSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True)


class SkuSchema(Schema):
    id = fields.UUID()
    code = fields.String(allow_none=True)
    product_id = fields.UUID()
    product_title_zh = fields.String()
    product_title_en = fields.String()
    spu_code = fields.String(allow_none=True)
    position = fields.Integer()
    options = fields.Dict()
    status = fields.String()
    active = fields.Boolean()
    approved_at = fields.DateTime(allow_none=True)
    barcode = fields.String(allow_none=True)
    net_weight_g = fields.Integer(allow_none=True)
    gross_weight_g = fields.Integer(allow_none=True)
    size = fields.Nested(SizeSchema)
    package_size = fields.Nested(SizeSchema)
    carton_size = fields.Nested(SizeSchema)
    units_per_carton = fields.Integer(allow_none=True)
    carton_weight_g = fields.Integer(allow_none=True)
    purchase_price = fields.Nested(MoneySchema, allow_none=True)
    sale_price = fields.Nested(MoneySchema, allow_none=True)
    market_price = fields.Nested(MoneySchema, allow_none=True)
    input_vat_rate = _dec()
    output_vat_rate = _dec()
    customs = fields.Nested(CustomsSchema)
    kit_type = fields.String(allow_none=True)
    components = fields.List(fields.Nested(ComponentSchema))


class CategoryRefSchema(Schema):
    id = fields.UUID()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class ImageSchema(Schema):
    id = fields.UUID()
    sku_id = fields.UUID(allow_none=True)
    position = fields.Integer()
    url = fields.String(metadata={"description": "The external URL, or where the uploaded file is served"})
    kind = fields.String(metadata={"description": "upload | url"})
    content_type = fields.String(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    filename = fields.String()


class ProductSchema(Schema):
    id = fields.UUID()
    spu_code = fields.String(allow_none=True)
    status = fields.String(metadata={"description": " | ".join(PRODUCT_STATUSES)})
    title_zh = fields.String()
    title_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    category_id = fields.UUID(allow_none=True)
    category = fields.Nested(CategoryRefSchema, allow_none=True)
    brand = fields.String()
    attributes = fields.Dict()
    variant_attributes = fields.List(fields.Nested(AxisSchema))
    rejection_reason = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    discontinued_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    skus = fields.List(fields.Nested(SkuSchema))
    images = fields.List(fields.Nested(ImageSchema))


class ProductQuerySchema(Schema):
    q = fields.String(metadata={"description": "Title (zh/en), SPU code, SKU code or barcode"})
    sku = fields.String(metadata={"description": "SKU code (part of it)"})
    status = fields.List(
        fields.String(validate=validate.OneOf(PRODUCT_STATUSES)),
        metadata={"description": "Repeat for several: ?status=draft&status=rejected"},
    )
    category_id = fields.UUID(metadata={"description": "Includes its subcategories"})
    kit = fields.Boolean(metadata={"description": "Only products with (true) or without (false) kit SKUs"})


class ExportQuerySchema(ProductQuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx")))


class TemplateQuerySchema(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx")))


class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Only check the file"})


class ImportFileSchema(Schema):
    file = Upload(required=True)


class ImportResultSchema(Schema):
    dry_run = fields.Boolean()
    products = fields.Integer()
    skus = fields.Integer()
    product_ids = fields.List(fields.UUID())
    job_id = fields.UUID(
        allow_none=True, metadata={"description": "Set when a large file is imported in the background"}
    )


class SkuQuerySchema(Schema):
    q = fields.String(metadata={"description": "SKU code, barcode, product title or SPU code"})
    code = fields.String(metadata={"description": "Exact SKU code"})
    status = fields.List(fields.String(validate=validate.OneOf(PRODUCT_STATUSES)))
    active = fields.Boolean()
    kit_type = fields.String(validate=validate.OneOf(("physical", "virtual", "any", "none")))
    product_id = fields.UUID()
    category_id = fields.UUID()
    usable_for = fields.String(
        validate=validate.OneOf(("purchase", "stock", "sale")),
        metadata={"description": "Only SKUs that may be purchased, stocked or sold"},
    )


class SkuUpdateSchema(SkuFieldsSchema):
    pass


class ImageUploadSchema(Schema):
    file = Upload(required=True)
    sku_id = fields.UUID(load_default=None, allow_none=True)


class ImageUrlSchema(Schema):
    __model__ = ProductImage

    url = fields.String(required=True)
    sku_id = fields.UUID(load_default=None, allow_none=True)


class SettingsSchema(Schema):
    __model__ = CatalogSettings

    spu_pattern = fields.String(metadata={"description": "e.g. SPU{seq:6}"})
    sku_pattern = fields.String(metadata={"description": "e.g. {spu}-{variant} or {category}{seq:5}"})


class CategorySchema(Schema):
    __model__ = Category

    id = fields.UUID(dump_only=True)
    code = fields.String(required=True)
    name_zh = fields.String(load_default="")
    name_en = fields.String(load_default="")
    parent_id = fields.UUID(allow_none=True, load_default=None)
    depth = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class CategoryUpdateSchema(Schema):
    __model__ = Category

    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    parent_id = fields.UUID(allow_none=True)


class MappingSchema(Schema):
    __model__ = ListingMapping

    id = fields.UUID(dump_only=True)
    connection_id = fields.UUID(required=True)
    seller_sku = fields.String(required=True)
    sku_id = fields.UUID(required=True)
    sku_code = fields.String(dump_only=True, allow_none=True)
    quantity = fields.Integer(load_default=1, metadata={"description": "Local units per unit ordered (pack of n)"})
    note = fields.String(load_default="")
    created_at = fields.DateTime(dump_only=True)


class MappingUpdateSchema(Schema):
    __model__ = ListingMapping

    sku_id = fields.UUID()
    quantity = fields.Integer()
    note = fields.String()


class MappingQuerySchema(Schema):
    connection_id = fields.UUID()
    sku_id = fields.UUID()
    q = fields.String(metadata={"description": "Seller SKU (part of it)"})


class ResolveQuerySchema(Schema):
    connection_id = fields.UUID(required=True)
    seller_sku = fields.String(required=True)


class ResolutionSchema(Schema):
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    quantity = fields.Integer()
    kit_type = fields.String(allow_none=True)
    mapping_id = fields.UUID(allow_none=True)
    components = fields.List(fields.Nested(ComponentSchema))


# ---------------------------------------------------------------------------------------------
# Views of rows


def _money(amount: Any, currency: str | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": currency}


def _size(sku: Sku, prefix: str) -> dict[str, Any]:
    return {d: getattr(sku, prefix + d) for d in ("length_cm", "width_cm", "height_cm")}


def sku_view(sku: Sku) -> dict[str, Any]:
    product = sku.product
    return {
        "id": sku.id,
        "code": sku.code,
        "product_id": sku.product_id,
        "product_title_zh": product.title_zh,
        "product_title_en": product.title_en,
        "spu_code": product.spu_code,
        "position": sku.position,
        "options": sku.options or {},
        "status": sku.status,
        "active": sku.active,
        "approved_at": sku.approved_at,
        "barcode": sku.barcode,
        "net_weight_g": sku.net_weight_g,
        "gross_weight_g": sku.gross_weight_g,
        "size": _size(sku, ""),
        "package_size": _size(sku, "package_"),
        "carton_size": _size(sku, "carton_"),
        "units_per_carton": sku.units_per_carton,
        "carton_weight_g": sku.carton_weight_g,
        "purchase_price": _money(sku.purchase_price, sku.purchase_currency),
        "sale_price": _money(sku.sale_price, sku.sale_currency),
        "market_price": _money(sku.market_price, sku.market_currency),
        "input_vat_rate": sku.input_vat_rate,
        "output_vat_rate": sku.output_vat_rate,
        "customs": {
            "hs_code": sku.hs_code,
            "origin_country": sku.origin_country,
            "declared_value": _money(sku.declared_value, sku.declared_currency),
            "material": sku.material,
            "name_en": sku.customs_name_en,
            "name_zh": sku.customs_name_zh,
        },
        "kit_type": sku.kit_type,
        "components": [
            {"sku_id": c.component_sku_id, "sku_code": c.component.code, "quantity": c.quantity} for c in sku.components
        ],
    }


def product_view(product: Product, categories: dict[Any, Category] | None = None) -> dict[str, Any]:
    out = {k: getattr(product, k) for k in ProductSchema._declared_fields if k not in ("category", "skus", "images")}
    category = None
    if product.category_id:
        from core.db import get_or_none

        cat = (categories or {}).get(product.category_id) or get_or_none(Category, product.category_id)
        if cat is not None:
            category = {"id": cat.id, "code": cat.code, "name_zh": cat.name_zh, "name_en": cat.name_en}
    out["category"] = category
    out["skus"] = [sku_view(s) for s in product.skus]
    out["images"] = [images.describe(i) for i in product.images]
    return out


def category_view(row: Category) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "parent_id": row.parent_id,
        "depth": row.path.count("/") - 2,
        "created_at": row.created_at,
    }


def mapping_view(row: ListingMapping, sku_code: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "connection_id": row.connection_id,
        "seller_sku": row.seller_sku,
        "sku_id": row.sku_id,
        "sku_code": sku_code,
        "quantity": row.quantity,
        "note": row.note,
        "created_at": row.created_at,
    }
