"""The stock events other capabilities call: purchasing (expected inbound, receipts, QC,
returns to suppliers) and orders (reserve, release, pick, ship, customer returns).

Each runs in a savepoint: it either happens completely or not at all, even when the caller
catches the error and carries on with its own transaction. `reserve` holds its balance rows
after its savepoint is released and takes back a shortage itself, to the same effect.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, insert, select, update

from core.db import session, utcnow, uuid7
from core.errors import Conflict, ValidationError
from core.inventory.models import Location, Reservation, StockBalance, StockMovement, StockOperation
from core.inventory.service import skus
from core.inventory.service.engine import (
    Entry,
    Pair,
    check_doc,
    check_key,
    check_lines,
    claim,
    convert_cost,
    currency_frozen,
    describe,
    functional_currency,
    require_warehouses,
    restore_state,
    savepoint_state,
    start,
    touch,
)
from core.inventory.service.types import Doc, InsufficientStock, Line, PostedLine, Posting, Shortage
from core.messages import Msg
from core.money import allocate
from core.tenancy import current_tenant_id

F = TypeVar("F", bound=Callable[..., Any])


def stock_event(func: F) -> F:
    """Run a stock event in a savepoint: all of it, or (when it raises) none of it."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        saved = savepoint_state()
        try:
            with session.begin_nested():
                return func(*args, **kwargs)
        except BaseException:
            restore_state(saved)
            raise

    return wrapper  # type: ignore[return-value]


def request(lines: Iterable[Line], **extra: Any) -> dict[str, Any]:
    """The request as hashed for the idempotency check."""
    return {
        "lines": [
            [
                ln.ref,
                ln.sku_id,
                ln.warehouse_id,
                ln.quantity,
                None if ln.unit_cost is None else [ln.unit_cost.amount, ln.unit_cost.currency],
            ]
            for ln in lines
        ],
        **extra,
    }


def pairs_of(lines: Iterable[Line]) -> set[Pair]:
    return {(ln.sku_id, ln.warehouse_id) for ln in lines}


def check_location(location_id: uuid.UUID | None, warehouse_ids: set[uuid.UUID]) -> uuid.UUID | None:
    if location_id is None:
        return None
    loc = session.execute(select(Location).where(Location.id == location_id)).scalar_one_or_none()
    if loc is None or loc.warehouse_id not in warehouse_ids or len(warehouse_ids) != 1:
        raise ValidationError.field("location_id", Msg("stock.bin_not_in_line_warehouse"))
    return loc.id


# ---------------------------------------------------------------------------------------------
# Purchasing


def expected_inbound(doc: Doc, pairs: Iterable[Pair] | None = None) -> dict[tuple[str, uuid.UUID, uuid.UUID], int]:
    """Units still expected on a document, per (line ref, sku, warehouse). Read it with the
    balances locked to get a number no concurrent receipt can change."""
    signed = func.sum(StockMovement.quantity * _sign("inbound_ordered"))
    stmt = (
        select(StockMovement.doc_line, StockMovement.sku_id, StockMovement.warehouse_id, signed)
        .where(
            StockMovement.doc_type == doc.type,
            StockMovement.doc_id == doc.id,
            (StockMovement.to_bucket == "inbound_ordered") | (StockMovement.from_bucket == "inbound_ordered"),
        )
        .group_by(StockMovement.doc_line, StockMovement.sku_id, StockMovement.warehouse_id)
    )
    out = {(ref, sku, wh): int(q) for ref, sku, wh, q in session.execute(stmt).all() if q}
    if pairs is not None:
        wanted = set(pairs)
        out = {k: v for k, v in out.items() if (k[1], k[2]) in wanted}
    return out


def _sign(bucket: str) -> Any:
    from sqlalchemy import case

    return case((StockMovement.to_bucket == bucket, 1), (StockMovement.from_bucket == bucket, -1), else_=0)


@stock_event
def expect_inbound(doc: Doc, lines: Sequence[Line], *, key: str) -> Posting:
    """A purchase order was approved (or a line increased): `inbound_ordered` +q."""
    lines = check_lines(lines)
    entry = start("po_ordered", doc, key, request(lines))
    if isinstance(entry, Posting):
        return entry
    skus.check_stockable({ln.sku_id for ln in lines})
    require_warehouses({ln.warehouse_id for ln in lines}, active=True)
    entry.lock(pairs_of(lines))
    for ln in lines:
        entry.move(
            sku_id=ln.sku_id,
            warehouse_id=ln.warehouse_id,
            quantity=ln.quantity,
            from_bucket=None,
            to_bucket="inbound_ordered",
            ref=ln.ref,
        )
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0))
    return entry.finish()


@stock_event
def cancel_inbound(doc: Doc, lines: Sequence[Line] | None = None, *, key: str) -> Posting:
    """A purchase order was cancelled or closed short: `inbound_ordered` −q. Without lines,
    everything still expected on `doc` is cancelled."""
    lines = check_lines(lines, required=False) if lines is not None else None
    entry = start("po_cancelled", doc, key, request(lines or [], all=lines is None))
    if isinstance(entry, Posting):
        return entry
    if lines is None:
        pairs = {(sku, wh) for _, sku, wh in expected_inbound(doc)}
    else:
        pairs = pairs_of(lines)
    entry.lock(pairs)
    expected = expected_inbound(doc, pairs)
    if lines is None:
        lines = [Line(ref, sku, wh, qty) for (ref, sku, wh), qty in sorted(expected.items(), key=str)]
    for i, ln in enumerate(lines):
        still = expected.get((ln.ref, ln.sku_id, ln.warehouse_id), 0)
        if ln.quantity > still:
            raise ValidationError({f"lines.{i}.quantity": [Msg("stock.still_expected", still=still, ref=ln.ref)]})
        entry.move(
            sku_id=ln.sku_id,
            warehouse_id=ln.warehouse_id,
            quantity=ln.quantity,
            from_bucket="inbound_ordered",
            to_bucket=None,
            ref=ln.ref,
        )
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0))
    return entry.finish()


@stock_event
def receive_purchase(
    doc: Doc,
    lines: Sequence[Line],
    *,
    key: str,
    qc: bool = True,
    fx_rate: Decimal | None = None,
    location_id: uuid.UUID | None = None,
) -> Posting:
    """Purchased goods arrived: into `qc_pending` (or `on_hand` with `qc=False`) at the line's
    unit cost; `inbound_ordered` drops by what was still expected on that line."""
    lines = check_lines(lines, cost="required")
    entry = start("purchase_receipt", doc, key, request(lines, qc=qc, fx_rate=fx_rate, location_id=location_id))
    if isinstance(entry, Posting):
        return entry
    skus.check_stockable({ln.sku_id for ln in lines})
    warehouses = {ln.warehouse_id for ln in lines}
    require_warehouses(warehouses)
    location_id = check_location(location_id, warehouses)
    costs = [
        convert_cost(ln.unit_cost, entry.currency, fx_rate, f"lines.{i}.unit_cost")  # type: ignore[arg-type]
        for i, ln in enumerate(lines)
    ]
    entry.lock(pairs_of(lines))
    expected = expected_inbound(doc, pairs_of(lines))
    target = "qc_pending" if qc else "on_hand"
    for ln, cost in zip(lines, costs):
        ident = (ln.ref, ln.sku_id, ln.warehouse_id)
        from_order = min(ln.quantity, expected.get(ident, 0))
        expected[ident] = expected.get(ident, 0) - from_order
        value = Decimal(0)
        for qty, source in ((from_order, "inbound_ordered"), (ln.quantity - from_order, None)):
            if qty:
                value += entry.move(
                    sku_id=ln.sku_id,
                    warehouse_id=ln.warehouse_id,
                    quantity=qty,
                    from_bucket=source,
                    to_bucket=target,
                    ref=ln.ref,
                    unit_cost=cost,
                    location_id=location_id,
                )[1]
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, value)
    return entry.finish()


def _simple_move(
    kind: str,
    doc: Doc,
    lines: Sequence[Line],
    key: str,
    from_bucket: str | None,
    to_bucket: str | None,
    *,
    location_id: uuid.UUID | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> Posting:
    lines = check_lines(lines)
    entry = start(
        kind, doc, key, request(lines, reason=reason, location_id=location_id, **(extra or {})), reason=reason
    )
    if isinstance(entry, Posting):
        return entry
    skus.check_stockable({ln.sku_id for ln in lines})
    warehouses = {ln.warehouse_id for ln in lines}
    require_warehouses(warehouses)
    location_id = check_location(location_id, warehouses)
    entry.lock(pairs_of(lines))
    for ln in lines:
        _, value = entry.move(
            sku_id=ln.sku_id,
            warehouse_id=ln.warehouse_id,
            quantity=ln.quantity,
            from_bucket=from_bucket,
            to_bucket=to_bucket,
            ref=ln.ref,
            location_id=location_id,
        )
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, value)
    return entry.finish()


@stock_event
def qc_pass(doc: Doc, lines: Sequence[Line], *, key: str, location_id: uuid.UUID | None = None) -> Posting:
    """Inspection passed: `qc_pending` −q, `on_hand` +q (put away to `location_id`)."""
    return _simple_move("qc_pass", doc, lines, key, "qc_pending", "on_hand", location_id=location_id)


@stock_event
def qc_reject(doc: Doc, lines: Sequence[Line], *, key: str, reason: str = "") -> Posting:
    """Inspection failed: `qc_pending` −q, `unsellable` +q."""
    return _simple_move("qc_reject", doc, lines, key, "qc_pending", "unsellable", reason=reason)


@stock_event
def return_to_supplier(
    doc: Doc, lines: Sequence[Line], *, key: str, from_bucket: str = "unsellable", reason: str = ""
) -> Posting:
    """Units go back to the supplier: out of `unsellable` (or `on_hand`, `qc_pending`) at book cost."""
    if from_bucket not in ("unsellable", "on_hand", "qc_pending"):
        raise ValidationError.field("from_bucket", Msg("stock.bucket_to"))
    return _simple_move(
        "return_to_supplier", doc, lines, key, from_bucket, None, reason=reason, extra={"from": from_bucket}
    )


# ---------------------------------------------------------------------------------------------
# Reservations


@dataclass
class Need:
    """Units of one stocked SKU a document line needs (a bundle line needs each component)."""

    line: Line
    sku_id: uuid.UUID  # the SKU that holds stock
    quantity: int
    per_kit: int = 1
    kit_sku_id: uuid.UUID | None = None

    @property
    def pair(self) -> Pair:
        return (self.sku_id, self.line.warehouse_id)

    @property
    def group(self) -> tuple[str, uuid.UUID, uuid.UUID, uuid.UUID]:
        return (self.line.ref, self.line.sku_id, self.line.warehouse_id, self.sku_id)


def needs_of(lines: Sequence[Line]) -> list[Need]:
    """Expand virtual bundles into their components."""
    kinds = skus.kit_types({ln.sku_id for ln in lines})
    bundles = skus.components({sku for sku, kind in kinds.items() if kind == "virtual"})
    out: list[Need] = []
    for ln in lines:
        if kinds[ln.sku_id] == "virtual":
            if not bundles[ln.sku_id]:
                raise ValidationError.field(
                    "sku_id", Msg("inventory.bundle_has_no_components", code=skus.code(ln.sku_id))
                )
            out.extend(Need(ln, comp, ln.quantity * per, per, ln.sku_id) for comp, per in bundles[ln.sku_id])
        else:
            out.append(Need(ln, ln.sku_id, ln.quantity))
    return out


_balances = StockBalance.__table__
# One conditional UPDATE holds `quantity` of a balance row, or finds it short (no row).
HOLD = (
    update(_balances)
    .where(
        _balances.c.tenant_id == bindparam("b_tenant_id"),
        _balances.c.sku_id == bindparam("b_sku_id"),
        _balances.c.warehouse_id == bindparam("b_warehouse_id"),
        _balances.c.on_hand - _balances.c.reserved >= bindparam("b_quantity"),
    )
    .values(reserved=_balances.c.reserved + bindparam("b_quantity"), updated_at=bindparam("b_now"))
    .returning(_balances.c.id)
)


def reserve_needs(entry_op: uuid.UUID, doc: Doc, needs: list[Need]) -> None:
    """Hold every need with one conditional UPDATE per balance row, in (sku, warehouse) order;
    raise InsufficientStock listing every short line, having held nothing (the savepoint)."""
    totals = write_reservations(entry_op, doc, needs)
    short = hold(totals)
    if short:
        raise shortage(needs, totals, short)


def write_reservations(entry_op: uuid.UUID, doc: Doc, needs: list[Need]) -> dict[Pair, int]:
    """The reservation rows of `needs` (written before any balance is locked); returns the
    units to hold per balance row. Written past the unit of work: the ORM's flush and
    statement handling were most of a reservation's client time. The tenant is stamped here
    (row-level security checks it)."""
    totals: dict[Pair, int] = defaultdict(int)
    for need in needs:
        totals[need.pair] += need.quantity
    tenant_id, now = current_tenant_id(), utcnow()
    session.connection().execute(
        insert(Reservation.__table__), [reservation_row(doc, need, entry_op, tenant_id, now) for need in needs]
    )
    return totals


def reservation_row(doc: Doc, need: Need, operation_id: Any, tenant_id: Any, now: datetime) -> dict[str, Any]:
    """The open reservation of `need` for `doc` as a row of its table (the bulk path and the
    single reservation write the same rows)."""
    return {
        "id": uuid7(),
        "tenant_id": tenant_id,
        "created_at": now,
        "updated_at": now,
        "doc_type": doc.type,
        "doc_id": doc.id,
        "doc_number": doc.number,
        "line_ref": need.line.ref,
        "sku_id": need.sku_id,
        "warehouse_id": need.line.warehouse_id,
        "kit_sku_id": need.kit_sku_id,
        "per_kit": need.per_kit,
        "quantity": need.quantity,
        "released": 0,
        "consumed": 0,
        "picked": 0,
        "status": "open",
        "operation_id": operation_id,
    }


def hold(totals: dict[Pair, int]) -> list[Pair]:
    """One conditional UPDATE per balance row, in (sku, warehouse) order: `reserved` +q where
    that many are available. Returns the rows found short (nothing held on them)."""
    connection, tenant_id, now = session.connection(), current_tenant_id(), utcnow()
    short: list[Pair] = []
    for (sku_id, wh_id), qty in sorted(totals.items()):
        held = connection.execute(
            HOLD,
            {"b_tenant_id": tenant_id, "b_sku_id": sku_id, "b_warehouse_id": wh_id, "b_quantity": qty, "b_now": now},
        ).first()
        if held is None:
            short.append((sku_id, wh_id))
    return short


def shortage(needs: list[Need], totals: dict[Pair, int], short: list[Pair]) -> InsufficientStock:
    """The InsufficientStock naming each short line (an unknown warehouse is a NotFound)."""
    require_warehouses({wh for _, wh in short})  # an unknown warehouse is a 404, not a shortage
    available = dict(
        session.execute(
            select(StockBalance.sku_id, StockBalance.on_hand - StockBalance.reserved).where(
                StockBalance.warehouse_id.in_({wh for _, wh in short}),
                StockBalance.sku_id.in_({s for s, _ in short}),
            )
        ).all()
    )
    shortages = []
    for need in needs:
        if need.pair in short:
            shortages.append(
                Shortage(
                    need.line.ref,
                    need.sku_id,
                    need.line.warehouse_id,
                    totals[need.pair],
                    int(available.get(need.sku_id, 0)),
                )
            )
    return InsufficientStock(shortages)


def reserve(doc: Doc, lines: Sequence[Line], *, key: str) -> Posting:
    """Hold stock for every line of a document, or for none: `reserved` +q. Raises
    InsufficientStock (409) naming each short line.

    The claim of the key and the reservation rows are written in a savepoint; the balance rows
    are held after it is released, so the hot rows stay locked for their UPDATEs and the
    commit alone (the release was one round trip more under the lock). A shortage takes back
    what this call wrote and held, so nothing of it stays, as a rolled-back savepoint would
    leave it; a database error there aborts the caller's transaction."""
    lines = check_lines(lines)
    check_doc(doc)
    check_key(key)
    # The outcome is known before anything is held (every line, or an error), so it is stored
    # with the claim of the key: one statement fewer on the busiest path.
    op_id, currency = uuid7(), functional_currency()
    posting = Posting(
        op_id,
        key,
        "reserve",
        tuple(
            PostedLine(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0), Decimal(0), currency)
            for ln in lines
        ),
    )
    saved = savepoint_state()
    try:
        with session.begin_nested():
            claimed = claim("reserve", doc, key, request(lines), op_id=op_id, result=posting, lines=lines)
            if isinstance(claimed, Posting):
                return claimed
            needs = needs_of(lines)
            totals = write_reservations(op_id, doc, needs)
    except BaseException:
        restore_state(saved)
        raise
    short = hold(totals)
    if short:
        error = shortage(needs, totals, short)
        take_back(op_id, {pair: qty for pair, qty in totals.items() if pair not in short})
        raise error
    touch(totals, op_id)
    currency_frozen(currency)
    return posting


def take_back(op_id: uuid.UUID, held: dict[Pair, int]) -> None:
    """Undo a reservation found short after its savepoint: what it held, its rows, its claim
    (the key stays free, as after a rolled-back savepoint)."""
    connection, tenant_id, now = session.connection(), current_tenant_id(), utcnow()
    for (sku_id, wh_id), qty in sorted(held.items()):
        connection.execute(
            update(_balances)
            .where(
                _balances.c.tenant_id == tenant_id,
                _balances.c.sku_id == sku_id,
                _balances.c.warehouse_id == wh_id,
            )
            .values(reserved=_balances.c.reserved - qty, updated_at=now)
        )
    reservations, operations = Reservation.__table__, StockOperation.__table__
    connection.execute(
        delete(reservations).where(reservations.c.tenant_id == tenant_id, reservations.c.operation_id == op_id)
    )
    connection.execute(delete(operations).where(operations.c.tenant_id == tenant_id, operations.c.id == op_id))


def open_reservations(doc: Doc) -> list[Reservation]:
    """The document's open reservation rows, locked, oldest first."""
    return list(
        session.execute(
            select(Reservation)
            .where(Reservation.doc_type == doc.type, Reservation.doc_id == doc.id, Reservation.status == "open")
            .order_by(Reservation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )


@dataclass
class Taken:
    """What one need got from its line's reservations (`held`) and beyond them (`extra`)."""

    need: Need
    held: int
    extra: int = 0


def take_from_reservations(
    doc: Doc, lines: Sequence[Line] | None, *, mode: str, allow_extra: bool = False
) -> list[Taken]:
    """Release or consume (`mode`) a document's reservations for `lines` (all of them when
    None). A line beyond what it holds is refused, or with `allow_extra` the rest is marked
    to be taken from available stock."""
    rows = open_reservations(doc)
    groups: dict[tuple, list[Reservation]] = defaultdict(list)
    for row in rows:
        groups[(row.line_ref, row.kit_sku_id or row.sku_id, row.warehouse_id, row.sku_id)].append(row)
    if lines is None:
        needs = []
        for (ref, line_sku, wh, sku), group in groups.items():
            per_kit = group[0].per_kit
            qty = sum(r.open_quantity for r in group)
            line = Line(ref, line_sku, wh, max(qty // per_kit, 1))
            needs.append(Need(line, sku, qty, per_kit, line_sku if line_sku != sku else None))
    else:
        needs = needs_of(lines)
    taken: list[Taken] = []
    for need in needs:
        group = groups.get(need.group, [])
        holding = sum(r.open_quantity for r in group)
        if holding < need.quantity and not allow_extra:
            raise Conflict(
                Msg(
                    "inventory.line_holds_not",
                    ref=need.line.ref,
                    holding=holding,
                    code=skus.code(need.sku_id),
                    quantity=need.quantity,
                ),
                {f"lines.{need.line.ref}": [Msg("stock.holds_only", holding=holding)]},
            )
        remaining = min(holding, need.quantity)
        for row in group:
            if not remaining:
                break
            q = min(row.open_quantity, remaining)
            if mode == "release":
                row.released += q
            else:
                row.consumed += q
                row.picked = max(0, row.picked - q)
            row.picked = min(row.picked, row.open_quantity)
            if row.open_quantity == 0:
                row.status = "closed"
            remaining -= q
        taken.append(Taken(need, min(holding, need.quantity), max(0, need.quantity - holding)))
    return taken


def line_quantity(items: list[Taken]) -> dict[tuple[str, uuid.UUID, uuid.UUID], int]:
    """Units per document line (a bundle line counts whole bundles)."""
    out: dict[tuple[str, uuid.UUID, uuid.UUID], int] = {}
    for t in items:
        key = (t.need.line.ref, t.need.line.sku_id, t.need.line.warehouse_id)
        units = (t.held + t.extra) // t.need.per_kit
        out[key] = min(out.get(key, units), units)
    return out


@stock_event
def release(doc: Doc, lines: Sequence[Line] | None = None, *, key: str) -> Posting:
    """Let go of held stock: `reserved` −q. Without lines, everything `doc` still holds."""
    lines = check_lines(lines) if lines is not None else None
    entry = start("release", doc, key, request(lines or [], all=lines is None))
    if isinstance(entry, Posting):
        return entry
    taken = take_from_reservations(doc, lines, mode="release")
    totals: dict[Pair, int] = defaultdict(int)
    for t in taken:
        totals[t.need.pair] += t.held
    for (ref, sku_id, wh_id), qty in line_quantity(taken).items():
        entry.post(ref, sku_id, wh_id, qty, Decimal(0))
    posting = entry.finish(touched=set(totals))
    for (sku_id, wh_id), qty in sorted(totals.items()):
        if not qty:
            continue
        done = session.execute(
            update(StockBalance)
            .where(StockBalance.sku_id == sku_id, StockBalance.warehouse_id == wh_id, StockBalance.reserved >= qty)
            .values(reserved=StockBalance.reserved - qty, updated_at=utcnow())
            .returning(StockBalance.id)
            .execution_options(synchronize_session=False)
        ).first()
        if done is None:
            raise Conflict(Msg("inventory.reserved_counter_out_step", sku_id=describe(sku_id, wh_id)))
    return posting


@stock_event
def mark_picked(doc: Doc, lines: Sequence[Line] | None = None, *, key: str) -> Posting:
    """Held units were taken off the shelf and wait to ship. Buckets do not change; a
    stocktake counts these units as present."""
    lines = check_lines(lines) if lines is not None else None
    entry = start("pick", doc, key, request(lines or [], all=lines is None))
    if isinstance(entry, Posting):
        return entry
    rows = open_reservations(doc)
    if lines is None:
        for row in rows:
            row.picked = row.open_quantity
        posted = {(r.line_ref, r.kit_sku_id or r.sku_id, r.warehouse_id): r.open_quantity // r.per_kit for r in rows}
    else:
        posted = {}
        for need in needs_of(lines):
            remaining = need.quantity
            for row in rows:
                if (row.line_ref, row.kit_sku_id or row.sku_id, row.warehouse_id, row.sku_id) == need.group:
                    q = min(row.open_quantity - row.picked, remaining)
                    row.picked += q
                    remaining -= q
            if remaining:
                raise Conflict(
                    Msg("inventory.line_holds_fewer_unpicked", ref=need.line.ref, quantity=need.quantity),
                    {f"lines.{need.line.ref}": [Msg("stock.picks_more")]},
                )
            posted[(need.line.ref, need.line.sku_id, need.line.warehouse_id)] = need.line.quantity
    for (ref, sku_id, wh_id), qty in posted.items():
        entry.post(ref, sku_id, wh_id, qty, Decimal(0))
    return entry.finish(touched=())


def ship_taken(entry: Entry, taken: list[Taken], kind: str) -> dict[tuple[str, uuid.UUID, uuid.UUID], Decimal]:
    """Post what `take_from_reservations(mode="consume")` took: `reserved` −held and
    `on_hand` −(held + extra) per need, at book cost. Returns the value per document line."""
    entry.lock({t.need.pair for t in taken})
    values: dict[tuple[str, uuid.UUID, uuid.UUID], Decimal] = defaultdict(Decimal)
    for t in taken:
        b = entry.balance(*t.need.pair)
        if b.reserved < t.held:
            raise Conflict(Msg("inventory.reserved_counter_out_step_2", value=describe(*t.need.pair)))
        b.reserved -= t.held
        qty = t.held + t.extra
        if qty:
            _, value = entry.move(
                sku_id=t.need.sku_id,
                warehouse_id=t.need.line.warehouse_id,
                quantity=qty,
                from_bucket="on_hand",
                to_bucket=None,
                ref=t.need.line.ref,
                kind=kind,
            )
            values[(t.need.line.ref, t.need.line.sku_id, t.need.line.warehouse_id)] += value
    return values


@stock_event
def ship(doc: Doc, lines: Sequence[Line] | None = None, *, key: str) -> Posting:
    """Units left with the carrier: `on_hand` −q and `reserved` −q, at book cost (the COGS is
    each PostedLine's value). A line takes what it holds first, then available stock."""
    lines = check_lines(lines) if lines is not None else None
    entry = start("order_shipment", doc, key, request(lines or [], all=lines is None))
    if isinstance(entry, Posting):
        return entry
    taken = take_from_reservations(doc, lines, mode="consume", allow_extra=True)
    values = ship_taken(entry, taken, "order_shipment")
    for (ref, sku_id, wh_id), qty in line_quantity(taken).items():
        entry.post(ref, sku_id, wh_id, qty, values.get((ref, sku_id, wh_id), Decimal(0)))
    return entry.finish()


CONDITIONS = {"restock": "on_hand", "inspect": "qc_pending", "damaged": "unsellable"}


@stock_event
def customer_return(
    doc: Doc, lines: Sequence[Line], *, key: str, condition: str = "restock", fx_rate: Decimal | None = None
) -> Posting:
    """A customer sent units back: `"restock"` into on_hand, `"inspect"` into qc_pending,
    `"damaged"` into unsellable; at the line's unit cost (its original COGS) or the average."""
    if condition not in CONDITIONS:
        raise ValidationError.field("condition", Msg("one_of", choices=", ".join(CONDITIONS)))
    lines = check_lines(lines, cost="optional")
    entry = start("customer_return", doc, key, request(lines, condition=condition, fx_rate=fx_rate))
    if isinstance(entry, Posting):
        return entry
    require_warehouses({ln.warehouse_id for ln in lines})
    needs = needs_of(lines)
    entry.lock({n.pair for n in needs})
    by_line: dict[int, list[Need]] = defaultdict(list)
    for need in needs:
        by_line[id(need.line)].append(need)
    for i, ln in enumerate(lines):
        parts = by_line[id(ln)]
        costs: list[Decimal | None] = [None] * len(parts)
        if ln.unit_cost is not None:
            line_value = convert_cost(ln.unit_cost, entry.currency, fx_rate, f"lines.{i}.unit_cost") * ln.quantity
            # A bundle's cost is split over its components in proportion to their book cost.
            weights = [
                entry.balance(*n.pair).stock_value / max(entry.balance(*n.pair).valued_quantity, 1) * n.quantity
                for n in parts
            ]
            shares = allocate(line_value, weights if any(weights) else [n.quantity for n in parts], entry.currency)
            costs = [share / n.quantity for share, n in zip(shares, parts)]
        value = Decimal(0)
        for need, cost in zip(parts, costs):
            value += entry.move(
                sku_id=need.sku_id,
                warehouse_id=ln.warehouse_id,
                quantity=need.quantity,
                from_bucket=None,
                to_bucket=CONDITIONS[condition],
                ref=ln.ref,
                unit_cost=cost,
            )[1]
        entry.post(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, value)
    return entry.finish()
