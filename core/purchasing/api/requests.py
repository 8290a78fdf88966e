"""Stocking requests (备货) and their approval."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from core.http import paged, requires
from core.purchasing.api import blp
from core.purchasing.schemas import (
    PurchasingOptionalReasonSchema,
    PurchasingReasonSchema,
    StockingRequestInSchema,
    StockingRequestPatchSchema,
    StockingRequestQuerySchema,
    StockingRequestSchema,
    request_views,
)
from core.purchasing.service import requests as service


def _one(row: Any) -> dict[str, Any]:
    return request_views([row])[0]


@blp.route("/stocking-requests")
class StockingRequests(MethodView):
    @blp.arguments(StockingRequestQuerySchema, location="query")
    @blp.response(200, StockingRequestSchema(many=True))
    @blp.paginate()
    @requires("purchasing:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Requests, soonest needed first. The approval queue is `?status=submitted`; what is
        to be purchased is `?status=approved`."""
        return request_views(paged(service.request_query(**args), pagination_parameters))

    @blp.arguments(StockingRequestInSchema)
    @blp.response(201, StockingRequestSchema)
    @requires("purchasing:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Submit a stocking request: SKU, quantity, destination warehouse and needed-by date."""
        return _one(service.create_request(**data))


@blp.route("/stocking-requests/<uuid:request_id>")
class StockingRequestView(MethodView):
    @blp.response(200, StockingRequestSchema)
    @requires("purchasing:read")
    def get(self, request_id: uuid.UUID) -> Any:
        return _one(service.get_request(request_id))

    @blp.arguments(StockingRequestPatchSchema)
    @blp.response(200, StockingRequestSchema)
    @requires("purchasing:write")
    def patch(self, data: dict[str, Any], request_id: uuid.UUID) -> Any:
        """Change a request that awaits approval."""
        return _one(service.update_request(request_id, **data))


@blp.route("/stocking-requests/<uuid:request_id>/approve", methods=["POST"])
@blp.response(200, StockingRequestSchema)
@requires("purchasing:approve")
def approve_request(request_id: uuid.UUID) -> Any:
    """Approve a submitted request: it is then to be purchased."""
    return _one(service.approve_request(request_id))


@blp.route("/stocking-requests/<uuid:request_id>/reject", methods=["POST"])
@blp.arguments(PurchasingReasonSchema)
@blp.response(200, StockingRequestSchema)
@requires("purchasing:approve")
def reject_request(data: dict[str, Any], request_id: uuid.UUID) -> Any:
    return _one(service.reject_request(request_id, data["reason"]))


@blp.route("/stocking-requests/<uuid:request_id>/terminate", methods=["POST"])
@blp.arguments(PurchasingOptionalReasonSchema)
@blp.response(200, StockingRequestSchema)
@requires("purchasing:write")
def terminate_request(data: dict[str, Any], request_id: uuid.UUID) -> Any:
    """Stop a request before it is on a purchase order."""
    return _one(service.terminate_request(request_id, data["reason"]))
