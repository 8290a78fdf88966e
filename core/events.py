"""Business events: the transactional outbox and its consumer (DESIGN §5).

`emit()` writes an event row in the caller's transaction, so an event exists exactly when the
change that caused it committed. Only declared events can be emitted: each capability declares
its names and payload classes in `core/<capability>/events.py` (`core.event_types`), and the
outbox stores the payload's JSON form with its version (docs/events.md).

After commit the tenant's dispatcher is nudged; a periodic sweep catches any nudge that was
lost. The dispatcher runs every subscribed handler at least once, with an exactly-once effect:
a handler's delivery marker (unique per event and handler) is written in the same transaction
as the handler's own writes, so a replay finds the marker and skips. Failed deliveries are
retried with backoff and, after `MAX_ATTEMPTS`, kept as dead letters that the API lists.
Plugins receive events through the `on_event` hook, each plugin as its own handler.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import (
    Base,
    TenantMixin,
    bulk_insert,
    execute_arrays,
    new_session,
    session,
    system_session,
    unnest_arrays,
    utcnow,
    uuid7,
)
from core.event_types import Payload, PayloadError, UndeclaredEvent, check, declaration, declare, decode, encode
from core.messages import Msg
from core.ports import EventRecord
from core.tenancy import Actor, actor_context, current_actor, current_tenant_id, tenant_context

log = logging.getLogger("tradelane.events")

__all__ = ["Payload", "PayloadError", "UndeclaredEvent", "declare", "emit", "emit_many", "subscribe"]

MAX_ATTEMPTS = 8
BACKOFF = (10, 60, 300, 900, 3600)
SETTLED = ("done", "dead", "parked")  # a delivery that will not be tried again
UNSETTLED_OR_GIVEN_UP = ("failed", "dead", "parked")  # what the failed-deliveries lists show


class OutboxEvent(TenantMixin, Base):
    __tablename__ = "outbox_events"
    __audit__ = False
    __table_args__ = (
        Index(None, "tenant_id", "entity_type", "entity_id"),
        # By name only: equal keys are stored once (B-tree deduplication); readers order by
        # seq or id (migration 0007).
        Index(None, "tenant_id", "name"),
        Index(
            "ix_outbox_events_pending",
            "tenant_id",
            "seq",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
        Index("ix_outbox_events_tenant_id_seq", "tenant_id", "seq", unique=True),
    )

    name: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(200), default="")
    dispatched_at: Mapped[datetime | None] = mapped_column()
    # The event's place in its tenant's commit order, taken when its transaction commits
    # (docs/decisions/0012-commit-order-of-events.md); None only until then.
    seq: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def data(self) -> Payload:
        """The typed payload (the declared class), read from the stored JSON."""
        return decode(self.name, self.payload)

    def record(self) -> EventRecord:
        return EventRecord(
            id=str(self.id),
            tenant_id=str(self.tenant_id),
            name=self.name,
            occurred_at=self.created_at,
            entity_type=self.entity_type,
            entity_id=self.entity_id,
            payload=self.payload,
        )


class EventDelivery(TenantMixin, Base):
    __tablename__ = "event_deliveries"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "handler"),
        Index(None, "tenant_id", "status"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # done | failed | dead | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    retry_at: Mapped[datetime | None] = mapped_column()


# ---------------------------------------------------------------------------------------------
# Subscriptions


@dataclass(frozen=True)
class Handler:
    name: str
    patterns: tuple[str, ...]
    func: Callable[[OutboxEvent], None]
    ordered: bool = False

    def wants(self, event_name: str) -> bool:
        return any(fnmatch.fnmatchcase(event_name, p) for p in self.patterns)


_handlers: dict[str, Handler] = {}


def subscribe(*patterns: str, name: str, ordered: bool = False) -> Callable:
    """Register `func(event: OutboxEvent)` for events matching any pattern ("order.*").

    The handler runs in the event's tenant context inside a transaction that also records
    its delivery; it writes through services and must not commit. `event.data` is the typed
    payload, `event.payload` its stored JSON.

    `ordered=True`: the handler gets each tenant's events strictly in commit order. An event
    that fails blocks the later ones (for this handler and tenant) until it succeeds on a
    retry or staff park it (`park`); it is retried with backoff for as long as it takes and
    never given up on by itself. Unordered handlers get later events while one is in backoff,
    and give up after `MAX_ATTEMPTS` (a dead letter)."""

    def decorate(func: Callable[[OutboxEvent], None]) -> Callable[[OutboxEvent], None]:
        if name.startswith("plugin:"):
            raise ValueError("handler names starting with 'plugin:' are reserved for plugins")
        _handlers[name] = Handler(name, tuple(patterns), func, ordered)
        return func

    return decorate


def handlers_for(event_name: str) -> list[Handler]:
    from core.plugins import registry

    out = [h for h in _handlers.values() if h.wants(event_name)]
    for plugin_name, func, patterns in registry().event_subscribers():
        plugin = Handler(f"plugin:{plugin_name}", patterns, lambda ev, f=func: f(event=ev.record()))
        if plugin.wants(event_name):
            out.append(plugin)
    return out


# ---------------------------------------------------------------------------------------------
# Emitting


def _stored(name: str, payload: Payload) -> dict[str, Any]:
    """The JSON form of a payload, after checking it is what `name` declares."""
    check(payload, declaration(name).payload, f"payload of {name}")
    return encode(payload)


def emit(name: str, payload: Payload, *, entity_type: str, entity_id: Any) -> OutboxEvent:
    """Record a business event in the current transaction.

    Raises UndeclaredEvent for a name no capability declared and PayloadError for a payload
    that is not the declared class or has a field of the wrong type; nothing is written."""
    ev = OutboxEvent(
        id=uuid7(),
        name=name,
        entity_type=entity_type,
        entity_id=str(entity_id),
        payload=_stored(name, payload),
        actor=str(current_actor())[:200],
    )
    s = session()
    s.add(ev)
    s.info["emitted_events"] = True
    s.info.setdefault(UNSEQUENCED, []).append((ev, None))
    return ev


def amend(ev: OutboxEvent, payload: Payload) -> None:
    """Replace the payload of an event emitted in the current, uncommitted transaction (an
    announcement completed at commit, such as `stock.changed`)."""
    stored = _stored(ev.name, payload)
    if ev.payload != stored:
        ev.payload = stored


def emit_many(items: list[tuple[str, Payload, str, Any]]) -> None:
    """Record many events, (name, payload, entity_type, entity_id), with one INSERT: for bulk
    imports. They keep their order (created_at steps by a microsecond). The rows are written
    when the transaction commits, with their `seq` (so never written twice); a savepoint
    that rolls back takes its share back."""
    if not items:
        return
    now, tenant_id, actor = utcnow(), current_tenant_id(), str(current_actor())[:200]
    rows = [
        {
            "id": uuid7(),
            "tenant_id": tenant_id,
            "created_at": now + timedelta(microseconds=i),
            "updated_at": now,
            "name": name,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "payload": _stored(name, payload),
            "actor": actor,
            "dispatched_at": None,
        }
        for i, (name, payload, entity_type, entity_id) in enumerate(items)
    ]
    s = session()
    s.info["emitted_events"] = True
    within = s.get_nested_transaction() or s.get_transaction()
    s.info.setdefault(UNSEQUENCED, []).extend((row, within) for row in rows)


def withdraw(name: str, entity_ids: Iterable[Any]) -> int:
    """Take back `name` events of these entities that `emit_many` recorded in the current,
    uncommitted transaction: what they announce did not happen after all (an import's
    allocation whose stock was gone when it came to reserve it). They are never written.
    Returns how many were taken back."""
    wanted = {str(i) for i in entity_ids}
    pending = session().info.get(UNSEQUENCED) or []
    kept = [
        (item, within)
        for item, within in pending
        if not (isinstance(item, dict) and item["name"] == name and item["entity_id"] in wanted)
    ]
    session().info[UNSEQUENCED] = kept
    return len(pending) - len(kept)


UNSEQUENCED = "outbox_unsequenced"  # session.info: events of this transaction awaiting their `seq`


@event.listens_for(Session, "before_commit")
def _sequence_at_commit(s: Session) -> None:
    """Give this transaction's events their places in the tenant's commit order.

    The tenant's `outbox` number sequence is taken here, as the last thing before COMMIT:
    its row stays locked until the commit, so a transaction that takes it later commits
    later, and `seq` order is commit order (decision 0012). Taking it earlier would hold
    every other writer of the tenant's events for the rest of the transaction."""
    if s.in_nested_transaction():
        return
    pending = s.info.pop(UNSEQUENCED, None)
    if not pending:
        return
    if all(isinstance(item, dict) for item, _within in pending) and _insert_sequenced(s, [i for i, _ in pending]):
        return
    from core.numbering import next_values

    with s.no_autoflush:
        values = iter(next_values("outbox", len(pending)))
    rows = []
    for item, _within in pending:
        seq = next(values)
        if isinstance(item, dict):
            rows.append({**item, "seq": seq})  # emit_many's rows, written now
        elif item in s.new or sa_inspect(item).persistent:
            item.seq = seq  # flushed with the commit (in the INSERT if not written yet)
        # else a savepoint took it back; its number is skipped (gaps are harmless)
    bulk_insert(OutboxEvent.__table__, rows)


def _insert_sequenced(s: Session, rows: list[dict[str, Any]]) -> bool:
    """emit_many's rows (all of this transaction's events) written with their `seq` in one
    statement with the sequence's UPDATE, on PostgreSQL: one round trip fewer while the
    tenant's sequence row is locked, which every writer of the tenant's events waits for.
    False (nothing written) elsewhere, or when the tenant has no `outbox` sequence row yet:
    the caller's path creates it."""
    connection = s.connection()
    if connection.dialect.name != "postgresql":
        return False
    table = OutboxEvent.__table__
    columns = [table.c[name] for name in rows[0]]
    names = ", ".join(c.name for c in columns)
    sql = (
        "WITH s AS (UPDATE number_sequences SET last_value = last_value + %s, updated_at = %s "
        "WHERE tenant_id = %s AND name = 'outbox' RETURNING last_value) "
        f'INSERT INTO "{table.name}" ({names}, seq) '
        f"SELECT {', '.join('v.' + c.name for c in columns)}, s.last_value - %s + v.ord "
        f"FROM {unnest_arrays(columns, connection)} WITH ORDINALITY AS v({names}, ord), s RETURNING seq"
    )
    count = len(rows)
    written = execute_arrays(
        connection, sql, columns, rows, fetch=True, leading=(count, utcnow(), current_tenant_id(), count)
    )
    return len(written) == count


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_savepoint(s: Session, previous: Any) -> None:
    """emit_many's rows of a savepoint that rolled back (or of a savepoint inside it) are not
    written. ORM events of such a savepoint leave the session by themselves."""
    pending = s.info.get(UNSEQUENCED)
    if not pending or not getattr(previous, "nested", False):
        return

    def inside(t: Any) -> bool:
        while t is not None:
            if t is previous:
                return True
            t = t.parent
        return False

    s.info[UNSEQUENCED] = [(item, within) for item, within in pending if within is None or not inside(within)]


@event.listens_for(Session, "after_commit")
def _nudge_after_commit(s: Session) -> None:
    if s.in_nested_transaction():
        return  # a savepoint was released; the real commit is still to come
    if s.info.pop("emitted_events", False):
        from core.tenancy import maybe_tenant_id

        tenant_id = maybe_tenant_id()
        if tenant_id is not None:
            try:
                dispatcher().nudge(tenant_id)
            except Exception as exc:  # noqa: BLE001 - the events are committed; the sweep delivers them
                log.warning("could not nudge the dispatcher of tenant %s (%s); the sweep will", tenant_id, exc)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(s: Session) -> None:
    if not s.in_nested_transaction():
        s.info.pop("emitted_events", None)
        s.info.pop(UNSEQUENCED, None)


# ---------------------------------------------------------------------------------------------
# Dispatching


def dispatch_pending(tenant_id: uuid.UUID | str, limit: int = 1000) -> int:
    """Deliver the tenant's pending events to their handlers, in commit order (`seq`), a page
    of `limit` at a time until none is left. Returns deliveries made.

    Safe to run concurrently: the unique delivery marker makes a second runner skip work the
    first has committed (or wait for it and then skip)."""
    done = 0
    with tenant_context(tenant_id):
        try:
            now = utcnow()
            last: int | None = None
            while True:
                stmt = (
                    select(OutboxEvent)
                    .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.seq.is_not(None))
                    .order_by(OutboxEvent.seq)
                    .limit(limit)
                )
                if last is not None:
                    stmt = stmt.where(OutboxEvent.seq > last)
                pending = session.execute(stmt).scalars().all()
                session.commit()
                for ev in pending:
                    done += _deliver(ev, now)
                if len(pending) < limit:
                    break
                last = pending[-1].seq
        finally:
            session.remove()
    return done


def _blocked(handler: Handler, ev: OutboxEvent) -> bool:
    """An ordered handler waits while an earlier event of the tenant failed for it and is
    neither delivered nor parked."""
    earlier_failure = (
        select(EventDelivery.id)
        .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
        .where(EventDelivery.handler == handler.name, EventDelivery.status == "failed", OutboxEvent.seq < ev.seq)
        .limit(1)
    )
    return session.execute(earlier_failure).first() is not None


def _deliver(ev: OutboxEvent, now: datetime) -> int:
    delivered = 0
    settled = True
    for handler in handlers_for(ev.name):
        existing = session.execute(
            select(EventDelivery).where(EventDelivery.event_id == ev.id, EventDelivery.handler == handler.name)
        ).scalar_one_or_none()
        if existing is not None and existing.status in SETTLED:
            continue
        if existing is not None and existing.retry_at and existing.retry_at > now:
            settled = False
            continue
        if handler.ordered and _blocked(handler, ev):
            settled = False  # delivered once the earlier event is, in its turn
            continue
        attempts = (existing.attempts if existing else 0) + 1
        try:
            with actor_context(Actor("system", None, f"handler:{handler.name}")):
                if existing is None:
                    marker = EventDelivery(event_id=ev.id, handler=handler.name, status="done", attempts=attempts)
                    session.add(marker)
                else:
                    existing.status, existing.attempts, existing.last_error = "done", attempts, None
                session.flush()  # claims the delivery before the handler runs
                handler.func(ev)
                session.commit()
                delivered += 1
        except IntegrityError:
            session.rollback()  # another dispatcher delivered it first
        except Exception as exc:  # noqa: BLE001 - recorded on the delivery, retried later
            session.rollback()
            # An ordered handler never gives up by itself: skipping the event would book what
            # follows it out of order. It waits for a retry to succeed or for staff to park it.
            dead = attempts >= MAX_ATTEMPTS and not handler.ordered
            settled = settled and dead
            _record_failure(ev.id, handler.name, attempts, exc, dead)
    if settled:
        ev_row = session.execute(select(OutboxEvent).where(OutboxEvent.id == ev.id)).scalar_one()
        ev_row.dispatched_at = utcnow()
        session.commit()
    return delivered


def _record_failure(event_id: uuid.UUID, handler: str, attempts: int, exc: BaseException, dead: bool) -> None:
    error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
    log.warning("event %s handler %s failed (attempt %s): %s", event_id, handler, attempts, exc)
    delay = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
    with new_session() as s:
        row = s.execute(
            select(EventDelivery).where(EventDelivery.event_id == event_id, EventDelivery.handler == handler)
        ).scalar_one_or_none()
        if row is None:
            row = EventDelivery(event_id=event_id, handler=handler)
            s.add(row)
        row.status = "dead" if dead else "failed"
        row.attempts = attempts
        row.last_error = error
        row.retry_at = None if dead else utcnow() + timedelta(seconds=delay)
        s.commit()


# ---------------------------------------------------------------------------------------------
# Failed deliveries: what staff see and do


def park(delivery_id: uuid.UUID) -> EventDelivery:
    """Staff give up on a failed delivery (a dead letter they chose): the handler will not get
    the event again, and an ordered handler moves on to the events it held back. Only a
    delivery that is failing can be parked."""
    from core.errors import InvalidTransition, NotFound

    row = session.execute(
        select(EventDelivery).where(EventDelivery.id == delivery_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("event delivery", delivery_id)
    if row.status != "failed":
        raise InvalidTransition("event delivery", row.status, "park", Msg("events.only_failing_parked"))
    row.status, row.retry_at = "parked", None
    row.last_error = f"parked by {current_actor()} at {utcnow():%Y-%m-%d %H:%M} UTC\n{row.last_error or ''}"[:4000]
    session.flush()
    session().info["emitted_events"] = True  # wake the tenant's dispatcher at commit, as an emit does
    return row


def ordered_handlers() -> frozenset[str]:
    return frozenset(h.name for h in _handlers.values() if h.ordered)


def held_back(delivery: EventDelivery, limit: int = 10_000) -> int:
    """How many later events a failing delivery of an ordered handler holds back (0 for an
    unordered handler or a settled delivery); counted up to `limit`."""
    handler = _handlers.get(delivery.handler)
    if handler is None or not handler.ordered or delivery.status != "failed":
        return 0
    seq = session.execute(select(OutboxEvent.seq).where(OutboxEvent.id == delivery.event_id)).scalar_one_or_none()
    if seq is None:
        return 0
    later = session.execute(
        select(OutboxEvent.name)
        .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.seq > seq)
        .order_by(OutboxEvent.seq)
        .limit(limit)
    ).scalars()
    return sum(1 for name in later if handler.wants(name))


def tenants_with_pending(older_than: timedelta = timedelta(0)) -> list[uuid.UUID]:
    cutoff = utcnow() - older_than
    with system_session() as s:
        rows = (
            s.execute(
                select(OutboxEvent.tenant_id)
                .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.created_at <= cutoff)
                .distinct()
            )
            .scalars()
            .all()
        )
    return list(rows)


def sweep(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Nudge every tenant with events left pending (a lost nudge: Redis was down at commit or
    restarted since; a dispatcher killed mid-run; a failed handler due again)."""
    tenants = tenants_with_pending(older_than)
    for tid in tenants:
        dispatcher().nudge(tid)
    return len(tenants)


# ---------------------------------------------------------------------------------------------
# Nudging the dispatcher


class ThreadDispatcher:
    """Embedded mode: dispatch on a background thread (or at once, `eager`, in tests)."""

    def __init__(self, eager: bool = False) -> None:
        self.eager = eager
        self._pending: set[uuid.UUID] = set()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._busy = False

    def nudge(self, tenant_id: uuid.UUID) -> None:
        if self.eager:
            t = threading.Thread(target=dispatch_pending, args=(tenant_id,), name="tradelane-events-eager")
            t.start()
            t.join()
            return
        with self._cv:
            self._pending.add(tenant_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="tradelane-events", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._pending:
                    self._cv.wait()
                tenant_id = self._pending.pop()
                self._busy = True
            try:
                dispatch_pending(tenant_id)
            except Exception:  # noqa: BLE001
                log.exception("event dispatch failed for tenant %s", tenant_id)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        import time

        deadline = time.monotonic() + timeout
        with self._cv:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cv.wait(remaining)
        return True


class RQDispatcher:
    """Production: one coalesced RQ job per tenant on the default queue. While one is queued,
    further nudges are absorbed; the periodic sweep covers the instant between a run's last
    read and its removal from Redis."""

    def __init__(self, redis_url: str, queue_prefix: str = "") -> None:
        from core.jobs import RQBackend

        self.transport = RQBackend(redis_url, queue_prefix)

    def nudge(self, tenant_id: uuid.UUID) -> None:
        # `put` absorbs the nudge while a live run is queued or running, and replaces a failed
        # or orphaned one, which would otherwise hold the id for its failure TTL.
        self.transport.put(
            "default",
            f"tl-{self.transport.queue_prefix}events-{uuid.UUID(str(tenant_id)).hex}",
            dispatch_pending,
            (str(tenant_id),),
            result_ttl=0,
            failure_ttl=86400,
            description=f"events (tenant {tenant_id})",
        )


_dispatcher: ThreadDispatcher | RQDispatcher | None = None


def configure(redis_url: str | None, eager: bool = False, queue_prefix: str = "") -> ThreadDispatcher | RQDispatcher:
    global _dispatcher
    _dispatcher = RQDispatcher(redis_url, queue_prefix) if redis_url and not eager else ThreadDispatcher(eager)
    return _dispatcher


def dispatcher() -> ThreadDispatcher | RQDispatcher:
    return _dispatcher or configure(None)
