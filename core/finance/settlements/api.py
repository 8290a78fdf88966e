"""REST endpoints of settlements, under finance's blueprint (`/api/v1/finance/settlements`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import fields, validate

from core import validation as f
from core.errors import ValidationError
from core.finance.blueprint import blp
from core.finance.settlements import matching, service
from core.finance.settlements.categories import CATEGORIES
from core.finance.settlements.models import MATCH_STATUSES, REASONS, REFUND_ACTIONS, SOURCES, STATUSES
from core.http import Schema, paged, requires
from core.messages import Msg

MAX_FILE_BYTES = 512 * 1024 * 1024


class SettlementSchema(Schema):
    id = fields.UUID()
    source = fields.String()
    external_id = fields.String(metadata={"description": "The source's settlement or payout id"})
    connection_id = fields.UUID(allow_none=True)
    channel = fields.String()
    start_at = fields.DateTime(allow_none=True)
    end_at = fields.DateTime(allow_none=True)
    deposit_date = fields.Date(allow_none=True)
    currency = fields.String()
    total = fields.Decimal(as_string=True)
    deposit_currency = fields.String()
    deposit_amount = fields.Decimal(as_string=True, allow_none=True)
    locale = fields.String()
    filename = fields.String()
    line_count = fields.Integer()
    unknown_count = fields.Integer()
    unmatched_count = fields.Integer()
    status = fields.String()
    matched_at = fields.DateTime(allow_none=True)
    carrying_value = fields.Decimal(as_string=True, allow_none=True)
    booked_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String()
    note = fields.String()
    created = fields.Boolean(metadata={"description": "False when this settlement id was imported before"})
    match_job_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "The matching job (GET /jobs/{id} for its progress); "
            "on an upload, a match and one settlement"
        },
    )
    categories = fields.List(fields.Dict())


class SettlementQuerySchema(Schema):
    source = fields.String(validate=validate.OneOf(SOURCES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    connection_id = fields.UUID()


class SettlementLineSchema(Schema):
    id = fields.UUID()
    line_no = fields.Integer()
    transaction_type = fields.String()
    amount_type = fields.String()
    amount_description = fields.String()
    category = fields.String()
    known = fields.Boolean()
    amount = fields.Decimal(as_string=True)
    raw_amount = fields.String()
    fee = fields.Decimal(as_string=True)
    posted_date = fields.Date(allow_none=True)
    external_order_id = fields.String()
    merchant_order_id = fields.String()
    adjustment_id = fields.String()
    marketplace = fields.String()
    fulfillment_id = fields.String()
    sku = fields.String()
    quantity = fields.Integer(allow_none=True)
    order_id = fields.UUID(allow_none=True)
    match_status = fields.String()
    match_key = fields.String()
    note = fields.String()


class SettlementLineQuerySchema(Schema):
    match_status = fields.String(validate=validate.OneOf(MATCH_STATUSES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    known = fields.Boolean()
    order = fields.String(validate=validate.Length(max=100), metadata={"description": "The channel's order id"})


def settlement_view(
    row: Any, created: bool | None = None, categories: bool = False, job: bool = False
) -> dict[str, Any]:
    """`job` adds the matching job (one query more: not for lists)."""
    skip = ("created", "categories", "match_job_id")
    out = {k: getattr(row, k) for k in SettlementSchema._declared_fields if k not in skip}
    if created is not None:
        out["created"] = created
    if job:
        found = service.match_job(row.id)
        out["match_job_id"] = found.id if found else None
    if categories:
        out["categories"] = [
            {"category": c["category"], "lines": c["lines"], "amount": str(c["amount"])}
            for c in service.category_totals(row.id)
        ]
    return out


@blp.route("/settlements")
class Settlements(MethodView):
    @blp.arguments(SettlementQuerySchema, location="query")
    @blp.response(200, SettlementSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Settlements and payouts, newest deposit first."""
        return [settlement_view(s) for s in paged(service.settlement_query(**args), pagination_parameters)]


@blp.route("/settlements/amazon", methods=["POST"])
@blp.response(201, SettlementSchema)
@requires("finance:write")
def upload_amazon_settlement() -> Any:
    """Upload an Amazon settlement report, Flat File V2 (multipart: `file`, `connection_id` of
    the Amazon shop, optional `locale` us|eu, optional `deposit_currency` and `deposit_amount`
    when the deposit reached the bank in another currency). A file with problems is refused
    with every problem by line, and nothing of it is stored; a settlement id imported before
    answers 200 with the first import. Matching then runs on the finance queue."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError.field("file", Msg("finance.upload_settlement_report"))
    if request.content_length and request.content_length > MAX_FILE_BYTES:
        raise ValidationError.field(
            "file", Msg("finance.file_larger_than_mb", megabytes=MAX_FILE_BYTES // (1024 * 1024))
        )
    errors = f.Errors()
    locale = f.choice(errors, "locale", request.form.get("locale") or None, ("us", "eu"))
    deposit_currency = f.currency(errors, "deposit_currency", request.form.get("deposit_currency"))
    deposit_amount = f.decimal(errors, "deposit_amount", request.form.get("deposit_amount"), places=4)
    connection_id = None
    raw_conn = request.form.get("connection_id")
    if not raw_conn:
        errors.add("connection_id", Msg("finance.choose_settlement_shop"))
    else:
        try:
            connection_id = uuid.UUID(raw_conn)
        except ValueError:
            errors.add("connection_id", Msg("not_an_id"))
    errors.raise_if_any()
    done = service.import_amazon(
        upload.stream,
        connection_id=connection_id,
        filename=upload.filename,
        locale=locale,
        deposit_currency=deposit_currency,
        deposit_amount=deposit_amount,
    )
    return settlement_view(done.settlement, done.created, categories=True, job=True), 201 if done.created else 200


@blp.route("/settlements/<uuid:settlement_id>")
@blp.response(200, SettlementSchema)
@requires("finance:read")
def get_settlement(settlement_id: uuid.UUID) -> Any:
    """One settlement with its totals per category."""
    return settlement_view(service.get_settlement(settlement_id), categories=True)


@blp.route("/settlements/<uuid:settlement_id>/lines")
@blp.arguments(SettlementLineQuerySchema, location="query")
@blp.response(200, SettlementLineSchema(many=True))
@blp.paginate()
@requires("finance:read")
def settlement_lines(args: dict[str, Any], settlement_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """A settlement's lines in file order, filtered by match status, category, unknown
    descriptions (`known=false`) or order."""
    return paged(service.line_query(settlement_id, **args), pagination_parameters)


class SettlementOrderSchema(Schema):
    id = fields.UUID()
    order_id = fields.UUID(allow_none=True)
    external_order_id = fields.String()
    currency = fields.String()
    expected = fields.Decimal(as_string=True, metadata={"description": "The order's total less its refunds"})
    earlier = fields.Decimal(as_string=True, metadata={"description": "Paid for it by earlier settlements"})
    settled = fields.Decimal(as_string=True, metadata={"description": "Its sale lines in this settlement"})
    fees = fields.Decimal(as_string=True)
    difference = fields.Decimal(as_string=True)
    reason = fields.String()
    reason_auto = fields.Boolean(metadata={"description": "True when matching chose the reason, not a person"})
    note = fields.String()


class ResultQuerySchema(Schema):
    open_only = fields.Boolean(load_default=False, metadata={"description": "Only differences above the tolerance"})
    tolerance = fields.Decimal(load_default=None, validate=validate.Range(0, 10**6))


class MatchInSchema(Schema):
    order_id = fields.UUID(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class NoteInSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ExplainInSchema(Schema):
    reason = fields.String(validate=validate.OneOf(("", *REASONS)))
    note = fields.String(validate=validate.Length(max=2000))


class CloseInSchema(Schema):
    tolerance = fields.Decimal(load_default=None, validate=validate.Range(0, 10**6))


def _tolerance(value: Any) -> Any:
    from decimal import Decimal

    return Decimal(value) if value is not None else Decimal(0)


@blp.route("/settlements/<uuid:settlement_id>/orders")
@blp.arguments(ResultQuerySchema, location="query")
@blp.response(200, SettlementOrderSchema(many=True))
@blp.paginate()
@requires("finance:read")
def settlement_orders(args: dict[str, Any], settlement_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """The reconciliation per order: expected, earlier, settled, fees, difference and reason,
    the largest differences first."""
    service.get_settlement(settlement_id)
    stmt = matching.result_query(settlement_id, open_only=args["open_only"], tolerance=_tolerance(args["tolerance"]))
    return paged(stmt, pagination_parameters)


@blp.route("/settlements/<uuid:settlement_id>/match", methods=["POST"])
@blp.response(202, SettlementSchema)
@requires("finance:write")
def rematch_settlement(settlement_id: uuid.UUID) -> Any:
    """Run matching again (a job on the finance queue), e.g. after missing orders arrived."""
    s = service.get_settlement(settlement_id)
    service.enqueue_match(s.id)
    return settlement_view(s, job=True)


@blp.route("/settlements/<uuid:settlement_id>/lines/<uuid:line_id>/match", methods=["POST"])
@blp.arguments(MatchInSchema)
@blp.response(200, SettlementLineSchema)
@requires("finance:write")
def match_line(data: dict[str, Any], settlement_id: uuid.UUID, line_id: uuid.UUID) -> Any:
    """Match a line to an order by hand (kept by later matching runs)."""
    return matching.match_line(settlement_id, line_id, data["order_id"], data["note"])


@blp.route("/settlements/<uuid:settlement_id>/lines/<uuid:line_id>/unmatch", methods=["POST"])
@blp.arguments(NoteInSchema)
@blp.response(200, SettlementLineSchema)
@requires("finance:write")
def unmatch_line(data: dict[str, Any], settlement_id: uuid.UUID, line_id: uuid.UUID) -> Any:
    """Take a line off its order (kept unmatched by later runs)."""
    return matching.unmatch_line(settlement_id, line_id, data["note"])


@blp.route("/settlements/<uuid:settlement_id>/orders/<uuid:result_id>", methods=["PATCH"])
@blp.arguments(ExplainInSchema)
@blp.response(200, SettlementOrderSchema)
@requires("finance:write")
def explain_difference(data: dict[str, Any], settlement_id: uuid.UUID, result_id: uuid.UUID) -> Any:
    """Give an order's difference its reason (reference finance.md §3.5) and a note."""
    return matching.explain(settlement_id, result_id, reason=data.get("reason"), note=data.get("note"))


@blp.route("/settlements/<uuid:settlement_id>/close", methods=["POST"])
@blp.arguments(CloseInSchema)
@blp.response(200, SettlementSchema)
@requires("finance:write")
def close_settlement(data: dict[str, Any], settlement_id: uuid.UUID) -> Any:
    """Close a settlement: refused (409) while an order differs by more than the tolerance
    without a reason or a sale line matches no order. Books it if matching had not."""
    return settlement_view(matching.close(settlement_id, _tolerance(data["tolerance"])), categories=True)


class ChannelRefundSchema(Schema):
    id = fields.UUID()
    connection_id = fields.UUID()
    external_refund_id = fields.String()
    external_order_id = fields.String()
    order_id = fields.UUID(allow_none=True)
    posted_at = fields.DateTime()
    currency = fields.String()
    amount = fields.Decimal(as_string=True)
    action = fields.String(metadata={"description": "cancelled, held, refunded, none, no_order (waits), failed"})
    message = fields.String()


class ChannelRefundQuerySchema(Schema):
    action = fields.String(validate=validate.OneOf(REFUND_ACTIONS))


class SettlementJobSchema(Schema):
    job_id = fields.UUID()
    kind = fields.String()
    status = fields.String()


@blp.route("/channel-refunds")
@blp.arguments(ChannelRefundQuerySchema, location="query")
@blp.response(200, ChannelRefundSchema(many=True))
@blp.paginate()
@requires("finance:read")
def channel_refunds(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Refunds read from the channels' finance APIs (Amazon) and what was done with each."""
    from core.finance.settlements.channels import refund_query

    return paged(refund_query(args.get("action")), pagination_parameters)


def _run(kind: str) -> dict[str, Any]:
    from core import jobs

    job = jobs.enqueue(kind, dedupe_key=kind)
    return {"job_id": job.id, "kind": job.kind, "status": job.status}


@blp.route("/channel-refunds/fetch", methods=["POST"])
@blp.response(202, SettlementJobSchema)
@requires("finance:write")
def fetch_channel_refunds() -> Any:
    """Read the channels' refunds now (the job that also runs every 15 minutes)."""
    return _run("finance.channel_refunds")


@blp.route("/settlements/fetch", methods=["POST"])
@blp.response(202, SettlementJobSchema)
@requires("finance:write")
def fetch_channel_settlements() -> Any:
    """Download the settlement reports the channels offer now (also every 6 hours)."""
    return _run("finance.channel_settlements")
