"""REST endpoints of the catalogue: products and their review, SKUs, categories, images,
import/export, code patterns and channel listing mappings."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from flask import send_file
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.catalog import images, service, transfer
from core.catalog.models import Category, Product, Sku
from core.catalog.schemas import (
    CategorySchema,
    CategoryUpdateSchema,
    ExportQuerySchema,
    GenerateVariantsSchema,
    ImageSchema,
    ImageUploadSchema,
    ImageUrlSchema,
    ImportFileSchema,
    ImportQuerySchema,
    ImportResultSchema,
    MappingQuerySchema,
    MappingSchema,
    MappingUpdateSchema,
    ProductInSchema,
    ProductQuerySchema,
    ProductSchema,
    ReasonOptionalSchema,
    ReasonRequiredSchema,
    ResolutionSchema,
    ResolveQuerySchema,
    SettingsSchema,
    SkuQuerySchema,
    SkuSchema,
    SkuUpdateSchema,
    TemplateQuerySchema,
    category_view,
    mapping_view,
    product_view,
    sku_view,
)
from core.db import session
from core.errors import NotFound
from core.http import Blueprint, paged, requires

blp = Blueprint(
    "catalog",
    __name__,
    url_prefix="/api/v1",
    description="Products (SPU) and SKUs, review workflow, categories, kits, listing mappings",
)

_PRODUCT_LOAD = (selectinload(Product.skus).selectinload(Sku.components), selectinload(Product.images))


def _categories() -> dict[Any, Category]:
    return {c.id: c for c in session.execute(select(Category)).scalars()}


# --- products ----------------------------------------------------------------------------------


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate()
    @requires("catalog:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Search products: by title (zh/en), SPU/SKU code or barcode, category (with its
        subcategories) and status. The review queue is `?status=submitted`."""
        stmt = service.product_query(**args).options(*_PRODUCT_LOAD)
        cats = _categories()
        return [product_view(p, cats) for p in paged(stmt, pagination_parameters)]

    @blp.arguments(ProductInSchema)
    @blp.response(201, ProductSchema)
    @requires("catalog:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a product in draft. Without `skus`, it gets one SKU per combination of its
        `variant_attributes` (or a single SKU)."""
        return product_view(service.create_product(data))


@blp.route("/products/<uuid:product_id>")
class ProductView(MethodView):
    @blp.response(200, ProductSchema)
    @requires("catalog:read")
    def get(self, product_id: uuid.UUID) -> Any:
        return product_view(service.get_product(product_id))

    @blp.arguments(ProductInSchema)
    @blp.response(200, ProductSchema)
    @requires("catalog:write")
    def patch(self, data: dict[str, Any], product_id: uuid.UUID) -> Any:
        """Change a draft or rejected product. `skus` is the full list of variants: items with
        an `id` update that SKU, items without add one, SKUs left out are removed."""
        return product_view(service.update_product(product_id, data))

    @blp.response(204)
    @requires("catalog:write")
    def delete(self, product_id: uuid.UUID) -> None:
        """Delete a product that was never approved."""
        service.delete_product(product_id)


def _transition(name: str, func: Any, permission: str, doc: str, schema: Any = None) -> None:
    if schema is None:

        def view(product_id: uuid.UUID) -> Any:
            return product_view(func(product_id))
    else:

        def view(data: dict[str, Any], product_id: uuid.UUID) -> Any:  # type: ignore[misc]
            return product_view(func(product_id, data["reason"]))

    view.__name__ = f"product_{name}"
    view.__doc__ = doc
    decorated = blp.response(200, ProductSchema)(requires(permission)(view))
    if schema is not None:
        decorated = blp.arguments(schema)(decorated)
    blp.route(f"/products/<uuid:product_id>/{name}", methods=["POST"], endpoint=f"product_{name}")(decorated)


_transition("submit", service.submit_product, "catalog:write", "Send a draft or rejected product for review.")
_transition("withdraw", service.withdraw_product, "catalog:write", "Take a submitted product back to draft.")
_transition(
    "approve",
    service.approve_product,
    "catalog:approve",
    "Approve a submitted product: blank SPU/SKU codes are generated and its SKUs become usable.",
)
_transition(
    "reject",
    service.reject_product,
    "catalog:approve",
    "Reject a submitted product with a reason; it can then be edited and submitted again.",
    ReasonRequiredSchema,
)
_transition(
    "revise",
    service.revise_product,
    "catalog:write",
    "Reopen an approved product for changes; its SKUs are unusable until it is approved again.",
)
_transition(
    "discontinue",
    service.discontinue_product,
    "catalog:write",
    "Retire a product: its SKUs can no longer be purchased, stocked or sold.",
    ReasonOptionalSchema,
)


@blp.route("/products/<uuid:product_id>/variants/generate", methods=["POST"])
@blp.arguments(GenerateVariantsSchema)
@blp.response(200, ProductSchema)
@requires("catalog:write")
def generate_variants(data: dict[str, Any], product_id: uuid.UUID) -> Any:
    """Add a SKU for each combination of the variant attributes that has none, from `defaults`."""
    service.generate_variants(product_id, data.get("defaults"))
    return product_view(service.get_product(product_id))


# --- images ------------------------------------------------------------------------------------


@blp.route("/products/<uuid:product_id>/images", methods=["POST"])
@blp.arguments(ImageUploadSchema, location="files")
@blp.response(201, ImageSchema)
@requires("catalog:write")
def upload_image(files: dict[str, Any], product_id: uuid.UUID) -> Any:
    """Upload an image (PNG, JPEG, GIF or WebP, at most 10 MB) as multipart field `file`;
    `sku_id` ties it to one variant."""
    upload = files["file"]
    return images.describe(service.add_image_file(product_id, upload.stream, upload.filename, files["sku_id"]))


@blp.route("/products/<uuid:product_id>/image-urls", methods=["POST"])
@blp.arguments(ImageUrlSchema)
@blp.response(201, ImageSchema)
@requires("catalog:write")
def add_image_url(data: dict[str, Any], product_id: uuid.UUID) -> Any:
    """Add an image by its http(s) URL."""
    return images.describe(service.add_image_url(product_id, data["url"], data.get("sku_id")))


@blp.route("/products/<uuid:product_id>/images/<uuid:image_id>", methods=["DELETE"])
@blp.response(204)
@requires("catalog:write")
def delete_image(product_id: uuid.UUID, image_id: uuid.UUID) -> None:
    service.remove_image(product_id, image_id)


@blp.route("/products/<uuid:product_id>/images/<uuid:image_id>/file", methods=["GET"])
@blp.response(200, content_type="image/*")
@requires("catalog:read")
def image_file(product_id: uuid.UUID, image_id: uuid.UUID) -> Any:
    """The uploaded image file."""
    image = service.get_image(product_id, image_id)
    if not image.storage_key:
        raise NotFound("image file", image_id)
    path = images.file_path(image)
    if not path.exists():
        raise NotFound("image file", image_id)
    resp = send_file(path, mimetype=image.content_type, max_age=3600)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'"
    return resp


# --- import / export ---------------------------------------------------------------------------


@blp.route("/products/import", methods=["POST"])
@blp.arguments(ImportQuerySchema, location="query")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(201, ImportResultSchema)
@blp.alt_response(202, schema=ImportResultSchema, description="A large file is imported by a background job")
@requires("catalog:write")
def import_products(query: dict[str, Any], files: dict[str, Any]) -> Any:
    """Import products from CSV or XLSX (one row per SKU; see docs/catalog.md). The whole file is
    checked first: any problem is reported as `errors.rows` [{line, field, message}] with 422 and
    nothing is imported. Imported products start in draft. Large files run as a job (202)."""
    upload = files["file"]
    data = upload.stream.read()
    dry_run = query["dry_run"]
    if len(data) > transfer.INLINE_MAX_BYTES and not dry_run:
        job = transfer.enqueue_import(data, upload.filename or "")
        return {"dry_run": False, "products": 0, "skus": 0, "product_ids": [], "job_id": job.id}, 202
    result = transfer.import_products(data, upload.filename or "", dry_run=dry_run)
    out = {
        "dry_run": dry_run,
        "products": len(result.products),
        "skus": result.sku_count,
        "product_ids": [p.id for p in result.products if p.id],
        "job_id": None,
    }
    return out, 200 if dry_run else 201


@blp.route("/products/export", methods=["GET"])
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@requires("catalog:read")
def export_products(args: dict[str, Any]) -> Any:
    """Export the products the filters select (as `GET /products`), one row per SKU, as CSV
    (UTF-8 with BOM, opens in Excel) or XLSX. The columns are the import columns plus status."""
    fmt = args.pop("format")
    stmt = service.product_query(**args).options(*_PRODUCT_LOAD)
    return transfer.export_products(stmt, fmt)


@blp.route("/products/import-template", methods=["GET"])
@blp.arguments(TemplateQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@requires("catalog:read")
def import_template(args: dict[str, Any]) -> Any:
    """An empty import file with every column."""
    return transfer.template(args["format"])


# --- SKUs --------------------------------------------------------------------------------------


@blp.route("/skus")
class Skus(MethodView):
    @blp.arguments(SkuQuerySchema, location="query")
    @blp.response(200, SkuSchema(many=True))
    @blp.paginate()
    @requires("catalog:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """SKUs by code. `usable_for=purchase|stock|sale` keeps the SKUs that may be used so."""
        stmt = service.sku_query(**args).options(selectinload(Sku.product), selectinload(Sku.components))
        return [sku_view(s) for s in paged(stmt, pagination_parameters)]


@blp.route("/skus/<uuid:sku_id>")
class SkuView(MethodView):
    @blp.response(200, SkuSchema)
    @requires("catalog:read")
    def get(self, sku_id: uuid.UUID) -> Any:
        return sku_view(service.get_sku(sku_id))

    @blp.arguments(SkuUpdateSchema)
    @blp.response(200, SkuSchema)
    @requires("catalog:write")
    def patch(self, data: dict[str, Any], sku_id: uuid.UUID) -> Any:
        """Change one SKU of a draft or rejected product."""
        return sku_view(service.update_sku(sku_id, data))


@blp.route("/skus/<uuid:sku_id>/deactivate", methods=["POST"])
@blp.response(200, SkuSchema)
@requires("catalog:write")
def deactivate_sku(sku_id: uuid.UUID) -> Any:
    """Switch one variant off: it can no longer be purchased, stocked or sold."""
    return sku_view(service.set_sku_active(sku_id, False))


@blp.route("/skus/<uuid:sku_id>/activate", methods=["POST"])
@blp.response(200, SkuSchema)
@requires("catalog:write")
def activate_sku(sku_id: uuid.UUID) -> Any:
    return sku_view(service.set_sku_active(sku_id, True))


# --- categories --------------------------------------------------------------------------------


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True))
    @blp.paginate()
    @requires("catalog:read")
    def get(self, pagination_parameters: Any) -> Any:
        """Categories in tree order (a parent before its children; `depth` 0 at the top)."""
        return [category_view(c) for c in paged(service.list_categories(), pagination_parameters)]

    @blp.arguments(CategorySchema)
    @blp.response(201, CategorySchema)
    @requires("catalog:write")
    def post(self, data: dict[str, Any]) -> Any:
        return category_view(service.create_category(**data))


@blp.route("/categories/<uuid:category_id>")
class CategoryView(MethodView):
    @blp.response(200, CategorySchema)
    @requires("catalog:read")
    def get(self, category_id: uuid.UUID) -> Any:
        return category_view(service.get_category(category_id))

    @blp.arguments(CategoryUpdateSchema)
    @blp.response(200, CategorySchema)
    @requires("catalog:write")
    def patch(self, data: dict[str, Any], category_id: uuid.UUID) -> Any:
        """Rename, recode or move a category (with its subcategories)."""
        return category_view(service.update_category(category_id, **data))

    @blp.response(204)
    @requires("catalog:write")
    def delete(self, category_id: uuid.UUID) -> None:
        """Delete a category without subcategories or products."""
        service.delete_category(category_id)


# --- settings ----------------------------------------------------------------------------------


@blp.route("/catalog/settings")
class Settings(MethodView):
    @blp.response(200, SettingsSchema)
    @requires("catalog:read")
    def get(self) -> Any:
        return service.get_settings()

    @blp.arguments(SettingsSchema)
    @blp.response(200, SettingsSchema)
    @requires("catalog:settings")
    def patch(self, data: dict[str, Any]) -> Any:
        """Set the patterns approval uses for blank SPU and SKU codes. Tokens: {seq} {seq:N}
        {spu} {variant} {n} {category} {yyyy} {yy} {mm}."""
        return service.update_settings(**data)


# --- listing mappings --------------------------------------------------------------------------


def _mapping_out(row: Any) -> dict[str, Any]:
    return mapping_view(row, service.get_sku(row.sku_id).code)


@blp.route("/listing-mappings")
class Mappings(MethodView):
    @blp.arguments(MappingQuerySchema, location="query")
    @blp.response(200, MappingSchema(many=True))
    @blp.paginate()
    @requires("catalog:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        rows = paged(service.mapping_query(**args), pagination_parameters)
        codes = dict(session.execute(select(Sku.id, Sku.code).where(Sku.id.in_([r.sku_id for r in rows]))).all())
        return [mapping_view(r, codes.get(r.sku_id)) for r in rows]

    @blp.arguments(MappingSchema)
    @blp.response(201, MappingSchema)
    @requires("catalog:map")
    def post(self, data: dict[str, Any]) -> Any:
        """Map a channel listing's seller SKU (on one connection) to a local SKU or kit, with
        `quantity` local units per unit ordered."""
        return _mapping_out(service.create_mapping(**data))


@blp.route("/listing-mappings/resolve", methods=["GET"])
@blp.arguments(ResolveQuerySchema, location="query")
@blp.response(200, ResolutionSchema)
@requires("catalog:read")
def resolve_listing(args: dict[str, Any]) -> Any:
    """What a seller SKU on a connection stands for (404 when unmapped)."""
    found = service.resolve_listing(args["connection_id"], args["seller_sku"])
    if found is None:
        raise NotFound("listing mapping for seller SKU", args["seller_sku"])
    components = [
        {"sku_id": cid, "sku_code": service.get_sku(cid).code, "quantity": qty}
        for cid, qty in service.kit_components(found.sku_id)
    ]
    return {**dataclasses.asdict(found), "components": components}


@blp.route("/listing-mappings/<uuid:mapping_id>")
class MappingView(MethodView):
    @blp.response(200, MappingSchema)
    @requires("catalog:read")
    def get(self, mapping_id: uuid.UUID) -> Any:
        return _mapping_out(service.get_mapping(mapping_id))

    @blp.arguments(MappingUpdateSchema)
    @blp.response(200, MappingSchema)
    @requires("catalog:map")
    def patch(self, data: dict[str, Any], mapping_id: uuid.UUID) -> Any:
        return _mapping_out(service.update_mapping(mapping_id, **data))

    @blp.response(204)
    @requires("catalog:map")
    def delete(self, mapping_id: uuid.UUID) -> None:
        service.delete_mapping(mapping_id)
