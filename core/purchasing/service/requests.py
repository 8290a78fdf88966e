"""Stocking requests (备货): a SKU, a quantity, the warehouse it is for and the date it is
needed by.

    submitted --approve--> approved ("to purchase") --put on a purchase order--> ordered
        |                     |                            (back to approved if that order is cancelled)
        +--reject--> rejected +--terminate--> terminated
        +--terminate--> terminated

A request can be terminated until it is on a purchase order; after that the order is where
quantities change (its lines can be terminated).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from core import validation as f
from core.db import locked, session, utcnow
from core.errors import InvalidTransition, NotFound, ValidationError
from core.events import emit
from core.messages import Msg
from core.numbering import next_number
from core.purchasing.events import StockingRequestState
from core.purchasing.models import StockingRequest
from core.purchasing.service.common import (
    actor_identity,
    actor_label,
    as_uuid,
    get,
    local_date,
    require_destination,
    require_separate_approver,
    sku_names,
    warehouse_codes,
)

OPEN = ("submitted", "approved")  # not yet on a purchase order, not refused


def require_purchasable_sku(sku_id: Any, field: str = "sku_id") -> Any:
    from core.catalog.service import require_sku

    try:
        sku = require_sku(as_uuid(sku_id, "SKU"), "purchase")
    except NotFound:
        raise ValidationError.field(field, Msg("no_such_sku")) from None
    except ValidationError as exc:
        raise ValidationError({field: exc.errors.get("sku_id", [exc.message])}) from None
    return sku


def optional_supplier(supplier_id: Any, field: str = "supplier_id") -> Any:
    if supplier_id in (None, ""):
        return None
    from core.suppliers.service import require_approved_supplier

    try:
        return require_approved_supplier(as_uuid(supplier_id, "supplier"))
    except NotFound:
        raise ValidationError.field(field, Msg("no_such_supplier")) from None
    except ValidationError as exc:
        raise ValidationError({field: exc.errors.get("supplier_id", [exc.message])}) from None


def checked(errors: f.Errors, field: str, check: Any, value: Any, *, required: bool = False) -> Any:
    """Run a reference check (`require_purchasable_sku`, ...) and keep its refusal in
    `errors`, so one response lists every field at fault."""
    if value in (None, ""):
        if required:
            errors.add(field, Msg("required"))
        return None
    try:
        return check(value)
    except ValidationError as exc:
        for name, messages in exc.errors.items():
            for message in messages:
                errors.add(name, message)
        return None


def payload(req: StockingRequest) -> StockingRequestState:
    code = sku_names([req.sku_id]).get(req.sku_id, ("", ""))[0]
    return StockingRequestState(
        stocking_request_id=req.id,
        number=req.number,
        status=req.status,
        source=req.source,
        sku_id=req.sku_id,
        sku_code=code,
        warehouse_id=req.warehouse_id,
        warehouse_code=warehouse_codes([req.warehouse_id]).get(req.warehouse_id),
        supplier_id=req.supplier_id,
        quantity=req.quantity,
        needed_by=req.needed_by,
        purchase_order_id=req.purchase_order_id,
        reason=req.reason,
    )


def _emit(req: StockingRequest, event: str) -> None:
    emit(event, payload(req), entity_type="stocking_request", entity_id=req.id)


# ---------------------------------------------------------------------------------------------
# Queries


def request_query(
    *,
    status: Iterable[str] | str | None = None,
    sku_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
    q: str | None = None,
) -> Any:
    """Requests, soonest needed first. `q` matches the request number or the SKU code."""
    stmt = select(StockingRequest)
    if status:
        stmt = stmt.where(StockingRequest.status.in_([status] if isinstance(status, str) else list(status)))
    if sku_id:
        stmt = stmt.where(StockingRequest.sku_id == sku_id)
    if warehouse_id:
        stmt = stmt.where(StockingRequest.warehouse_id == warehouse_id)
    if supplier_id:
        stmt = stmt.where(StockingRequest.supplier_id == supplier_id)
    if q and q.strip():
        from core.catalog import service as catalog

        text = q.strip()
        stmt = stmt.where(
            StockingRequest.number.ilike(f"%{text}%") | StockingRequest.sku_id.in_(catalog.sku_ids_with_code_like(text))
        )
    return stmt.order_by(StockingRequest.needed_by, StockingRequest.number)


def get_request(request_id: Any) -> StockingRequest:
    return get(StockingRequest, request_id, "stocking request")


def request_numbers(ids: Iterable[Any]) -> dict[uuid.UUID, str]:
    """{id: number} of the tenant's documents among the ids (for bulk actions' results)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(
        session.execute(select(StockingRequest.id, StockingRequest.number).where(StockingRequest.id.in_(wanted))).all()
    )


def open_requests_for(source: str, reference: str) -> list[str]:
    """Numbers of the submitted or approved requests raised from `source` whose note names
    `reference` (an order number): one short order is not requested twice."""
    rows = session.execute(
        select(StockingRequest.number).where(
            StockingRequest.source == source,
            StockingRequest.status.in_(("submitted", "approved")),
            StockingRequest.note.contains(reference),
        )
    ).scalars()
    return sorted(rows)


def count_requests(status: str) -> int:
    return session.execute(
        select(func.count()).select_from(StockingRequest).where(StockingRequest.status == status)
    ).scalar_one()


def open_requested_quantities(
    pairs: Iterable[tuple[uuid.UUID, uuid.UUID]] | None = None,
) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """Units asked for by requests not yet on a purchase order, per (SKU, warehouse):
    replenishment counts them as already on the way, so it never suggests them twice."""
    stmt = (
        select(StockingRequest.sku_id, StockingRequest.warehouse_id, func.sum(StockingRequest.quantity))
        .where(StockingRequest.status.in_(OPEN))
        .group_by(StockingRequest.sku_id, StockingRequest.warehouse_id)
    )
    if pairs is not None:
        skus = {s for s, _ in pairs}
        if not skus:
            return {}
        stmt = stmt.where(StockingRequest.sku_id.in_(skus))
    return {(s, w): int(q) for s, w, q in session.execute(stmt).all()}


# ---------------------------------------------------------------------------------------------
# Use cases


def create_request(
    *,
    sku_id: Any,
    warehouse_id: Any,
    quantity: Any,
    needed_by: Any,
    supplier_id: Any = None,
    note: Any = "",
    source: str = "manual",
) -> StockingRequest:
    """Submit a stocking request (it goes straight to the approvers)."""
    errors = f.Errors()
    qty = f.integer(errors, "quantity", quantity, minimum=1, maximum=100_000_000, required=True)
    when = f.a_date(errors, "needed_by", needed_by)
    if when is None and "needed_by" not in errors.errors:
        errors.add("needed_by", Msg("required"))
    elif when is not None and when < local_date():
        errors.add("needed_by", Msg("purchasing.in_the_past"))
    text = f.text(errors, "note", note, max_len=2000)
    sku = checked(errors, "sku_id", require_purchasable_sku, sku_id, required=True)
    warehouse = checked(errors, "warehouse_id", require_destination, warehouse_id, required=True)
    supplier = checked(errors, "supplier_id", optional_supplier, supplier_id)
    errors.raise_if_any()
    req = StockingRequest(
        number=next_number("stocking_request", "SR"),
        status="submitted",
        source=source,
        sku_id=sku.id,
        warehouse_id=warehouse.id,
        supplier_id=supplier.id if supplier else None,
        quantity=qty,
        needed_by=when,
        note=text,
        requested_by=actor_label(),
        requested_by_id=actor_identity(),
    )
    session.add(req)
    session.flush()
    _emit(req, "stocking_request.submitted")
    return req


def update_request(request_id: Any, **changes: Any) -> StockingRequest:
    """Change the quantity, date, supplier or note of a request awaiting approval."""
    req = locked(StockingRequest, request_id, "stocking request")
    if req.status != "submitted":
        raise InvalidTransition("stocking request", req.status, "edit", Msg("purchasing.only_submitted_changed"))
    unknown = set(changes) - {"quantity", "needed_by", "supplier_id", "note"}
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in sorted(unknown)})
    errors = f.Errors()
    if "quantity" in changes:
        req.quantity = (
            f.integer(errors, "quantity", changes["quantity"], minimum=1, maximum=100_000_000, required=True)
            or req.quantity
        )
    if "needed_by" in changes:
        when = f.a_date(errors, "needed_by", changes["needed_by"])
        if when is None and "needed_by" not in errors.errors:
            errors.add("needed_by", Msg("required"))
        elif when is not None:
            req.needed_by = when
    if "note" in changes:
        req.note = f.text(errors, "note", changes["note"], max_len=2000)
    if "supplier_id" in changes:
        try:
            supplier = optional_supplier(changes["supplier_id"])
            req.supplier_id = supplier.id if supplier else None
        except ValidationError as exc:
            errors.add("supplier_id", exc.errors["supplier_id"][0])
    errors.raise_if_any()
    session.flush()
    _emit(req, "stocking_request.updated")
    return req


def approve_request(request_id: Any) -> StockingRequest:
    req = locked(StockingRequest, request_id, "stocking request")
    if req.status != "submitted":
        raise InvalidTransition("stocking request", req.status, "approve", Msg("purchasing.only_submitted_approved"))
    require_separate_approver(req.requested_by_id, "stocking request")
    require_purchasable_sku(req.sku_id)
    req.status, req.decided_by, req.decided_at = "approved", actor_label(), utcnow()
    session.flush()
    _emit(req, "stocking_request.approved")
    return req


def reject_request(request_id: Any, reason: Any) -> StockingRequest:
    req = locked(StockingRequest, request_id, "stocking request")
    if req.status != "submitted":
        raise InvalidTransition("stocking request", req.status, "reject", Msg("purchasing.only_submitted_rejected"))
    errors = f.Errors()
    text = f.text(errors, "reason", reason, max_len=2000, required=True)
    errors.raise_if_any()
    req.status, req.reason, req.decided_by, req.decided_at = "rejected", text, actor_label(), utcnow()
    session.flush()
    _emit(req, "stocking_request.rejected")
    return req


def terminate_request(request_id: Any, reason: Any = "") -> StockingRequest:
    req = locked(StockingRequest, request_id, "stocking request")
    if req.status not in OPEN:
        hint = (
            Msg("purchasing.request_on_order")
            if req.status == "ordered"
            else Msg("purchasing.only_open_requests_terminated")
        )
        raise InvalidTransition("stocking request", req.status, "terminate", hint)
    errors = f.Errors()
    text = f.text(errors, "reason", reason, max_len=2000)
    errors.raise_if_any()
    req.status, req.reason, req.decided_by, req.decided_at = "terminated", text or None, actor_label(), utcnow()
    session.flush()
    _emit(req, "stocking_request.terminated")
    return req


def mark_ordered(requests: list[StockingRequest], order_id: uuid.UUID, line_ids: dict[uuid.UUID, uuid.UUID]) -> None:
    """Called by purchase orders: the requests are on order `order_id` (line per request)."""
    for req in requests:
        req.status, req.purchase_order_id, req.purchase_order_line_id = "ordered", order_id, line_ids[req.id]
    session.flush()
    for req in requests:
        _emit(req, "stocking_request.ordered")


def release_from_order(order_id: uuid.UUID, line_ids: Iterable[uuid.UUID] | None = None) -> list[StockingRequest]:
    """The order (or some of its lines) was cancelled before anything arrived: its requests
    are to be purchased again."""
    stmt = (
        select(StockingRequest)
        .where(StockingRequest.purchase_order_id == order_id, StockingRequest.status == "ordered")
        .with_for_update()
    )
    if line_ids is not None:
        stmt = stmt.where(StockingRequest.purchase_order_line_id.in_(set(line_ids)))
    rows = list(session.execute(stmt.execution_options(populate_existing=True)).scalars())
    for req in rows:
        req.status, req.purchase_order_id, req.purchase_order_line_id = "approved", None, None
    session.flush()
    for req in rows:
        _emit(req, "stocking_request.released")
    return rows
