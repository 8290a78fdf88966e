"""REST endpoints of shipping: shipments of orders (rate, buy the label once, void, pack, hand
over, track), label batches on the `labels` queue with merged print files, pick lists and the
tenant's shipping settings (docs/shipping.md)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from core.http import Blueprint, paged, requires
from core.shipping import schemas as s
from core.shipping import service

blp = Blueprint("shipping", __name__, url_prefix="/api/v1", description="Shipments, labels, customs and tracking")

READ, WRITE = "shipping:read", "shipping:write"


def detail(shipment: Any) -> dict[str, Any]:
    return service.detail(shipment)


def _file(content: bytes, mimetype: str, name: str) -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'inline; filename="{name}"'})


@blp.route("/shipments")
@blp.arguments(s.ShipmentQuerySchema, location="query")
@blp.response(200, s.ShipmentSchema(many=True))
@blp.paginate()
@requires(READ)
def list_shipments(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Shipments, newest first: `?status=labelled&tracking_status=exception&carrier=ups&q=SO-1`."""
    return paged(service.shipment_query(**args), pagination_parameters)


@blp.route("/shipments/<uuid:shipment_id>")
@blp.response(200, s.ShipmentDetailSchema)
@requires(READ)
def get_shipment(shipment_id: uuid.UUID) -> Any:
    """A shipment with its quotes, label, customs documents and tracking events."""
    return detail(service.get_shipment(shipment_id))


@blp.route("/orders/<uuid:order_id>/shipments")
@blp.response(200, s.ShipmentDetailSchema(many=True))
@requires(READ)
def order_shipments(order_id: uuid.UUID) -> Any:
    """Every shipment of an order, voided ones included, oldest first."""
    return [detail(x) for x in service.shipments_of(order_id)]


@blp.route("/orders/<uuid:order_id>/quotes", methods=["POST"])
@blp.arguments(s.QuoteInSchema)
@blp.response(200, s.ShipmentDetailSchema)
@requires(WRITE)
def quote(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Rate the order's shipment at every connected carrier (or one) and choose by the tenant's
    rules, without buying: the quotes, their errors and the choice explained."""
    return detail(service.quote_order(order_id, **data))


@blp.route("/orders/<uuid:order_id>/label", methods=["POST"])
@blp.arguments(s.LabelInSchema)
@blp.response(201, s.ShipmentDetailSchema)
@requires(WRITE)
def buy_label(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Buy the order's label: rate, choose, buy at the carrier, store the label and the customs
    documents. Bought once: asking again returns the same shipment and label."""
    return detail(service.buy_label(order_id, **data))


@blp.route("/orders/<uuid:order_id>/label/release", methods=["POST"])
@blp.response(204)
@requires(WRITE)
def release(order_id: uuid.UUID) -> None:
    """After checking at the carrier that a purchase whose outcome was lost bought nothing,
    allow the next attempt to buy (409 when no purchase waits to be checked)."""
    service.release_claim(order_id)


@blp.route("/shipments/<uuid:shipment_id>/void", methods=["POST"])
@blp.response(200, s.ShipmentDetailSchema)
@requires(WRITE)
def void(shipment_id: uuid.UUID) -> Any:
    """Void the label at the carrier (before hand-over)."""
    return detail(service.void(shipment_id))


@blp.route("/shipments/<uuid:shipment_id>/pick", methods=["POST"])
@blp.arguments(s.PickInSchema)
@blp.response(200, s.ShipmentDetailSchema)
@requires(WRITE)
def pick(data: dict[str, Any], shipment_id: uuid.UUID) -> Any:
    """Record picked units per SKU; a short pick holds the order naming the SKU and quantity."""
    return detail(service.record_pick(shipment_id, data["picked"]))


@blp.route("/shipments/<uuid:shipment_id>/pack", methods=["POST"])
@blp.arguments(s.PackInSchema)
@blp.response(200, s.ShipmentDetailSchema)
@requires(WRITE)
def pack(data: dict[str, Any], shipment_id: uuid.UUID) -> Any:
    """Verify the parcel's contents by scans (SKU code or barcode, one per unit); refused, naming
    each difference, unless they match. A weight beyond the tolerance is recorded and flagged."""
    return detail(service.pack(shipment_id, data["scans"], weight_g=data["weight_g"]))


@blp.route("/shipments/<uuid:shipment_id>/hand-over", methods=["POST"])
@blp.arguments(s.HandOverInSchema)
@blp.response(200, s.ShipmentDetailSchema)
@requires(WRITE)
def hand_over(data: dict[str, Any], shipment_id: uuid.UUID) -> Any:
    """The parcel left with the carrier: the order is marked shipped and the channel told."""
    return detail(service.hand_over(shipment_id, weight_g=data["weight_g"]))


@blp.route("/shipments/<uuid:shipment_id>/track", methods=["POST"])
@blp.response(200, s.ShipmentDetailSchema)
@requires(WRITE)
def track_now(shipment_id: uuid.UUID) -> Any:
    """Ask the carrier now (the scheduled job asks every open shipment every two hours)."""
    shipment = service.get_shipment(shipment_id)
    service.track([shipment])
    return detail(shipment)


@blp.route("/shipments/<uuid:shipment_id>/label.<fmt>", methods=["GET"])
@blp.response(200, content_type="application/pdf")
@requires(READ)
def label_file(shipment_id: uuid.UUID, fmt: str) -> Response:
    """The label as the carrier sent it (reprint): label.pdf or label.zpl."""
    shipment = service.get_shipment(shipment_id)
    content, mimetype, ext = service.print_file(service.labels_of([shipment.id]), fmt.upper())
    service.mark_label_printed(shipment)
    return _file(content, mimetype, f"{shipment.number}.{ext}")


@blp.route("/shipments/<uuid:shipment_id>/documents/<kind>.pdf", methods=["GET"])
@blp.response(200, content_type="application/pdf")
@requires(READ)
def document_file(shipment_id: uuid.UUID, kind: str) -> Response:
    """A customs document of the shipment: commercial_invoice.pdf, cn22.pdf or cn23.pdf."""
    shipment = service.get_shipment(shipment_id)
    doc = service.get_document(shipment, kind)
    return _file(doc.content, "application/pdf", f"{doc.number}.pdf")


@blp.route("/label-batches")
class Batches(MethodView):
    @blp.response(200, s.BatchSchema(many=True))
    @blp.paginate()
    @requires(READ)
    def get(self, pagination_parameters: Any) -> Any:
        return service.batch_views(list(paged(service.batch_query(), pagination_parameters)))

    @blp.arguments(s.BatchInSchema)
    @blp.response(202, s.BatchDetailSchema)
    @requires(WRITE)
    def post(self, data: dict[str, Any]) -> Any:
        """Buy labels for many orders on the `labels` queue; progress on the batch and its job."""
        return service.batch_view(service.start_batch(**data))


@blp.route("/label-batches/<uuid:batch_id>")
@blp.response(200, s.BatchDetailSchema)
@requires(READ)
def get_batch(batch_id: uuid.UUID) -> Any:
    return service.batch_view(service.get_batch(batch_id))


@blp.route("/label-batches/<uuid:batch_id>/retry", methods=["POST"])
@blp.response(202, s.BatchDetailSchema)
@requires(WRITE)
def retry_batch(batch_id: uuid.UUID) -> Any:
    """Run the batch again for the orders that failed."""
    return service.batch_view(service.retry_batch(batch_id))


@blp.route("/label-batches/<uuid:batch_id>/labels", methods=["GET"])
@blp.arguments(s.PrintQuerySchema, location="query")
@blp.response(200, content_type="application/pdf")
@requires(READ)
def batch_labels(args: dict[str, Any], batch_id: uuid.UUID) -> Response:
    """The batch's labels as one print file: `?format=PDF` (merged) or `?format=ZPL` (concatenated)."""
    batch = service.get_batch(batch_id)
    content, mimetype, ext = service.print_file(service.batch_labels(batch), args["format"])
    return _file(content, mimetype, f"{batch.number}.{ext}")


@blp.route("/pick-lists", methods=["POST"])
@blp.arguments(s.PickListInSchema)
@blp.response(200, content_type="application/pdf")
@requires(READ)
def pick_list(data: dict[str, Any]) -> Response:
    """A pick list for the orders' shipments, batched across orders and sorted by bin (PDF)."""
    return _file(service.pick_list_pdf(data["order_ids"]), "application/pdf", "pick-list.pdf")


@blp.route("/packing-slips", methods=["POST"])
@blp.arguments(s.PackingSlipInSchema)
@blp.response(200, content_type="application/pdf")
@requires(READ)
def packing_slips(data: dict[str, Any]) -> Response:
    """Packing slips (出库单) for the orders' shipments, one page per order, in en or zh-CN (PDF)."""
    pdf = service.packing_slips_pdf(data["order_ids"], data["locale"])
    return _file(pdf, "application/pdf", "packing-slips.pdf")


@blp.route("/shipping/settings")
class ShippingSettings(MethodView):
    @blp.response(200, s.ShippingSettingsSchema)
    @requires(READ)
    def get(self) -> Any:
        return service.settings_view(service.get_settings())

    @blp.arguments(s.ShippingSettingsSchema)
    @blp.response(200, s.ShippingSettingsSchema)
    @requires("shipping:write")
    def put(self, data: dict[str, Any]) -> Any:
        """Replace the given settings: rate rules in order, label format, customs defaults and ids."""
        return service.settings_view(service.update_settings(**data))
