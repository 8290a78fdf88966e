"""shipping: shipments, parcels, rate quotes, labels, customs documents, tracking events, label
batches, label claims and the tenant's shipping settings

Revision ID: shipping_0001
Revises:
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "shipping_0001"
down_revision = None
branch_labels = ("shipping",)
depends_on = ("orders_0001",)  # which depends on the foundation, catalog and inventory


def upgrade() -> None:
    op.create_table(
        "shipping_label_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column(
            "order_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "options", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "results", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("label_format", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_label_batches")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_shipping_label_batches_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_shipping_label_batches_tenant_id_created_at"),
        "shipping_label_batches",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "shipping_label_claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_label_claims")),
        sa.UniqueConstraint("tenant_id", "reference", name=op.f("uq_shipping_label_claims_tenant_id_reference")),
    )
    op.create_table(
        "shipping_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "rate_rules", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("label_format", sa.String(length=8), nullable=False),
        sa.Column("incoterm", sa.String(length=3), nullable=False),
        sa.Column("export_reason", sa.String(length=32), nullable=False),
        sa.Column("eori", sa.String(length=40), nullable=False),
        sa.Column("ioss", sa.String(length=40), nullable=False),
        sa.Column("vat_number", sa.String(length=40), nullable=False),
        sa.Column("weight_tolerance_pct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_shipping_settings_tenant_id")),
    )
    op.create_table(
        "shipping_shipments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=True),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("international", sa.Boolean(), nullable=False),
        sa.Column(
            "ship_from", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "ship_to", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("transit_days", sa.Integer(), nullable=True),
        sa.Column(
            "choice", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "customs", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("label_format", sa.String(length=8), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("tracking_url", sa.String(length=500), nullable=False),
        sa.Column("tracking_status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("label_bought_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("packed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_tracked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_track_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'labelled', 'packed', 'shipped', 'delivered', 'voided')",
            name=op.f("ck_shipping_shipments_status"),
        ),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name=op.f("ck_shipping_shipments_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["plugin_connections.id"],
            name=op.f("fk_shipping_shipments_connection_id_plugin_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipping_shipments_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_shipping_shipments_warehouse_id_inventory_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_shipments")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_shipping_shipments_tenant_id_number")),
        sa.UniqueConstraint("tenant_id", "reference", name=op.f("uq_shipping_shipments_tenant_id_reference")),
    )
    op.create_index(
        op.f("ix_shipping_shipments_tenant_id_batch_id"), "shipping_shipments", ["tenant_id", "batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_shipping_shipments_tenant_id_order_id"), "shipping_shipments", ["tenant_id", "order_id"], unique=False
    )
    op.create_index(
        op.f("ix_shipping_shipments_tenant_id_status_created_at"),
        "shipping_shipments",
        ["tenant_id", "status", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipping_shipments_tenant_id_tracking_number"),
        "shipping_shipments",
        ["tenant_id", "tracking_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipping_shipments_tenant_id_tracking_status_next_track_at"),
        "shipping_shipments",
        ["tenant_id", "tracking_status", "next_track_at"],
        unique=False,
    )
    op.create_index(
        "uq_shipping_shipments_tenant_id_order_id_live",
        "shipping_shipments",
        ["tenant_id", "order_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'voided'"),
        sqlite_where=sa.text("status <> 'voided'"),
    )
    op.create_table(
        "shipping_customs_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('commercial_invoice', 'cn22', 'cn23')", name=op.f("ck_shipping_customs_documents_kind")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipping_shipments.id"],
            name=op.f("fk_shipping_customs_documents_shipment_id_shipping_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_customs_documents")),
        sa.UniqueConstraint(
            "tenant_id", "shipment_id", "kind", name=op.f("uq_shipping_customs_documents_tenant_id_shipment_id_kind")
        ),
    )
    op.create_table(
        "shipping_labels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("print_content", sa.LargeBinary(), nullable=False),
        sa.Column("print_format", sa.String(length=8), nullable=False),
        sa.Column("cost", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("carrier_reference", sa.String(length=200), nullable=False),
        sa.Column("voided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("printed_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("format IN ('PDF', 'ZPL', 'PNG', 'GIF')", name=op.f("ck_shipping_labels_format")),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipping_shipments.id"],
            name=op.f("fk_shipping_labels_shipment_id_shipping_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_labels")),
        sa.UniqueConstraint("tenant_id", "shipment_id", name=op.f("uq_shipping_labels_tenant_id_shipment_id")),
    )
    op.create_table(
        "shipping_parcels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("length_cm", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("width_cm", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("height_cm", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column(
            "contents", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.CheckConstraint("weight_g >= 0", name=op.f("ck_shipping_parcels_weight_not_negative")),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipping_shipments.id"],
            name=op.f("fk_shipping_parcels_shipment_id_shipping_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_parcels")),
        sa.UniqueConstraint(
            "tenant_id", "shipment_id", "position", name=op.f("uq_shipping_parcels_tenant_id_shipment_id_position")
        ),
    )
    op.create_table(
        "shipping_rate_quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("transit_days", sa.Integer(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["plugin_connections.id"],
            name=op.f("fk_shipping_rate_quotes_connection_id_plugin_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipping_shipments.id"],
            name=op.f("fk_shipping_rate_quotes_shipment_id_shipping_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_rate_quotes")),
    )
    op.create_index(
        op.f("ix_shipping_rate_quotes_tenant_id_shipment_id"),
        "shipping_rate_quotes",
        ["tenant_id", "shipment_id"],
        unique=False,
    )
    op.create_table(
        "shipping_tracking_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'picked_up', 'in_transit', 'delivery_delayed', 'out_for_delivery', "
            "'ready_for_pickup', 'exception', 'delivered', 'returned', 'cancelled', 'unknown')",
            name=op.f("ck_shipping_tracking_events_status"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipping_shipments.id"],
            name=op.f("fk_shipping_tracking_events_shipment_id_shipping_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_tracking_events")),
        sa.UniqueConstraint(
            "tenant_id", "shipment_id", "digest", name=op.f("uq_shipping_tracking_events_tenant_id_shipment_id_digest")
        ),
    )
    op.create_index(
        op.f("ix_shipping_tracking_events_tenant_id_shipment_id_occurred_at"),
        "shipping_tracking_events",
        ["tenant_id", "shipment_id", "occurred_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_shipping_tracking_events_tenant_id_shipment_id_occurred_at"), table_name="shipping_tracking_events"
    )
    op.drop_table("shipping_tracking_events")
    op.drop_index(op.f("ix_shipping_rate_quotes_tenant_id_shipment_id"), table_name="shipping_rate_quotes")
    op.drop_table("shipping_rate_quotes")
    op.drop_table("shipping_parcels")
    op.drop_table("shipping_labels")
    op.drop_table("shipping_customs_documents")
    op.drop_index(
        "uq_shipping_shipments_tenant_id_order_id_live",
        table_name="shipping_shipments",
        postgresql_where=sa.text("status <> 'voided'"),
        sqlite_where=sa.text("status <> 'voided'"),
    )
    op.drop_index(
        op.f("ix_shipping_shipments_tenant_id_tracking_status_next_track_at"), table_name="shipping_shipments"
    )
    op.drop_index(op.f("ix_shipping_shipments_tenant_id_tracking_number"), table_name="shipping_shipments")
    op.drop_index(op.f("ix_shipping_shipments_tenant_id_status_created_at"), table_name="shipping_shipments")
    op.drop_index(op.f("ix_shipping_shipments_tenant_id_order_id"), table_name="shipping_shipments")
    op.drop_index(op.f("ix_shipping_shipments_tenant_id_batch_id"), table_name="shipping_shipments")
    op.drop_table("shipping_shipments")
    op.drop_table("shipping_settings")
    op.drop_table("shipping_label_claims")
    op.drop_index(op.f("ix_shipping_label_batches_tenant_id_created_at"), table_name="shipping_label_batches")
    op.drop_table("shipping_label_batches")
