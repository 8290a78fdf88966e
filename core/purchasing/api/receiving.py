"""Receipts, their QC and put-away labels; returns of failed units to suppliers."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from core.http import paged, requires
from core.purchasing.api import blp
from core.purchasing.schemas import (
    PurchaseReceiptQuerySchema,
    PurchaseReceiptSchema,
    PutawayLabelsQuerySchema,
    QcSchema,
    SupplierReturnCreateSchema,
    SupplierReturnQuerySchema,
    SupplierReturnSchema,
    SupplierReturnShipSchema,
    receipt_views,
    return_views,
)
from core.purchasing.service import labels, receiving, returns


@blp.route("/purchase-receipts", methods=["GET"])
@blp.arguments(PurchaseReceiptQuerySchema, location="query")
@blp.response(200, PurchaseReceiptSchema(many=True))
@blp.paginate()
@requires("purchasing:read")
def list_receipts(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Receipts, newest first. Those waiting for QC: `?status=qc_pending`."""
    return receipt_views(paged(receiving.receipt_query(**args), pagination_parameters))


@blp.route("/purchase-receipts/<uuid:receipt_id>", methods=["GET"])
@blp.response(200, PurchaseReceiptSchema)
@requires("purchasing:read")
def get_receipt(receipt_id: uuid.UUID) -> Any:
    return receipt_views([receiving.get_receipt(receipt_id)])[0]


@blp.route("/purchase-receipts/<uuid:receipt_id>/inspect", methods=["POST"])
@blp.arguments(QcSchema)
@blp.response(200, PurchaseReceiptSchema)
@requires("purchasing:receive")
def inspect_receipt(data: dict[str, Any], receipt_id: uuid.UUID) -> Any:
    """Record the QC of receipt lines: sample size, passed and failed units, defect reasons and
    the bin passed units are put away to. Passed units go on hand, failed units unsellable."""
    return receipt_views([receiving.inspect(receipt_id, lines=data["lines"])])[0]


@blp.route("/purchase-receipts/<uuid:receipt_id>/labels", methods=["GET"])
@blp.arguments(PutawayLabelsQuerySchema, location="query")
@blp.response(200, content_type="application/pdf", description="Put-away labels, 60 x 40 mm, one per page")
@requires("purchasing:read")
def receipt_labels(args: dict[str, Any], receipt_id: uuid.UUID) -> Any:
    """Put-away labels (SKU code, name, bin, Code128 barcode) for the units that passed QC."""
    receipt = receiving.get_receipt(receipt_id)
    pdf = labels.putaway_labels_pdf(receipt.id, per=args["per"])
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="putaway-{receipt.number}.pdf"'},
    )


@blp.route("/purchase-returns")
class SupplierReturns(MethodView):
    @blp.arguments(SupplierReturnQuerySchema, location="query")
    @blp.response(200, SupplierReturnSchema(many=True))
    @blp.paginate()
    @requires("purchasing:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return return_views(paged(returns.return_query(**args), pagination_parameters))

    @blp.arguments(SupplierReturnCreateSchema)
    @blp.response(201, SupplierReturnSchema)
    @requires("purchasing:write")
    def post(self, data: dict[str, Any]) -> Any:
        """A draft return of units that failed QC, per order line."""
        return return_views([returns.create_return(**data)])[0]


@blp.route("/purchase-returns/<uuid:return_id>", methods=["GET"])
@blp.response(200, SupplierReturnSchema)
@requires("purchasing:read")
def get_return(return_id: uuid.UUID) -> Any:
    return return_views([returns.get_return(return_id)])[0]


@blp.route("/purchase-returns/<uuid:return_id>/ship", methods=["POST"])
@blp.arguments(SupplierReturnShipSchema)
@blp.response(200, SupplierReturnSchema)
@requires("purchasing:receive")
def ship_return(data: dict[str, Any], return_id: uuid.UUID) -> Any:
    """The units left for the supplier: they leave unsellable stock at book cost."""
    return return_views([returns.ship_return(return_id, **data)])[0]


@blp.route("/purchase-returns/<uuid:return_id>/cancel", methods=["POST"])
@blp.response(200, SupplierReturnSchema)
@requires("purchasing:write")
def cancel_return(return_id: uuid.UUID) -> Any:
    return return_views([returns.cancel_return(return_id)])[0]
