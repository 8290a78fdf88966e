"""Purchase orders: drafts, approval, the supplier's confirmation and tracking numbers,
cancelling and terminating; scanning an order or tracking number at the dock."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from core.http import paged, requires
from core.purchasing.api import blp
from core.purchasing.schemas import (
    PurchaseOrderConfirmSchema,
    PurchaseOrderCreateSchema,
    PurchaseOrderLookupSchema,
    PurchaseOrderPatchSchema,
    PurchaseOrderQuerySchema,
    PurchaseOrderSchema,
    PurchaseOrdersFromRequestsSchema,
    PurchaseOrderTerminateSchema,
    PurchaseReceiptSchema,
    PurchaseReceiveSchema,
    PurchaseTrackingInSchema,
    PurchaseTrackingSchema,
    PurchasingOptionalReasonSchema,
    order_views,
    receipt_views,
)
from core.purchasing.service import orders as service
from core.purchasing.service import receiving


def _one(row: Any) -> dict[str, Any]:
    return order_views([row])[0]


@blp.route("/purchase-orders")
class PurchaseOrders(MethodView):
    @blp.arguments(PurchaseOrderQuerySchema, location="query")
    @blp.response(200, PurchaseOrderSchema(many=True))
    @blp.paginate()
    @requires("purchasing:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Orders, newest first. `?status=draft&status=pending_second_approval` is the approval queue."""
        return order_views(paged(service.order_query(**args), pagination_parameters))

    @blp.arguments(PurchaseOrderCreateSchema)
    @blp.response(201, PurchaseOrderSchema)
    @requires("purchasing:write")
    def post(self, data: dict[str, Any]) -> Any:
        """A draft order with its lines (SKU, quantity, unit price excluding tax, tax rate)."""
        return _one(service.create_order(**data))


@blp.route("/purchase-orders/from-requests", methods=["POST"])
@blp.arguments(PurchaseOrdersFromRequestsSchema)
@blp.response(201, PurchaseOrderSchema(many=True))
@requires("purchasing:write")
def orders_from_requests(data: dict[str, Any]) -> Any:
    """Draft orders for approved stocking requests, one per supplier and destination warehouse."""
    return order_views(service.create_orders_from_requests(data.pop("request_ids"), **data))


@blp.route("/purchase-orders/lookup", methods=["GET"])
@blp.arguments(PurchaseOrderLookupSchema, location="query")
@blp.response(200, PurchaseOrderSchema(many=True))
@requires("purchasing:read")
def lookup_orders(args: dict[str, Any]) -> Any:
    """What a scanner at the dock finds: the order with that number, or the orders shipped
    under that supplier tracking number. 404 when nothing matches."""
    return order_views(service.lookup(args["code"]))


@blp.route("/purchase-orders/<uuid:order_id>")
class PurchaseOrderView(MethodView):
    @blp.response(200, PurchaseOrderSchema)
    @requires("purchasing:read")
    def get(self, order_id: uuid.UUID) -> Any:
        return _one(service.get_order(order_id))

    @blp.arguments(PurchaseOrderPatchSchema)
    @blp.response(200, PurchaseOrderSchema)
    @requires("purchasing:write")
    def patch(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Change a draft: dates, references, exchange rate, lines (`lines` replaces them all;
        keep a line by giving its id)."""
        return _one(service.update_order(order_id, **data))


@blp.route("/purchase-orders/<uuid:order_id>/approve", methods=["POST"])
@blp.response(200, PurchaseOrderSchema)
@requires("purchasing:approve")
def approve_order(order_id: uuid.UUID) -> Any:
    """Approve a draft (its destination's inbound quantity rises). Above the tenant's threshold
    the order then waits for a second approval, which someone else must give."""
    return _one(service.approve_order(order_id))


@blp.route("/purchase-orders/<uuid:order_id>/send", methods=["POST"])
@blp.response(200, PurchaseOrderSchema)
@requires("purchasing:write")
def send_order(order_id: uuid.UUID) -> Any:
    """Record that the approved order was sent to the supplier."""
    return _one(service.send_order(order_id))


@blp.route("/purchase-orders/<uuid:order_id>/confirm", methods=["POST"])
@blp.arguments(PurchaseOrderConfirmSchema)
@blp.response(200, PurchaseOrderSchema)
@requires("purchasing:write")
def confirm_order(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Record the supplier's confirmation, its reference and promised date."""
    return _one(service.confirm_order(order_id, **data))


@blp.route("/purchase-orders/<uuid:order_id>/cancel", methods=["POST"])
@blp.arguments(PurchasingOptionalReasonSchema)
@blp.response(200, PurchaseOrderSchema)
@requires("purchasing:write")
def cancel_order(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Cancel an order nothing has arrived for; its stocking requests are to be purchased again."""
    return _one(service.cancel_order(order_id, data["reason"]))


@blp.route("/purchase-orders/<uuid:order_id>/terminate", methods=["POST"])
@blp.arguments(PurchaseOrderTerminateSchema)
@blp.response(200, PurchaseOrderSchema)
@requires("purchasing:write")
def terminate_order(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Terminate quantities still to come (all of them without `lines`); the order closes when
    nothing is left to come."""
    return _one(service.terminate_order(order_id, lines=data.get("lines"), reason=data["reason"]))


@blp.route("/purchase-orders/<uuid:order_id>/trackings")
class Trackings(MethodView):
    @blp.response(200, PurchaseTrackingSchema(many=True))
    @requires("purchasing:read")
    def get(self, order_id: uuid.UUID) -> Any:
        return list(service.get_order(order_id).trackings)

    @blp.arguments(PurchaseTrackingInSchema)
    @blp.response(201, PurchaseTrackingSchema)
    @requires("purchasing:write")
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Record a tracking number the supplier shipped (part of) the order under."""
        return service.add_tracking(order_id, **data)


@blp.route("/purchase-orders/<uuid:order_id>/trackings/<uuid:tracking_id>", methods=["DELETE"])
@blp.response(204)
@requires("purchasing:write")
def remove_tracking(order_id: uuid.UUID, tracking_id: uuid.UUID) -> None:
    service.remove_tracking(order_id, tracking_id)


@blp.route("/purchase-orders/<uuid:order_id>/receipts")
class OrderReceipts(MethodView):
    @blp.response(200, PurchaseReceiptSchema(many=True))
    @blp.paginate()
    @requires("purchasing:read")
    def get(self, order_id: uuid.UUID, pagination_parameters: Any) -> Any:
        service.get_order(order_id)
        return receipt_views(paged(receiving.receipt_query(purchase_order_id=order_id), pagination_parameters))

    @blp.arguments(PurchaseReceiveSchema)
    @blp.response(201, PurchaseReceiptSchema)
    @requires("purchasing:receive")
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Record what arrived, per order line; the units wait in QC. Over-receipt beyond the
        tenant's tolerance is refused (422 naming the line)."""
        return receipt_views([receiving.receive(order_id, **data)])[0]
