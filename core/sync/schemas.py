"""Request and response schemas of the channel sync API."""

from __future__ import annotations

from marshmallow import fields, validate

from core.http import Schema
from core.sync.models import SyncSettings
from core.sync.rules import INTEGER_RULES
from core.sync.service import PUSH_STATUSES, RUN_STATUSES


def _range(name: str) -> validate.Range:
    low, high = INTEGER_RULES[name]
    return validate.Range(min=low, max=high)


class SyncSettingsSchema(Schema):
    connection_id = fields.UUID(dump_only=True)
    interval_minutes = fields.Integer(
        validate=_range("interval_minutes"),
        metadata={"description": "Minutes between scheduled syncs; 0 syncs only on demand and by webhook"},
    )
    overlap_seconds = fields.Integer(
        validate=_range("overlap_seconds"),
        metadata={
            "description": "Each window starts this long before the last one ended (clock skew, changes stamped late)"
        },
    )
    first_sync_days = fields.Integer(
        validate=_range("first_sync_days"), metadata={"description": "How far back the first sync reaches"}
    )
    push_shipments = fields.Boolean()
    push_stock = fields.Boolean()
    stock_buffer = fields.Integer(
        validate=_range("stock_buffer"), metadata={"description": "Units held back from the channel"}
    )
    stock_percent = fields.Integer(
        validate=_range("stock_percent"), metadata={"description": "Share of what is left that the channel shows"}
    )
    stock_maximum = fields.Integer(
        allow_none=True,
        validate=_range("stock_maximum"),
        metadata={"description": "Most a listing shows; null for no cap"},
    )
    zero_out_level = fields.Integer(
        validate=_range("zero_out_level"), metadata={"description": "At or below this availability the listing shows 0"}
    )
    warehouse_ids = fields.List(
        fields.UUID(),
        allow_none=True,
        metadata={"description": "Warehouses feeding the listings; null for every active merchant warehouse"},
    )
    webhook_url = fields.String(dump_only=True, allow_none=True)
    webhook_topics = fields.List(fields.String(), dump_only=True, allow_none=True)
    high_water = fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "End of the last window whose orders are all in"}
    )
    window_in_progress = fields.Dict(dump_only=True, allow_none=True)


class SyncSettingsInSchema(SyncSettingsSchema):
    """The writable rules (every one optional: a PATCH changes only what it names)."""

    __model__ = SyncSettings


class SyncRunSchema(Schema):
    id = fields.UUID()
    connection_id = fields.UUID()
    job_id = fields.UUID(allow_none=True)
    trigger = fields.String()
    status = fields.String(metadata={"description": " | ".join(RUN_STATUSES)})
    progress = fields.Integer(metadata={"description": "Percent of the window behind the newest change seen"})
    progress_message = fields.String()
    window_start = fields.DateTime(allow_none=True)
    window_end = fields.DateTime(allow_none=True)
    resumed = fields.Boolean()
    pages = fields.Integer()
    orders_seen = fields.Integer()
    orders_created = fields.Integer()
    orders_updated = fields.Integer()
    orders_unchanged = fields.Integer()
    orders_rejected = fields.Integer()
    error_count = fields.Integer()
    errors = fields.List(fields.Dict())
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    duration_ms = fields.Integer()
    remote_ms = fields.Integer()
    store_ms = fields.Integer()


class SyncRunQuerySchema(Schema):
    connection_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(RUN_STATUSES))


class SyncJobSchema(Schema):
    job_id = fields.UUID()
    status = fields.String()


class StockPushInSchema(Schema):
    force = fields.Boolean(
        load_default=True, metadata={"description": "Push every listing, not only those whose quantity changed"}
    )


class ListingStockSchema(Schema):
    seller_sku = fields.String()
    sku_id = fields.UUID(allow_none=True)
    sku_code = fields.String(allow_none=True)
    units_per_listing = fields.Integer()
    mapping_id = fields.UUID(allow_none=True)
    local_available = fields.Integer()
    available = fields.Integer()
    quantity = fields.Integer(allow_none=True, metadata={"description": "What the rules publish; null: unmapped"})
    problem = fields.String()
    last_quantity = fields.Integer(allow_none=True)
    last_pushed_at = fields.DateTime(allow_none=True)
    last_ok = fields.Boolean(allow_none=True)
    last_message = fields.String()


class SyncPushSchema(Schema):
    id = fields.UUID()
    connection_id = fields.UUID()
    kind = fields.String()
    status = fields.String(metadata={"description": " | ".join(PUSH_STATUSES)})
    order_id = fields.UUID(allow_none=True)
    external_order_id = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    listings = fields.Integer()
    failed = fields.Integer()
    attempts = fields.Integer()
    message = fields.String()
    details = fields.List(fields.Dict())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SyncPushQuerySchema(Schema):
    connection_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(("shipment", "stock")))
    status = fields.String(validate=validate.OneOf(PUSH_STATUSES))


class WebhookReceiptSchema(Schema):
    id = fields.UUID()
    topic = fields.String()
    delivery_id = fields.String()
    external_order_id = fields.String(allow_none=True)
    outcome = fields.String()
    message = fields.String()
    created_at = fields.DateTime()


class WebhookSubscriptionSchema(Schema):
    webhook_url = fields.String()
    webhook_topics = fields.List(fields.String())
    webhooks_subscribed_at = fields.DateTime()
