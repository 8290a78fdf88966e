"""Reserving stock for many documents at once (an order import holds a page of orders in one
transaction). Same rules as `stock.reserve` per document, in a handful of statements for the
whole page: the balance rows are locked once, in (sku, warehouse) order (DESIGN §4's second
road), and each document is held completely or not at all."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select

from core.db import bulk_insert, bulk_update, session, utcnow, uuid7
from core.errors import Conflict, ValidationError
from core.inventory.models import Reservation, StockBalance, StockOperation
from core.inventory.service.engine import (
    check_doc,
    check_key,
    check_lines,
    functional_currency,
    pair_in,
    request_hash,
    require_warehouses,
    touch,
)
from core.inventory.service.stock import needs_of, request, reservation_row, stock_event
from core.inventory.service.types import Doc, InsufficientStock, Line, PostedLine, Posting, Shortage
from core.messages import Msg
from core.tenancy import current_actor, current_tenant_id


@dataclass(frozen=True)
class ReserveRequest:
    doc: Doc
    lines: Sequence[Line]
    key: str


@stock_event
def reserve_many(requests: Sequence[ReserveRequest]) -> list[Posting | InsufficientStock]:
    """`reserve` for many documents. Returns, per request and in order, its Posting
    (`replayed=True` for a key used before with the same request) or the InsufficientStock
    that `reserve` would have raised: nothing is then held for that document and its key stays
    free. Other errors (a key reused for another request, unknown SKUs or warehouses) raise
    and hold nothing for any document."""
    checked: list[tuple[Doc, list[Line], str]] = []
    keys: set[str] = set()
    for i, req in enumerate(requests):
        doc, key = check_doc(req.doc), check_key(req.key)
        if key in keys:
            raise ValidationError.field(f"requests.{i}.key", Msg("stock.key_twice_in_batch"))
        keys.add(key)
        checked.append((doc, check_lines(req.lines), key))
    if not checked:
        return []
    now, tenant_id, actor, currency = utcnow(), current_tenant_id(), str(current_actor())[:200], functional_currency()
    # Each outcome is known before anything is held (every line, or a shortage), so it is
    # stored with the claim of its key: one write per operation, no UPDATE leaving a dead row
    # behind. The claims of documents found short are deleted below.
    postings = [
        Posting(
            uuid7(),
            key,
            "reserve",
            tuple(
                PostedLine(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0), Decimal(0), currency)
                for ln in lines
            ),
        )
        for _doc, lines, key in checked
    ]
    rows = [
        {
            "id": posting.operation_id,
            "tenant_id": tenant_id,
            "created_at": now,
            "updated_at": now,
            "key": key,
            "kind": "reserve",
            "doc_type": doc.type,
            "doc_id": doc.id,
            "doc_number": doc.number,
            "request_hash": request_hash("reserve", doc, request(lines)),
            "actor": actor,
            "result": posting.stored(),
        }
        for posting, (doc, lines, key) in zip(postings, checked)
    ]
    claimed = set(bulk_insert(StockOperation.__table__, rows, skip_conflicts=("tenant_id", "key"), returning="key"))
    results: list[Posting | InsufficientStock | None] = [None] * len(checked)
    earlier_keys = [key for _, _, key in checked if key not in claimed]
    if earlier_keys:
        earlier = {
            op.key: op
            for op in session.execute(select(StockOperation).where(StockOperation.key.in_(earlier_keys))).scalars()
        }
        for i, (row, (_doc, lines, key)) in enumerate(zip(rows, checked)):
            if key in claimed:
                continue
            op = earlier[key]
            if op.request_hash != row["request_hash"] or op.result is None:
                raise Conflict(
                    Msg(
                        "inventory.idempotency_key_was_already",
                        key=repr(key),
                        kind=op.kind,
                        doc_type=op.doc_type,
                        value=op.doc_number or op.doc_id,
                    ),
                    {"key": [Msg("stock.key_other_request")]},
                )
            results[i] = Posting.from_stored(
                op.result, operation_id=op.id, key=op.key, kind=op.kind, lines=lines, replayed=True
            )
    fresh = [(i, rows[i]["id"], *checked[i]) for i in range(len(checked)) if checked[i][2] in claimed]
    if not fresh:
        return results  # type: ignore[return-value]
    all_lines = [ln for _, _, _, lines, _ in fresh for ln in lines]
    needs = needs_of(all_lines)
    require_warehouses({ln.warehouse_id for ln in all_lines})
    # A pair without a balance row has nothing to reserve: no need to create one here. The
    # rows are read as plain values and written back with one bulk UPDATE (the ORM's flush
    # was an UPDATE per row, a page's thousand-odd of them under the locks).
    pairs = sorted({n.pair for n in needs})
    balances = {
        (row.sku_id, row.warehouse_id): Counter(row.id, row.on_hand, row.reserved)
        for row in session.execute(
            select(
                StockBalance.id,
                StockBalance.sku_id,
                StockBalance.warehouse_id,
                StockBalance.on_hand,
                StockBalance.reserved,
            )
            .where(pair_in(StockBalance.sku_id, StockBalance.warehouse_id, pairs))
            .order_by(StockBalance.sku_id, StockBalance.warehouse_id)
            .with_for_update()
        )
    }
    by_line: dict[int, list] = defaultdict(list)
    for need in needs:
        by_line[id(need.line)].append(need)
    failed: list[uuid.UUID] = []
    granted: list[uuid.UUID] = []
    reservations: list[dict] = []
    touched = set()
    for i, op_id, doc, lines, _key in fresh:
        doc_needs = [n for ln in lines for n in by_line[id(ln)]]
        totals: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
        for need in doc_needs:
            totals[need.pair] += need.quantity
        short = {pair for pair, qty in totals.items() if _available(balances, pair) < qty}
        if short:
            results[i] = InsufficientStock(
                [
                    Shortage(n.line.ref, n.sku_id, n.line.warehouse_id, totals[n.pair], _available(balances, n.pair))
                    for n in doc_needs
                    if n.pair in short
                ]
            )
            failed.append(op_id)
            continue
        for pair, qty in totals.items():
            balances[pair].reserved += qty
        touched |= set(totals)
        reservations.extend(reservation_row(doc, n, op_id, tenant_id, now) for n in doc_needs)
        results[i] = postings[i]
        granted.append(op_id)
    if failed:
        session.execute(
            delete(StockOperation).where(StockOperation.id.in_(failed)).execution_options(synchronize_session=False)
        )
    # The balances, under their CHECK constraints.
    bulk_update(
        StockBalance.__table__,
        [{"id": b.id, "reserved": b.reserved, "updated_at": now} for pair, b in balances.items() if pair in touched],
    )
    if reservations:
        # Reservation rows are their own trail (not audited): a plain bulk INSERT.
        bulk_insert(Reservation.__table__, reservations)
    if granted:
        touch(touched, granted[0])
    return results  # type: ignore[return-value]


COUNTERS = (
    StockBalance.id,
    StockBalance.sku_id,
    StockBalance.warehouse_id,
    StockBalance.on_hand,
    StockBalance.reserved,
)


@dataclass
class Counter:
    """A locked balance row's counters, as reserve_many reads and writes them."""

    id: uuid.UUID
    on_hand: int
    reserved: int


def _available(balances: dict, pair: tuple[uuid.UUID, uuid.UUID]) -> int:
    b = balances.get(pair)
    return max(b.on_hand - b.reserved, 0) if b is not None else 0
