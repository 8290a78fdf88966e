"""Request and response schemas of the orders API."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from core.http import Schema
from core.orders.models import (
    FULFILMENTS,
    HOLD_TYPES,
    STATUSES,
    Order,
    OrderHold,
    OrderLine,
    OrderRefund,
    OrderReturn,
    OrderSettings,
    OrderShipment,
    OrderView,
)
from core.orders.service.aftersales import AFTER_TYPES, METHODS
from core.orders.service.bulk import ACTIONS
from core.orders.service.fulfilment import DOCUMENTS


def _dec(**kw: Any) -> fields.Decimal:
    return fields.Decimal(as_string=True, allow_none=True, **kw)


# --- requests ----------------------------------------------------------------------------------


class OrderQuerySchema(Schema):
    status = fields.String(metadata={"description": "One status or several, comma-separated: " + ", ".join(STATUSES)})
    channel = fields.String(metadata={"description": 'Channel plugin name, or "manual"'})
    connection_id = fields.UUID(metadata={"description": "The shop (channel connection)"})
    sku = fields.String(metadata={"description": "Local SKU code or channel seller SKU"})
    country = fields.String(metadata={"description": "Destination, ISO 3166 alpha-2"})
    date_from = fields.Date(metadata={"description": "Purchased on or after (UTC day)"})
    date_to = fields.Date(metadata={"description": "Purchased on or before (UTC day)"})
    buyer = fields.String(
        metadata={"description": "The buyer's e-mail, whole or its beginning, in any case (needs orders:pii)"}
    )
    tag = fields.String()
    hold_type = fields.String(validate=validate.OneOf(HOLD_TYPES))
    q = fields.String(
        metadata={"description": "Start of the order number or channel order id, as typed, upper- or lower-cased"}
    )
    fulfilment = fields.String(validate=validate.OneOf(FULFILMENTS))
    warehouse_id = fields.UUID()
    order_ids = fields.String(metadata={"description": "Chosen orders, comma-separated ids (e.g. to export them)"})


class OrderAddressInSchema(Schema):
    name = fields.String()
    company = fields.String()
    line1 = fields.String()
    line2 = fields.String()
    line3 = fields.String()
    city = fields.String()
    state = fields.String()
    postal_code = fields.String()
    country = fields.String(metadata={"description": "ISO 3166 alpha-2"})
    phone = fields.String()
    email = fields.String()


class OrderBuyerInSchema(Schema):
    name = fields.String()
    email = fields.String()
    phone = fields.String()


class OrderLineInSchema(Schema):
    __model__ = OrderLine

    sku = fields.String(metadata={"description": "Local SKU code (or give sku_id)"})
    sku_id = fields.UUID()
    title = fields.String()
    quantity = fields.Integer(required=True)
    unit_price = fields.Raw(metadata={"description": 'Decimal as a string, e.g. "19.90"'})
    item_tax = fields.Raw()
    shipping_price = fields.Raw()
    shipping_tax = fields.Raw()
    discount = fields.Raw()


class OrderInSchema(Schema):
    __model__ = Order

    currency = fields.String(required=True)
    external_order_id = fields.String(metadata={"description": "Your reference for an offline order (unique)"})
    marketplace = fields.String()
    purchased_at = fields.AwareDateTime()
    buyer = fields.Nested(OrderBuyerInSchema)
    shipping_address = fields.Nested(OrderAddressInSchema, required=True)
    shipping_service = fields.String()
    buyer_remarks = fields.String()
    seller_note = fields.String()
    tags = fields.List(fields.String())
    prices_include_tax = fields.Boolean()
    shipping = fields.Raw(metadata={"description": "Order-level shipping, spread over the lines"})
    discount = fields.Raw(metadata={"description": "Order-level discount, spread over the lines"})
    lines = fields.List(fields.Nested(OrderLineInSchema), required=True)


class OrderPatchSchema(Schema):
    __model__ = Order

    shipping_address = fields.Nested(OrderAddressInSchema)
    shipping_service = fields.String()
    seller_note = fields.String()
    tags = fields.List(fields.String())


class OrderNoteSchema(Schema):
    note = fields.String(load_default="")


class OrderReasonSchema(Schema):
    reason = fields.String(required=True)


class OrderProblemInSchema(Schema):
    sku = fields.String()
    quantity = fields.Integer()
    message = fields.String()


class OrderHoldInSchema(Schema):
    __model__ = OrderHold

    reason = fields.String(required=True)
    type = fields.String(load_default="manual", validate=validate.OneOf(HOLD_TYPES))
    problems = fields.List(fields.Nested(OrderProblemInSchema), load_default=list)


class OrderPartLineSchema(Schema):
    line_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True)


class OrderSplitInSchema(Schema):
    parts = fields.List(
        fields.List(fields.Nested(OrderPartLineSchema)),
        required=True,
        metadata={"description": "Each part becomes a child order; units not listed form one more"},
    )
    reason = fields.String(load_default="")


class OrderMergeInSchema(Schema):
    order_ids = fields.List(fields.UUID(), required=True)
    note = fields.String(load_default="")


class OrderPrintInSchema(Schema):
    document = fields.String(load_default="label", validate=validate.OneOf(DOCUMENTS))


class OrderShipInSchema(Schema):
    __model__ = OrderShipment

    carrier = fields.String(required=True)
    service = fields.String(load_default="")
    tracking_number = fields.String(load_default="")
    weight_g = fields.Integer(allow_none=True)
    length_cm = fields.Raw(allow_none=True)
    width_cm = fields.Raw(allow_none=True)
    height_cm = fields.Raw(allow_none=True)
    shipped_at = fields.AwareDateTime(allow_none=True)


class OrderDeliverInSchema(Schema):
    delivered_at = fields.AwareDateTime(allow_none=True)


class OrderRefundInSchema(Schema):
    __model__ = OrderRefund

    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reason = fields.String(required=True)
    amount = fields.Raw(allow_none=True, metadata={"description": "Decimal string; default: what the lines are worth"})
    lines = fields.List(fields.Nested(OrderPartLineSchema), load_default=None, allow_none=True)
    type = fields.String(allow_none=True, validate=validate.OneOf(("cancellation", *AFTER_TYPES)))
    evidence = fields.List(fields.String(), load_default=list)
    return_id = fields.UUID(allow_none=True)
    external_refund_id = fields.String(allow_none=True)


class OrderReturnInSchema(Schema):
    __model__ = OrderReturn

    lines = fields.List(fields.Nested(OrderPartLineSchema), required=True)
    reason = fields.String(required=True)
    carrier = fields.String(load_default="")
    tracking_number = fields.String(load_default="")
    warehouse_id = fields.UUID(allow_none=True)


class OrderReturnPatchSchema(Schema):
    __model__ = OrderReturn

    carrier = fields.String()
    tracking_number = fields.String()


class OrderInspectionSchema(Schema):
    line_id = fields.UUID(required=True)
    restock = fields.Integer(load_default=0)
    damaged = fields.Integer(load_default=0)
    note = fields.String(load_default="")


class OrderReceiveInSchema(Schema):
    inspection = fields.List(fields.Nested(OrderInspectionSchema), required=True)
    warehouse_id = fields.UUID(allow_none=True)


class OrderBulkInSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    order_ids = fields.List(fields.UUID(), required=True)
    reason = fields.String(load_default="")
    note = fields.String(load_default="")
    type = fields.String(load_default="manual", validate=validate.OneOf(HOLD_TYPES))


class OrderViewInSchema(Schema):
    __model__ = OrderView

    name = fields.String(required=True)
    filters = fields.Dict(required=True)
    shared = fields.Boolean(load_default=False)


class OrderSettingsInSchema(Schema):
    __model__ = OrderSettings

    review_rules = fields.List(fields.Dict())
    auto_allocate = fields.Boolean()
    allocation_policy = fields.String(validate=validate.OneOf(("split", "hold")))
    warehouse_ids = fields.List(fields.UUID())
    shipping_costs = fields.List(fields.Dict())
    split_attributes = fields.List(fields.String())
    package_limits = fields.Dict()
    value_limits = fields.List(fields.Dict())


# --- responses ---------------------------------------------------------------------------------


class OrderAmountsSchema(Schema):
    goods = _dec()
    tax = _dec()
    shipping = _dec()
    discount = _dec()
    total = _dec()
    refunded = _dec()


class OrderBuyerSchema(OrderBuyerInSchema):
    pass


class OrderAddressSchema(OrderAddressInSchema):
    source = fields.String(metadata={"description": "channel, or staff once corrected by hand"})


class OrderHoldSchema(Schema):
    id = fields.UUID()
    type = fields.String()
    source = fields.String()
    reason = fields.String()
    problems = fields.List(fields.Dict())
    held_from = fields.String()
    created_at = fields.DateTime()
    released_at = fields.DateTime(allow_none=True)
    released_by = fields.String()
    release_note = fields.String()


class OrderSummarySchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String()
    channel = fields.String()
    connection_id = fields.UUID(allow_none=True)
    marketplace = fields.String()
    external_order_id = fields.String(allow_none=True)
    external_number = fields.String()
    external_status = fields.String()
    purchased_at = fields.DateTime()
    fulfilment = fields.String()
    parent_id = fields.UUID(allow_none=True)
    merged_into_id = fields.UUID(allow_none=True)
    buyer = fields.Nested(OrderBuyerSchema, metadata={"description": "Masked without orders:pii"})
    ship_country = fields.String()
    currency = fields.String()
    amounts = fields.Nested(OrderAmountsSchema)
    tags = fields.List(fields.String())
    warehouse_id = fields.UUID(allow_none=True)
    hold = fields.Nested(OrderHoldSchema, allow_none=True)
    review_note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrderLineSchema(Schema):
    id = fields.UUID()
    position = fields.Integer()
    parent_line_id = fields.UUID(allow_none=True)
    external_order_id = fields.String(allow_none=True)
    external_line_id = fields.String()
    seller_sku = fields.String()
    title = fields.String()
    sku_id = fields.UUID(allow_none=True)
    sku_code = fields.String()
    kit_type = fields.String(allow_none=True)
    units_per_item = fields.Integer()
    quantity = fields.Integer()
    quantity_cancelled = fields.Integer()
    quantity_shipped = fields.Integer()
    quantity_returned = fields.Integer()
    quantity_refunded = fields.Integer()
    unit_price = _dec()
    item_amount = _dec()
    item_tax = _dec()
    shipping = _dec()
    shipping_tax = _dec()
    discount = _dec()
    promotion = _dec()
    total = _dec()
    refunded = _dec()


class OrderRelatedSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String()


class OrderShipmentSchema(Schema):
    id = fields.UUID()
    carrier = fields.String()
    service = fields.String()
    tracking_number = fields.String()
    weight_g = fields.Integer(allow_none=True)
    length_cm = _dec()
    width_cm = _dec()
    height_cm = _dec()
    shipped_at = fields.DateTime()
    by_platform = fields.Boolean()
    warehouse_id = fields.UUID(allow_none=True)
    lines = fields.List(fields.Dict())
    cost_value = _dec()
    cost_currency = fields.String()


class OrderRefundSchema(Schema):
    id = fields.UUID()
    method = fields.String()
    type = fields.String()
    amount = _dec()
    currency = fields.String()
    reason = fields.String()
    lines = fields.List(fields.Dict())
    evidence = fields.List(fields.String())
    return_id = fields.UUID(allow_none=True)
    external_refund_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class OrderReturnSchema(Schema):
    id = fields.UUID()
    order_id = fields.UUID()
    number = fields.String()
    status = fields.String()
    reason = fields.String()
    carrier = fields.String()
    tracking_number = fields.String()
    warehouse_id = fields.UUID(allow_none=True)
    lines = fields.List(fields.Dict())
    inspection = fields.List(fields.Dict())
    received_at = fields.DateTime(allow_none=True)
    value_restocked = _dec()
    value_damaged = _dec()
    cost_currency = fields.String()
    created_at = fields.DateTime()


class OrderSchema(OrderSummarySchema):
    shipping_address = fields.Nested(OrderAddressSchema)
    shipping_service = fields.String()
    buyer_remarks = fields.String()
    seller_note = fields.String()
    prices_include_tax = fields.Boolean()
    reported_total = _dec()
    channel_status = fields.String()
    cancel_reason = fields.String()
    shipped_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))
    holds = fields.List(fields.Nested(OrderHoldSchema))
    children = fields.List(fields.Nested(OrderRelatedSchema))
    merged_from = fields.List(fields.Nested(OrderRelatedSchema))
    shipments = fields.List(fields.Nested(OrderShipmentSchema))
    refunds = fields.List(fields.Nested(OrderRefundSchema))
    returns = fields.List(fields.Nested(OrderReturnSchema))


class OrderSplitResultSchema(Schema):
    parent = fields.Nested(OrderSchema)
    children = fields.List(fields.Nested(OrderSchema))


class OrderActivitySchema(Schema):
    id = fields.UUID()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    message = fields.String()
    message_code = fields.String(allow_none=True, metadata={"description": "the message's stable code (docs/api.md)"})
    message_params = fields.Dict(allow_none=True, metadata={"description": "the parameters of that code"})
    actor = fields.String()
    data = fields.Dict(attribute="details")
    created_at = fields.DateTime()


class OrderStockRowSchema(Schema):
    sku_id = fields.UUID()
    sku_code = fields.String()
    warehouse_id = fields.UUID()
    warehouse_code = fields.String()
    warehouse_type = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()


class OrderBulkResultSchema(Schema):
    order_id = fields.UUID()
    number = fields.String(allow_none=True)
    ok = fields.Boolean()
    status = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class OrderCandidateGroupSchema(Schema):
    orders = fields.List(fields.Nested(OrderSummarySchema))


class OrderViewSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    shared = fields.Boolean()
    filters = fields.Dict()
    created_at = fields.DateTime()


class OrderSettingsSchema(OrderSettingsInSchema):
    warehouse_ids = fields.List(fields.String())
    functional_currency = fields.String()
