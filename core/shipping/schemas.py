"""Request and response schemas of the shipping API."""

from __future__ import annotations

from marshmallow import fields, validate

from core.http import Schema
from core.shipping.models import STATUSES, TRACKING_STATUSES, Shipment, ShipmentParcel, ShippingSettings

FORMATS = ("PDF", "ZPL")


class ShipmentQuerySchema(Schema):
    __model__ = Shipment

    status = fields.String(validate=validate.OneOf(STATUSES))
    tracking_status = fields.String(validate=validate.OneOf(TRACKING_STATUSES))
    carrier = fields.String()
    q = fields.String(metadata={"description": "Shipment, order or tracking number (part of it)"})
    batch_id = fields.UUID()


class LabelInSchema(Schema):
    __model__ = Shipment

    connection_id = fields.UUID(
        load_default=None, metadata={"description": "Buy from this carrier connection (default: rate shop all)"}
    )
    service = fields.String(load_default=None, metadata={"description": "This service of the carrier only"})
    label_format = fields.String(load_default=None, validate=validate.OneOf(FORMATS))


class QuoteInSchema(Schema):
    __model__ = Shipment

    connection_id = fields.UUID(load_default=None)
    service = fields.String(load_default=None)


class HandOverInSchema(Schema):
    __model__ = ShipmentParcel

    weight_g = fields.Integer(load_default=None, metadata={"description": "Weighed at the scale"})


class PackInSchema(Schema):
    __model__ = ShipmentParcel

    scans = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "SKU codes or barcodes as scanned, one per unit"},
    )
    weight_g = fields.Integer(load_default=None, metadata={"description": "The packed parcel on the scale"})


class PickInSchema(Schema):
    picked = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        values=fields.Integer(validate=validate.Range(min=0, max=1_000_000)),
        required=True,
        metadata={"description": "Units picked per SKU code"},
    )


class BatchInSchema(Schema):
    order_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=1000))
    label_format = fields.String(load_default=None, validate=validate.OneOf(FORMATS))
    connection_id = fields.UUID(load_default=None)


class PickListInSchema(Schema):
    order_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=1000))


class PackingSlipInSchema(Schema):
    order_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))
    locale = fields.String(
        load_default="en", validate=validate.OneOf(("en", "zh-CN")), metadata={"description": "en or zh-CN"}
    )


class PrintQuerySchema(Schema):
    format = fields.String(load_default="PDF", validate=validate.OneOf(FORMATS))


class ParcelSchema(Schema):
    position = fields.Integer()
    weight_g = fields.Integer()
    length_cm = fields.Decimal(as_string=True)
    width_cm = fields.Decimal(as_string=True)
    height_cm = fields.Decimal(as_string=True)
    contents = fields.List(fields.Dict())


class QuoteSchema(Schema):
    id = fields.UUID()
    connection_id = fields.UUID(allow_none=True)
    carrier = fields.String()
    service = fields.String()
    amount = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String()
    transit_days = fields.Integer(allow_none=True)
    eligible = fields.Boolean()
    note = fields.String()
    chosen = fields.Boolean()


class LabelSchema(Schema):
    tracking_number = fields.String()
    format = fields.String(metadata={"description": "Of the carrier's original bytes (UPS: GIF)"})
    print_format = fields.String(metadata={"description": "Of what prints: PDF or ZPL"})
    size = fields.String()
    cost = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String()
    voided_at = fields.DateTime(allow_none=True)
    printed_count = fields.Integer()


class TrackingEventSchema(Schema):
    occurred_at = fields.DateTime()
    status = fields.String()
    code = fields.String()
    description = fields.String()
    location = fields.String()


class DocumentSchema(Schema):
    kind = fields.String()
    number = fields.String()


class ShipmentSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    reference = fields.String()
    order_id = fields.UUID()
    order_number = fields.String()
    warehouse_id = fields.UUID(allow_none=True)
    connection_id = fields.UUID(allow_none=True)
    carrier = fields.String()
    service = fields.String()
    status = fields.String()
    international = fields.Boolean()
    ship_to = fields.Dict()
    amount = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String()
    transit_days = fields.Integer(allow_none=True)
    choice = fields.Dict()
    customs = fields.Dict()
    label_format = fields.String()
    tracking_number = fields.String()
    tracking_url = fields.String()
    tracking_status = fields.String()
    error = fields.String(allow_none=True)
    batch_id = fields.UUID(allow_none=True)
    label_bought_at = fields.DateTime(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    packed_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    last_tracked_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    parcels = fields.List(fields.Nested(ParcelSchema))


class ShipmentDetailSchema(ShipmentSchema):
    quotes = fields.List(fields.Nested(QuoteSchema))
    label = fields.Nested(LabelSchema, allow_none=True)
    documents = fields.List(fields.Nested(DocumentSchema))
    events = fields.List(fields.Nested(TrackingEventSchema))


class BatchSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String()
    job_id = fields.UUID(allow_none=True)
    progress = fields.Integer()
    label_format = fields.String()
    summary = fields.Dict(metadata={"description": "orders, bought and failed, counted"})
    created_at = fields.DateTime()


class BatchItemSchema(Schema):
    order_id = fields.UUID()
    order_number = fields.String()
    status = fields.String(metadata={"description": "waiting, bought or failed"})
    shipment_id = fields.UUID(allow_none=True)
    tracking_number = fields.String()
    error = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields")


class BatchDetailSchema(BatchSchema):
    items = fields.List(fields.Nested(BatchItemSchema))


class RateRuleSchema(Schema):
    name = fields.String(validate=validate.Length(max=100))
    strategy = fields.String(required=True)
    days = fields.Integer(validate=validate.Range(min=1, max=60))
    services = fields.List(fields.String(validate=validate.Length(max=120)))
    exclude = fields.List(fields.String(validate=validate.Length(max=120)))
    countries = fields.List(fields.String(validate=validate.Length(max=2)))
    min_weight_g = fields.Integer(validate=validate.Range(min=0, max=10_000_000))
    max_weight_g = fields.Integer(validate=validate.Range(min=0, max=10_000_000))
    max_value = fields.Decimal(as_string=True, validate=validate.Range(min=0, max=10**12))
    ddp = fields.Boolean()


class ShippingSettingsSchema(Schema):
    __model__ = ShippingSettings

    rate_rules = fields.List(fields.Nested(RateRuleSchema), validate=validate.Length(max=50))
    label_format = fields.String(validate=validate.OneOf(FORMATS))
    incoterm = fields.String(validate=validate.OneOf(("DAP", "DDP")))
    export_reason = fields.String()
    eori = fields.String()
    ioss = fields.String()
    vat_number = fields.String()
    weight_tolerance_pct = fields.Integer(validate=validate.Range(min=0, max=100))
