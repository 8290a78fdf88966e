"""Request and response schemas of the purchasing API, and the views of rows they dump.

Requests are parsed for type here; the services check everything else and name the field at
fault. Money is a string with its currency beside it (never a float).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from marshmallow import fields, validate

from core.http import Schema
from core.purchasing.models import (
    ORDER_STATUSES,
    RECEIPT_STATUSES,
    REQUEST_STATUSES,
    RETURN_STATUSES,
    SUGGESTION_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderTracking,
    PurchasingSettings,
    Receipt,
    ReceiptLine,
    StockingRequest,
    SupplierReturn,
)
from core.validation import Currency


def Dec(**kw: Any) -> fields.Decimal:
    return fields.Decimal(as_string=True, **kw)


class PurchasingReasonSchema(Schema):
    reason = fields.String(required=True)


class PurchasingOptionalReasonSchema(Schema):
    reason = fields.String(load_default="")


# ---------------------------------------------------------------------------------------------
# Settings


class PurchasingSettingsInSchema(Schema):
    __model__ = PurchasingSettings

    weight_7d = Dec(metadata={"description": "Weight of the 7-day average in daily sales"})
    weight_14d = Dec()
    weight_30d = Dec()
    safety_days = fields.Integer(metadata={"description": "Days of sales kept as buffer"})
    purchase_cycle_days = fields.Integer(metadata={"description": "Days of sales each order should cover"})
    default_lead_time_days = fields.Integer(metadata={"description": "Lead time when no supplier quotes one"})
    second_approval_threshold = Dec(
        allow_none=True,
        metadata={"description": "Orders above this total (functional currency) need a second approver; null: never"},
    )
    receipt_tolerance_percent = Dec(metadata={"description": "Over-receipt allowed per line, in percent"})


class PurchasingSettingsSchema(PurchasingSettingsInSchema):
    functional_currency = Currency()


# ---------------------------------------------------------------------------------------------
# Stocking requests


class StockingRequestInSchema(Schema):
    __model__ = StockingRequest

    sku_id = fields.UUID(required=True)
    warehouse_id = fields.UUID(required=True, metadata={"description": "Destination warehouse"})
    quantity = fields.Integer(required=True)
    needed_by = fields.Date(required=True)
    supplier_id = fields.UUID(allow_none=True, metadata={"description": "Preferred supplier (approved)"})
    note = fields.String()


class StockingRequestPatchSchema(Schema):
    __model__ = StockingRequest

    quantity = fields.Integer()
    needed_by = fields.Date()
    supplier_id = fields.UUID(allow_none=True)
    note = fields.String()


class StockingRequestQuerySchema(Schema):
    status = fields.List(
        fields.String(validate=validate.OneOf(REQUEST_STATUSES)), metadata={"description": "approved = to purchase"}
    )
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()
    supplier_id = fields.UUID()
    q = fields.String(metadata={"description": "Request number or SKU code"})


class StockingRequestSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String(metadata={"description": " | ".join(REQUEST_STATUSES)})
    source = fields.String(metadata={"description": "manual | replenishment"})
    sku_id = fields.UUID()
    sku_code = fields.String()
    sku_name = fields.String()
    warehouse_id = fields.UUID()
    warehouse_code = fields.String(allow_none=True)
    supplier_id = fields.UUID(allow_none=True)
    supplier = fields.String(allow_none=True)
    quantity = fields.Integer()
    needed_by = fields.Date()
    note = fields.String()
    requested_by = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    purchase_order_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# ---------------------------------------------------------------------------------------------
# Purchase orders


class PurchaseOrderLineInSchema(Schema):
    __model__ = PurchaseOrderLine

    id = fields.UUID(metadata={"description": "Keep (and change) this existing line"})
    sku_id = fields.UUID()
    quantity = fields.Integer()
    unit_price = Dec(metadata={"description": "Excluding tax; defaults to the supplier's quote"})
    currency = Currency(metadata={"description": "Must be the order's currency when given"})
    tax_rate = Dec(metadata={"description": 'Fraction (0.13) or "13%"; defaults to the SKU\'s input VAT rate'})
    note = fields.String()


class PurchaseOrderHeaderSchema(Schema):
    __model__ = PurchaseOrder

    fx_rate = Dec(
        allow_none=True,
        metadata={
            "description": "Functional-currency units per one unit of the order's currency, when agreed for this "
            "order; leave it out (or null) to take the tenant's rate of fx_date from /exchange-rates"
        },
    )
    fx_source = fields.String(metadata={"description": "Where an entered rate comes from (bank, date, agreement)"})
    fx_date = fields.Date(metadata={"description": "The day of the rate; default today"})
    expected_date = fields.Date(allow_none=True, metadata={"description": "When the goods should arrive"})
    supplier_reference = fields.String()
    note = fields.String()


class PurchaseOrderCreateSchema(PurchaseOrderHeaderSchema):
    supplier_id = fields.UUID(required=True)
    warehouse_id = fields.UUID(required=True, metadata={"description": "Destination warehouse"})
    currency = Currency(metadata={"description": "ISO 4217; defaults to the supplier's currency"})
    lines = fields.List(fields.Nested(PurchaseOrderLineInSchema), required=True)


class PurchaseOrderPatchSchema(PurchaseOrderHeaderSchema):
    lines = fields.List(fields.Nested(PurchaseOrderLineInSchema), metadata={"description": "Replaces every line"})


class PurchaseOrdersFromRequestsSchema(PurchaseOrderHeaderSchema):
    request_ids = fields.List(fields.UUID(), required=True)
    supplier_id = fields.UUID(
        allow_none=True, metadata={"description": "Supplier for all requests (else each request's own)"}
    )


class PurchaseOrderQuerySchema(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(ORDER_STATUSES)))
    supplier_id = fields.UUID()
    warehouse_id = fields.UUID()
    q = fields.String(metadata={"description": "Order number, supplier reference or tracking number"})


class PurchaseOrderLookupSchema(Schema):
    code = fields.String(required=True, metadata={"description": "A scanned order number or tracking number"})


class PurchaseOrderConfirmSchema(Schema):
    supplier_reference = fields.String()
    expected_date = fields.Date()


class PurchaseLineQuantitySchema(Schema):
    line_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True)


class PurchaseOrderTerminateSchema(Schema):
    lines = fields.List(
        fields.Nested(PurchaseLineQuantitySchema),
        metadata={"description": "Quantities to terminate; omit to terminate everything still to come"},
    )
    reason = fields.String(load_default="")


class PurchaseTrackingInSchema(Schema):
    __model__ = PurchaseOrderTracking

    tracking_number = fields.String(required=True)
    carrier = fields.String(load_default="")
    note = fields.String(load_default="")


class PurchaseTrackingSchema(Schema):
    id = fields.UUID()
    tracking_number = fields.String()
    carrier = fields.String()
    note = fields.String()
    created_at = fields.DateTime()


class PurchaseOrderLineSchema(Schema):
    id = fields.UUID()
    position = fields.Integer()
    sku_id = fields.UUID()
    sku_code = fields.String()
    sku_name = fields.String()
    quantity = fields.Integer()
    unit_price = Dec()
    currency = Currency()
    tax_rate = Dec()
    amount = Dec()
    tax_amount = Dec()
    received_quantity = fields.Integer()
    terminated_quantity = fields.Integer()
    open_quantity = fields.Integer(metadata={"description": "Still to come"})
    passed_quantity = fields.Integer()
    failed_quantity = fields.Integer()
    returned_quantity = fields.Integer()
    note = fields.String()


class PurchaseOrderSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String(metadata={"description": " | ".join(ORDER_STATUSES)})
    supplier_id = fields.UUID()
    supplier = fields.String(allow_none=True)
    warehouse_id = fields.UUID()
    warehouse_code = fields.String(allow_none=True)
    currency = Currency()
    fx_rate = Dec()
    fx_source = fields.String()
    fx_date = fields.Date()
    functional_currency = Currency()
    expected_date = fields.Date(allow_none=True)
    supplier_reference = fields.String()
    note = fields.String()
    subtotal = Dec()
    tax_total = Dec()
    total = Dec()
    total_functional = Dec(metadata={"description": "Total in the functional currency at the order's rate"})
    second_approval_required = fields.Boolean()
    first_approved_by = fields.String(allow_none=True)
    first_approved_at = fields.DateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    sent_by = fields.String(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    confirmed_by = fields.String(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema))
    trackings = fields.List(fields.Nested(PurchaseTrackingSchema))


# ---------------------------------------------------------------------------------------------
# Receipts and QC


class PurchaseReceiveSchema(Schema):
    __model__ = Receipt

    lines = fields.List(fields.Nested(PurchaseLineQuantitySchema), required=True)
    tracking_number = fields.String(load_default="", metadata={"description": "The parcel it came in"})
    note = fields.String(load_default="")


class QcLineSchema(Schema):
    __model__ = ReceiptLine

    receipt_line_id = fields.UUID(required=True)
    sample_size = fields.Integer(metadata={"description": "Units inspected; defaults to all of them"})
    passed_quantity = fields.Integer(required=True)
    failed_quantity = fields.Integer(load_default=0)
    defect_reasons = fields.List(fields.String(), load_default=list)
    location_id = fields.UUID(
        allow_none=True, metadata={"description": "Bin the passed units go to (defaults to the SKU's home bin)"}
    )


class QcSchema(Schema):
    lines = fields.List(fields.Nested(QcLineSchema), required=True)


class PurchaseReceiptQuerySchema(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(RECEIPT_STATUSES)))
    purchase_order_id = fields.UUID()
    q = fields.String(metadata={"description": "Receipt number, order number or tracking number"})


class PutawayLabelsQuerySchema(Schema):
    per = fields.String(
        load_default="unit",
        validate=validate.OneOf(("unit", "line")),
        metadata={"description": "One label per passed unit, or per line"},
    )


class PurchaseReceiptLineSchema(Schema):
    id = fields.UUID()
    position = fields.Integer()
    purchase_order_line_id = fields.UUID()
    sku_id = fields.UUID()
    sku_code = fields.String()
    sku_name = fields.String()
    quantity = fields.Integer()
    unit_price = Dec()
    value = Dec(metadata={"description": "Book value in the functional currency"})
    qc_status = fields.String(metadata={"description": "pending | inspected"})
    sample_size = fields.Integer(allow_none=True)
    passed_quantity = fields.Integer(allow_none=True)
    failed_quantity = fields.Integer(allow_none=True)
    defect_reasons = fields.List(fields.String())
    location_id = fields.UUID(allow_none=True)
    location_code = fields.String(allow_none=True)
    inspected_at = fields.DateTime(allow_none=True)
    inspected_by = fields.String(allow_none=True)


class PurchaseReceiptSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String(metadata={"description": " | ".join(RECEIPT_STATUSES)})
    purchase_order_id = fields.UUID()
    purchase_order_number = fields.String()
    supplier_id = fields.UUID()
    warehouse_id = fields.UUID()
    warehouse_code = fields.String(allow_none=True)
    currency = Currency()
    functional_currency = Currency()
    tracking_number = fields.String()
    note = fields.String()
    received_at = fields.DateTime()
    received_by = fields.String()
    inspected_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(PurchaseReceiptLineSchema))


# ---------------------------------------------------------------------------------------------
# Returns to suppliers


class SupplierReturnCreateSchema(Schema):
    __model__ = SupplierReturn

    purchase_order_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(PurchaseLineQuantitySchema), required=True)
    reason = fields.String(required=True)
    carrier = fields.String(load_default="")
    tracking_number = fields.String(load_default="")


class SupplierReturnShipSchema(Schema):
    __model__ = SupplierReturn

    carrier = fields.String()
    tracking_number = fields.String()


class SupplierReturnQuerySchema(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(RETURN_STATUSES)))
    purchase_order_id = fields.UUID()
    supplier_id = fields.UUID()


class SupplierReturnLineSchema(Schema):
    id = fields.UUID()
    position = fields.Integer()
    purchase_order_line_id = fields.UUID()
    sku_id = fields.UUID()
    sku_code = fields.String()
    quantity = fields.Integer()
    unit_price = Dec()
    amount = Dec(metadata={"description": "Credit due, in the order's currency, before tax"})
    value = Dec(allow_none=True, metadata={"description": "Book value that left stock (once shipped)"})


class SupplierReturnSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    status = fields.String(metadata={"description": " | ".join(RETURN_STATUSES)})
    purchase_order_id = fields.UUID()
    purchase_order_number = fields.String()
    supplier_id = fields.UUID()
    supplier = fields.String(allow_none=True)
    warehouse_id = fields.UUID()
    reason = fields.String()
    carrier = fields.String()
    tracking_number = fields.String()
    currency = Currency()
    amount = Dec()
    created_by = fields.String()
    created_at = fields.DateTime()
    shipped_at = fields.DateTime(allow_none=True)
    shipped_by = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(SupplierReturnLineSchema))


# ---------------------------------------------------------------------------------------------
# Replenishment


class ReplenishmentRunSchema(Schema):
    id = fields.UUID()
    status = fields.String()
    job_id = fields.UUID(allow_none=True)
    run_date = fields.Date(allow_none=True)
    settings = fields.Dict()
    evaluated = fields.Integer()
    suggested = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()


class ReplenishmentSuggestionQuerySchema(Schema):
    run_id = fields.UUID(metadata={"description": "Defaults to the latest successful run"})
    status = fields.List(
        fields.String(validate=validate.OneOf(SUGGESTION_STATUSES)),
        metadata={"description": "open: something to order; not_needed: stock covers it"},
    )
    sku_id = fields.UUID()
    warehouse_id = fields.UUID()


class ReplenishmentAcceptSchema(Schema):
    __model__ = StockingRequest

    quantity = fields.Integer(metadata={"description": "Defaults to the suggested quantity"})
    needed_by = fields.Date(metadata={"description": "Defaults to the day stock runs out"})
    supplier_id = fields.UUID(allow_none=True)
    note = fields.String(load_default="")


class ReplenishmentSuggestionSchema(Schema):
    id = fields.UUID()
    run_id = fields.UUID()
    status = fields.String(metadata={"description": " | ".join(SUGGESTION_STATUSES)})
    sku_id = fields.UUID()
    sku_code = fields.String()
    sku_name = fields.String()
    warehouse_id = fields.UUID()
    warehouse_code = fields.String(allow_none=True)
    supplier_id = fields.UUID(allow_none=True)
    supplier = fields.String(allow_none=True)
    inputs = fields.Dict(metadata={"description": "Every input of the arithmetic"})
    daily_sales = Dec()
    stock_position = fields.Integer()
    reorder_point = Dec()
    target = Dec()
    quantity = fields.Integer()
    stockout_date = fields.Date(allow_none=True)
    arithmetic = fields.List(fields.String(), metadata={"description": "The computation, step by step"})
    stocking_request_id = fields.UUID(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


# ---------------------------------------------------------------------------------------------
# Scorecards


class ScorecardPeriodSchema(Schema):
    since = fields.Date(metadata={"description": "First day of receipts counted (tenant's calendar)"})
    until = fields.Date(metadata={"description": "Last day of receipts counted"})


class SupplierScorecardSchema(Schema):
    supplier_id = fields.UUID()
    supplier = fields.String()
    since = fields.Date(allow_none=True)
    until = fields.Date(allow_none=True)
    purchase_orders = fields.Integer()
    receipts = fields.Integer()
    units_received = fields.Integer()
    timed_receipts = fields.Integer(metadata={"description": "Receipts whose order had an expected date"})
    on_time_receipts = fields.Integer()
    on_time_rate = Dec(allow_none=True, metadata={"description": "Fraction 0-1; null without timed receipts"})
    units_inspected = fields.Integer()
    units_failed = fields.Integer()
    defect_rate = Dec(allow_none=True, metadata={"description": "Fraction 0-1; null when nothing was inspected"})
    average_lead_time_days = Dec(allow_none=True, metadata={"description": "Approval to receipt, in days"})


# ---------------------------------------------------------------------------------------------
# Views of rows (names looked up once per page)


class Names:
    """Codes and names of the SKUs, warehouses, suppliers and bins a page of rows mentions."""

    def __init__(
        self,
        sku_ids: Iterable[Any] = (),
        warehouse_ids: Iterable[Any] = (),
        supplier_ids: Iterable[Any] = (),
        location_ids: Iterable[Any] = (),
        chinese: bool = False,
    ) -> None:
        from core.inventory import service as inventory
        from core.purchasing.service.common import sku_names, supplier_labels, warehouse_codes

        self.skus = sku_names(set(sku_ids), chinese=chinese)
        self.warehouses = warehouse_codes(set(warehouse_ids))
        self.suppliers = supplier_labels(set(supplier_ids))
        locs = {i for i in location_ids if i}
        self.locations = inventory.bin_codes(locs)

    def sku(self, sku_id: Any) -> tuple[str, str]:
        return self.skus.get(sku_id, (str(sku_id), ""))


def request_views(rows: list[Any]) -> list[dict[str, Any]]:
    names = Names([r.sku_id for r in rows], [r.warehouse_id for r in rows], [r.supplier_id for r in rows])
    out = []
    for r in rows:
        view = {k: getattr(r, k) for k in StockingRequestSchema._declared_fields if hasattr(r, k)}
        view["sku_code"], view["sku_name"] = names.sku(r.sku_id)
        view["warehouse_code"] = names.warehouses.get(r.warehouse_id)
        view["supplier"] = names.suppliers.get(r.supplier_id)
        out.append(view)
    return out


def order_views(rows: list[Any]) -> list[dict[str, Any]]:
    from core.purchasing.service.common import functional_currency
    from core.purchasing.service.orders import functional_total

    names = Names(
        [line.sku_id for o in rows for line in o.lines], [o.warehouse_id for o in rows], [o.supplier_id for o in rows]
    )
    functional = functional_currency() if rows else ""
    out = []
    for o in rows:
        view = {k: getattr(o, k) for k in PurchaseOrderSchema._declared_fields if hasattr(o, k)}
        view.update(
            supplier=names.suppliers.get(o.supplier_id),
            warehouse_code=names.warehouses.get(o.warehouse_id),
            functional_currency=functional,
            total_functional=functional_total(o),
        )
        view["lines"] = []
        for line in o.lines:
            item = {k: getattr(line, k) for k in PurchaseOrderLineSchema._declared_fields if hasattr(line, k)}
            item["sku_code"], item["sku_name"] = names.sku(line.sku_id)
            item["currency"] = o.currency
            view["lines"].append(item)
        view["trackings"] = list(o.trackings)
        out.append(view)
    return out


def receipt_views(rows: list[Any]) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from core.db import session
    from core.purchasing.models import PurchaseOrder
    from core.purchasing.service.common import functional_currency

    orders = (
        {
            o.id: o
            for o in session.execute(
                select(PurchaseOrder).where(PurchaseOrder.id.in_({r.purchase_order_id for r in rows}))
            ).scalars()
        }
        if rows
        else {}
    )
    names = Names(
        [line.sku_id for r in rows for line in r.lines],
        [r.warehouse_id for r in rows],
        location_ids=[line.location_id for r in rows for line in r.lines],
    )
    functional = functional_currency() if rows else ""
    out = []
    for r in rows:
        order = orders[r.purchase_order_id]
        view = {k: getattr(r, k) for k in PurchaseReceiptSchema._declared_fields if hasattr(r, k)}
        view.update(
            purchase_order_number=order.number,
            supplier_id=order.supplier_id,
            currency=order.currency,
            functional_currency=functional,
            warehouse_code=names.warehouses.get(r.warehouse_id),
        )
        view["lines"] = []
        for line in r.lines:
            item = {k: getattr(line, k) for k in PurchaseReceiptLineSchema._declared_fields if hasattr(line, k)}
            item["sku_code"], item["sku_name"] = names.sku(line.sku_id)
            item["location_code"] = names.locations.get(line.location_id)
            view["lines"].append(item)
        out.append(view)
    return out


def return_views(rows: list[Any]) -> list[dict[str, Any]]:
    from core.purchasing.service.returns import return_payload

    out = []
    for r in rows:
        data = return_payload(r)
        view = {k: getattr(r, k) for k in SupplierReturnSchema._declared_fields if hasattr(r, k)}
        view.update(
            purchase_order_number=data.purchase_order_number,
            supplier=data.supplier,
            currency=data.currency,
            amount=data.amount,
        )
        view["lines"] = [
            {"id": x.return_line_id, "position": line.position, **dataclasses.asdict(x)}
            for x, line in zip(data.lines, r.lines)
        ]
        out.append(view)
    return out


def suggestion_views(rows: list[Any]) -> list[dict[str, Any]]:
    from core.purchasing.service import replenishment as rp

    names = Names([s.sku_id for s in rows], [s.warehouse_id for s in rows], [s.supplier_id for s in rows])
    runs: dict[Any, Any] = {}
    out = []
    for s in rows:
        run = runs.setdefault(s.run_id, rp.get_run(s.run_id))
        i = rp.inputs_of(s)
        view = {k: getattr(s, k) for k in ReplenishmentSuggestionSchema._declared_fields if hasattr(s, k)}
        view["sku_code"], view["sku_name"] = names.sku(s.sku_id)
        view.update(
            warehouse_code=names.warehouses.get(s.warehouse_id),
            supplier=names.suppliers.get(s.supplier_id),
            stock_position=i.stock_position,
            reorder_point=rp.round4(i.reorder_point),
            target=rp.round4(i.target),
            arithmetic=rp.suggestion_arithmetic(s, run),
        )
        view["inputs"] = {
            "shipped_7d": s.shipped_7d,
            "shipped_14d": s.shipped_14d,
            "shipped_30d": s.shipped_30d,
            "average_7d": str(i.average(7)),
            "average_14d": str(i.average(14)),
            "average_30d": str(i.average(30)),
            "days_on_sale": s.days_on_sale,
            "weight_7d": str(s.weight_7d),
            "weight_14d": str(s.weight_14d),
            "weight_30d": str(s.weight_30d),
            "lead_time_days": s.lead_time_days,
            "lead_time_source": s.lead_time_source,
            "safety_days": s.safety_days,
            "cycle_days": s.cycle_days,
            "available": s.available,
            "qc_pending": s.qc_pending,
            "inbound_ordered": s.inbound_ordered,
            "in_transit": s.in_transit,
            "requested": s.requested,
            "moq": s.moq,
        }
        out.append(view)
    return out
