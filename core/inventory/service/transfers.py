"""Transfers between the seller's warehouses (调拨) and first-leg shipments (头程) to overseas
3PL and platform warehouses. Both are one document and one state machine:

    draft --allocate--> allocated --ship--> shipped --receive--> partially_received --> received
      \\                    \\
       +--cancel-----------+--> cancelled

- allocate: every line is reserved at the source, all or nothing.
- ship: the reservations are consumed; units leave the source's `on_hand` at book cost and
  enter the destination's `in_transit` with exactly that value. A first-leg shipment must have
  its boxes planned (contents adding up to the lines) and records freight and duty, emitted with
  `first_leg.shipped` so the books can allocate them as landed cost.
- receive: any number of partial receipts move `in_transit` into `on_hand` (or `qc_pending`);
  the last one (`complete=True`) posts whatever never arrived as a shortfall, a loss with a
  reason.

The document row is locked (`SELECT ... FOR UPDATE`) before its reservations and balances, the
same order the orders capability uses, so concurrent actions on one transfer queue up.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import events
from core.db import locked, session, utcnow, uuid7
from core.errors import InvalidTransition, NotFound, ValidationError
from core.inventory.events import (
    Box,
    Discrepancy,
    ReceivedPart,
    ShippedLine,
    TransferAllocated,
    TransferCancelled,
    TransferCreated,
    TransferItem,
    TransferReceived,
    TransferShipped,
)
from core.inventory.models import TRANSFER_KINDS, Transfer, TransferBox, TransferLine, Warehouse
from core.inventory.service import skus
from core.inventory.service.engine import dotted, require_warehouses, start
from core.inventory.service.stock import Need, reserve_needs, ship_taken, stock_event, take_from_reservations
from core.inventory.service.types import Doc, Line, Posting
from core.messages import Msg
from core.money import Money, round_money
from core.numbering import next_number

PREFIX = {"transfer": "TR", "first_leg": "FL"}
LABEL = {"transfer": "transfer", "first_leg": "first-leg shipment"}
EDITABLE_UNTIL_SHIPPED = ("carrier", "tracking_number", "shipping_method", "platform_reference", "expected_at", "note")


@dataclass(frozen=True)
class Receipt:
    """Units of one line that arrived (`sku_id` names the line), with a note on any discrepancy."""

    sku_id: uuid.UUID
    quantity: int
    note: str = ""


@dataclass(frozen=True)
class BoxPlan:
    """`count` identical cartons, each holding `contents` ({sku_id: units})."""

    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    weight_kg: Decimal
    contents: dict[uuid.UUID, int]
    count: int = 1


def doc_of(t: Transfer) -> Doc:
    return Doc(t.kind, t.id, t.number)


def open_transfers_noting(reference: str) -> list[str]:
    """Numbers of the transfers not yet received or cancelled whose note names `reference`
    (an order number): one short order is not transferred for twice."""
    rows = session.execute(
        select(Transfer.number).where(
            Transfer.kind == "transfer",
            Transfer.status.in_(("draft", "allocated", "shipped", "partially_received")),
            Transfer.note.contains(reference),
        )
    ).scalars()
    return sorted(rows)


def list_transfers(
    kind: str, *, status: str | None = None, warehouse_id: uuid.UUID | None = None, q: str | None = None
) -> Any:
    stmt = select(Transfer).where(Transfer.kind == kind).order_by(Transfer.created_at.desc(), Transfer.id.desc())
    if status:
        stmt = stmt.where(Transfer.status == status)
    if warehouse_id:
        stmt = stmt.where(
            (Transfer.source_warehouse_id == warehouse_id) | (Transfer.destination_warehouse_id == warehouse_id)
        )
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            Transfer.number.ilike(like) | Transfer.tracking_number.ilike(like) | Transfer.platform_reference.ilike(like)
        )
    return stmt


def get_transfer(transfer_id: uuid.UUID, kind: str | None = None) -> Transfer:
    t = session.execute(select(Transfer).where(Transfer.id == transfer_id)).scalar_one_or_none()
    if t is None or (kind and t.kind != kind):
        raise NotFound(LABEL.get(kind or "transfer", "transfer"), transfer_id)
    return t


def _locked(transfer_id: uuid.UUID, kind: str | None) -> Transfer:
    entity = LABEL.get(kind or "transfer", "transfer")
    t = locked(Transfer, transfer_id, entity)
    if kind and t.kind != kind:
        raise NotFound(entity, transfer_id)
    return t


def _require(t: Transfer, action: str, *states: str) -> None:
    if t.status not in states:
        raise InvalidTransition(LABEL[t.kind], t.status, action)


def _clean_lines(lines: Sequence[dict[str, Any]]) -> dict[uuid.UUID, int]:
    if not lines:
        raise ValidationError.field("lines", Msg("lines_required"))
    out: dict[uuid.UUID, int] = {}
    errors: dict[str, dict[str, list[str]]] = {}
    for i, ln in enumerate(lines):
        qty = ln.get("quantity")
        try:
            sku_id = uuid.UUID(str(ln.get("sku_id")))
        except ValueError:
            errors[str(i)] = {"sku_id": [Msg("stock.not_sku_id")]}
            continue
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            errors[str(i)] = {"quantity": [Msg("positive_whole_number")]}
        elif sku_id in out:
            errors[str(i)] = {"sku_id": [Msg("stock.transfer_line_twice")]}
        else:
            out[sku_id] = qty
    if errors:
        raise ValidationError(dotted({"lines": errors}))
    skus.check_stockable(out)
    return out


def _check_route(kind: str, source: Warehouse, destination: Warehouse) -> None:
    if source.id == destination.id:
        raise ValidationError.field("destination_warehouse_id", Msg("stock.differ_from_source"))
    if not destination.active:
        raise ValidationError.field(
            "destination_warehouse_id", Msg("inventory.warehouse_inactive", code=destination.code)
        )
    if kind == "first_leg" and destination.type not in ("overseas_3pl", "platform"):
        raise ValidationError.field("destination_warehouse_id", Msg("stock.first_leg_destination"))


def create_transfer(
    *,
    kind: str = "transfer",
    source_warehouse_id: uuid.UUID,
    destination_warehouse_id: uuid.UUID,
    lines: Sequence[dict[str, Any]],
    **fields: Any,
) -> Transfer:
    """A draft transfer (or first-leg shipment) of `lines` ([{"sku_id", "quantity"}])."""
    if kind not in TRANSFER_KINDS:
        raise ValidationError.field("kind", Msg("one_of", choices=", ".join(TRANSFER_KINDS)))
    unknown = set(fields) - set(EDITABLE_UNTIL_SHIPPED)
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in unknown})
    whs = require_warehouses({source_warehouse_id, destination_warehouse_id})
    _check_route(kind, whs[source_warehouse_id], whs[destination_warehouse_id])
    wanted = _clean_lines(lines)
    t = Transfer(
        id=uuid7(),
        kind=kind,
        number=next_number(f"inventory_{kind}", PREFIX[kind]),
        status="draft",
        source_warehouse_id=source_warehouse_id,
        destination_warehouse_id=destination_warehouse_id,
        **fields,
    )
    t.lines = [TransferLine(position=i + 1, sku_id=sku, quantity=qty) for i, (sku, qty) in enumerate(wanted.items())]
    session.add(t)
    session.flush()
    events.emit(
        f"{kind}.created",
        TransferCreated(
            id=t.id,
            number=t.number,
            source_warehouse_id=t.source_warehouse_id,
            destination_warehouse_id=t.destination_warehouse_id,
            lines=tuple(TransferItem(sku_id=ln.sku_id, quantity=ln.quantity) for ln in t.lines),
        ),
        entity_type=kind,
        entity_id=t.id,
    )
    return t


def update_transfer(transfer_id: uuid.UUID, kind: str, **changes: Any) -> Transfer:
    """Change a draft's warehouses and lines; carrier details until it ships."""
    t = _locked(transfer_id, kind)
    structural = {"source_warehouse_id", "destination_warehouse_id", "lines"} & set(changes)
    unknown = set(changes) - set(EDITABLE_UNTIL_SHIPPED) - structural
    if unknown:
        raise ValidationError({k: [Msg("unknown_field")] for k in unknown})
    if structural:
        _require(t, "change the lines or warehouses of", "draft")
    else:
        _require(t, "edit", "draft", "allocated")
    if "source_warehouse_id" in changes or "destination_warehouse_id" in changes:
        src = changes.get("source_warehouse_id", t.source_warehouse_id)
        dst = changes.get("destination_warehouse_id", t.destination_warehouse_id)
        whs = require_warehouses({src, dst})
        _check_route(t.kind, whs[src], whs[dst])
        t.source_warehouse_id, t.destination_warehouse_id = src, dst
    if "lines" in changes:
        wanted = _clean_lines(changes["lines"])
        # Change lines in place: a SKU keeps its line (and its id), so no delete-then-insert
        # of the same (transfer, SKU) pair is ever needed.
        existing = {ln.sku_id: ln for ln in t.lines}
        t.lines = [existing.get(sku) or TransferLine(sku_id=sku) for sku in wanted]
        for i, ln in enumerate(t.lines):
            ln.position, ln.quantity = i + 1, wanted[ln.sku_id]
        t.boxes = []  # a box plan describes the old lines
    for name in EDITABLE_UNTIL_SHIPPED:
        if name in changes:
            setattr(t, name, changes[name])
    session.flush()
    return t


def set_boxes(transfer_id: uuid.UUID, boxes: Sequence[BoxPlan]) -> Transfer:
    """Plan the cartons of a first-leg shipment (replacing any earlier plan)."""
    t = _locked(transfer_id, "first_leg")
    _require(t, "plan the boxes of", "draft", "allocated")
    line_skus = {ln.sku_id for ln in t.lines}
    errors: dict[str, dict[str, list[str]]] = {}
    for i, box in enumerate(boxes):
        problems: dict[str, list[str]] = {}
        if not isinstance(box.count, int) or box.count <= 0:
            problems["count"] = [Msg("positive_whole_number")]
        for name in ("length_cm", "width_cm", "height_cm", "weight_kg"):
            if getattr(box, name) is None or Decimal(getattr(box, name)) <= 0:
                problems[name] = [Msg("stock.greater_than_zero")]
        if not box.contents:
            problems["contents"] = [Msg("stock.box_needs_sku")]
        for sku_id, qty in box.contents.items():
            if sku_id not in line_skus:
                problems["contents"] = [Msg("stock.sku_not_on_shipment", sku=skus.code(sku_id))]
            elif not isinstance(qty, int) or qty <= 0:
                problems["contents"] = [Msg("stock.box_quantities")]
        if problems:
            errors[str(i)] = problems
    if errors:
        raise ValidationError(dotted({"boxes": errors}))
    t.boxes = [
        TransferBox(
            position=i + 1,
            count=b.count,
            length_cm=b.length_cm,
            width_cm=b.width_cm,
            height_cm=b.height_cm,
            weight_kg=b.weight_kg,
            contents=[{"sku_id": str(s), "quantity": q} for s, q in b.contents.items()],
        )
        for i, b in enumerate(boxes)
    ]
    session.flush()
    return t


def boxed_quantities(t: Transfer) -> dict[uuid.UUID, int]:
    out: dict[uuid.UUID, int] = {}
    for box in t.boxes:
        for item in box.contents:
            sku = uuid.UUID(item["sku_id"])
            out[sku] = out.get(sku, 0) + item["quantity"] * box.count
    return out


def _lines(t: Transfer, warehouse_id: uuid.UUID, quantities: dict[uuid.UUID, int] | None = None) -> list[Line]:
    return [
        Line(str(ln.id), ln.sku_id, warehouse_id, quantities[ln.sku_id] if quantities else ln.quantity)
        for ln in t.lines
        if not quantities or quantities.get(ln.sku_id)
    ]


@stock_event
def allocate(transfer_id: uuid.UUID, kind: str) -> Transfer:
    """Reserve every line at the source (all or nothing): draft -> allocated."""
    t = _locked(transfer_id, kind)
    _require(t, "allocate", "draft")
    lines = _lines(t, t.source_warehouse_id)
    entry = start("reserve", doc_of(t), f"{t.kind}:{t.id}:allocate", [[ln.ref, ln.sku_id, ln.quantity] for ln in lines])
    if isinstance(entry, Posting):
        return t
    reserve_needs(entry.op_id, doc_of(t), [Need(ln, ln.sku_id, ln.quantity) for ln in lines])
    for ln in lines:
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0))
    entry.finish(touched={(ln.sku_id, ln.warehouse_id) for ln in lines})
    t.status, t.allocated_at = "allocated", utcnow()
    session.flush()
    events.emit(
        f"{t.kind}.allocated",
        TransferAllocated(
            id=t.id,
            number=t.number,
            source_warehouse_id=t.source_warehouse_id,
            lines=tuple(TransferItem(sku_id=ln.sku_id, quantity=ln.quantity) for ln in lines),
        ),
        entity_type=t.kind,
        entity_id=t.id,
    )
    return t


@stock_event
def cancel(transfer_id: uuid.UUID, kind: str, reason: str = "") -> Transfer:
    """Drop a draft or allocated transfer; its reservations are released."""
    from core.inventory.service.stock import release

    t = _locked(transfer_id, kind)
    _require(t, "cancel", "draft", "allocated")
    if t.status == "allocated":
        release(doc_of(t), key=f"{t.kind}:{t.id}:cancel")
    t.status = "cancelled"
    if reason:
        t.note = (t.note + "\n" if t.note else "") + f"cancelled: {reason}"
    session.flush()
    events.emit(
        f"{t.kind}.cancelled",
        TransferCancelled(id=t.id, number=t.number, reason=reason),
        entity_type=t.kind,
        entity_id=t.id,
    )
    return t


def _money(value: Money | None, field: str) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Money) or value.amount < 0:
        raise ValidationError.field(field, Msg("stock.amount_with_currency"))
    return value


@stock_event
def ship(
    transfer_id: uuid.UUID,
    kind: str,
    *,
    carrier: str,
    tracking_number: str,
    freight_cost: Money | None = None,
    duty: Money | None = None,
    shipping_method: str | None = None,
    expected_at: date | None = None,
    shipped_at: datetime | None = None,
) -> Transfer:
    """Hand the allocated units to the carrier: out of the source, into the destination's
    `in_transit`, at book cost."""
    t = _locked(transfer_id, kind)
    _require(t, "ship", "allocated")
    errors: dict[str, list[str]] = {}
    if not (carrier or "").strip():
        errors["carrier"] = [Msg("required")]
    if not (tracking_number or "").strip():
        errors["tracking_number"] = [Msg("required")]
    freight, duty_ = _money(freight_cost, "freight_cost"), _money(duty, "duty")
    if freight and duty_ and freight.currency != duty_.currency:
        errors["duty"] = [Msg("stock.one_currency", currency=freight.currency)]
    if t.kind == "first_leg":
        boxed = boxed_quantities(t)
        if not t.boxes:
            errors["boxes"] = [Msg("stock.plan_boxes")]
        else:
            wrong = [ln for ln in t.lines if boxed.get(ln.sku_id, 0) != ln.quantity]
            if wrong:
                errors["boxes"] = [
                    Msg(
                        "stock.boxes_hold",
                        boxed=boxed.get(ln.sku_id, 0),
                        sku=skus.code(ln.sku_id),
                        quantity=ln.quantity,
                    )
                    for ln in wrong
                ]
    if errors:
        raise ValidationError(errors)
    doc = doc_of(t)
    entry = start(f"{t.kind}_out", doc, f"{t.kind}:{t.id}:ship", {"carrier": carrier, "tracking": tracking_number})
    if isinstance(entry, Posting):
        return t
    lines = _lines(t, t.source_warehouse_id)
    taken = take_from_reservations(doc, lines, mode="consume")
    entry.lock(
        {(ln.sku_id, t.source_warehouse_id) for ln in t.lines}
        | {(ln.sku_id, t.destination_warehouse_id) for ln in t.lines}
    )
    values = ship_taken(entry, taken, f"{t.kind}_out")
    out_lines = []
    for ln in t.lines:
        value = values[(str(ln.id), ln.sku_id, t.source_warehouse_id)]
        entry.move(
            sku_id=ln.sku_id,
            warehouse_id=t.destination_warehouse_id,
            quantity=ln.quantity,
            from_bucket=None,
            to_bucket="in_transit",
            ref=str(ln.id),
            kind=f"{t.kind}_out",
            value=value,
        )
        ln.unit_cost = (value / ln.quantity).quantize(Decimal("0.000001"))
        entry.post(str(ln.id), ln.sku_id, t.destination_warehouse_id, ln.quantity, value)
        out_lines.append(
            ShippedLine(
                sku_id=ln.sku_id, quantity=ln.quantity, unit_cost=ln.unit_cost, value=value, currency=entry.currency
            )
        )
    posting = entry.finish()
    t.carrier, t.tracking_number = carrier.strip(), tracking_number.strip()
    if shipping_method is not None:
        t.shipping_method = shipping_method
    if expected_at is not None:
        t.expected_at = expected_at
    t.freight_cost = round_money(freight.amount, freight.currency) if freight else Decimal(0)
    t.duty = round_money(duty_.amount, duty_.currency) if duty_ else Decimal(0)
    t.cost_currency = (freight or duty_).currency if (freight or duty_) else None
    t.status, t.shipped_at = "shipped", shipped_at or utcnow()
    session.flush()
    fields: dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "operation_id": posting.operation_id,
        "source_warehouse_id": t.source_warehouse_id,
        "destination_warehouse_id": t.destination_warehouse_id,
        "carrier": t.carrier,
        "tracking_number": t.tracking_number,
        "shipping_method": t.shipping_method,
        "shipped_at": t.shipped_at,
        "expected_at": t.expected_at,
        "lines": tuple(out_lines),
        "value": posting.value,
        "currency": entry.currency,
    }
    if t.kind == "first_leg":
        fields.update(
            freight_cost=t.freight_cost,
            duty=t.duty,
            cost_currency=t.cost_currency,
            platform_reference=t.platform_reference,
            boxes=tuple(
                Box(
                    count=b.count,
                    length_cm=b.length_cm,
                    width_cm=b.width_cm,
                    height_cm=b.height_cm,
                    weight_kg=b.weight_kg,
                    contents=b.contents,
                )
                for b in t.boxes
            ),
        )
    elif freight or duty_:
        fields.update(freight_cost=t.freight_cost, duty=t.duty, cost_currency=t.cost_currency)
    events.emit(f"{t.kind}.shipped", TransferShipped(**fields), entity_type=t.kind, entity_id=t.id)
    return t


@stock_event
def receive(
    transfer_id: uuid.UUID,
    kind: str,
    receipts: Sequence[Receipt],
    *,
    key: str,
    complete: bool = False,
    shortfall_reason: str = "",
    to_qc: bool = False,
    location_id: uuid.UUID | None = None,
) -> Transfer:
    """Units arrived at the destination: `in_transit` -> `on_hand` (or `qc_pending`). With
    `complete`, whatever is still outstanding afterwards is posted as a shortfall (a loss,
    `shortfall_reason` required) and the transfer is received."""
    from core.inventory.service.stock import check_location

    t = _locked(transfer_id, kind)
    _require(t, "receive", "shipped", "partially_received")
    by_sku = {ln.sku_id: ln for ln in t.lines}
    errors: dict[str, dict[str, list[str]]] = {}
    seen: set[uuid.UUID] = set()
    for i, r in enumerate(receipts):
        ln = by_sku.get(r.sku_id)
        if ln is None:
            errors[str(i)] = {"sku_id": [Msg("stock.not_on_transfer", kind=LABEL[t.kind])]}
        elif r.sku_id in seen:
            errors[str(i)] = {"sku_id": [Msg("stock.appears_twice")]}
        elif isinstance(r.quantity, bool) or not isinstance(r.quantity, int) or r.quantity < 0:
            errors[str(i)] = {"quantity": [Msg("whole_number_zero_or_more")]}
        elif r.quantity > ln.outstanding:
            errors[str(i)] = {"quantity": [Msg("stock.still_in_transit", outstanding=ln.outstanding)]}
        seen.add(r.sku_id)
    if errors:
        raise ValidationError(dotted({"receipts": errors}))
    if not complete and not any(r.quantity for r in receipts):
        raise ValidationError.field("receipts", Msg("stock.receive_one"))
    arriving = {r.sku_id: r.quantity for r in receipts}
    shortfall = {ln.sku_id: ln.outstanding - arriving.get(ln.sku_id, 0) for ln in t.lines} if complete else {}
    shortfall = {s: q for s, q in shortfall.items() if q}
    if shortfall and not (shortfall_reason or "").strip():
        raise ValidationError.field("shortfall_reason", Msg("stock.say_shortfall"))
    location_id = check_location(location_id, {t.destination_warehouse_id})
    doc = doc_of(t)
    entry = start(
        f"{t.kind}_in",
        doc,
        key,
        {
            "receipts": [[r.sku_id, r.quantity] for r in receipts],
            "complete": complete,
            "to_qc": to_qc,
            "reason": shortfall_reason,
        },
    )
    if isinstance(entry, Posting):
        return t
    dest = t.destination_warehouse_id
    entry.lock({(s, dest) for s in set(arriving) | set(shortfall)})
    received_lines, shortfall_lines = [], []
    for r in receipts:
        if not r.quantity and not r.note:
            continue
        ln = by_sku[r.sku_id]
        if r.note:
            ln.note = (ln.note + "\n" if ln.note else "") + r.note
        if not r.quantity:
            continue
        _, value = entry.move(
            sku_id=r.sku_id,
            warehouse_id=dest,
            quantity=r.quantity,
            from_bucket="in_transit",
            to_bucket="qc_pending" if to_qc else "on_hand",
            ref=str(ln.id),
            kind=f"{t.kind}_in",
            location_id=location_id,
        )
        ln.received_quantity += r.quantity
        entry.post(str(ln.id), r.sku_id, dest, r.quantity, value)
        received_lines.append(ReceivedPart(sku_id=r.sku_id, quantity=r.quantity, value=value, note=r.note))
    for sku_id, qty in shortfall.items():
        ln = by_sku[sku_id]
        _, value = entry.move(
            sku_id=sku_id,
            warehouse_id=dest,
            quantity=qty,
            from_bucket="in_transit",
            to_bucket=None,
            ref=f"{ln.id}:shortfall",
            kind=f"{t.kind}_shortfall",
            reason=shortfall_reason,
        )
        ln.shortfall_quantity += qty
        entry.post(f"{ln.id}:shortfall", sku_id, dest, qty, value)
        shortfall_lines.append(ReceivedPart(sku_id=sku_id, quantity=qty, value=value))
    posting = entry.finish()
    if shortfall:
        t.shortfall_reason = shortfall_reason.strip()
    if all(ln.outstanding == 0 for ln in t.lines):
        t.status, t.received_at = "received", utcnow()
    else:
        t.status = "partially_received"
    session.flush()
    events.emit(
        f"{t.kind}.received",
        TransferReceived(
            id=t.id,
            number=t.number,
            operation_id=posting.operation_id,
            status=t.status,
            destination_warehouse_id=dest,
            received=tuple(received_lines),
            shortfall=tuple(shortfall_lines),
            shortfall_reason=t.shortfall_reason if shortfall else "",
            currency=entry.currency,
            discrepancies=[
                Discrepancy(
                    sku_id=ln.sku_id,
                    shipped=ln.quantity,
                    received=ln.received_quantity,
                    shortfall=ln.shortfall_quantity,
                    note=ln.note,
                )
                for ln in t.lines
                if ln.note or ln.shortfall_quantity
            ],
        ),
        entity_type=t.kind,
        entity_id=t.id,
    )
    return t


def in_transit(destination_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """Shipped, not fully received transfers and first-leg shipments, by destination."""
    stmt = (
        select(Transfer)
        .where(Transfer.status.in_(("shipped", "partially_received")))
        .order_by(Transfer.destination_warehouse_id, Transfer.shipped_at)
    )
    if destination_id:
        stmt = stmt.where(Transfer.destination_warehouse_id == destination_id)
    out = []
    for t in session.execute(stmt).scalars():
        lines = [
            {
                "sku_id": ln.sku_id,
                "quantity": ln.outstanding,
                "unit_cost": ln.unit_cost,
                "value": round_money((ln.unit_cost or 0) * ln.outstanding, _currency()),
            }
            for ln in t.lines
            if ln.outstanding
        ]
        out.append(
            {
                "id": t.id,
                "kind": t.kind,
                "number": t.number,
                "status": t.status,
                "source_warehouse_id": t.source_warehouse_id,
                "destination_warehouse_id": t.destination_warehouse_id,
                "carrier": t.carrier,
                "tracking_number": t.tracking_number,
                "shipped_at": t.shipped_at,
                "expected_at": t.expected_at,
                "quantity": sum(x["quantity"] for x in lines),
                "value": sum((x["value"] for x in lines), Decimal(0)),
                "currency": _currency(),
                "lines": lines,
            }
        )
    return out


def _currency() -> str:
    from core.inventory.service.engine import functional_currency

    return functional_currency()
