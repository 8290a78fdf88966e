"""REST endpoints of expense documents, under finance's blueprint (`/api/v1/finance/expenses`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.finance.blueprint import blp
from core.finance.expenses import imports, service
from core.finance.expenses.models import EXPENSE_KINDS, EXPENSE_STATUSES, LINK_TYPES, Expense, ExpenseLine
from core.http import Schema, paged, requires

Money = fields.Decimal(as_string=True)


class ExpenseLinkInSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(LINK_TYPES))
    id = fields.UUID(metadata={"description": "The shop (channel connection), SKU, order, first leg or shipment"})
    number = fields.String(
        validate=validate.Length(1, 200),
        metadata={"description": "Instead of id: the shop's name, SKU code, order number, first leg number"},
    )
    tracking_number = fields.String(
        validate=validate.Length(1, 100), metadata={"description": "A shipment by its tracking number"}
    )
    weight = fields.Decimal(
        as_string=True,
        validate=validate.Range(0, 10**9),
        metadata={"description": "Its share of the line (default: 1; a shipment: its label's cost)"},
    )


class ExpenseLineInSchema(Schema):
    __model__ = ExpenseLine

    description = fields.String(validate=validate.Length(0, 200))
    amount = fields.Decimal(as_string=True, required=True)
    role = fields.String(
        validate=validate.Length(1, 64),
        metadata={"description": "The role booked to (default per kind); freight, duty or insurance on a freight bill"},
    )
    links = fields.List(fields.Nested(ExpenseLinkInSchema), validate=validate.Length(0, service.MAX_LINKS))


class ExpenseInSchema(Schema):
    __model__ = Expense

    kind = fields.String(required=True, validate=validate.OneOf(EXPENSE_KINDS))
    supplier_id = fields.UUID(metadata={"description": "The supplier billing (required for a freight bill)"})
    vendor = fields.String(validate=validate.Length(1, 200), metadata={"description": "Who billed, if no supplier"})
    reference = fields.String(required=True, validate=validate.Length(1, 100))
    currency = fields.String(required=True, validate=validate.Length(3, 3))
    expense_date = fields.Date()
    note = fields.String(validate=validate.Length(0, 2000))
    lines = fields.List(
        fields.Nested(ExpenseLineInSchema), required=True, validate=validate.Length(1, service.MAX_LINES)
    )


class ExpenseUpdateSchema(ExpenseInSchema):
    """What a draft changes; every field optional (lines replace the lines)."""

    kind = fields.String(validate=validate.OneOf(EXPENSE_KINDS))
    reference = fields.String(validate=validate.Length(1, 100))
    currency = fields.String(validate=validate.Length(3, 3))
    lines = fields.List(fields.Nested(ExpenseLineInSchema), validate=validate.Length(1, service.MAX_LINES))


class ExpenseLinkSchema(Schema):
    type = fields.String()
    id = fields.String()
    number = fields.String()
    weight = fields.String()
    label_cost = fields.String(metadata={"description": "A shipment's label cost"})


class ExpenseLineSchema(Schema):
    id = fields.UUID()
    position = fields.Integer()
    description = fields.String()
    role = fields.String()
    amount = Money
    links = fields.List(fields.Nested(ExpenseLinkSchema))
    label_cost = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "Its shipments' labels"})
    difference = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "Invoiced over the labels"})


class ExpenseVoucherSchema(Schema):
    id = fields.UUID()
    number = fields.String(allow_none=True)
    status = fields.String()
    total = Money


class ExpenseSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    kind = fields.String(metadata={"description": " | ".join(EXPENSE_KINDS)})
    status = fields.String(metadata={"description": " | ".join(EXPENSE_STATUSES)})
    supplier_id = fields.UUID(allow_none=True)
    vendor = fields.String()
    reference = fields.String()
    currency = fields.String()
    expense_date = fields.Date()
    total = Money
    label_cost = fields.Decimal(as_string=True, allow_none=True)
    difference = fields.Decimal(as_string=True, allow_none=True)
    note = fields.String()
    bill_id = fields.UUID(allow_none=True, metadata={"description": "A freight bill's payables bill"})
    booked = fields.Boolean(metadata={"description": "Its voucher is posted"})
    vouchers = fields.List(fields.Nested(ExpenseVoucherSchema))
    created_by = fields.String()
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    approved_by = fields.String()
    lines = fields.List(fields.Nested(ExpenseLineSchema))


class ExpenseQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(EXPENSE_KINDS))
    status = fields.String(validate=validate.OneOf(EXPENSE_STATUSES))
    supplier_id = fields.UUID()
    date_from = fields.Date()
    date_to = fields.Date()
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "Number, vendor or reference"})


@blp.route("/expenses")
class Expenses(MethodView):
    @blp.arguments(ExpenseQuerySchema, location="query")
    @blp.response(200, ExpenseSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Expense documents, newest first."""
        return service.views(paged(service.expense_query(**args), pagination_parameters))

    @blp.arguments(ExpenseInSchema)
    @blp.response(201, ExpenseSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Enter an expense document as a draft: a platform fee, an ad invoice, a forwarder's
        freight bill, a carrier's invoice or another cost, its lines linked to what they are for."""
        return service.view(service.create(data))


@blp.route("/expenses/<uuid:expense_id>")
class ExpenseOne(MethodView):
    @blp.response(200, ExpenseSchema)
    @requires("finance:read")
    def get(self, expense_id: uuid.UUID) -> Any:
        return service.view(service.get_expense(expense_id))

    @blp.arguments(ExpenseUpdateSchema)
    @blp.response(200, ExpenseSchema)
    @requires("finance:write")
    def patch(self, data: dict[str, Any], expense_id: uuid.UUID) -> Any:
        """Change a draft (an approved expense is 409)."""
        return service.view(service.update(expense_id, data))


@blp.route("/expenses/<uuid:expense_id>/approve", methods=["POST"])
@blp.response(200, ExpenseSchema)
@requires("finance:approve")
def approve_expense(expense_id: uuid.UUID) -> Any:
    """Approve a draft: it is booked as a voucher (a freight bill through its forwarder's bill)."""
    return service.view(service.approve(expense_id))


class ExpenseImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX, one row per line (docs/finance.md)"})


class ExpenseImportResultSchema(Schema):
    created = fields.Integer()
    expense_ids = fields.List(fields.UUID())
    skipped = fields.List(fields.String(), metadata={"description": "Documents already recorded"})


@blp.route("/expenses/import", methods=["POST"])
@blp.arguments(ExpenseImportFileSchema, location="files")
@blp.response(201, ExpenseImportResultSchema)
@blp.alt_response(200, schema=ExpenseImportResultSchema, description="Every document was recorded already")
@requires("finance:write")
def import_expenses(files: dict[str, Any]) -> Any:
    """Import expense documents from CSV or XLSX, one row per line; rows with the same kind,
    vendor and reference are one document. The whole file is checked first: any problem is
    reported as `errors.rows` [{line, field, message}] with 422 and nothing is imported.
    Documents come in as drafts; one already recorded is skipped."""
    upload = files["file"]
    result = imports.import_expenses(upload.stream.read(), upload.filename or "")
    out = {
        "created": len(result.created),
        "expense_ids": [e.id for e in result.created],
        "skipped": result.skipped,
    }
    return out, 201 if result.created else 200
