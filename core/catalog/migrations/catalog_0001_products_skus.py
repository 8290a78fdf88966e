"""catalog: categories, products, SKUs, kits, images, listing mappings

Revision ID: catalog_0001
Revises:
Create Date: 2026-11-23 18:29:29.925113
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "catalog_0001"
down_revision = None
branch_labels = ("catalog",)
depends_on = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "catalog_categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["catalog_categories.id"], name=op.f("fk_catalog_categories_parent_id_catalog_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_categories")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_catalog_categories_tenant_id_code")),
    )
    op.create_index(
        op.f("ix_catalog_categories_tenant_id_parent_id"),
        "catalog_categories",
        ["tenant_id", "parent_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_catalog_categories_tenant_id_path"), "catalog_categories", ["tenant_id", "path"], unique=False
    )
    op.create_table(
        "catalog_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("spu_pattern", sa.String(length=64), nullable=False),
        sa.Column("sku_pattern", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_catalog_settings_tenant_id")),
    )
    op.create_table(
        "catalog_products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("spu_code", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title_zh", sa.String(length=500), nullable=False),
        sa.Column("title_en", sa.String(length=500), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column(
            "attributes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "variant_attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("discontinued_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["catalog_categories.id"], name=op.f("fk_catalog_products_category_id_catalog_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_products")),
        sa.UniqueConstraint("tenant_id", "spu_code", name=op.f("uq_catalog_products_tenant_id_spu_code")),
    )
    op.create_index(
        op.f("ix_catalog_products_tenant_id_category_id"),
        "catalog_products",
        ["tenant_id", "category_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_catalog_products_tenant_id_status_created_at"),
        "catalog_products",
        ["tenant_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "catalog_skus",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "options", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("approved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("barcode", sa.String(length=64), nullable=True),
        sa.Column("kit_type", sa.String(length=16), nullable=True),
        sa.Column("net_weight_g", sa.Integer(), nullable=True),
        sa.Column("gross_weight_g", sa.Integer(), nullable=True),
        sa.Column("length_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("width_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("height_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("package_length_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("package_width_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("package_height_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("carton_length_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("carton_width_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("carton_height_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("units_per_carton", sa.Integer(), nullable=True),
        sa.Column("carton_weight_g", sa.Integer(), nullable=True),
        sa.Column("purchase_price", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("purchase_currency", sa.String(length=3), nullable=True),
        sa.Column("sale_price", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("sale_currency", sa.String(length=3), nullable=True),
        sa.Column("market_price", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("market_currency", sa.String(length=3), nullable=True),
        sa.Column("input_vat_rate", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("output_vat_rate", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("hs_code", sa.String(length=16), nullable=True),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("declared_value", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("declared_currency", sa.String(length=3), nullable=True),
        sa.Column("material", sa.String(length=200), nullable=True),
        sa.Column("customs_name_en", sa.String(length=200), nullable=True),
        sa.Column("customs_name_zh", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "kit_type IS NULL OR kit_type IN ('physical', 'virtual')", name=op.f("ck_catalog_skus_kit_type")
        ),
        sa.CheckConstraint(
            "net_weight_g >= 0 AND gross_weight_g >= 0 AND carton_weight_g >= 0", name=op.f("ck_catalog_skus_weights")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_products.id"],
            name=op.f("fk_catalog_skus_product_id_catalog_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_skus")),
        sa.UniqueConstraint("tenant_id", "barcode", name=op.f("uq_catalog_skus_tenant_id_barcode")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_catalog_skus_tenant_id_code")),
    )
    op.create_index(
        op.f("ix_catalog_skus_tenant_id_product_id_position"),
        "catalog_skus",
        ["tenant_id", "product_id", "position"],
        unique=False,
    )
    op.create_index(
        op.f("ix_catalog_skus_tenant_id_status_active"), "catalog_skus", ["tenant_id", "status", "active"], unique=False
    )
    op.create_table(
        "catalog_kit_components",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kit_sku_id", sa.Uuid(), nullable=False),
        sa.Column("component_sku_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_catalog_kit_components_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["component_sku_id"],
            ["catalog_skus.id"],
            name=op.f("fk_catalog_kit_components_component_sku_id_catalog_skus"),
        ),
        sa.ForeignKeyConstraint(
            ["kit_sku_id"],
            ["catalog_skus.id"],
            name=op.f("fk_catalog_kit_components_kit_sku_id_catalog_skus"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_kit_components")),
        sa.UniqueConstraint(
            "tenant_id",
            "kit_sku_id",
            "component_sku_id",
            name=op.f("uq_catalog_kit_components_tenant_id_kit_sku_id_component_sku_id"),
        ),
    )
    op.create_index(
        op.f("ix_catalog_kit_components_tenant_id_component_sku_id"),
        "catalog_kit_components",
        ["tenant_id", "component_sku_id"],
        unique=False,
    )
    op.create_table(
        "catalog_listing_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("seller_sku", sa.String(length=200), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_catalog_listing_mappings_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["plugin_connections.id"],
            name=op.f("fk_catalog_listing_mappings_connection_id_plugin_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["catalog_skus.id"], name=op.f("fk_catalog_listing_mappings_sku_id_catalog_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_listing_mappings")),
        sa.UniqueConstraint(
            "tenant_id",
            "connection_id",
            "seller_sku",
            name=op.f("uq_catalog_listing_mappings_tenant_id_connection_id_seller_sku"),
        ),
    )
    op.create_index(
        op.f("ix_catalog_listing_mappings_tenant_id_sku_id"),
        "catalog_listing_mappings",
        ["tenant_id", "sku_id"],
        unique=False,
    )
    op.create_table(
        "catalog_product_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_products.id"],
            name=op.f("fk_catalog_product_images_product_id_catalog_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["catalog_skus.id"],
            name=op.f("fk_catalog_product_images_sku_id_catalog_skus"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_product_images")),
    )
    op.create_index(
        op.f("ix_catalog_product_images_tenant_id_product_id_position"),
        "catalog_product_images",
        ["tenant_id", "product_id", "position"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_catalog_product_images_tenant_id_product_id_position"), table_name="catalog_product_images")
    op.drop_table("catalog_product_images")
    op.drop_index(op.f("ix_catalog_listing_mappings_tenant_id_sku_id"), table_name="catalog_listing_mappings")
    op.drop_table("catalog_listing_mappings")
    op.drop_index(op.f("ix_catalog_kit_components_tenant_id_component_sku_id"), table_name="catalog_kit_components")
    op.drop_table("catalog_kit_components")
    op.drop_index(op.f("ix_catalog_skus_tenant_id_status_active"), table_name="catalog_skus")
    op.drop_index(op.f("ix_catalog_skus_tenant_id_product_id_position"), table_name="catalog_skus")
    op.drop_table("catalog_skus")
    op.drop_index(op.f("ix_catalog_products_tenant_id_status_created_at"), table_name="catalog_products")
    op.drop_index(op.f("ix_catalog_products_tenant_id_category_id"), table_name="catalog_products")
    op.drop_table("catalog_products")
    op.drop_table("catalog_settings")
    op.drop_index(op.f("ix_catalog_categories_tenant_id_path"), table_name="catalog_categories")
    op.drop_index(op.f("ix_catalog_categories_tenant_id_parent_id"), table_name="catalog_categories")
    op.drop_table("catalog_categories")
