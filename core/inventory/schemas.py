"""Request and response schemas of the inventory API."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from core.http import Schema
from core.inventory.models import (
    STOCKTAKE_STATUSES,
    TRANSFER_STATUSES,
    WAREHOUSE_TYPES,
    Borrowing,
    KitOrder,
    Location,
    SkuSetting,
    StockMovement,
    Stocktake,
    StocktakeLine,
    Transfer,
    TransferBox,
    TransferLine,
    Warehouse,
)
from core.money import Money, is_currency
from core.validation import Currency


def Quantity(**kw: Any) -> fields.Integer:  # noqa: N802 - reads like a field class
    return fields.Integer(validate=validate.Range(min=1), strict=True, **kw)


def Count(**kw: Any) -> fields.Integer:  # noqa: N802
    return fields.Integer(validate=validate.Range(min=0), strict=True, **kw)


def _dec(**kw: Any) -> fields.Decimal:
    return fields.Decimal(as_string=True, **kw)


class CostSchema(Schema):
    """An amount with its ISO 4217 currency: {"amount": "12.50", "currency": "CNY"}."""

    amount = _dec(required=True, validate=validate.Range(min=0))
    currency = Currency(
        required=True, validate=lambda c: is_currency(c), metadata={"description": "ISO 4217, e.g. CNY, USD"}
    )

    @post_load
    def to_money(self, data: dict[str, Any], **_: Any) -> Money:
        return Money(data["amount"], data["currency"])


# --- warehouses -------------------------------------------------------------------------------


class WarehouseFieldsSchema(Schema):
    __model__ = Warehouse

    code = fields.String(validate=validate.Length(min=1, max=32))
    name = fields.String(validate=validate.Length(min=1, max=200))
    type = fields.String(
        validate=validate.OneOf(WAREHOUSE_TYPES),
        metadata={
            "description": "domestic (self-run), overseas_3pl, platform (e.g. Amazon FBA, one per marketplace), virtual"
        },
    )
    operator = fields.String(validate=validate.Length(max=100), metadata={"description": "3PL or platform programme"})
    marketplace = fields.String(validate=validate.Length(max=32), metadata={"description": "for platform warehouses"})
    connection_id = fields.UUID(allow_none=True)
    priority = fields.Integer(validate=validate.Range(min=0, max=100000), metadata={"description": "lower ships first"})
    active = fields.Boolean()
    country = fields.String(validate=validate.Length(equal=2), metadata={"description": "ISO 3166-1 alpha-2"})
    contact_name = fields.String(validate=validate.Length(max=200))
    company = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=50))
    email = fields.String(validate=validate.Length(max=200))
    address_line1 = fields.String(validate=validate.Length(max=200))
    address_line2 = fields.String(validate=validate.Length(max=200))
    city = fields.String(validate=validate.Length(max=100))
    state = fields.String(validate=validate.Length(max=100))
    postal_code = fields.String(validate=validate.Length(max=20))
    note = fields.String()


class WarehouseCreateSchema(WarehouseFieldsSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(WAREHOUSE_TYPES))
    country = fields.String(required=True, validate=validate.Length(equal=2))


class WarehouseSchema(WarehouseFieldsSchema):
    id = fields.UUID(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class WarehouseQuerySchema(Schema):
    active = fields.Boolean()
    type = fields.String(validate=validate.OneOf(WAREHOUSE_TYPES))
    q = fields.String(metadata={"description": "code or name contains"})


class LocationInSchema(Schema):
    __model__ = Location

    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    active = fields.Boolean(load_default=True)


class LocationUpdateSchema(Schema):
    __model__ = Location

    code = fields.String(validate=validate.Length(min=1, max=32))
    name = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()


class LocationSchema(Schema):
    id = fields.UUID()
    warehouse_id = fields.UUID()
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()


class SkuSettingInSchema(Schema):
    __model__ = SkuSetting

    sku_id = fields.UUID(required=True)
    warehouse_id = fields.UUID(required=True)
    safety_stock = Count()
    location_id = fields.UUID(allow_none=True, metadata={"description": "the SKU's home bin"})


class SkuSettingSchema(Schema):
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    safety_stock = fields.Integer()
    location_id = fields.UUID(allow_none=True)
    below_safety = fields.Boolean()


# --- stock ------------------------------------------------------------------------------------


class StockQuerySchema(Schema):
    warehouse_id = fields.UUID()
    sku_id = fields.UUID()
    q = fields.String(metadata={"description": "SKU code contains"})
    low_stock = fields.Boolean(load_default=False, metadata={"description": "only SKUs below safety stock"})
    include_empty = fields.Boolean(load_default=False)


class StockRowSchema(Schema):
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    warehouse_id = fields.UUID()
    warehouse_code = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer(metadata={"description": "on_hand - reserved"})
    qc_pending = fields.Integer()
    unsellable = fields.Integer()
    inbound_ordered = fields.Integer()
    in_transit = fields.Integer()
    projected = fields.Integer(metadata={"description": "available + inbound_ordered + in_transit"})
    safety_stock = fields.Integer()
    below_safety = fields.Boolean()
    unit_cost = _dec(metadata={"description": "moving weighted average, in currency"})
    stock_value = _dec()
    currency = Currency()


class AvailabilityQuerySchema(Schema):
    sku_id = fields.List(fields.UUID(), required=True)
    warehouse_id = fields.List(fields.UUID())


class BucketsSchema(Schema):
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    qc_pending = fields.Integer()
    unsellable = fields.Integer()
    inbound_ordered = fields.Integer()
    in_transit = fields.Integer()
    projected = fields.Integer()
    stock_value = _dec()
    unit_cost = _dec()
    currency = Currency()
    bundle = fields.Boolean(metadata={"description": "a virtual bundle: available comes from its components"})


class LedgerQuerySchema(Schema):
    sku_id = fields.UUID(required=True)
    warehouse_id = fields.UUID()
    kind = fields.String()


class LedgerRowSchema(Schema):
    id = fields.UUID()
    created_at = fields.DateTime()
    kind = fields.String()
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    warehouse_code = fields.String()
    location_id = fields.UUID(allow_none=True)
    quantity = fields.Integer()
    from_bucket = fields.String(allow_none=True)
    to_bucket = fields.String(allow_none=True)
    on_hand_change = fields.Integer()
    unit_cost = _dec()
    value = _dec()
    currency = Currency()
    doc_type = fields.String()
    doc_id = fields.String()
    doc_number = fields.String()
    doc_line = fields.String()
    reason = fields.String()
    actor = fields.String()
    operation_id = fields.UUID()
    balance_after = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "every bucket of this SKU in this warehouse after the movement"},
    )


class LowStockQuerySchema(Schema):
    warehouse_id = fields.UUID()
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))


class LowStockSchema(Schema):
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    warehouse_id = fields.UUID()
    warehouse_code = fields.String()
    available = fields.Integer()
    safety_stock = fields.Integer()
    inbound = fields.Integer(metadata={"description": "inbound_ordered + in_transit"})
    per_day = _dec(metadata={"description": "units shipped per day over the period"})
    days_of_cover = _dec(allow_none=True)


class AgeQuerySchema(Schema):
    warehouse_id = fields.UUID()


class AgeBandSchema(Schema):
    quantity = fields.Integer()
    value = _dec()


class AgeRowSchema(Schema):
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    warehouse_id = fields.UUID()
    warehouse_code = fields.String()
    quantity = fields.Integer()
    value = _dec()
    oldest_days = fields.Integer()
    bands = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(AgeBandSchema),
        metadata={"description": "0-30, 31-60, 61-90, 90+ days since receipt"},
    )


class InTransitQuerySchema(Schema):
    destination_id = fields.UUID()


class InTransitLineSchema(Schema):
    sku_id = fields.UUID()
    quantity = fields.Integer()
    unit_cost = _dec(allow_none=True)
    value = _dec()


class InTransitSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    number = fields.String()
    status = fields.String()
    source_warehouse_id = fields.UUID()
    destination_warehouse_id = fields.UUID()
    carrier = fields.String()
    tracking_number = fields.String()
    shipped_at = fields.DateTime(allow_none=True)
    expected_at = fields.Date(allow_none=True)
    quantity = fields.Integer()
    value = _dec()
    currency = Currency()
    lines = fields.List(fields.Nested(InTransitLineSchema))


class ReservationQuerySchema(Schema):
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    doc_type = fields.String()
    doc_id = fields.String()
    status = fields.String(validate=validate.OneOf(("open", "closed")), load_default="open")


class ReservationSchema(Schema):
    id = fields.UUID()
    doc_type = fields.String()
    doc_id = fields.String()
    doc_number = fields.String()
    line_ref = fields.String()
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    kit_sku_id = fields.UUID(allow_none=True)
    quantity = fields.Integer()
    released = fields.Integer()
    consumed = fields.Integer()
    picked = fields.Integer()
    open_quantity = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()


class StockLineInSchema(Schema):
    sku_id = fields.UUID(required=True)
    warehouse_id = fields.UUID(required=True)
    quantity = Quantity(required=True)
    unit_cost = fields.Nested(CostSchema, allow_none=True, load_default=None)


class AdjustmentSchema(Schema):
    __model__ = StockMovement

    kind = fields.String(
        required=True,
        validate=validate.OneOf(("opening_balance", "scrap", "requisition")),
        metadata={"description": "opening_balance (in, at unit_cost), scrap (弃置), requisition (领用)"},
    )
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    from_bucket = fields.String(
        load_default="on_hand",
        validate=validate.OneOf(("on_hand", "unsellable", "qc_pending")),
        metadata={"description": "scrap only"},
    )
    location_id = fields.UUID(allow_none=True, load_default=None)
    lines = fields.List(
        fields.Nested(StockLineInSchema),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "A unit cost in another currency is converted at today's rate (/exchange-rates)"},
    )


class PostedLineSchema(Schema):
    ref = fields.String()
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    quantity = fields.Integer()
    unit_cost = _dec()
    value = _dec()
    currency = Currency()


class PostingSchema(Schema):
    operation_id = fields.UUID()
    key = fields.String()
    kind = fields.String()
    replayed = fields.Boolean()
    value = _dec()
    lines = fields.List(fields.Nested(PostedLineSchema))


class PlatformItemSchema(Schema):
    sku_id = fields.UUID(required=True)
    fulfillable = Count(required=True)
    reserved = Count(load_default=0)
    unsellable = Count(load_default=0)
    inbound = Count(load_default=None, allow_none=True)


class PlatformReconciliationSchema(Schema):
    warehouse_id = fields.UUID(required=True)
    reason = fields.String(load_default="platform reconciliation", validate=validate.Length(min=1, max=500))
    items = fields.List(fields.Nested(PlatformItemSchema), required=True, validate=validate.Length(min=1, max=5000))


class VerifySchema(Schema):
    balances = fields.Integer()
    fixed = fields.Boolean()
    drifts = fields.List(fields.Dict())


# --- borrowings ---------------------------------------------------------------------------


class BorrowingInSchema(Schema):
    __model__ = Borrowing

    sku_id = fields.UUID(required=True)
    warehouse_id = fields.UUID(required=True)
    quantity = Quantity(required=True)
    borrower = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_date = fields.Date(allow_none=True, load_default=None)
    note = fields.String(load_default="")


class BorrowingReturnSchema(Schema):
    quantity = Quantity(required=True)
    condition = fields.String(load_default="restock", validate=validate.OneOf(("restock", "damaged")))


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class BorrowingQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(("open", "closed")))
    warehouse_id = fields.UUID()


class BorrowingSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String()
    borrower = fields.String()
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    quantity = fields.Integer()
    returned_quantity = fields.Integer()
    written_off_quantity = fields.Integer()
    outstanding = fields.Integer()
    unit_cost = _dec()
    currency = Currency()
    due_date = fields.Date(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()


# --- transfers and first-leg shipments ----------------------------------------------------


class TransferLineInSchema(Schema):
    __model__ = TransferLine

    sku_id = fields.UUID(required=True)
    quantity = Quantity(required=True)


class TransferCreateSchema(Schema):
    __model__ = Transfer

    source_warehouse_id = fields.UUID(required=True)
    destination_warehouse_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(TransferLineInSchema), required=True, validate=validate.Length(min=1, max=1000))
    shipping_method = fields.String(validate=validate.Length(max=50))
    platform_reference = fields.String(
        validate=validate.Length(max=100), metadata={"description": "the platform's shipment id, e.g. FBA15ABCD123"}
    )
    expected_at = fields.Date(allow_none=True)
    note = fields.String()


class TransferUpdateSchema(Schema):
    __model__ = Transfer

    source_warehouse_id = fields.UUID()
    destination_warehouse_id = fields.UUID()
    lines = fields.List(fields.Nested(TransferLineInSchema), validate=validate.Length(min=1, max=1000))
    carrier = fields.String(validate=validate.Length(max=100))
    tracking_number = fields.String(validate=validate.Length(max=100))
    shipping_method = fields.String(validate=validate.Length(max=50))
    platform_reference = fields.String(validate=validate.Length(max=100))
    expected_at = fields.Date(allow_none=True)
    note = fields.String()


class TransferQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(TRANSFER_STATUSES))
    warehouse_id = fields.UUID(metadata={"description": "source or destination"})
    q = fields.String(metadata={"description": "number, tracking number or platform reference contains"})


class ShipSchema(Schema):
    __model__ = Transfer

    carrier = fields.String(required=True, validate=validate.Length(min=1, max=100))
    tracking_number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    shipping_method = fields.String(validate=validate.Length(max=50))
    expected_at = fields.Date(allow_none=True)
    freight_cost = fields.Nested(CostSchema, allow_none=True, load_default=None)
    duty = fields.Nested(CostSchema, allow_none=True, load_default=None)


class ReceiptLineSchema(Schema):
    sku_id = fields.UUID(required=True)
    quantity = Count(required=True)
    note = fields.String(
        load_default="", validate=validate.Length(max=500), metadata={"description": "what was wrong (a discrepancy)"}
    )


class ReceiveSchema(Schema):
    __model__ = Transfer

    receipts = fields.List(fields.Nested(ReceiptLineSchema), load_default=list)
    complete = fields.Boolean(
        load_default=False,
        metadata={"description": "this is the last receipt: post whatever is still outstanding as a shortfall"},
    )
    shortfall_reason = fields.String(load_default="", validate=validate.Length(max=500))
    to_qc = fields.Boolean(load_default=False, metadata={"description": "receive into qc_pending"})
    location_id = fields.UUID(allow_none=True, load_default=None)


class CancelSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class BoxContentSchema(Schema):
    sku_id = fields.UUID(required=True)
    quantity = Quantity(required=True)


class BoxInSchema(Schema):
    __model__ = TransferBox

    count = Quantity(load_default=1, metadata={"description": "identical cartons"})
    length_cm = _dec(required=True, validate=validate.Range(min=0, min_inclusive=False))
    width_cm = _dec(required=True, validate=validate.Range(min=0, min_inclusive=False))
    height_cm = _dec(required=True, validate=validate.Range(min=0, min_inclusive=False))
    weight_kg = _dec(required=True, validate=validate.Range(min=0, min_inclusive=False))
    contents = fields.List(fields.Nested(BoxContentSchema), required=True, validate=validate.Length(min=1))


class BoxesSchema(Schema):
    boxes = fields.List(fields.Nested(BoxInSchema), required=True, validate=validate.Length(min=1, max=500))


class BoxSchema(Schema):
    position = fields.Integer()
    count = fields.Integer()
    length_cm = _dec()
    width_cm = _dec()
    height_cm = _dec()
    weight_kg = _dec()
    contents = fields.List(fields.Dict())


class TransferLineSchema(Schema):
    id = fields.UUID()
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    shortfall_quantity = fields.Integer()
    outstanding = fields.Integer()
    unit_cost = _dec(allow_none=True)
    note = fields.String()


class TransferSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    number = fields.String()
    status = fields.String()
    source_warehouse_id = fields.UUID()
    destination_warehouse_id = fields.UUID()
    carrier = fields.String()
    tracking_number = fields.String()
    shipping_method = fields.String()
    platform_reference = fields.String()
    freight_cost = _dec()
    duty = _dec()
    cost_currency = Currency(allow_none=True)
    expected_at = fields.Date(allow_none=True)
    allocated_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    shortfall_reason = fields.String()
    note = fields.String()
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(TransferLineSchema))
    boxes = fields.List(fields.Nested(BoxSchema))


# --- stocktakes -----------------------------------------------------------------------------


class StocktakeCreateSchema(Schema):
    __model__ = Stocktake

    warehouse_id = fields.UUID(required=True)
    scope = fields.String(load_default="cycle", validate=validate.OneOf(("cycle", "spot")))
    sku_ids = fields.List(fields.UUID(), load_default=list)
    location_ids = fields.List(fields.UUID(), load_default=list)
    note = fields.String(load_default="")


class StocktakeQuerySchema(Schema):
    warehouse_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(STOCKTAKE_STATUSES))


class CountInSchema(Schema):
    __model__ = StocktakeLine

    sku_id = fields.UUID(required=True)
    counted = Count(required=True)


class CountsSchema(Schema):
    counts = fields.List(fields.Nested(CountInSchema), required=True, validate=validate.Length(min=1, max=10000))


class StocktakeLineSchema(Schema):
    id = fields.UUID()
    sku_id = fields.UUID()
    sku_code = fields.String(allow_none=True)
    location_id = fields.UUID(allow_none=True)
    location_code = fields.String(allow_none=True)
    snapshot_on_hand = fields.Integer()
    snapshot_picked = fields.Integer()
    counted = fields.Integer(allow_none=True)
    book_at_count = fields.Integer(allow_none=True)
    picked_at_count = fields.Integer(allow_none=True)
    expected_shelf = fields.Integer(allow_none=True)
    variance = fields.Integer(allow_none=True)
    unit_cost = _dec(allow_none=True)
    value = _dec(allow_none=True)
    counted_at = fields.DateTime(allow_none=True)
    counted_by = fields.String()


class StocktakeSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    warehouse_id = fields.UUID()
    scope = fields.String()
    status = fields.String()
    started_at = fields.DateTime(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    gain_value = _dec()
    loss_value = _dec()
    currency = Currency()
    uncounted = fields.Integer()
    lines = fields.List(fields.Nested(StocktakeLineSchema))


class StocktakeSummarySchema(Schema):
    id = fields.UUID()
    number = fields.String()
    warehouse_id = fields.UUID()
    scope = fields.String()
    status = fields.String()
    started_at = fields.DateTime(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


# --- kit orders -----------------------------------------------------------------------------


class KitOrderCreateSchema(Schema):
    __model__ = KitOrder

    kind = fields.String(required=True, validate=validate.OneOf(("assembly", "disassembly")))
    kit_sku_id = fields.UUID(required=True)
    warehouse_id = fields.UUID(required=True)
    quantity = Quantity(required=True)
    note = fields.String(load_default="")


class KitOrderQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(("open", "completed", "cancelled")))
    warehouse_id = fields.UUID()


class KitOrderSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    kind = fields.String()
    status = fields.String()
    kit_sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    quantity = fields.Integer()
    components = fields.List(fields.Dict())
    unit_cost = _dec(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
