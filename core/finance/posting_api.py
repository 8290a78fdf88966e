"""REST endpoints of posting the books to accounting targets (docs/accounting.md), added to
finance's blueprint (`register`) under /api/v1/finance/posting.

The connections themselves are created, edited and tested at /api/v1/connections (kind
"accounting"), where their credentials are encrypted and masked like every plugin's."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core import connections
from core.errors import ExternalServiceError
from core.finance import posting
from core.finance.posting_models import MAPPING_KINDS, POSTING_STATUSES, Posting, PostingRun
from core.http import paged, requires
from core.messages import Msg
from core.ports import BUSINESS_DOCUMENT_KINDS, AdapterError


class PostingTargetSchema(Schema):
    id = fields.UUID()
    plugin = fields.String()
    display_name = fields.String()
    status = fields.String()
    account = fields.String()
    last_error = fields.String(allow_none=True)
    enabled = fields.Boolean()
    mapping_kinds = fields.List(fields.String())
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class PostingItemSchema(Schema):
    kind = fields.String()
    local_key = fields.String()
    label = fields.String()
    external_code = fields.String()
    external_name = fields.String()
    mapped = fields.Boolean()
    required = fields.Boolean()
    vouchers = fields.Integer()


class PostingItemQuerySchema(Schema):
    start_date = fields.Date(load_default=None)


class PostingMappingInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MAPPING_KINDS))
    local_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    external_code = fields.String(load_default="", validate=validate.Length(max=200))
    external_name = fields.String(load_default="", validate=validate.Length(max=200))


class PostingMappingsInSchema(Schema):
    mappings = fields.List(fields.Nested(PostingMappingInSchema), required=True, validate=validate.Length(max=5000))


class PostingCodeSchema(Schema):
    code = fields.String()
    name = fields.String()


class PostingCodeQuerySchema(Schema):
    kind = fields.String(load_default="account", validate=validate.OneOf(MAPPING_KINDS))


class PostingRunInSchema(Schema):
    start_date = fields.Date(required=True)


class PostingRunSchema(Schema):
    id = fields.UUID()
    connection_id = fields.UUID()
    job_id = fields.UUID(allow_none=True)
    start_date = fields.Date()
    status = fields.String()
    total = fields.Integer()
    posted = fields.Integer()
    refused = fields.Integer()
    waiting = fields.Integer()
    progress = fields.Integer()
    message = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class PostingRunQuerySchema(Schema):
    connection_id = fields.UUID(load_default=None)


class PostingResultSchema(Schema):
    id = fields.UUID()
    connection_id = fields.UUID()
    connection = fields.String()
    kind = fields.String(
        metadata={"description": "voucher, or the business document: " + ", ".join(BUSINESS_DOCUMENT_KINDS)}
    )
    voucher_id = fields.UUID(allow_none=True)
    event_id = fields.UUID(allow_none=True, metadata={"description": "a document's business event"})
    voucher_date = fields.Date()
    reference = fields.String()
    run_id = fields.UUID(allow_none=True)
    status = fields.String()
    external_id = fields.String()
    external_number = fields.String()
    message = fields.String()
    attempts = fields.Integer()
    posted_at = fields.DateTime(allow_none=True)


class PostingResultQuerySchema(Schema):
    connection_id = fields.UUID(load_default=None)
    run_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(POSTING_STATUSES))


class RequisitionPullInSchema(Schema):
    since = fields.Date(required=True)


class RequisitionPullSchema(Schema):
    id = fields.UUID()
    external_id = fields.String()
    number = fields.String()
    material = fields.String()
    quantity = fields.Integer()
    needed_by = fields.Date(allow_none=True)
    status = fields.String()
    stocking_request_id = fields.UUID(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()


class RequisitionPullJobSchema(Schema):
    job_id = fields.UUID()
    kind = fields.String()
    status = fields.String()
    progress = fields.Integer()


class PostingRetryInSchema(Schema):
    posting_ids = fields.List(fields.UUID(), load_default=None, validate=validate.Length(min=1, max=5000))


def target_view(conn: Any) -> dict[str, Any]:
    cls = posting.target_class(conn)
    return {
        "id": conn.id,
        "plugin": conn.plugin,
        "display_name": conn.display_name,
        "status": conn.status,
        "account": conn.account,
        "last_error": conn.last_error,
        "enabled": conn.enabled,
        "mapping_kinds": ["account", *cls.mapping_kinds],
        "counts": posting.counts(connection_id=conn.id),
    }


def item_view(item: posting.Item) -> dict[str, Any]:
    return {**item.__dict__, "mapped": item.mapped}


def run_view(run: PostingRun) -> dict[str, Any]:
    done = run.posted + run.refused
    return {
        **{c: getattr(run, c) for c in PostingRunSchema._declared_fields if hasattr(run, c)},
        "progress": 100 if run.status == "done" else int(100 * done / run.total) if run.total else 0,
    }


def posting_views(rows: list[Posting]) -> list[dict[str, Any]]:
    from tenants.service import connections_facts

    facts = connections_facts({r.connection_id for r in rows})
    out = []
    for r in rows:
        view = {c: getattr(r, c) for c in PostingResultSchema._declared_fields if hasattr(r, c) and c != "connection"}
        fact = facts.get(r.connection_id)
        view["connection"] = getattr(fact, "display_name", "") if fact else ""
        out.append(view)
    return out


def register(blp: Any) -> None:
    """Add posting's routes to finance's blueprint (called by core.finance.api)."""

    @blp.route("/posting/targets")
    class Targets(MethodView):
        @blp.response(200, PostingTargetSchema(many=True))
        @requires("finance:read")
        def get(self) -> Any:
            """The tenant's accounting connections with what was posted to each."""
            return [target_view(c) for c in posting.list_connections()]

    @blp.route("/posting/targets/<uuid:connection_id>/mappings")
    class Mappings(MethodView):
        @blp.arguments(PostingItemQuerySchema, location="query")
        @blp.response(200, PostingItemSchema(many=True))
        @requires("finance:read")
        def get(self, args: dict[str, Any], connection_id: uuid.UUID) -> Any:
            """What the target needs a code for (accounts, shops as customers, suppliers, SKUs as
            materials, warehouses as departments), unmapped items first."""
            return [item_view(i) for i in posting.items(connection_id, args["start_date"])]

        @blp.arguments(PostingMappingsInSchema)
        @blp.response(200, PostingItemSchema(many=True))
        @requires("finance:write")
        def put(self, data: dict[str, Any], connection_id: uuid.UUID) -> Any:
            """Map items to the target's codes; an empty external_code removes a mapping."""
            posting.set_mappings(connection_id, data["mappings"])
            return [item_view(i) for i in posting.items(connection_id)]

    @blp.route("/posting/targets/<uuid:connection_id>/codes")
    class Codes(MethodView):
        @blp.arguments(PostingCodeQuerySchema, location="query")
        @blp.response(200, PostingCodeSchema(many=True))
        @requires("finance:read")
        def get(self, args: dict[str, Any], connection_id: uuid.UUID) -> Any:
            """The target's own codes of a kind (its chart of accounts...), read from it now."""
            conn = posting.connection(connection_id)
            try:
                with connections.using(conn, "accounting", retry=connections.INTERACTIVE_RETRY) as target:
                    return [{"code": c, "name": n} for c, n in target.list_codes(args["kind"])]
            except AdapterError as exc:
                raise ExternalServiceError(
                    Msg("finance.target_said", display_name=conn.display_name, detail=connections.describe(exc))
                ) from None

    @blp.route("/posting/targets/<uuid:connection_id>/runs", methods=["POST"])
    @blp.arguments(PostingRunInSchema)
    @blp.response(202, PostingRunSchema)
    @requires("finance:write")
    def start_run(data: dict[str, Any], connection_id: uuid.UUID) -> Any:
        """Post every voucher from the start date that is not on the target yet, on the finance
        queue; 409 listing the unmapped items while any is missing."""
        return run_view(posting.start_run(connection_id, data["start_date"]))

    @blp.route("/posting/targets/<uuid:connection_id>/retry", methods=["POST"])
    @blp.arguments(PostingRetryInSchema)
    @blp.response(202, PostingRunSchema)
    @requires("finance:write")
    def retry_refused(data: dict[str, Any], connection_id: uuid.UUID) -> Any:
        """Send refused vouchers again: those named, or every refused one of the target."""
        return run_view(posting.retry(connection_id, data.get("posting_ids")))

    @blp.route("/posting/runs")
    class Runs(MethodView):
        @blp.arguments(PostingRunQuerySchema, location="query")
        @blp.response(200, PostingRunSchema(many=True))
        @blp.paginate()
        @requires("finance:read")
        def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
            return [run_view(r) for r in paged(posting.list_runs(args["connection_id"]), pagination_parameters)]

    @blp.route("/posting/runs/<uuid:run_id>")
    class RunView(MethodView):
        @blp.response(200, PostingRunSchema)
        @requires("finance:read")
        def get(self, run_id: uuid.UUID) -> Any:
            return run_view(posting.get_run(run_id))

    @blp.route("/posting/results")
    class Results(MethodView):
        @blp.arguments(PostingResultQuerySchema, location="query")
        @blp.response(200, PostingResultSchema(many=True))
        @blp.paginate()
        @requires("finance:read")
        def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
            """Per voucher: posted (the target's id and number), refused (its message), waiting."""
            return posting_views(paged(posting.posting_query(**args), pagination_parameters))

    @blp.route("/posting/results/<uuid:posting_id>/retry", methods=["POST"])
    @blp.response(202, PostingRunSchema)
    @requires("finance:write")
    def retry_one(posting_id: uuid.UUID) -> Any:
        return run_view(posting.retry_one(posting_id))

    @blp.route("/posting/targets/<uuid:connection_id>/requisitions")
    class Requisitions(MethodView):
        @blp.response(200, RequisitionPullSchema(many=True))
        @blp.paginate()
        @requires("finance:read")
        def get(self, connection_id: uuid.UUID, pagination_parameters: Any) -> Any:
            """Requisition lines pulled from the target: the stocking request each became, or why not."""
            from core.finance import posting_pull

            posting.connection(connection_id)
            return paged(posting_pull.pull_query(connection_id), pagination_parameters)

        @blp.arguments(RequisitionPullInSchema)
        @blp.response(202, RequisitionPullJobSchema)
        @requires("purchasing:write")
        def post(self, data: dict[str, Any], connection_id: uuid.UUID) -> Any:
            """Pull the target's approved purchase requisitions (采购申请) from `since` as stocking
            requests, each line once: the job `finance.pull_requisitions` on the finance queue
            (follow it at /jobs/{job_id}; its result counts the requests created and the lines
            skipped, listed here by GET). A pull of the target still waiting is returned."""
            from core.finance import posting_pull

            job = posting_pull.start_pull(connection_id, data["since"])
            return {"job_id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress}

    @blp.route("/vouchers/<uuid:voucher_id>/postings")
    class VoucherPostings(MethodView):
        @blp.response(200, PostingResultSchema(many=True))
        @requires("finance:read")
        def get(self, voucher_id: uuid.UUID) -> Any:
            """Where the voucher was posted, and its number there."""
            from core.finance.service import get_voucher

            get_voucher(voucher_id)
            return posting_views(posting.postings_of_voucher(voucher_id))
