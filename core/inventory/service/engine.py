"""The posting engine every stock event goes through.

1. `start()` claims the idempotency key with `INSERT ... ON CONFLICT DO NOTHING`: a replay
   (or a concurrent duplicate, which waits for the first to commit) gets the stored Posting.
2. `Entry.lock()` makes sure the balance rows exist (insert-or-ignore, never check-then-insert)
   and locks them with `SELECT ... FOR UPDATE` ordered by (sku_id, warehouse_id). Every path
   that touches several balance rows takes them in that order, so two events never deadlock
   on each other's rows. Reservations take the other road DESIGN §4 allows: one conditional
   UPDATE per row, in the same order (see `stock.reserve`).
3. `Entry.move()` checks the bucket it takes from, applies the change to the locked row,
   carries the book value (moving weighted average) and queues a ledger line.
4. `Entry.finish()` writes the ledger lines, flushes (CHECK constraints are the backstop) and
   stores the Posting on the operation for replays.

One `stock.changed` event per transaction lists every SKU x warehouse it touched; its handler
checks safety stock after the commit (`check_safety`); it is written at commit, in the INSERT
that gives it its place in the commit order. Everything else a stock event writes that needs
no lock (operation, reservation rows) is written before it takes the balance locks, so hot
rows stay locked for as few round trips as possible.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Uuid, and_, bindparam, event, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import events
from core.db import session, utcnow, uuid7
from core.errors import Conflict, NotFound, ValidationError
from core.fx.service import local_date
from core.inventory.events import StockBelowSafety, StockChanged, StockPair
from core.inventory.models import (
    LEDGER_BUCKETS,
    VALUED_BUCKETS,
    SkuSetting,
    StockBalance,
    StockMovement,
    StockOperation,
    Warehouse,
)
from core.inventory.service.types import Doc, InsufficientStock, Line, PostedLine, Posting, Shortage
from core.jsonutil import jsonable
from core.messages import Msg
from core.money import FxRate, Money, RateNotFound, find_rate, round_money
from core.tenancy import current_actor, current_tenant_id

Pair = tuple[uuid.UUID, uuid.UUID]  # (sku_id, warehouse_id)
COST_PLACES = Decimal("0.000001")
MAX_KEY = 200
TOUCHED = "inventory.touched"


# Tenants whose functional currency can no longer change, with it. Once a ledger line is
# committed, inventory's guard (handlers.stock_is_valued) refuses any change of it for good,
# so this process keeps it instead of reading the tenant's row in every transaction (one
# statement of a reservation's few). Filled after the commit of a transaction that wrote ledger
# lines or held stock (held units are on hand: the ledger has lines).
_frozen_currency: dict[uuid.UUID, str] = {}
FROZEN = "inventory.currency_frozen"


def functional_currency() -> str:
    """The tenant's functional currency: the currency of every book value in inventory."""
    known = _frozen_currency.get(current_tenant_id())
    if known is not None:
        return known
    from tenants.service import functional_currency

    return functional_currency()


def currency_frozen(currency: str) -> None:
    """This transaction wrote ledger lines, or held stock, in `currency`: after it commits,
    the currency can no longer change."""
    session().info[FROZEN] = (current_tenant_id(), currency)


@event.listens_for(Session, "after_commit")
def _keep_frozen_currency(s: Session) -> None:
    if s.in_nested_transaction():
        return
    frozen = s.info.pop(FROZEN, None)
    if frozen is not None:
        _frozen_currency[frozen[0]] = frozen[1]


@event.listens_for(Session, "after_rollback")
def _forget_frozen_currency(s: Session) -> None:
    if not s.in_nested_transaction():
        s.info.pop(FROZEN, None)


def insert_ignoring_conflicts(model: type, conflict: list[str]) -> Any:
    """`INSERT ... ON CONFLICT (conflict) DO NOTHING` on PostgreSQL and SQLite. Execute it with
    the rows as parameters (`session.execute(stmt, rows)`), so its compiled form is cached."""
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return ins(model).on_conflict_do_nothing(index_elements=conflict)


# ---------------------------------------------------------------------------------------------
# Checking what callers pass


def dotted(errors: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Field errors keyed by dotted paths ({"lines": {"0": {"quantity": [...]}}} becomes
    {"lines.0.quantity": [...]}), as the API reports every error."""
    out: dict[str, Any] = {}
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(dotted(value, path))
        else:
            out[path] = value
    return out


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValidationError.field("key", Msg("stock.key_required"))
    if len(key) > MAX_KEY:
        raise ValidationError.field("key", Msg("inventory.use_at_most_characters", max_key=MAX_KEY))
    return key


def check_doc(doc: Doc) -> Doc:
    if not isinstance(doc, Doc) or not doc.type or not doc.id:
        raise ValidationError.field("doc", "give the document as Doc(type, id, number)")
    if len(doc.type) > 32 or len(doc.id) > 64 or len(doc.number) > 64:
        raise ValidationError.field("doc", "type up to 32, id and number up to 64 characters")
    return doc


def check_lines(lines: Sequence[Line] | None, *, required: bool = True, cost: str = "forbidden") -> list[Line]:
    """Validate document lines; `cost` is "required", "optional" or "forbidden"."""
    if lines is None:
        if required:
            raise ValidationError.field("lines", Msg("lines_required"))
        return []
    lines = list(lines)
    if required and not lines:
        raise ValidationError.field("lines", Msg("lines_required"))
    errors: dict[str, dict[str, list[str]]] = {}
    refs: set[tuple[str, uuid.UUID, uuid.UUID]] = set()
    for i, line in enumerate(lines):
        problems: dict[str, list[str]] = {}
        if not isinstance(line, Line):
            errors[str(i)] = {"_schema": ["give each line as Line(ref, sku_id, warehouse_id, quantity)"]}
            continue
        if not line.ref or len(line.ref) > 64:
            problems["ref"] = ["give the document line's reference (up to 64 characters)"]
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity <= 0:
            problems["quantity"] = [Msg("positive_whole_number")]
        if cost == "required" and line.unit_cost is None:
            problems["unit_cost"] = ["is required: units come in at a cost"]
        elif cost == "forbidden" and line.unit_cost is not None:
            problems["unit_cost"] = ["is not used here: units move at their book cost"]
        elif line.unit_cost is not None and (not isinstance(line.unit_cost, Money) or line.unit_cost.amount < 0):
            problems["unit_cost"] = ["must be a Money amount of zero or more"]
        ident = (line.ref, line.sku_id, line.warehouse_id)
        if ident in refs:
            problems["ref"] = ["appears twice for the same SKU and warehouse"]
        refs.add(ident)
        if problems:
            errors[str(i)] = problems
    if errors:
        raise ValidationError(dotted({"lines": errors}))
    return lines


def require_warehouses(ids: Iterable[uuid.UUID], *, active: bool = False) -> dict[uuid.UUID, Warehouse]:
    ids = set(ids)
    found = {w.id: w for w in session.execute(select(Warehouse).where(Warehouse.id.in_(ids))).scalars()}
    for wid in ids:
        if wid not in found:
            raise NotFound("warehouse", wid)
        if active and not found[wid].active:
            raise Conflict(
                Msg("inventory.warehouse_inactive", code=found[wid].code), {"warehouse_id": [Msg("stock.inactive")]}
            )
    return found


def convert_cost(
    unit_cost: Money, currency: str, fx_rate: Decimal | None, field: str, used: dict[str, FxRate] | None = None
) -> Decimal:
    """A unit cost in the functional currency: at `fx_rate` when the document brings its own
    rate (a purchase order's), else at the tenant's rate of today from the dated rates table
    (core.money.find_rate; `used` collects those by currency). A missing rate is refused on
    `field`, naming the pair and the day; it is never taken as 1."""
    if unit_cost.currency == currency:
        return unit_cost.amount
    if fx_rate is None:
        try:
            found = find_rate(unit_cost.currency, currency, local_date())
        except RateNotFound as missing:
            raise ValidationError.field(
                field,
                Msg(
                    "inventory.in_and_stock_valued",
                    currency=unit_cost.currency,
                    functional=currency,
                    detail=missing.message,
                ),
            ) from None
        if used is not None:
            used[unit_cost.currency] = found
        fx_rate = found.rate
    if fx_rate <= 0:
        raise ValidationError.field("fx_rate", Msg("positive"))
    return unit_cost.amount * fx_rate


# ---------------------------------------------------------------------------------------------
# Operations: one per idempotency key


@functools.cache
def claim_statement(dialect: str) -> Any:
    """`INSERT ... ON CONFLICT (tenant_id, key) DO NOTHING RETURNING id` of an operation row."""
    table = StockOperation.__table__
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return ins(table).on_conflict_do_nothing(index_elements=["tenant_id", "key"]).returning(table.c.id)


def request_hash(kind: str, doc: Doc, request: Any) -> str:
    body = json.dumps(jsonable({"kind": kind, "doc": [doc.type, doc.id], "request": request}), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def claim(
    kind: str,
    doc: Doc,
    key: str,
    request: Any,
    *,
    op_id: uuid.UUID | None = None,
    result: Posting | None = None,
    lines: Sequence[Line] = (),
) -> uuid.UUID | Posting:
    """Claim `key` for a new operation (its id), or return the Posting of the earlier one.
    An event that knows its outcome up front passes it as `result`, stored with the claim;
    `lines` (the request's) rebuild a replayed outcome that keeps none (`Posting.stored`)."""
    digest = request_hash(kind, doc, request)
    now = utcnow()
    op_id = op_id or uuid7()
    row = {
        "id": op_id,
        "tenant_id": current_tenant_id(),
        "created_at": now,
        "updated_at": now,
        "key": key,
        "kind": kind,
        "doc_type": doc.type,
        "doc_id": doc.id,
        "doc_number": doc.number,
        "request_hash": digest,
        "actor": str(current_actor())[:200],
        "result": result.stored() if result is not None else None,
    }
    # A Core statement on the connection: the ORM's bulk INSERT path cost more than the
    # statement itself, on the busiest path of every stock event.
    connection = session.connection()
    if connection.execute(claim_statement(connection.dialect.name), row).scalar_one_or_none() is not None:
        return op_id
    earlier = session.execute(select(StockOperation).where(StockOperation.key == key)).scalar_one()
    if earlier.request_hash != digest or earlier.result is None:
        raise Conflict(
            Msg(
                "inventory.idempotency_key_was_already",
                key=repr(key),
                kind=earlier.kind,
                doc_type=earlier.doc_type,
                value=earlier.doc_number or earlier.doc_id,
            ),
            {"key": [Msg("stock.key_other_request")]},
        )
    return Posting.from_stored(
        earlier.result, operation_id=earlier.id, key=earlier.key, kind=earlier.kind, lines=lines, replayed=True
    )


def store_result(op_id: uuid.UUID, posting: Posting, doc: Doc) -> None:
    """Keep the outcome for replays, and the document (some events create theirs on the way)."""
    session.execute(
        update(StockOperation)
        .where(StockOperation.id == op_id)
        .values(result=posting.stored(), doc_type=doc.type, doc_id=doc.id, doc_number=doc.number)
        .execution_options(synchronize_session=False)
    )


# ---------------------------------------------------------------------------------------------
# Balances


def ensure_balances(pairs: Iterable[Pair]) -> None:
    """Create missing balance rows (insert-or-ignore, in a stable order)."""
    pairs = sorted(set(pairs))
    if not pairs:
        return
    tenant_id, currency, now = current_tenant_id(), functional_currency(), utcnow()
    rows = [
        {
            "id": uuid7(),
            "tenant_id": tenant_id,
            "created_at": now,
            "updated_at": now,
            "sku_id": sku,
            "warehouse_id": wh,
            "on_hand": 0,
            "reserved": 0,
            "qc_pending": 0,
            "unsellable": 0,
            "inbound_ordered": 0,
            "in_transit": 0,
            "stock_value": Decimal(0),
            "currency": currency,
        }
        for sku, wh in pairs
    ]
    session.execute(insert_ignoring_conflicts(StockBalance, ["tenant_id", "sku_id", "warehouse_id"]), rows)


SMALL_PAIRS = 50


def pair_in(sku_column: Any, warehouse_column: Any, pairs: Sequence[Pair]) -> Any:
    """`(sku, warehouse) IN pairs`. On PostgreSQL the pairs go as two arrays, unnested: a row
    constructor list of a page's thousand-odd pairs is planned as that many OR'd index
    conditions, and its planning alone took seconds (2 s for 1,340 pairs), while the arrays
    are one semi-join whatever their length."""
    if len(pairs) <= SMALL_PAIRS or session.get_bind().dialect.name != "postgresql":
        # A stock event of a document's few lines: the list plans in no time.
        return tuple_(sku_column, warehouse_column).in_(list(pairs))
    given = (
        func.unnest(
            bindparam(None, [sku for sku, _ in pairs], type_=postgresql.ARRAY(Uuid())),
            bindparam(None, [wh for _, wh in pairs], type_=postgresql.ARRAY(Uuid())),
        )
        .table_valued("sku_id", "warehouse_id")
        .render_derived()
    )
    return tuple_(sku_column, warehouse_column).in_(select(given.c.sku_id, given.c.warehouse_id))


def lock_balances(pairs: Iterable[Pair], *, create: bool = True) -> dict[Pair, StockBalance]:
    """Balance rows (created when missing, unless `create` is false), locked until the
    transaction ends, in (sku, warehouse) order."""
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    if create:
        ensure_balances(pairs)
    rows = session.execute(
        select(StockBalance)
        .where(pair_in(StockBalance.sku_id, StockBalance.warehouse_id, pairs))
        .order_by(StockBalance.sku_id, StockBalance.warehouse_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {(b.sku_id, b.warehouse_id): b for b in rows}


def describe(sku_id: uuid.UUID, warehouse_id: uuid.UUID) -> str:
    """ "SKU-001 at SZ" for messages (only on error paths)."""
    from core.catalog import service as catalog

    code = catalog.sku_codes([sku_id]).get(sku_id, str(sku_id))
    wh = session.execute(select(Warehouse.code).where(Warehouse.id == warehouse_id)).scalar_one_or_none()
    return f"{code} at {wh or warehouse_id}"


# ---------------------------------------------------------------------------------------------
# Entries


class Entry:
    """A stock event being posted: the locked balances, the ledger lines, the outcome."""

    def __init__(self, op_id: uuid.UUID, kind: str, doc: Doc, key: str, reason: str = "") -> None:
        self.op_id = op_id
        self.kind = kind
        self.doc = doc
        self.key = key
        self.reason = reason
        self.currency = functional_currency()
        self.balances: dict[Pair, StockBalance] = {}
        self.rows: list[dict[str, Any]] = []
        self.posted: list[PostedLine] = []
        self.actor = str(current_actor())[:200]

    def lock(self, pairs: Iterable[Pair]) -> dict[Pair, StockBalance]:
        """Lock the balances this event touches. Take them all in one call: rows are locked in
        sorted order only within a call."""
        missing = set(pairs) - set(self.balances)
        if missing:
            touch(missing, self.op_id)
            self.balances.update(lock_balances(missing))
        return self.balances

    def balance(self, sku_id: uuid.UUID, warehouse_id: uuid.UUID) -> StockBalance:
        return self.balances[(sku_id, warehouse_id)]

    def move(
        self,
        *,
        sku_id: uuid.UUID,
        warehouse_id: uuid.UUID,
        quantity: int,
        from_bucket: str | None,
        to_bucket: str | None,
        ref: str = "",
        kind: str | None = None,
        unit_cost: Decimal | None = None,
        location_id: uuid.UUID | None = None,
        reason: str | None = None,
        value: Decimal | None = None,
    ) -> tuple[Decimal, Decimal]:
        """Move units between buckets of one locked balance. Returns (unit cost, value).

        Value leaving the valued buckets goes at the average (all of it with the last unit);
        value entering them is `value` when given (units arriving from another warehouse carry
        exactly what left there), else `unit_cost` x quantity, else the current average."""
        assert from_bucket in LEDGER_BUCKETS + (None,) and to_bucket in LEDGER_BUCKETS + (None,)
        b = self.balances[(sku_id, warehouse_id)]
        if from_bucket is not None:
            have = getattr(b, from_bucket)
            if from_bucket == "on_hand":
                have -= b.reserved  # reserved units are promised: take them only through their reservation
            if have < quantity:
                raise InsufficientStock(
                    [Shortage(ref, sku_id, warehouse_id, quantity, max(have, 0))],
                    action=Msg("stock.take_from", bucket=from_bucket, where=describe(sku_id, warehouse_id)),
                )
        valued_qty = b.valued_quantity
        average = b.stock_value / valued_qty if valued_qty else Decimal(0)
        leaves = from_bucket in VALUED_BUCKETS and to_bucket not in VALUED_BUCKETS
        enters = to_bucket in VALUED_BUCKETS and from_bucket not in VALUED_BUCKETS
        if leaves:
            value = (
                b.stock_value
                if quantity == valued_qty
                else min(b.stock_value, round_money(b.stock_value * quantity / valued_qty, self.currency))
            )
            b.stock_value -= value
        elif enters:
            if value is None:
                value = round_money((average if unit_cost is None else unit_cost) * quantity, self.currency)
            b.stock_value += value
        elif from_bucket in VALUED_BUCKETS:  # a status move inside the warehouse: value stays
            value = round_money(average * quantity, self.currency)
        else:  # commitments (inbound_ordered) carry no value
            value = Decimal(0)
        if from_bucket is not None:
            setattr(b, from_bucket, getattr(b, from_bucket) - quantity)
        if to_bucket is not None:
            setattr(b, to_bucket, getattr(b, to_bucket) + quantity)
        if unit_cost is not None and enters and value == round_money(unit_cost * quantity, self.currency):
            recorded_cost = unit_cost.quantize(COST_PLACES)
        else:
            recorded_cost = (value / quantity).quantize(COST_PLACES)
        self.rows.append(
            {
                "id": uuid7(),
                "tenant_id": b.tenant_id,
                "operation_id": self.op_id,
                "line": len(self.rows) + 1,
                "kind": kind or self.kind,
                "sku_id": sku_id,
                "warehouse_id": warehouse_id,
                "location_id": location_id,
                "quantity": quantity,
                "from_bucket": from_bucket,
                "to_bucket": to_bucket,
                "unit_cost": recorded_cost,
                "value": value,
                "currency": self.currency,
                "doc_type": self.doc.type,
                "doc_id": self.doc.id,
                "doc_number": self.doc.number,
                "doc_line": ref[:64],
                "reason": (reason or self.reason)[:500],
                "actor": self.actor,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
        return recorded_cost, value

    def post(self, ref: str, sku_id: uuid.UUID, warehouse_id: uuid.UUID, quantity: int, value: Decimal) -> None:
        unit = (value / quantity).quantize(COST_PLACES) if quantity else Decimal(0)
        self.posted.append(PostedLine(ref, sku_id, warehouse_id, quantity, unit, value, self.currency))

    def finish(self, touched: Iterable[Pair] = ()) -> Posting:
        """Write the ledger lines and keep the outcome. Events that hold stock with a single
        conditional UPDATE (reserve, release) finish first and update last."""
        touch(set(touched) | set(self.balances), self.op_id)
        if self.rows:
            session.execute(insert(StockMovement), self.rows)
            currency_frozen(self.currency)
        session.flush()
        posting = Posting(self.op_id, self.key, self.kind, tuple(self.posted))
        store_result(self.op_id, posting, self.doc)
        return posting


def start(kind: str, doc: Doc, key: str, request: Any, reason: str = "") -> Entry | Posting:
    """Begin a stock event, or return the Posting of its first run."""
    check_doc(doc)
    check_key(key)
    claimed = claim(kind, doc, key, request)
    if isinstance(claimed, Posting):
        return claimed
    return Entry(claimed, kind, doc, key, reason)


# ---------------------------------------------------------------------------------------------
# stock.changed and stock.below_safety, once per transaction


def _payload(state: dict[str, Any]) -> StockChanged:
    return StockChanged(
        items=tuple(StockPair(sku_id=str(sku), warehouse_id=str(wh)) for sku, wh in sorted(state["changed"])),
        operations=tuple(str(o) for o in state["ops"]),
    )


def touch(pairs: Iterable[Pair], op_id: uuid.UUID | None = None) -> None:
    """Record that this transaction changes stock of `pairs`, in its one `stock.changed` event.

    The event is written at commit, with every pair the transaction's stock events touched,
    in the same INSERT that gives it its place in the commit order (`events.emit_many`): no
    row written early and updated at commit, and nothing written for it while a stock event
    holds balance locks. A savepoint that rolls back takes its pairs back (`restore_state`)."""
    state = session().info.get(TOUCHED)
    if state is None:
        state = {"changed": set(), "ops": []}
        session().info[TOUCHED] = state
    state["changed"].update(pairs)
    if op_id is not None and op_id not in state["ops"]:
        state["ops"].append(op_id)


def savepoint_state() -> Any:
    """What `touch` and `currency_frozen` know, to restore when a stock event's savepoint
    rolls back."""
    info = session().info
    state = info.get(TOUCHED)
    touched = None if state is None else {"changed": set(state["changed"]), "ops": list(state["ops"])}
    return touched, info.get(FROZEN)


def restore_state(saved: Any) -> None:
    touched, frozen = saved
    info = session().info
    for name, value in ((TOUCHED, touched), (FROZEN, frozen)):
        if value is None:
            info.pop(name, None)
        else:
            info[name] = value


# Inserted first among the session's before_commit listeners: the event must be recorded before
# core.events gives this transaction's events their `seq` and writes them.
@event.listens_for(Session, "before_commit", insert=True)
def _announce_changes(s: Session) -> None:
    if s.in_nested_transaction():  # a savepoint being released; the real commit comes later
        return
    state = s.info.pop(TOUCHED, None)
    if state and state["changed"]:
        events.emit_many(
            [("stock.changed", _payload(state), "inventory_operation", state["ops"][0] if state["ops"] else "")]
        )


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(s: Session, transaction: Any) -> None:
    if transaction.parent is None:
        s.info.pop(TOUCHED, None)


def check_safety(pairs: Iterable[Pair]) -> list[SkuSetting]:
    """Flag the pairs whose available stock crossed their safety stock and emit
    `stock.below_safety` for each that fell below it. Returns the settings that fell below.

    Runs after commit (a handler of `stock.changed`), off the path of every stock event; the
    settings are locked so two concurrent checks announce one crossing once."""
    pairs = sorted(set(pairs))
    if not pairs:
        return []
    rows = session.execute(
        select(SkuSetting, StockBalance.on_hand, StockBalance.reserved)
        .join(
            StockBalance,
            and_(StockBalance.sku_id == SkuSetting.sku_id, StockBalance.warehouse_id == SkuSetting.warehouse_id),
        )
        .where(
            pair_in(SkuSetting.sku_id, SkuSetting.warehouse_id, pairs),
            or_(SkuSetting.safety_stock > 0, SkuSetting.below_safety.is_(True)),
        )
        .order_by(SkuSetting.sku_id, SkuSetting.warehouse_id)
        .with_for_update(of=SkuSetting)
        .execution_options(populate_existing=True)
    ).all()
    fell = []
    for setting, on_hand, reserved in rows:
        available = on_hand - reserved
        below = available < setting.safety_stock
        if below == setting.below_safety:
            continue
        setting.below_safety = below
        if below:
            fell.append(setting)
            events.emit(
                "stock.below_safety",
                StockBelowSafety(
                    sku_id=setting.sku_id,
                    warehouse_id=setting.warehouse_id,
                    available=available,
                    safety_stock=setting.safety_stock,
                ),
                entity_type="sku",
                entity_id=setting.sku_id,
            )
    session.flush()
    return fell
