"""REST endpoints of inventory: warehouses and bins, stock and its reports, adjustments,
borrowings, transfers, first-leg shipments, stocktakes and kit orders. Thin: parse, call the
service, serialise."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from flask import Response, g, request
from flask.views import MethodView
from sqlalchemy import select

from core import validation as f
from core.db import session, uuid7
from core.errors import ValidationError
from core.http import Blueprint, paged, requires
from core.inventory import schemas as s
from core.inventory.models import Location, Reservation, StockOperation, Transfer
from core.inventory.service import Line, adjustments, kits, reconcile, reports, stocktakes, transfers, warehouses
from core.inventory.service import skus as sku_lookup
from core.inventory.service.reads import list_buckets
from core.messages import Msg
from core.money import round_money

blp = Blueprint(
    "inventory",
    __name__,
    url_prefix="/api/v1",
    description="Warehouses, stock and its ledger, reservations, transfers, first-leg shipments, stocktakes and kits",
)

READ, WRITE = "inventory:read", "inventory:write"


def stock_key(action: str) -> str:
    """The idempotency key of a stock event started over HTTP: the caller's Idempotency-Key
    when it has one (a retried request moves nothing twice), else a fresh one. Keys are the
    caller's own, as the HTTP layer's records are (core/idempotency.py): another user or API
    key of the tenant who happens to send the same key starts a stock event of its own."""
    given = request.headers.get("Idempotency-Key", "").strip()
    if not given:
        return f"api:{action}:{uuid7()}"
    principal = g.get("principal")
    scoped = f"api:{action}:{principal.id if principal else '-'}:"
    if len(scoped) + len(given) > StockOperation.key.type.length:
        given = "sha256:" + hashlib.sha256(given.encode()).hexdigest()
    return scoped + given


# --- warehouses -------------------------------------------------------------------------------


@blp.route("/warehouses")
class Warehouses(MethodView):
    @blp.arguments(s.WarehouseQuerySchema, location="query")
    @blp.response(200, s.WarehouseSchema(many=True))
    @blp.paginate()
    @requires(READ)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Warehouses by priority: domestic, overseas 3PL, platform (FBA per marketplace), virtual."""
        return paged(warehouses.list_warehouses(**args), pagination_parameters)

    @blp.arguments(s.WarehouseCreateSchema)
    @blp.response(201, s.WarehouseSchema)
    @requires(WRITE)
    def post(self, data: dict[str, Any]) -> Any:
        return warehouses.create_warehouse(**data)


@blp.route("/warehouses/<uuid:warehouse_id>")
class WarehouseView(MethodView):
    @blp.response(200, s.WarehouseSchema)
    @requires(READ)
    def get(self, warehouse_id: uuid.UUID) -> Any:
        return warehouses.get_warehouse(warehouse_id)

    @blp.arguments(s.WarehouseFieldsSchema)
    @blp.response(200, s.WarehouseSchema)
    @requires(WRITE)
    def patch(self, data: dict[str, Any], warehouse_id: uuid.UUID) -> Any:
        return warehouses.update_warehouse(warehouse_id, **data)


@blp.route("/warehouses/<uuid:warehouse_id>/locations")
class Locations(MethodView):
    @blp.response(200, s.LocationSchema(many=True))
    @blp.paginate()
    @requires(READ)
    def get(self, warehouse_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """Bins of a warehouse."""
        return paged(warehouses.list_locations(warehouse_id), pagination_parameters)

    @blp.arguments(s.LocationInSchema)
    @blp.response(201, s.LocationSchema)
    @requires(WRITE)
    def post(self, data: dict[str, Any], warehouse_id: uuid.UUID) -> Any:
        return warehouses.create_location(warehouse_id, **data)


@blp.route("/locations/<uuid:location_id>", methods=["PATCH"])
@blp.arguments(s.LocationUpdateSchema)
@blp.response(200, s.LocationSchema)
@requires(WRITE)
def update_location(data: dict[str, Any], location_id: uuid.UUID) -> Any:
    return warehouses.update_location(location_id, **data)


@blp.route("/stock/settings", methods=["PUT"])
@blp.arguments(s.SkuSettingInSchema)
@blp.response(200, s.SkuSettingSchema)
@requires(WRITE)
def put_setting(data: dict[str, Any]) -> Any:
    """Set a SKU's safety stock and/or home bin in a warehouse."""
    kwargs = {k: data[k] for k in ("safety_stock", "location_id") if k in data}
    return warehouses.set_sku_setting(data["sku_id"], data["warehouse_id"], **kwargs)


# --- stock and reports ------------------------------------------------------------------------


@blp.route("/stock", methods=["GET"])
@blp.arguments(s.StockQuerySchema, location="query")
@blp.response(200, s.StockRowSchema(many=True))
@blp.paginate()
@requires(READ)
def stock(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Stock by SKU and warehouse with every bucket, the average cost and the stock value."""
    rows = paged(reports.stock_query(**args), pagination_parameters, scalars=False)
    return [reports.stock_row(r) for r in rows]


@blp.route("/stock/availability", methods=["GET"])
@blp.arguments(s.AvailabilityQuerySchema, location="query")
@blp.response(200, s.BucketsSchema(many=True))
@requires(READ)
def availability(args: dict[str, Any]) -> Any:
    """Buckets of the given SKUs (virtual bundles computed from their components)."""
    out = []
    for b in list_buckets(args["sku_id"], args.get("warehouse_id")):
        out.append(
            {
                **{
                    k: getattr(b, k)
                    for k in (
                        "sku_id",
                        "warehouse_id",
                        "on_hand",
                        "reserved",
                        "available",
                        "qc_pending",
                        "unsellable",
                        "inbound_ordered",
                        "in_transit",
                        "projected",
                        "unit_cost",
                        "currency",
                    )
                },
                "stock_value": round_money(b.stock_value, b.currency),
                "bundle": b.bundle_available is not None,
            }
        )
    return out


@blp.route("/stock/ledger", methods=["GET"])
@blp.arguments(s.LedgerQuerySchema, location="query")
@blp.response(200, s.LedgerRowSchema(many=True))
@blp.paginate(keyset=True)
@requires(READ)
def ledger(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """One SKU's movements, newest first, with the balance of every bucket after each."""
    sku_lookup.kit_types([args["sku_id"]])  # 404 for an unknown SKU
    rows = paged(
        reports.ledger_query(args["sku_id"], warehouse_id=args.get("warehouse_id"), kind=args.get("kind")),
        pagination_parameters,
        scalars=False,
        keys=reports.LEDGER_KEYS,
    )
    return [reports.ledger_row(r) for r in rows]


@blp.route("/stock/low", methods=["GET"])
@blp.arguments(s.LowStockQuerySchema, location="query")
@blp.response(200, s.LowStockSchema(many=True))
@requires(READ)
def low_stock(args: dict[str, Any]) -> Any:
    """SKUs below their safety stock, with sales velocity and days of cover, fewest days first."""
    return reports.low_stock(**args)


@blp.route("/stock/age", methods=["GET"])
@blp.arguments(s.AgeQuerySchema, location="query")
@blp.response(200, s.AgeRowSchema(many=True))
@requires(READ)
def stock_age(args: dict[str, Any]) -> Any:
    """Units in each warehouse by days since receipt (0-30, 31-60, 61-90, 90+), with value."""
    return [
        {
            "sku_id": r.sku_id,
            "sku_code": r.sku_code,
            "warehouse_id": r.warehouse_id,
            "warehouse_code": r.warehouse_code,
            "quantity": r.quantity,
            "value": r.value,
            "oldest_days": r.oldest_days,
            "bands": {k: {"quantity": q, "value": v} for k, (q, v) in r.bands.items()},
        }
        for r in reports.stock_age(**args)
    ]


@blp.route("/stock/in-transit", methods=["GET"])
@blp.arguments(s.InTransitQuerySchema, location="query")
@blp.response(200, s.InTransitSchema(many=True))
@requires(READ)
def in_transit(args: dict[str, Any]) -> Any:
    """Transfers and first-leg shipments on their way, by destination."""
    return transfers.in_transit(args.get("destination_id"))


@blp.route("/stock/reservations", methods=["GET"])
@blp.arguments(s.ReservationQuerySchema, location="query")
@blp.response(200, s.ReservationSchema(many=True))
@blp.paginate()
@requires(READ)
def reservations(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Who holds stock: reservation rows of orders, transfers and kit orders."""
    stmt = select(Reservation).where(Reservation.status == args["status"]).order_by(Reservation.created_at.desc())
    for name in ("sku_id", "warehouse_id", "doc_type", "doc_id"):
        if args.get(name):
            stmt = stmt.where(getattr(Reservation, name) == args[name])
    return paged(stmt, pagination_parameters)


@blp.route("/stock/verify", methods=["GET"])
@blp.response(200, s.VerifySchema)
@requires(READ)
def verify() -> Any:
    """Recompute every balance from the ledger and reservations and list any drift
    (repairs run nightly, or with `tradelane inventory verify --fix`)."""
    return reconcile.verify().to_json()


def _lines(data: list[dict[str, Any]]) -> list[Line]:
    return [
        Line(str(i + 1), ln["sku_id"], ln["warehouse_id"], ln["quantity"], ln.get("unit_cost"))
        for i, ln in enumerate(data)
    ]


@blp.route("/stock/adjustments", methods=["POST"])
@blp.arguments(s.AdjustmentSchema)
@blp.response(201, s.PostingSchema)
@requires(WRITE)
def adjust(data: dict[str, Any]) -> Any:
    """Opening balances (in at unit cost), scrap (弃置) and requisitions (领用), out at book cost."""
    lines, key = _lines(data["lines"]), stock_key("adjustment")
    kind = data["kind"]
    if kind == "opening_balance":
        posting = adjustments.opening_balance(
            lines,
            key=key,
            reason=data["reason"] or "opening balance",
            location_id=data["location_id"],
        )
    elif kind == "scrap":
        posting = adjustments.scrap(lines, key=key, reason=data["reason"], from_bucket=data["from_bucket"])
    else:
        posting = adjustments.requisition(lines, key=key, reason=data["reason"])
    return {**posting.to_json(), "replayed": posting.replayed, "value": posting.value}


@blp.route("/stock/platform-reconciliations", methods=["POST"])
@blp.arguments(s.PlatformReconciliationSchema)
@blp.response(201, s.PostingSchema)
@requires(WRITE)
def platform_reconciliation(data: dict[str, Any]) -> Any:
    """Adjust a platform or 3PL warehouse to the stock its operator reports."""
    report = [adjustments.PlatformStock(**item) for item in data["items"]]
    posting = adjustments.reconcile_platform(
        data["warehouse_id"], report, key=stock_key("platform"), reason=data["reason"]
    )
    return {**posting.to_json(), "replayed": posting.replayed, "value": posting.value}


# --- borrowings -------------------------------------------------------------------------------


@blp.route("/borrowings")
class Borrowings(MethodView):
    @blp.arguments(s.BorrowingQuerySchema, location="query")
    @blp.response(200, s.BorrowingSchema(many=True))
    @blp.paginate()
    @requires(READ)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return paged(adjustments.list_borrowings(**args), pagination_parameters)

    @blp.arguments(s.BorrowingInSchema)
    @blp.response(201, s.BorrowingSchema)
    @requires(WRITE)
    def post(self, data: dict[str, Any]) -> Any:
        """Lend units out (借出)."""
        return adjustments.borrow_out(**data, key=stock_key("borrow"))


@blp.route("/borrowings/<uuid:borrowing_id>/returns", methods=["POST"])
@blp.arguments(s.BorrowingReturnSchema)
@blp.response(201, s.BorrowingSchema)
@requires(WRITE)
def borrowing_return(data: dict[str, Any], borrowing_id: uuid.UUID) -> Any:
    """Units come back (归还)."""
    return adjustments.borrow_return(borrowing_id, **data, key=stock_key("borrow-return"))


@blp.route("/borrowings/<uuid:borrowing_id>/close", methods=["POST"])
@blp.arguments(s.ReasonSchema)
@blp.response(200, s.BorrowingSchema)
@requires(WRITE)
def borrowing_close(data: dict[str, Any], borrowing_id: uuid.UUID) -> Any:
    """Write off what never came back."""
    return adjustments.close_borrowing(borrowing_id, reason=data["reason"])


# --- transfers and first-leg shipments (one document, two routes) -----------------------------


def transfer_view(t: Transfer) -> dict[str, Any]:
    codes = sku_lookup.codes(ln.sku_id for ln in t.lines)
    out = {
        c: getattr(t, c)
        for c in (
            "id",
            "kind",
            "number",
            "status",
            "source_warehouse_id",
            "destination_warehouse_id",
            "carrier",
            "tracking_number",
            "shipping_method",
            "platform_reference",
            "freight_cost",
            "duty",
            "cost_currency",
            "expected_at",
            "allocated_at",
            "shipped_at",
            "received_at",
            "shortfall_reason",
            "note",
            "created_at",
        )
    }
    if t.cost_currency:
        out["freight_cost"] = round_money(t.freight_cost, t.cost_currency)
        out["duty"] = round_money(t.duty, t.cost_currency)
    out["lines"] = [
        {
            "id": ln.id,
            "sku_id": ln.sku_id,
            "sku_code": codes.get(ln.sku_id),
            "quantity": ln.quantity,
            "received_quantity": ln.received_quantity,
            "shortfall_quantity": ln.shortfall_quantity,
            "outstanding": ln.outstanding,
            "unit_cost": ln.unit_cost,
            "note": ln.note,
        }
        for ln in t.lines
    ]
    out["boxes"] = list(t.boxes)
    return out


def _register_transfer_routes(path: str, kind: str, noun: str) -> None:
    """The same document endpoints for transfers (/transfers) and first-leg shipments
    (/first-leg-shipments), each filtered to its kind."""

    def route(rule: str, name: str, methods: list[str]) -> Callable:
        return blp.route(f"/{path}{rule}", endpoint=f"{kind}_{name}", methods=methods)

    @route("", "list", ["GET"])
    @blp.arguments(s.TransferQuerySchema, location="query")
    @blp.response(200, s.TransferSchema(many=True))
    @blp.paginate()
    @requires(READ)
    def list_(args: dict[str, Any], pagination_parameters: Any) -> Any:
        return [transfer_view(t) for t in paged(transfers.list_transfers(kind, **args), pagination_parameters)]

    list_.__doc__ = f"{noun.capitalize()}s, newest first."

    @route("", "create", ["POST"])
    @blp.arguments(s.TransferCreateSchema)
    @blp.response(201, s.TransferSchema)
    @requires(WRITE)
    def create(data: dict[str, Any]) -> Any:
        return transfer_view(transfers.create_transfer(kind=kind, **data))

    create.__doc__ = f"Create a draft {noun}."

    @route("/<uuid:transfer_id>", "get", ["GET"])
    @blp.response(200, s.TransferSchema)
    @requires(READ)
    def get(transfer_id: uuid.UUID) -> Any:
        return transfer_view(transfers.get_transfer(transfer_id, kind))

    @route("/<uuid:transfer_id>", "update", ["PATCH"])
    @blp.arguments(s.TransferUpdateSchema)
    @blp.response(200, s.TransferSchema)
    @requires(WRITE)
    def update(data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
        return transfer_view(transfers.update_transfer(transfer_id, kind, **data))

    @route("/<uuid:transfer_id>/allocate", "allocate", ["POST"])
    @blp.response(200, s.TransferSchema)
    @requires(WRITE)
    def allocate(transfer_id: uuid.UUID) -> Any:
        """Reserve every line at the source, all or nothing (409 naming the short lines)."""
        return transfer_view(transfers.allocate(transfer_id, kind))

    @route("/<uuid:transfer_id>/ship", "ship", ["POST"])
    @blp.arguments(s.ShipSchema)
    @blp.response(200, s.TransferSchema)
    @requires(WRITE)
    def ship(data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
        """Out of the source, into the destination's in_transit, with carrier and tracking."""
        return transfer_view(transfers.ship(transfer_id, kind, **data))

    @route("/<uuid:transfer_id>/receive", "receive", ["POST"])
    @blp.arguments(s.ReceiveSchema)
    @blp.response(200, s.TransferSchema)
    @requires(WRITE)
    def receive(data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
        """Receive some or all units; `complete` posts the rest as a shortfall with its reason."""
        receipts = [transfers.Receipt(r["sku_id"], r["quantity"], r["note"]) for r in data.pop("receipts")]
        return transfer_view(transfers.receive(transfer_id, kind, receipts, key=stock_key(f"{kind}-receive"), **data))

    @route("/<uuid:transfer_id>/cancel", "cancel", ["POST"])
    @blp.arguments(s.CancelSchema)
    @blp.response(200, s.TransferSchema)
    @requires(WRITE)
    def cancel(data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
        return transfer_view(transfers.cancel(transfer_id, kind, data["reason"]))


_register_transfer_routes("transfers", "transfer", "transfer")
_register_transfer_routes("first-leg-shipments", "first_leg", "first-leg shipment")


@blp.route("/first-leg-shipments/<uuid:transfer_id>/boxes", methods=["PUT"])
@blp.arguments(s.BoxesSchema)
@blp.response(200, s.TransferSchema)
@requires(WRITE)
def put_boxes(data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
    """Plan the cartons: count, dimensions (cm), weight (kg) and SKU quantities per carton."""
    plans = [
        transfers.BoxPlan(
            b["length_cm"], b["width_cm"], b["height_cm"], b["weight_kg"], _contents(i, b["contents"]), b["count"]
        )
        for i, b in enumerate(data["boxes"])
    ]
    return transfer_view(transfers.set_boxes(transfer_id, plans))


def _contents(i: int, items: list[dict[str, Any]]) -> dict[uuid.UUID, int]:
    out: dict[uuid.UUID, int] = {}
    for item in items:
        if item["sku_id"] in out:
            raise ValidationError({f"boxes.{i}.contents": [Msg("stock.box_sku_twice")]})
        out[item["sku_id"]] = item["quantity"]
    return out


@blp.route("/first-leg-shipments/<uuid:transfer_id>/labels.pdf", methods=["GET"])
@blp.response(200, content_type="application/pdf")
@requires(READ)
def box_labels(transfer_id: uuid.UUID) -> Response:
    """One 100 x 150 mm label per carton, with a Code 128 carton id."""
    from core.inventory.service.labels import box_labels_pdf

    t = transfers.get_transfer(transfer_id, "first_leg")
    return Response(
        box_labels_pdf(t),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{t.number}-labels.pdf"'},
    )


# --- stocktakes -------------------------------------------------------------------------------


def stocktake_view(st: Any) -> dict[str, Any]:
    var = stocktakes.variance(st.id)
    codes = sku_lookup.codes(ln.sku_id for ln in st.lines)
    bins = dict(
        session.execute(select(Location.id, Location.code).where(Location.warehouse_id == st.warehouse_id)).all()
    )
    out = {
        c: getattr(st, c)
        for c in ("id", "number", "warehouse_id", "scope", "status", "started_at", "posted_at", "note", "created_at")
    }
    out.update(
        gain_value=round_money(var.gain_value, var.currency),
        loss_value=round_money(var.loss_value, var.currency),
        currency=var.currency,
        uncounted=var.uncounted,
    )
    out["lines"] = [
        {
            "id": v.line.id,
            "sku_id": v.line.sku_id,
            "sku_code": codes.get(v.line.sku_id),
            "location_id": v.line.location_id,
            "location_code": bins.get(v.line.location_id),
            "snapshot_on_hand": v.line.snapshot_on_hand,
            "snapshot_picked": v.line.snapshot_picked,
            "counted": v.line.counted,
            "book_at_count": v.line.book_at_count,
            "picked_at_count": v.line.picked_at_count,
            "expected_shelf": v.expected_shelf,
            "variance": v.variance,
            "unit_cost": v.unit_cost,
            "value": None if v.value is None else round_money(v.value, var.currency),
            "counted_at": v.line.counted_at,
            "counted_by": v.line.counted_by,
        }
        for v in var.lines
    ]
    return out


@blp.route("/stocktakes")
class Stocktakes(MethodView):
    @blp.arguments(s.StocktakeQuerySchema, location="query")
    @blp.response(200, s.StocktakeSummarySchema(many=True))
    @blp.paginate()
    @requires(READ)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return paged(stocktakes.list_stocktakes(**args), pagination_parameters)

    @blp.arguments(s.StocktakeCreateSchema)
    @blp.response(201, s.StocktakeSchema)
    @requires(WRITE)
    def post(self, data: dict[str, Any]) -> Any:
        """A cycle count (the whole warehouse) or a spot count (chosen SKUs or bins)."""
        return stocktake_view(stocktakes.create_stocktake(**data))


@blp.route("/stocktakes/<uuid:stocktake_id>", methods=["GET"])
@blp.response(200, s.StocktakeSchema)
@requires(READ)
def get_stocktake(stocktake_id: uuid.UUID) -> Any:
    """The count sheet with the variance report (gain 盘盈 / loss 盘亏 with value)."""
    return stocktake_view(stocktakes.get_stocktake(stocktake_id))


@blp.route("/stocktakes/<uuid:stocktake_id>/start", methods=["POST"])
@blp.response(200, s.StocktakeSchema)
@requires(WRITE)
def start_stocktake(stocktake_id: uuid.UUID) -> Any:
    """Snapshot the book and open the count sheet."""
    return stocktake_view(stocktakes.start_counting(stocktake_id))


@blp.route("/stocktakes/<uuid:stocktake_id>/counts", methods=["POST"])
@blp.arguments(s.CountsSchema)
@blp.response(200, s.StocktakeSchema)
@requires(WRITE)
def enter_counts(data: dict[str, Any], stocktake_id: uuid.UUID) -> Any:
    """Record counted shelf quantities (again to correct a count)."""
    counts = [stocktakes.Count(c["sku_id"], c["counted"]) for c in data["counts"]]
    return stocktake_view(stocktakes.enter_counts(stocktake_id, counts))


@blp.route("/stocktakes/<uuid:stocktake_id>/counts.csv", methods=["POST"])
@blp.response(200, s.StocktakeSchema)
@requires(WRITE)
def import_counts(stocktake_id: uuid.UUID) -> Any:
    """Counts from a CSV (columns `sku` as code or id, and `counted`), sent as the request body
    (text/csv) or as the multipart field `file`."""
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data()
    errors = f.Errors()
    text = f.read_text_file(errors, "file", raw)
    errors.raise_if_any()
    return stocktake_view(stocktakes.import_counts_csv(stocktake_id, text))


@blp.route("/stocktakes/<uuid:stocktake_id>/post", methods=["POST"])
@blp.response(200, s.StocktakeSchema)
@requires(WRITE)
def post_stocktake(stocktake_id: uuid.UUID) -> Any:
    """Apply the variances to the ledger (gains and losses at average cost)."""
    return stocktake_view(stocktakes.post_stocktake(stocktake_id))


@blp.route("/stocktakes/<uuid:stocktake_id>/cancel", methods=["POST"])
@blp.response(200, s.StocktakeSchema)
@requires(WRITE)
def cancel_stocktake(stocktake_id: uuid.UUID) -> Any:
    return stocktake_view(stocktakes.cancel_stocktake(stocktake_id))


# --- kit orders -------------------------------------------------------------------------------


@blp.route("/kit-orders")
class KitOrders(MethodView):
    @blp.arguments(s.KitOrderQuerySchema, location="query")
    @blp.response(200, s.KitOrderSchema(many=True))
    @blp.paginate()
    @requires(READ)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return paged(kits.list_kit_orders(**args), pagination_parameters)

    @blp.arguments(s.KitOrderCreateSchema)
    @blp.response(201, s.KitOrderSchema)
    @requires(WRITE)
    def post(self, data: dict[str, Any]) -> Any:
        """Open an assembly or disassembly order of a physical kit; what it consumes is reserved."""
        return kits.create_kit_order(**data)


@blp.route("/kit-orders/<uuid:order_id>", methods=["GET"])
@blp.response(200, s.KitOrderSchema)
@requires(READ)
def get_kit_order(order_id: uuid.UUID) -> Any:
    return kits.get_kit_order(order_id)


@blp.route("/kit-orders/<uuid:order_id>/complete", methods=["POST"])
@blp.response(200, s.KitOrderSchema)
@requires(WRITE)
def complete_kit_order(order_id: uuid.UUID) -> Any:
    """Post the order: components out, kit units in (cost rolled up), or the reverse."""
    return kits.complete_kit_order(order_id)


@blp.route("/kit-orders/<uuid:order_id>/cancel", methods=["POST"])
@blp.response(200, s.KitOrderSchema)
@requires(WRITE)
def cancel_kit_order(order_id: uuid.UUID) -> Any:
    return kits.cancel_kit_order(order_id)
