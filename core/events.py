"""Business events: the transactional outbox and its consumer (DESIGN §5).

`emit()` writes an event row in the caller's transaction, so an event exists exactly when the
change that caused it committed. After commit the tenant's dispatcher is nudged; a periodic
sweep catches any nudge that was lost. The dispatcher runs every subscribed handler at least
once, with an exactly-once effect: a handler's delivery marker (unique per event and handler)
is written in the same transaction as the handler's own writes, so a replay finds the marker
and skips. Failed deliveries are retried with backoff and, after `MAX_ATTEMPTS`, kept as dead
letters that the API lists. Plugins receive events through the `on_event` hook, each plugin
as its own handler.
"""
from __future__ import annotations

import fnmatch
import logging
import threading
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, TenantMixin, bulk_insert, new_session, session, system_session, utcnow, uuid7
from core.jsonutil import jsonable
from core.ports import EventRecord
from core.tenancy import Actor, actor_context, current_actor, current_tenant_id, tenant_context

log = logging.getLogger("tradelane.events")

MAX_ATTEMPTS = 8
BACKOFF = (10, 60, 300, 900, 3600)


class OutboxEvent(TenantMixin, Base):
    __tablename__ = "outbox_events"
    __audit__ = False
    __table_args__ = (
        Index(None, "tenant_id", "entity_type", "entity_id"),
        Index(None, "tenant_id", "name", "created_at"),
        Index("ix_outbox_events_pending", "tenant_id", "id",
              postgresql_where=text("dispatched_at IS NULL"), sqlite_where=text("dispatched_at IS NULL")),
    )

    name: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(200), default="")
    dispatched_at: Mapped[datetime | None] = mapped_column()

    def record(self) -> EventRecord:
        return EventRecord(id=str(self.id), tenant_id=str(self.tenant_id), name=self.name,
                           occurred_at=self.created_at, entity_type=self.entity_type,
                           entity_id=self.entity_id, payload=self.payload)


class EventDelivery(TenantMixin, Base):
    __tablename__ = "event_deliveries"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "handler"),
        Index(None, "tenant_id", "status"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # done | failed | dead
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

    def wants(self, event_name: str) -> bool:
        return any(fnmatch.fnmatchcase(event_name, p) for p in self.patterns)


_handlers: dict[str, Handler] = {}


def subscribe(*patterns: str, name: str) -> Callable:
    """Register `func(event: OutboxEvent)` for events matching any pattern ("order.*").

    The handler runs in the event's tenant context inside a transaction that also records
    its delivery; it writes through services and must not commit."""

    def decorate(func: Callable[[OutboxEvent], None]) -> Callable[[OutboxEvent], None]:
        if name.startswith("plugin:"):
            raise ValueError("handler names starting with 'plugin:' are reserved for plugins")
        _handlers[name] = Handler(name, tuple(patterns), func)
        return func

    return decorate


def handlers_for(event_name: str) -> list[Handler]:
    from core.plugins import registry

    out = [h for h in _handlers.values() if h.wants(event_name)]
    for plugin_name, func in registry().event_subscribers():
        out.append(Handler(f"plugin:{plugin_name}", ("*",),
                           lambda ev, f=func: f(event=ev.record())))
    return out


# ---------------------------------------------------------------------------------------------
# Emitting


def emit(name: str, payload: dict[str, Any], *, entity_type: str, entity_id: Any) -> OutboxEvent:
    """Record a business event in the current transaction."""
    ev = OutboxEvent(name=name, entity_type=entity_type, entity_id=str(entity_id),
                     payload=jsonable(payload), actor=str(current_actor())[:200])
    s = session()
    s.add(ev)
    s.info["emitted_events"] = True
    return ev


def emit_many(items: list[tuple[str, dict[str, Any], str, Any]]) -> None:
    """Record many events, (name, payload, entity_type, entity_id), with one INSERT: for bulk
    imports. They keep their order (created_at steps by a microsecond)."""
    if not items:
        return
    now, tenant_id, actor = utcnow(), current_tenant_id(), str(current_actor())[:200]
    rows = [{"id": uuid7(), "tenant_id": tenant_id, "created_at": now + timedelta(microseconds=i),
             "updated_at": now, "name": name, "entity_type": entity_type, "entity_id": str(entity_id),
             "payload": jsonable(payload), "actor": actor, "dispatched_at": None}
            for i, (name, payload, entity_type, entity_id) in enumerate(items)]
    bulk_insert(OutboxEvent.__table__, rows)
    session().info["emitted_events"] = True


@event.listens_for(Session, "after_commit")
def _nudge_after_commit(s: Session) -> None:
    if s.in_nested_transaction():
        return  # a savepoint was released; the real commit is still to come
    if s.info.pop("emitted_events", False):
        from core.tenancy import maybe_tenant_id

        tenant_id = maybe_tenant_id()
        if tenant_id is not None:
            dispatcher().nudge(tenant_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(s: Session) -> None:
    if not s.in_nested_transaction():
        s.info.pop("emitted_events", None)


# ---------------------------------------------------------------------------------------------
# Dispatching


def dispatch_pending(tenant_id: uuid.UUID | str, limit: int = 1000) -> int:
    """Deliver the tenant's pending events to their handlers. Returns deliveries made.

    Safe to run concurrently: the unique delivery marker makes a second runner skip work the
    first has committed (or wait for it and then skip)."""
    done = 0
    with tenant_context(tenant_id):
        try:
            now = utcnow()
            pending = session.execute(
                select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.id).limit(limit)
            ).scalars().all()
            session.commit()
            for ev in pending:
                done += _deliver(ev, now)
        finally:
            session.remove()
    return done


def _deliver(ev: OutboxEvent, now: datetime) -> int:
    delivered = 0
    settled = True
    for handler in handlers_for(ev.name):
        existing = session.execute(
            select(EventDelivery).where(EventDelivery.event_id == ev.id, EventDelivery.handler == handler.name)
        ).scalar_one_or_none()
        if existing is not None and existing.status in ("done", "dead"):
            continue
        if existing is not None and existing.retry_at and existing.retry_at > now:
            settled = False
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
            dead = attempts >= MAX_ATTEMPTS
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
        row = s.execute(select(EventDelivery).where(
            EventDelivery.event_id == event_id, EventDelivery.handler == handler)).scalar_one_or_none()
        if row is None:
            row = EventDelivery(event_id=event_id, handler=handler)
            s.add(row)
        row.status = "dead" if dead else "failed"
        row.attempts = attempts
        row.last_error = error
        row.retry_at = None if dead else utcnow() + timedelta(seconds=delay)
        s.commit()


def tenants_with_pending(older_than: timedelta = timedelta(0)) -> list[uuid.UUID]:
    cutoff = utcnow() - older_than
    with system_session() as s:
        rows = s.execute(
            select(OutboxEvent.tenant_id).where(OutboxEvent.dispatched_at.is_(None),
                                                OutboxEvent.created_at <= cutoff).distinct()
        ).scalars().all()
    return list(rows)


def sweep(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Nudge every tenant with events left pending (a lost nudge, a failed handler due again)."""
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
        from rq.exceptions import DuplicateJobError

        try:
            self.transport.queue("default").enqueue(
                dispatch_pending, str(tenant_id), job_id=f"tl-{self.transport.queue_prefix}events-{uuid.UUID(str(tenant_id)).hex}",
                unique=True, result_ttl=0, failure_ttl=86400, description=f"events (tenant {tenant_id})")
        except DuplicateJobError:
            pass


_dispatcher: ThreadDispatcher | RQDispatcher | None = None


def configure(redis_url: str | None, eager: bool = False, queue_prefix: str = "") -> ThreadDispatcher | RQDispatcher:
    global _dispatcher
    _dispatcher = RQDispatcher(redis_url, queue_prefix) if redis_url and not eager else ThreadDispatcher(eager)
    return _dispatcher


def dispatcher() -> ThreadDispatcher | RQDispatcher:
    return _dispatcher or configure(None)
