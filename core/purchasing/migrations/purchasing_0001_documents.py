"""purchasing: settings, stocking requests, purchase orders, receipts, returns, replenishment

Revision ID: purchasing_0001
Revises:
Create Date: 2026-11-23 18:40:27.757100
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.db

revision = "purchasing_0001"
down_revision = None
branch_labels = ("purchasing",)
# Purchase documents reference suppliers, warehouses and bins (and through them SKUs and the foundation).
depends_on = ("suppliers_0001", "inventory_0001")


def upgrade() -> None:
    op.create_table(
        "purchasing_replenishment_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("run_date", sa.Date(), nullable=True),
        sa.Column(
            "settings", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("evaluated", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Integer(), nullable=False),
        sa.Column("started_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchasing_replenishment_runs")),
        sa.UniqueConstraint("tenant_id", "job_id", name=op.f("uq_purchasing_replenishment_runs_tenant_id_job_id")),
    )
    op.create_index(
        op.f("ix_purchasing_replenishment_runs_tenant_id_created_at"),
        "purchasing_replenishment_runs",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "purchasing_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("weight_7d", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("weight_14d", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("weight_30d", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("safety_days", sa.Integer(), nullable=False),
        sa.Column("purchase_cycle_days", sa.Integer(), nullable=False),
        sa.Column("default_lead_time_days", sa.Integer(), nullable=False),
        sa.Column("second_approval_threshold", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("receipt_tolerance_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "receipt_tolerance_percent >= 0", name=op.f("ck_purchasing_settings_tolerance_not_negative")
        ),
        sa.CheckConstraint(
            "safety_days >= 0 AND purchase_cycle_days >= 0 AND default_lead_time_days >= 0",
            name=op.f("ck_purchasing_settings_days_not_negative"),
        ),
        sa.CheckConstraint("weight_7d + weight_14d + weight_30d > 0", name=op.f("ck_purchasing_settings_some_weight")),
        sa.CheckConstraint(
            "weight_7d >= 0 AND weight_14d >= 0 AND weight_30d >= 0",
            name=op.f("ck_purchasing_settings_weights_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchasing_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_purchasing_settings_tenant_id")),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fx_rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("fx_source", sa.String(length=100), nullable=False),
        sa.Column("fx_date", sa.Date(), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("supplier_reference", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("second_approval_required", sa.Boolean(), nullable=False),
        sa.Column("first_approver", sa.String(length=200), nullable=True),
        sa.Column("first_approved_by", sa.String(length=200), nullable=True),
        sa.Column("first_approved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=200), nullable=True),
        sa.Column("confirmed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("fx_rate > 0", name=op.f("ck_purchase_orders_fx_rate_positive")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_purchase_orders_warehouse_id_inventory_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_purchase_orders_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_purchase_orders_tenant_id_status_created_at"),
        "purchase_orders",
        ["tenant_id", "status", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_orders_tenant_id_supplier_id_created_at"),
        "purchase_orders",
        ["tenant_id", "supplier_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=19, scale=6), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("received_quantity", sa.Integer(), nullable=False),
        sa.Column("terminated_quantity", sa.Integer(), nullable=False),
        sa.Column("passed_quantity", sa.Integer(), nullable=False),
        sa.Column("failed_quantity", sa.Integer(), nullable=False),
        sa.Column("returned_quantity", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "passed_quantity >= 0 AND failed_quantity >= 0 AND returned_quantity >= 0",
            name=op.f("ck_purchase_order_lines_qc_counts_not_negative"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "received_quantity >= 0 AND terminated_quantity >= 0",
            name=op.f("ck_purchase_order_lines_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "returned_quantity <= failed_quantity", name=op.f("ck_purchase_order_lines_returned_within_failed")
        ),
        sa.CheckConstraint("tax_rate >= 0 AND tax_rate < 1", name=op.f("ck_purchase_order_lines_tax_rate_fraction")),
        sa.CheckConstraint(
            "terminated_quantity <= quantity", name=op.f("ck_purchase_order_lines_terminated_within_ordered")
        ),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_purchase_order_lines_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_purchase_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["catalog_skus.id"], name=op.f("fk_purchase_order_lines_sku_id_catalog_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
    )
    op.create_index(
        op.f("ix_purchase_order_lines_tenant_id_purchase_order_id_position"),
        "purchase_order_lines",
        ["tenant_id", "purchase_order_id", "position"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_order_lines_tenant_id_sku_id"), "purchase_order_lines", ["tenant_id", "sku_id"], unique=False
    )
    op.create_table(
        "purchase_order_trackings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_trackings_purchase_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_trackings")),
        sa.UniqueConstraint(
            "tenant_id",
            "purchase_order_id",
            "tracking_number",
            name=op.f("uq_purchase_order_trackings_tenant_id_purchase_order_id_tracking_number"),
        ),
    )
    op.create_index(
        op.f("ix_purchase_order_trackings_tenant_id_tracking_number"),
        "purchase_order_trackings",
        ["tenant_id", "tracking_number"],
        unique=False,
    )
    op.create_table(
        "purchase_receipts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("received_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=200), nullable=False),
        sa.Column("inspected_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_receipts_purchase_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_purchase_receipts_warehouse_id_inventory_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_receipts")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_purchase_receipts_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_purchase_receipts_tenant_id_purchase_order_id"),
        "purchase_receipts",
        ["tenant_id", "purchase_order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_receipts_tenant_id_status_received_at"),
        "purchase_receipts",
        ["tenant_id", "status", "received_at"],
        unique=False,
    )
    op.create_table(
        "purchase_returns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("shipped_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shipped_by", sa.String(length=200), nullable=True),
        sa.Column("cancelled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_returns_purchase_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_returns_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_purchase_returns_warehouse_id_inventory_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_returns")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_purchase_returns_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_purchase_returns_tenant_id_purchase_order_id"),
        "purchase_returns",
        ["tenant_id", "purchase_order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_returns_tenant_id_status_created_at"),
        "purchase_returns",
        ["tenant_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "purchase_receipt_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("receipt_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("purchase_order_line_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=19, scale=6), nullable=False),
        sa.Column("value", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("qc_status", sa.String(length=16), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("passed_quantity", sa.Integer(), nullable=True),
        sa.Column("failed_quantity", sa.Integer(), nullable=True),
        sa.Column(
            "defect_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("inspected_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("inspected_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "qc_status <> 'inspected' OR passed_quantity + failed_quantity = quantity",
            name=op.f("ck_purchase_receipt_lines_inspected_adds_up"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_receipt_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_purchase_receipt_lines_location_id_inventory_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_purchase_receipt_lines_purchase_order_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["purchase_receipts.id"],
            name=op.f("fk_purchase_receipt_lines_receipt_id_purchase_receipts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["catalog_skus.id"], name=op.f("fk_purchase_receipt_lines_sku_id_catalog_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_receipt_lines")),
    )
    op.create_index(
        op.f("ix_purchase_receipt_lines_tenant_id_purchase_order_line_id"),
        "purchase_receipt_lines",
        ["tenant_id", "purchase_order_line_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_receipt_lines_tenant_id_receipt_id_position"),
        "purchase_receipt_lines",
        ["tenant_id", "receipt_id", "position"],
        unique=False,
    )
    op.create_table(
        "purchase_return_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("return_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("purchase_order_line_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=19, scale=6), nullable=False),
        sa.Column("value", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_return_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["purchase_order_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_purchase_return_lines_purchase_order_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["purchase_returns.id"],
            name=op.f("fk_purchase_return_lines_return_id_purchase_returns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["catalog_skus.id"], name=op.f("fk_purchase_return_lines_sku_id_catalog_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_return_lines")),
    )
    op.create_index(
        op.f("ix_purchase_return_lines_tenant_id_return_id_position"),
        "purchase_return_lines",
        ["tenant_id", "return_id", "position"],
        unique=False,
    )
    op.create_table(
        "purchasing_stocking_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_order_line_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchasing_stocking_requests_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchasing_stocking_requests_purchase_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_purchasing_stocking_requests_purchase_order_line_id_purchase_order_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["catalog_skus.id"], name=op.f("fk_purchasing_stocking_requests_sku_id_catalog_skus")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchasing_stocking_requests_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_purchasing_stocking_requests_warehouse_id_inventory_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchasing_stocking_requests")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_purchasing_stocking_requests_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_purchasing_stocking_requests_tenant_id_purchase_order_id"),
        "purchasing_stocking_requests",
        ["tenant_id", "purchase_order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchasing_stocking_requests_tenant_id_sku_id_warehouse_id_status"),
        "purchasing_stocking_requests",
        ["tenant_id", "sku_id", "warehouse_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchasing_stocking_requests_tenant_id_status_needed_by"),
        "purchasing_stocking_requests",
        ["tenant_id", "status", "needed_by"],
        unique=False,
    )
    op.create_table(
        "purchasing_replenishment_suggestions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("shipped_7d", sa.Integer(), nullable=False),
        sa.Column("shipped_14d", sa.Integer(), nullable=False),
        sa.Column("shipped_30d", sa.Integer(), nullable=False),
        sa.Column("days_on_sale", sa.Integer(), nullable=True),
        sa.Column("weight_7d", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("weight_14d", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("weight_30d", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("daily_sales", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("lead_time_source", sa.String(length=16), nullable=False),
        sa.Column("safety_days", sa.Integer(), nullable=False),
        sa.Column("cycle_days", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("qc_pending", sa.Integer(), nullable=False),
        sa.Column("inbound_ordered", sa.Integer(), nullable=False),
        sa.Column("in_transit", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("moq", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("stockout_date", sa.Date(), nullable=True),
        sa.Column("stocking_request_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["purchasing_replenishment_runs.id"],
            name=op.f("fk_purchasing_replenishment_suggestions_run_id_purchasing_replenishment_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["catalog_skus.id"], name=op.f("fk_purchasing_replenishment_suggestions_sku_id_catalog_skus")
        ),
        sa.ForeignKeyConstraint(
            ["stocking_request_id"],
            ["purchasing_stocking_requests.id"],
            name=op.f("fk_purchasing_replenishment_suggestions_stocking_request_id_purchasing_stocking_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_purchasing_replenishment_suggestions_supplier_id_suppliers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory_warehouses.id"],
            name=op.f("fk_purchasing_replenishment_suggestions_warehouse_id_inventory_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchasing_replenishment_suggestions")),
    )
    op.create_index(
        op.f("ix_purchasing_replenishment_suggestions_tenant_id_run_id_status"),
        "purchasing_replenishment_suggestions",
        ["tenant_id", "run_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchasing_replenishment_suggestions_tenant_id_sku_id_warehouse_id"),
        "purchasing_replenishment_suggestions",
        ["tenant_id", "sku_id", "warehouse_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_purchasing_replenishment_suggestions_tenant_id_sku_id_warehouse_id"),
        table_name="purchasing_replenishment_suggestions",
    )
    op.drop_index(
        op.f("ix_purchasing_replenishment_suggestions_tenant_id_run_id_status"),
        table_name="purchasing_replenishment_suggestions",
    )
    op.drop_table("purchasing_replenishment_suggestions")
    op.drop_index(
        op.f("ix_purchasing_stocking_requests_tenant_id_status_needed_by"), table_name="purchasing_stocking_requests"
    )
    op.drop_index(
        op.f("ix_purchasing_stocking_requests_tenant_id_sku_id_warehouse_id_status"),
        table_name="purchasing_stocking_requests",
    )
    op.drop_index(
        op.f("ix_purchasing_stocking_requests_tenant_id_purchase_order_id"), table_name="purchasing_stocking_requests"
    )
    op.drop_table("purchasing_stocking_requests")
    op.drop_index(op.f("ix_purchase_return_lines_tenant_id_return_id_position"), table_name="purchase_return_lines")
    op.drop_table("purchase_return_lines")
    op.drop_index(op.f("ix_purchase_receipt_lines_tenant_id_receipt_id_position"), table_name="purchase_receipt_lines")
    op.drop_index(
        op.f("ix_purchase_receipt_lines_tenant_id_purchase_order_line_id"), table_name="purchase_receipt_lines"
    )
    op.drop_table("purchase_receipt_lines")
    op.drop_index(op.f("ix_purchase_returns_tenant_id_status_created_at"), table_name="purchase_returns")
    op.drop_index(op.f("ix_purchase_returns_tenant_id_purchase_order_id"), table_name="purchase_returns")
    op.drop_table("purchase_returns")
    op.drop_index(op.f("ix_purchase_receipts_tenant_id_status_received_at"), table_name="purchase_receipts")
    op.drop_index(op.f("ix_purchase_receipts_tenant_id_purchase_order_id"), table_name="purchase_receipts")
    op.drop_table("purchase_receipts")
    op.drop_index(op.f("ix_purchase_order_trackings_tenant_id_tracking_number"), table_name="purchase_order_trackings")
    op.drop_table("purchase_order_trackings")
    op.drop_index(op.f("ix_purchase_order_lines_tenant_id_sku_id"), table_name="purchase_order_lines")
    op.drop_index(
        op.f("ix_purchase_order_lines_tenant_id_purchase_order_id_position"), table_name="purchase_order_lines"
    )
    op.drop_table("purchase_order_lines")
    op.drop_index(op.f("ix_purchase_orders_tenant_id_supplier_id_created_at"), table_name="purchase_orders")
    op.drop_index(op.f("ix_purchase_orders_tenant_id_status_created_at"), table_name="purchase_orders")
    op.drop_table("purchase_orders")
    op.drop_table("purchasing_settings")
    op.drop_index(
        op.f("ix_purchasing_replenishment_runs_tenant_id_created_at"), table_name="purchasing_replenishment_runs"
    )
    op.drop_table("purchasing_replenishment_runs")
