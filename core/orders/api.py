"""REST endpoints of orders: the list with its filters, manual orders, every action of the
order's life, merges, bulk actions, CSV export, saved views and the tenant's order rules.

Buyer personal data is masked for callers without `orders:pii` (core.orders.views)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask.views import MethodView

from core.errors import PermissionDenied
from core.http import Blueprint, paged, requires
from core.messages import Msg
from core.orders import service, views
from core.orders.schemas import (
    OrderActivitySchema,
    OrderBulkInSchema,
    OrderBulkResultSchema,
    OrderCandidateGroupSchema,
    OrderDeliverInSchema,
    OrderHoldInSchema,
    OrderInSchema,
    OrderMergeInSchema,
    OrderNoteSchema,
    OrderPatchSchema,
    OrderPrintInSchema,
    OrderQuerySchema,
    OrderReasonSchema,
    OrderReceiveInSchema,
    OrderRefundInSchema,
    OrderRefundSchema,
    OrderReturnInSchema,
    OrderReturnPatchSchema,
    OrderReturnSchema,
    OrderSchema,
    OrderSettingsInSchema,
    OrderSettingsSchema,
    OrderShipInSchema,
    OrderSplitInSchema,
    OrderSplitResultSchema,
    OrderStockRowSchema,
    OrderSummarySchema,
    OrderViewInSchema,
    OrderViewSchema,
)
from core.orders.service import bulk, queries

blp = Blueprint(
    "orders",
    __name__,
    url_prefix="/api/v1",
    description="Orders of every channel: review, holds, allocation, split and merge, shipment, "
    "cancellation, refunds and returns",
)


def _reveal() -> bool:
    return g.principal.can("orders:pii")


def _detail(order_id: uuid.UUID) -> dict[str, Any]:
    return views.detail_view(service.get_order(order_id), _reveal())


def _filters(args: dict[str, Any]) -> dict[str, Any]:
    if args.get("buyer") and not _reveal():
        raise PermissionDenied(Msg("orders.buyer_search_needs_pii"))
    return args


@blp.route("/orders")
class Orders(MethodView):
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, OrderSummarySchema(many=True))
    @blp.paginate(keyset=True)
    @requires("orders:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Search orders: status (comma-separated), channel, shop, SKU, country, purchase
        dates, buyer, tag, hold type, number or channel order id. Newest purchase first; page
        on with `cursor` (X-Pagination `next_cursor`, `Link: rel="next"`)."""
        rows = paged(service.order_query(**_filters(args)), pagination_parameters, keys=queries.ORDER_KEYS)
        holds = queries.open_holds([o.id for o in rows])
        reveal = _reveal()
        return [views.summary_view(o, reveal, holds.get(o.id)) for o in rows]

    @blp.arguments(OrderInSchema)
    @blp.response(201, OrderSchema)
    @requires("orders:write")
    def post(self, data: dict[str, Any]) -> Any:
        """A manual or offline order (channel "manual"). Lines name local SKUs. It takes the
        same road as channel orders: holds, auto-review, split rules, allocation."""
        return _detail(service.create_order(data).id)


@blp.route("/orders/<uuid:order_id>")
class OrderView(MethodView):
    @blp.response(200, OrderSchema)
    @requires("orders:read")
    def get(self, order_id: uuid.UUID) -> Any:
        return _detail(order_id)

    @blp.arguments(OrderPatchSchema)
    @blp.response(200, OrderSchema)
    @requires("orders:write")
    def patch(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Correct the address or shipping service (before shipment), the seller's note and
        tags. A corrected address is no longer overwritten by the channel."""
        service.update_order(order_id, **data)
        return _detail(order_id)


@blp.route("/orders/<uuid:order_id>/timeline")
@blp.response(200, OrderActivitySchema(many=True))
@blp.paginate()
@requires("orders:read")
def timeline(order_id: uuid.UUID, pagination_parameters: Any) -> Any:
    """Every change of the order: who, when, why; oldest first."""
    return paged(service.timeline_query(order_id), pagination_parameters)


@blp.route("/orders/<uuid:order_id>/stock")
@blp.response(200, OrderStockRowSchema(many=True))
@requires("orders:read")
def order_stock(order_id: uuid.UUID) -> Any:
    """Stock of the order's SKUs in every warehouse."""
    return service.stock_for(service.get_order(order_id))


def _action(name: str, permission: str, doc: str, schema: Any, call: Any) -> None:
    def view(data: dict[str, Any], order_id: uuid.UUID) -> Any:
        call(order_id, data)
        return _detail(order_id)

    view.__name__ = f"order_{name.replace('-', '_')}"
    view.__doc__ = doc
    decorated = blp.arguments(schema)(blp.response(200, OrderSchema)(requires(permission)(view)))
    blp.route(f"/orders/<uuid:order_id>/{name}", methods=["POST"], endpoint=view.__name__)(decorated)


_action(
    "approve",
    "orders:write",
    "Approve an order waiting for review; split rules and allocation follow.",
    OrderNoteSchema,
    lambda oid, d: service.approve(oid, d["note"]),
)
_action(
    "hold",
    "orders:write",
    "Put an order on hold before shipment, with the reason and the problem SKUs.",
    OrderHoldInSchema,
    lambda oid, d: service.hold_order(oid, reason=d["reason"], type=d["type"], problems=d["problems"]),
)
_action(
    "release",
    "orders:write",
    "Release a hold: the order returns to where it was held.",
    OrderNoteSchema,
    lambda oid, d: service.release_order(oid, note=d["note"]),
)
_action(
    "allocate",
    "orders:write",
    "Choose the warehouse and reserve the stock of an approved order now.",
    OrderNoteSchema,
    lambda oid, d: service.allocate(oid),
)
_action(
    "cancel",
    "orders:write",
    "Cancel an order before shipment; its stock is released.",
    OrderReasonSchema,
    lambda oid, d: service.cancel(oid, d["reason"]),
)
_action(
    "print",
    "orders:fulfil",
    "A label or pick list was produced: the order awaits shipment.",
    OrderPrintInSchema,
    lambda oid, d: service.mark_printed(oid, d["document"]),
)
_action(
    "ship",
    "orders:fulfil",
    "Record the shipment (carrier, service, tracking, weight, size); the stock leaves.",
    OrderShipInSchema,
    lambda oid, d: service.ship(oid, **d),
)
_action(
    "deliver",
    "orders:fulfil",
    "Mark a shipped order delivered.",
    OrderDeliverInSchema,
    lambda oid, d: service.deliver(oid, d.get("delivered_at")),
)


@blp.route("/orders/<uuid:order_id>/split", methods=["POST"])
@blp.arguments(OrderSplitInSchema)
@blp.response(200, OrderSplitResultSchema)
@requires("orders:write")
def split(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Split an order into child orders: each part lists {line_id, quantity}; units not
    listed form one more child. Children add up to the parent line by line, amount by amount."""
    parts = [[{"line_id": str(x["line_id"]), "quantity": x["quantity"]} for x in part] for part in data["parts"]]
    children = service.split(order_id, parts, data["reason"])
    return {"parent": _detail(order_id), "children": [_detail(c.id) for c in children]}


@blp.route("/orders/<uuid:order_id>/refunds", methods=["POST"])
@blp.arguments(OrderRefundInSchema)
@blp.response(201, OrderRefundSchema)
@requires("orders:write")
def refund(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Record a refund (platform or offline) with amount and reason. Before shipment it cancels
    the lines it names; after shipment: refund_only, refund_without_return (with evidence) or
    return (with return_id). By lines (units) or by amount."""
    lines = [{"line_id": str(x["line_id"]), "quantity": x["quantity"]} for x in data.pop("lines") or []]
    row = service.refund(order_id, lines=lines or None, **data)
    return views.refund_view(row)


@blp.route("/orders/<uuid:order_id>/returns", methods=["POST"])
@blp.arguments(OrderReturnInSchema)
@blp.response(201, OrderReturnSchema)
@requires("orders:write")
def create_return(data: dict[str, Any], order_id: uuid.UUID) -> Any:
    """Authorise a return (RMA) of shipped units, with the buyer's return tracking number."""
    lines = [{"line_id": str(x["line_id"]), "quantity": x["quantity"]} for x in data.pop("lines")]
    return views.return_view(service.create_return(order_id, lines=lines, **data))


@blp.route("/order-returns/<uuid:return_id>")
class ReturnView(MethodView):
    @blp.response(200, OrderReturnSchema)
    @requires("orders:read")
    def get(self, return_id: uuid.UUID) -> Any:
        return views.return_view(service.get_return(return_id))

    @blp.arguments(OrderReturnPatchSchema)
    @blp.response(200, OrderReturnSchema)
    @requires("orders:write")
    def patch(self, data: dict[str, Any], return_id: uuid.UUID) -> Any:
        """Add the return's carrier and tracking number."""
        return views.return_view(service.update_return(return_id, **data))


@blp.route("/order-returns/<uuid:return_id>/receive", methods=["POST"])
@blp.arguments(OrderReceiveInSchema)
@blp.response(200, OrderReturnSchema)
@requires("orders:fulfil")
def receive_return(data: dict[str, Any], return_id: uuid.UUID) -> Any:
    """The return arrived: per line, how many units go back to stock and how many are damaged."""
    inspection = [{**x, "line_id": str(x["line_id"])} for x in data["inspection"]]
    return views.return_view(
        service.receive_return(return_id, inspection=inspection, warehouse_id=data.get("warehouse_id"))
    )


@blp.route("/orders/merge", methods=["POST"])
@blp.arguments(OrderMergeInSchema)
@blp.response(201, OrderSchema)
@requires("orders:write")
def merge(data: dict[str, Any]) -> Any:
    """Merge pending orders of the same buyer, address and connection into one new order."""
    return _detail(service.merge(data["order_ids"], data["note"]).id)


@blp.route("/orders/merge-candidates")
@blp.response(200, OrderCandidateGroupSchema(many=True))
@requires("orders:read")
def merge_candidates() -> Any:
    """Groups of pending orders that could be merged (same buyer, address and connection)."""
    reveal = _reveal()
    return [{"orders": [views.summary_view(o, reveal) for o in group]} for group in service.merge_candidates()]


@blp.route("/orders/bulk", methods=["POST"])
@blp.arguments(OrderBulkInSchema)
@blp.response(200, OrderBulkResultSchema(many=True))
@requires("orders:write")
def bulk_action(data: dict[str, Any]) -> Any:
    """Approve, hold, release, allocate or cancel many orders: each succeeds or fails on its
    own, and the result names the reason for every failure."""
    return bulk.run(
        data["action"], data["order_ids"], {"reason": data["reason"], "note": data["note"], "type": data["type"]}
    )


@blp.route("/orders/export")
@blp.arguments(OrderQuerySchema, location="query")
@requires("orders:read")
def export(args: dict[str, Any]) -> Any:
    """The filtered orders as CSV (UTF-8 with a BOM; more than 50,000 orders are refused with
    a 422 naming `filters`; buyer data masked without orders:pii)."""
    return views.export_response(service.order_query(**_filters(args)), _reveal(), "csv")


# --- saved views -------------------------------------------------------------------------------


def _owner() -> str:
    return str(g.principal.id)


def _view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "shared": row.owner == "",
        "filters": row.filters,
        "created_at": row.created_at,
    }


@blp.route("/order-views")
class OrderViews(MethodView):
    @blp.response(200, OrderViewSchema(many=True))
    @blp.paginate()
    @requires("orders:read")
    def get(self, pagination_parameters: Any) -> Any:
        """Your saved searches and the shared ones."""
        return [_view(v) for v in paged(service.views_query(_owner()), pagination_parameters)]

    @blp.arguments(OrderViewInSchema)
    @blp.response(201, OrderViewSchema)
    @requires("orders:read")
    def post(self, data: dict[str, Any]) -> Any:
        """Save the list's filters under a name (`shared` for the whole team)."""
        if data["shared"] and not g.principal.can("orders:write"):
            raise PermissionDenied(Msg("orders.sharing_view_needs_write"))
        return _view(service.create_view(owner=_owner(), **data))


@blp.route("/order-views/<uuid:view_id>")
class OrderViewItem(MethodView):
    @blp.response(200, OrderViewSchema)
    @requires("orders:read")
    def get(self, view_id: uuid.UUID) -> Any:
        return _view(service.get_view(view_id, _owner()))

    @blp.response(204)
    @requires("orders:read")
    def delete(self, view_id: uuid.UUID) -> None:
        view = service.get_view(view_id, _owner())
        if view.owner == "" and not g.principal.can("orders:write"):
            raise PermissionDenied(Msg("orders.deleting_view_needs_write"))
        service.delete_view(view_id, _owner())


# --- settings ----------------------------------------------------------------------------------


@blp.route("/order-settings")
class OrderSettingsView(MethodView):
    @blp.response(200, OrderSettingsSchema)
    @requires("orders:read")
    def get(self) -> Any:
        """Auto-review rules, allocation policy, warehouses and cost table, split rules,
        value limits per destination and exchange rates."""
        return service.get_settings().to_json()

    @blp.arguments(OrderSettingsInSchema)
    @blp.response(200, OrderSettingsSchema)
    @requires("orders:write")
    def patch(self, data: dict[str, Any]) -> Any:
        """Change some settings; each is validated, errors name the field and rule."""
        if "warehouse_ids" in data:
            data["warehouse_ids"] = [str(w) for w in data["warehouse_ids"]]
        return service.update_settings(**data).to_json()
