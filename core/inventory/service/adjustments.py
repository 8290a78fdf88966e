"""Stock adjustments made in the warehouse: opening balances, scrap (弃置), requisitions (领用),
borrowing out and back (借出/归还), and reconciling a 3PL or platform warehouse with the stock
its operator reports. Each gets a readable number (ADJ-000001, BR-000001) that the ledger lines
carry, and announces itself as `stock.adjusted` for the books."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import events
from core.db import get_or_none, session, uuid7
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.inventory.events import AdjustedLine, DocumentRef, StockAdjusted
from core.inventory.models import Borrowing, Reservation
from core.inventory.service import skus
from core.inventory.service.engine import Entry, check_lines, convert_cost, dotted, require_warehouses, start
from core.inventory.service.stock import check_location, pairs_of, request, stock_event
from core.inventory.service.types import Doc, Line, Posting
from core.messages import Msg
from core.money import FxRate
from core.numbering import next_number

ADJUSTMENT_KINDS = ("opening_balance", "scrap", "requisition")


def _announce(
    entry: Entry, posting: Posting, kind: str, reason: str, signs: dict[str, int], extra: dict[str, Any] | None = None
) -> None:
    """`stock.adjusted` with signed quantities: what the books need to post gain or loss."""
    lines = tuple(
        AdjustedLine(
            sku_id=ln.sku_id,
            warehouse_id=ln.warehouse_id,
            quantity=signs.get(ln.ref, 1) * ln.quantity,
            unit_cost=ln.unit_cost,
            value=signs.get(ln.ref, 1) * ln.value,
            currency=ln.currency,
        )
        for ln in posting.lines
    )
    events.emit(
        "stock.adjusted",
        StockAdjusted(
            kind=kind,
            reason=reason,
            number=entry.doc.number,
            document=DocumentRef(type=entry.doc.type, id=entry.doc.id),
            operation_id=posting.operation_id,
            lines=lines,
            **extra or {},
        ),
        entity_type=entry.doc.type,
        entity_id=entry.doc.id,
    )


def _adjustment_doc() -> Doc:
    return Doc("stock_adjustment", uuid7(), next_number("inventory_adjustment", "ADJ"))


@stock_event
def opening_balance(
    lines: Sequence[Line],
    *,
    key: str,
    reason: str = "opening balance",
    location_id: uuid.UUID | None = None,
) -> Posting:
    """Stock that was there before Tradelane: `on_hand` +q at the line's unit cost. A cost in
    another currency is converted at the tenant's rate of today (the dated rates table); the
    rates used travel in `stock.adjusted` as `rates`."""
    return _adjust("opening_balance", lines, key, reason, None, "on_hand", cost="required", location_id=location_id)


@stock_event
def scrap(lines: Sequence[Line], *, key: str, reason: str, from_bucket: str = "on_hand") -> Posting:
    """Units destroyed or thrown away (弃置): out of `on_hand` or `unsellable` at book cost."""
    if from_bucket not in ("on_hand", "unsellable", "qc_pending"):
        raise ValidationError.field("from_bucket", Msg("stock.bucket_from"))
    return _adjust("scrap", lines, key, reason, from_bucket, None)


@stock_event
def requisition(lines: Sequence[Line], *, key: str, reason: str) -> Posting:
    """Units taken for internal use (领用: samples, photography, gifts): out of `on_hand`."""
    return _adjust("requisition", lines, key, reason, "on_hand", None)


def _adjust(
    kind: str,
    lines: Sequence[Line],
    key: str,
    reason: str,
    from_bucket: str | None,
    to_bucket: str | None,
    *,
    cost: str = "forbidden",
    location_id: uuid.UUID | None = None,
) -> Posting:
    if not (reason or "").strip():
        raise ValidationError.field("reason", Msg("stock.say_why"))
    lines = check_lines(lines, cost=cost)
    # The document is numbered only on a first run; a replay returns the first posting.
    entry = start(
        kind,
        Doc("stock_adjustment", "new"),
        key,
        request(lines, reason=reason, location_id=location_id, bucket=from_bucket),
    )
    if isinstance(entry, Posting):
        return entry
    entry.doc = _adjustment_doc()
    skus.check_stockable({ln.sku_id for ln in lines})
    if kind == "opening_balance":
        skus.require_for_stock({ln.sku_id for ln in lines})
    warehouses = {ln.warehouse_id for ln in lines}
    require_warehouses(warehouses, active=to_bucket is not None)
    location_id = check_location(location_id, warehouses)
    entry.lock(pairs_of(lines))
    rates: dict[str, FxRate] = {}
    for i, ln in enumerate(lines):
        unit = convert_cost(ln.unit_cost, entry.currency, None, f"lines.{i}.unit_cost", rates) if ln.unit_cost else None
        _, value = entry.move(
            sku_id=ln.sku_id,
            warehouse_id=ln.warehouse_id,
            quantity=ln.quantity,
            from_bucket=from_bucket,
            to_bucket=to_bucket,
            ref=ln.ref,
            unit_cost=unit,
            location_id=location_id,
            reason=reason,
        )
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, value)
    posting = entry.finish()
    sign = -1 if from_bucket is not None else 1
    used = {
        code: {"rate": r.rate, "rate_date": r.rate_date, "source": r.describe()} for code, r in sorted(rates.items())
    }
    _announce(entry, posting, kind, reason, {ln.ref: sign for ln in lines}, {"rates": used} if used else None)
    return posting


# ---------------------------------------------------------------------------------------------
# Borrowing (借出 / 归还)


def get_borrowing(borrowing_id: uuid.UUID) -> Borrowing:
    row = get_or_none(Borrowing, borrowing_id)
    if row is None:
        raise NotFound("borrowing", borrowing_id)
    return row


def _locked_borrowing(borrowing_id: uuid.UUID) -> Borrowing:
    row = session.execute(
        select(Borrowing)
        .where(Borrowing.id == borrowing_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("borrowing", borrowing_id)
    return row


def list_borrowings(*, status: str | None = None, warehouse_id: uuid.UUID | None = None) -> Any:
    stmt = select(Borrowing).order_by(Borrowing.created_at.desc())
    if status:
        stmt = stmt.where(Borrowing.status == status)
    if warehouse_id:
        stmt = stmt.where(Borrowing.warehouse_id == warehouse_id)
    return stmt


@stock_event
def borrow_out(
    *,
    sku_id: uuid.UUID,
    warehouse_id: uuid.UUID,
    quantity: int,
    borrower: str,
    key: str,
    due_date: date | None = None,
    note: str = "",
) -> Borrowing:
    """Lend units out (借出): `on_hand` −q at book cost; the borrowing remembers that cost."""
    if not (borrower or "").strip():
        raise ValidationError.field("borrower", Msg("stock.say_borrower"))
    line = check_lines([Line("1", sku_id, warehouse_id, quantity)])[0]
    entry = start(
        "borrow_out", Doc("borrowing", "new"), key, request([line], borrower=borrower, due=due_date, note=note)
    )
    if isinstance(entry, Posting):
        return get_borrowing(uuid.UUID(entry.lines[0].ref))
    skus.check_stockable([sku_id])
    require_warehouses([warehouse_id])
    row = Borrowing(
        id=uuid7(),
        number=next_number("inventory_borrowing", "BR"),
        borrower=borrower.strip(),
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        due_date=due_date,
        note=note,
        currency=entry.currency,
    )
    session.add(row)
    entry.doc = Doc("borrowing", row.id, row.number)
    entry.lock([(sku_id, warehouse_id)])
    unit, value = entry.move(
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        from_bucket="on_hand",
        to_bucket=None,
        ref=str(row.id),
        reason=Msg("stock.lent_to", borrower=row.borrower),
    )
    row.unit_cost = unit
    entry.post(str(row.id), sku_id, warehouse_id, quantity, value)
    posting = entry.finish()
    _announce(
        entry,
        posting,
        "borrow_out",
        Msg("stock.lent_to", borrower=row.borrower),
        {str(row.id): -1},
        {"borrowing_id": row.id, "borrower": row.borrower},
    )
    return row


@stock_event
def borrow_return(borrowing_id: uuid.UUID, *, quantity: int, key: str, condition: str = "restock") -> Borrowing:
    """Units come back (归还), at the cost they left with: into `on_hand`, or `unsellable`
    when they come back damaged."""
    if condition not in ("restock", "damaged"):
        raise ValidationError.field("condition", Msg("stock.restock_or_damaged"))
    row = get_borrowing(borrowing_id)
    line = check_lines([Line("1", row.sku_id, row.warehouse_id, quantity)])[0]
    doc = Doc("borrowing", row.id, row.number)
    entry = start("borrow_return", doc, key, request([line], condition=condition))
    if isinstance(entry, Posting):
        return row
    row = _locked_borrowing(borrowing_id)
    if row.status != "open":
        raise InvalidTransition("borrowing", row.status, "return units to")
    if quantity > row.outstanding:
        raise ValidationError.field(
            "quantity", Msg("inventory.only_still_out_with", outstanding=row.outstanding, borrower=row.borrower)
        )
    entry.lock([(row.sku_id, row.warehouse_id)])
    target = "on_hand" if condition == "restock" else "unsellable"
    _, value = entry.move(
        sku_id=row.sku_id,
        warehouse_id=row.warehouse_id,
        quantity=quantity,
        from_bucket=None,
        to_bucket=target,
        ref=str(row.id),
        unit_cost=row.unit_cost,
        reason=Msg("stock.returned_by", borrower=row.borrower),
    )
    row.returned_quantity += quantity
    if row.outstanding == 0:
        row.status = "closed"
    entry.post(str(row.id), row.sku_id, row.warehouse_id, quantity, value)
    posting = entry.finish()
    _announce(
        entry,
        posting,
        "borrow_return",
        Msg("stock.returned_by", borrower=row.borrower),
        {},
        {"borrowing_id": row.id, "borrower": row.borrower},
    )
    return row


def close_borrowing(borrowing_id: uuid.UUID, *, reason: str) -> Borrowing:
    """Give up on what is still out: written off (the stock left the books when lent)."""
    if not (reason or "").strip():
        raise ValidationError.field("reason", Msg("stock.say_write_off"))
    row = _locked_borrowing(borrowing_id)
    if row.status != "open":
        raise InvalidTransition("borrowing", row.status, "close")
    lost = row.outstanding
    row.written_off_quantity += lost
    row.status = "closed"
    row.note = (row.note + "\n" if row.note else "") + f"written off {lost}: {reason}"
    session.flush()
    value = (row.unit_cost * lost).quantize(Decimal("0.01"))
    events.emit(
        "stock.adjusted",
        StockAdjusted(
            kind="borrow_write_off",
            reason=reason,
            number=row.number,
            document=DocumentRef(type="borrowing", id=row.id),
            borrowing_id=row.id,
            lines=[
                AdjustedLine(
                    sku_id=row.sku_id,
                    warehouse_id=row.warehouse_id,
                    quantity=-lost,
                    unit_cost=row.unit_cost,
                    value=-value,
                    currency=row.currency,
                )
            ],
        ),
        entity_type="borrowing",
        entity_id=row.id,
    )
    return row


# ---------------------------------------------------------------------------------------------
# Platform and 3PL reconciliation


@dataclass(frozen=True)
class PlatformStock:
    """What a platform (Amazon FBA) or 3PL reports for one SKU. `fulfillable` is sellable and
    free, `reserved` is held for its customer orders or its own processing (still on hand),
    `unsellable` is damaged or defective, `inbound` is on its way in (None: not reported)."""

    sku_id: uuid.UUID
    fulfillable: int
    reserved: int = 0
    unsellable: int = 0
    inbound: int | None = None


PLATFORM_HOLD = "platform_hold"


@stock_event
def reconcile_platform(
    warehouse_id: uuid.UUID, report: Sequence[PlatformStock], *, key: str, reason: str = "platform reconciliation"
) -> Posting:
    """Bring the book in line with what the warehouse's operator reports, by ledger
    adjustments (never by overwriting): `on_hand` to fulfillable + reserved, `unsellable` and
    (when reported) `in_transit` to theirs. Units the platform holds beyond our own order
    reservations are held by a platform reservation, so `available` equals `fulfillable`."""
    wh = require_warehouses([warehouse_id])[warehouse_id]
    if wh.type not in ("platform", "overseas_3pl"):
        raise ValidationError.field("warehouse_id", Msg("stock.platform_reports_only"))
    errors: dict[str, dict[str, list[str]]] = {}
    seen: set[uuid.UUID] = set()
    for i, item in enumerate(report):
        bad = [
            n
            for n in ("fulfillable", "reserved", "unsellable", "inbound")
            if getattr(item, n) is not None and (not isinstance(getattr(item, n), int) or getattr(item, n) < 0)
        ]
        if bad:
            errors[str(i)] = {n: [Msg("whole_number_zero_or_more")] for n in bad}
        if item.sku_id in seen:
            errors[str(i)] = {"sku_id": [Msg("stock.appears_twice")]}
        seen.add(item.sku_id)
    if errors:
        raise ValidationError(dotted({"items": errors}))
    entry = start(
        "platform_reconciliation",
        Doc("platform_reconciliation", "new"),
        key,
        {
            "warehouse": warehouse_id,
            "items": [[i.sku_id, i.fulfillable, i.reserved, i.unsellable, i.inbound] for i in report],
            "reason": reason,
        },
    )
    if isinstance(entry, Posting):
        return entry
    entry.doc = Doc("platform_reconciliation", uuid7(), next_number("inventory_adjustment", "ADJ"))
    skus.check_stockable(seen)
    pairs = {(i.sku_id, warehouse_id) for i in report}
    entry.lock(pairs)
    holds = {
        r.sku_id: r
        for r in session.execute(
            select(Reservation)
            .where(
                Reservation.doc_type == PLATFORM_HOLD,
                Reservation.doc_id == str(warehouse_id),
                Reservation.status == "open",
            )
            .order_by(Reservation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }
    signs: dict[str, int] = {}
    for item in sorted(report, key=lambda i: i.sku_id):
        b = entry.balance(item.sku_id, warehouse_id)
        old_hold = holds.get(item.sku_id)
        if old_hold is not None:  # let the old platform hold go before measuring
            b.reserved -= old_hold.open_quantity
            old_hold.released += old_hold.open_quantity
            old_hold.status = "closed"
        ours = b.reserved
        target_on_hand = item.fulfillable + item.reserved
        if ours > target_on_hand:
            raise Conflict(
                Msg(
                    "inventory.orders_here_hold_units",
                    code=skus.code(item.sku_id),
                    ours=ours,
                    target_on_hand=target_on_hand,
                ),
                {f"items.{item.sku_id}": [Msg("stock.reserved_reported", ours=ours, target_on_hand=target_on_hand)]},
            )
        targets = {"on_hand": target_on_hand, "unsellable": item.unsellable}
        if item.inbound is not None:
            targets["in_transit"] = item.inbound
        for bucket, target in targets.items():
            diff = target - getattr(b, bucket)
            if diff == 0:
                continue
            ref = f"{item.sku_id}:{bucket}"
            _, value = entry.move(
                sku_id=item.sku_id,
                warehouse_id=warehouse_id,
                quantity=abs(diff),
                from_bucket=None if diff > 0 else bucket,
                to_bucket=bucket if diff > 0 else None,
                ref=ref,
                reason=reason,
            )
            entry.post(ref, item.sku_id, warehouse_id, abs(diff), value)
            signs[ref] = 1 if diff > 0 else -1
        hold = max(0, item.reserved - ours)
        if hold:
            session.add(
                Reservation(
                    doc_type=PLATFORM_HOLD,
                    doc_id=str(warehouse_id),
                    doc_number=wh.code,
                    line_ref=str(item.sku_id),
                    sku_id=item.sku_id,
                    warehouse_id=warehouse_id,
                    quantity=hold,
                    operation_id=entry.op_id,
                )
            )
            b.reserved += hold
    posting = entry.finish()
    _announce(entry, posting, "platform_reconciliation", reason, signs, {"warehouse_id": warehouse_id})
    return posting
