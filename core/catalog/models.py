"""Tables of the catalogue: categories, products (SPU), SKUs, images, kits, listing mappings.

A product is the reviewed document; its SKUs carry what warehouses, purchasing, orders and
carriers need per unit (codes, barcode, weights in grams, sizes in cm, prices, taxes, customs).
`Sku.status` follows its product's review status so other capabilities can filter SKUs without
a join; `Sku.active` switches a single variant off.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Amount, Base, TenantMixin

# Centimetres with two decimals (a millimetre is the finest anyone measures a parcel).
Length = Numeric(10, 2)
# VAT rates as fractions (0.13 = 13 %).
TaxRate = Numeric(7, 4)

PRODUCT_STATUSES = ("draft", "submitted", "approved", "rejected", "discontinued")
KIT_TYPES = ("physical", "virtual")


class CatalogSettings(TenantMixin, Base):
    """Per-tenant patterns that approval uses to generate SPU and SKU codes."""

    __tablename__ = "catalog_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    spu_pattern: Mapped[str] = mapped_column(String(64), default="SPU{seq:6}")
    sku_pattern: Mapped[str] = mapped_column(String(64), default="{spu}-{variant}")


class Category(TenantMixin, Base):
    __tablename__ = "catalog_categories"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "parent_id"),
        Index(None, "tenant_id", "path"),
    )

    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_categories.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Ids of the ancestors and the category itself, "/<hex>/<hex>/": descendants share the prefix.
    path: Mapped[str] = mapped_column(Text)


class Product(TenantMixin, Base):
    __tablename__ = "catalog_products"
    __table_args__ = (
        UniqueConstraint("tenant_id", "spu_code"),
        Index(None, "tenant_id", "status", "created_at"),
        Index(None, "tenant_id", "category_id"),
    )

    spu_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    title_zh: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str] = mapped_column(String(500), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_categories.id"))
    brand: Mapped[str] = mapped_column(String(100), default="")
    # Free descriptive attributes ({"material": "cotton"}) and the axes variants vary on
    # ([{"name": "colour", "values": ["Red", "Blue"]}, ...]).
    attributes: Mapped[dict] = mapped_column(default=dict)
    variant_attributes: Mapped[list] = mapped_column(default=list)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_by_id: Mapped[str | None] = mapped_column(String(200))  # tenants.service.actor_identity()
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    discontinued_at: Mapped[datetime | None] = mapped_column()

    skus: Mapped[list[Sku]] = relationship(
        back_populates="product", order_by="Sku.position", cascade="all, delete-orphan"
    )
    images: Mapped[list[ProductImage]] = relationship(order_by="ProductImage.position", cascade="all, delete-orphan")


class Sku(TenantMixin, Base):
    __tablename__ = "catalog_skus"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        UniqueConstraint("tenant_id", "barcode"),
        Index(None, "tenant_id", "product_id", "position"),
        Index(None, "tenant_id", "status", "active"),
        CheckConstraint("kit_type IS NULL OR kit_type IN ('physical', 'virtual')", name="kit_type"),
        CheckConstraint("net_weight_g >= 0 AND gross_weight_g >= 0 AND carton_weight_g >= 0", name="weights"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_products.id", ondelete="CASCADE"))
    # Given by the seller or generated at approval from CatalogSettings.sku_pattern.
    code: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=1)
    options: Mapped[dict] = mapped_column(default=dict)  # {"colour": "Red", "size": "L"}
    status: Mapped[str] = mapped_column(String(16), default="draft")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    approved_at: Mapped[datetime | None] = mapped_column()  # first approval; codes are fixed from then on
    barcode: Mapped[str | None] = mapped_column(String(64))
    kit_type: Mapped[str | None] = mapped_column(String(16))

    net_weight_g: Mapped[int | None] = mapped_column(Integer)
    gross_weight_g: Mapped[int | None] = mapped_column(Integer)
    length_cm: Mapped[Decimal | None] = mapped_column(Length)
    width_cm: Mapped[Decimal | None] = mapped_column(Length)
    height_cm: Mapped[Decimal | None] = mapped_column(Length)
    package_length_cm: Mapped[Decimal | None] = mapped_column(Length)
    package_width_cm: Mapped[Decimal | None] = mapped_column(Length)
    package_height_cm: Mapped[Decimal | None] = mapped_column(Length)
    carton_length_cm: Mapped[Decimal | None] = mapped_column(Length)
    carton_width_cm: Mapped[Decimal | None] = mapped_column(Length)
    carton_height_cm: Mapped[Decimal | None] = mapped_column(Length)
    units_per_carton: Mapped[int | None] = mapped_column(Integer)
    carton_weight_g: Mapped[int | None] = mapped_column(Integer)

    purchase_price: Mapped[Decimal | None] = mapped_column(Amount)
    purchase_currency: Mapped[str | None] = mapped_column(String(3))
    sale_price: Mapped[Decimal | None] = mapped_column(Amount)
    sale_currency: Mapped[str | None] = mapped_column(String(3))
    market_price: Mapped[Decimal | None] = mapped_column(Amount)
    market_currency: Mapped[str | None] = mapped_column(String(3))
    input_vat_rate: Mapped[Decimal | None] = mapped_column(TaxRate)
    output_vat_rate: Mapped[Decimal | None] = mapped_column(TaxRate)

    hs_code: Mapped[str | None] = mapped_column(String(16))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    declared_value: Mapped[Decimal | None] = mapped_column(Amount)
    declared_currency: Mapped[str | None] = mapped_column(String(3))
    material: Mapped[str | None] = mapped_column(String(200))
    customs_name_en: Mapped[str | None] = mapped_column(String(200))
    customs_name_zh: Mapped[str | None] = mapped_column(String(200))

    product: Mapped[Product] = relationship(back_populates="skus")
    components: Mapped[list[KitComponent]] = relationship(
        foreign_keys="KitComponent.kit_sku_id", order_by="KitComponent.position", cascade="all, delete-orphan"
    )


class KitComponent(TenantMixin, Base):
    """One line of a kit: `quantity` units of `component_sku_id` make one kit unit."""

    __tablename__ = "catalog_kit_components"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kit_sku_id", "component_sku_id"),
        Index(None, "tenant_id", "component_sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    kit_sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id", ondelete="CASCADE"))
    component_sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=1)

    component: Mapped[Sku] = relationship(foreign_keys=[component_sku_id])


class ProductImage(TenantMixin, Base):
    """An image of a product (or of one of its variants): an uploaded file or a URL."""

    __tablename__ = "catalog_product_images"
    __table_args__ = (Index(None, "tenant_id", "product_id", "position"),)

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_products.id", ondelete="CASCADE"))
    sku_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_skus.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    url: Mapped[str | None] = mapped_column(Text)
    # Relative to <instance>/uploads/<tenant_id>/; named by us, never by the client.
    storage_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")


class ListingMapping(TenantMixin, Base):
    """A channel listing's seller SKU (per connection) -> a local SKU, `quantity` units per
    ordered unit ("pack of 3" maps to the single SKU with quantity 3). A bundle listing maps to
    a kit SKU."""

    __tablename__ = "catalog_listing_mappings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "connection_id", "seller_sku"),
        Index(None, "tenant_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plugin_connections.id", ondelete="CASCADE"))
    seller_sku: Mapped[str] = mapped_column(String(200))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(String(500), default="")
