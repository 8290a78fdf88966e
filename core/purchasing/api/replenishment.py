"""Replenishment runs and their suggestions; supplier scorecards."""

from __future__ import annotations

import uuid
from typing import Any

from core.http import paged, requires
from core.purchasing.api import blp
from core.purchasing.schemas import (
    ReplenishmentAcceptSchema,
    ReplenishmentRunSchema,
    ReplenishmentSuggestionQuerySchema,
    ReplenishmentSuggestionSchema,
    ScorecardPeriodSchema,
    StockingRequestSchema,
    SupplierScorecardSchema,
    request_views,
    suggestion_views,
)
from core.purchasing.service import replenishment as service
from core.purchasing.service import scorecard


@blp.route("/replenishment/runs", methods=["GET"])
@blp.response(200, ReplenishmentRunSchema(many=True))
@blp.paginate()
@requires("purchasing:read")
def list_runs(pagination_parameters: Any) -> Any:
    return paged(service.run_query(), pagination_parameters)


@blp.route("/replenishment/runs", methods=["POST"])
@blp.response(202, ReplenishmentRunSchema)
@requires("purchasing:write")
def start_run() -> Any:
    """Compute suggestions for all SKUs in a background job (its progress is on
    `/api/v1/jobs/{job_id}`). A run already waiting or running is returned instead."""
    return service.start_run()


@blp.route("/replenishment/runs/<uuid:run_id>", methods=["GET"])
@blp.response(200, ReplenishmentRunSchema)
@requires("purchasing:read")
def get_run(run_id: uuid.UUID) -> Any:
    return service.get_run(run_id)


@blp.route("/replenishment/suggestions", methods=["GET"])
@blp.arguments(ReplenishmentSuggestionQuerySchema, location="query")
@blp.response(200, ReplenishmentSuggestionSchema(many=True))
@blp.paginate()
@requires("purchasing:read")
def list_suggestions(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Suggestions of the latest run (or `run_id`), soonest stock-out first, each with its
    inputs and arithmetic. `?status=open` lists those with something to order."""
    return suggestion_views(paged(service.suggestion_query(**args), pagination_parameters))


@blp.route("/replenishment/suggestions/<uuid:suggestion_id>", methods=["GET"])
@blp.response(200, ReplenishmentSuggestionSchema)
@requires("purchasing:read")
def get_suggestion(suggestion_id: uuid.UUID) -> Any:
    return suggestion_views([service.get_suggestion(suggestion_id)])[0]


@blp.route("/replenishment/suggestions/<uuid:suggestion_id>/accept", methods=["POST"])
@blp.arguments(ReplenishmentAcceptSchema)
@blp.response(201, StockingRequestSchema)
@requires("purchasing:write")
def accept_suggestion(data: dict[str, Any], suggestion_id: uuid.UUID) -> Any:
    """Turn the suggestion into a stocking request (quantity, date and supplier may change)."""
    return request_views([service.accept_suggestion(suggestion_id, **data)])[0]


@blp.route("/replenishment/suggestions/<uuid:suggestion_id>/dismiss", methods=["POST"])
@blp.response(200, ReplenishmentSuggestionSchema)
@requires("purchasing:write")
def dismiss_suggestion(suggestion_id: uuid.UUID) -> Any:
    return suggestion_views([service.dismiss_suggestion(suggestion_id)])[0]


@blp.route("/suppliers/<uuid:supplier_id>/scorecard", methods=["GET"])
@blp.arguments(ScorecardPeriodSchema, location="query")
@blp.response(200, SupplierScorecardSchema)
@requires("purchasing:read")
def supplier_scorecard(args: dict[str, Any], supplier_id: uuid.UUID) -> Any:
    """On-time rate, defect rate and average lead time of a supplier, from its receipts."""
    return scorecard.supplier_scorecard(supplier_id, **args).to_dict()


@blp.route("/purchasing/supplier-scorecards", methods=["GET"])
@blp.arguments(ScorecardPeriodSchema, location="query")
@blp.response(200, SupplierScorecardSchema(many=True))
@blp.paginate()
@requires("purchasing:read")
def supplier_scorecards(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Scorecards of every supplier that delivered in the period, by name."""
    ids = paged(scorecard.suppliers_with_receipts_query(**args), pagination_parameters)
    cards = scorecard.scorecards(ids, **args)
    return [cards[i].to_dict() for i in ids]
