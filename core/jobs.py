"""Background jobs (DESIGN §7).

A job is a row in `jobs` (kind, status, progress, result, error, attempts): the API and the
portal read it, and it is the source of truth. The transport is RQ on Redis, on the named
queues `sync`, `labels`, `finance` and `default`; without REDIS_URL an in-process worker
thread runs the same jobs, so the embedded demo needs no server.

- Jobs are enqueued in the caller's transaction and handed to the transport only after it
  commits, so a worker never looks for a row that does not exist yet.
- Every run first claims its attempt with a conditional UPDATE, so a message delivered twice
  runs once; job functions must still be idempotent in their effects (unique keys).
- The tenant id travels as an argument and the runner enters its context; a failed attempt
  is retried with backoff (RQ's scheduler or the in-process timer) until `max_attempts`.
- Periodic work is declared with `@periodic`; `tradelane worker` runs the scheduler that
  enqueues it, guarded by a Redis lock so one scheduler runs per deployment.
- The table, not Redis, is the truth (docs/decisions/0005-jobs.md). A running job's row gets
  a heartbeat from a thread of its own; each scheduler tick, `recover()` requeues running
  jobs whose heartbeat stopped (their worker died) and re-submits waiting jobs the transport
  no longer holds (Redis restarted, or was down when they were committed). A failure to hand
  a job over after commit is logged and left to that sweep: it never fails the commit.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, Text, and_, delete, event, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, TenantMixin, new_session, session, system_session, utcnow
from core.jsonutil import jsonable
from core.messages import Msg
from core.tenancy import Actor, actor_context, current_actor, current_tenant_id, tenant_context

log = logging.getLogger("tradelane.jobs")

QUEUES = ("sync", "labels", "finance", "default")
ACTIVE = ("queued", "running", "retrying")
# A job waiting to run absorbs requests with the same dedupe key; a running one does not,
# because the new request may carry data the running job has already read past.
WAITING = ("queued", "retrying")
FINAL = ("succeeded", "failed", "cancelled")


@dataclass(frozen=True)
class Timing:
    """How soon a lost job is noticed. One knob, the heartbeat (TRADELANE_JOBS_HEARTBEAT
    seconds, default 10); the rest follow from it, so with the default a dead worker's job is
    back in the queue within about a minute whatever the job's own timeout."""

    heartbeat: float = 10.0

    @property
    def dead_after(self) -> float:
        """A running job whose heartbeat is this old lost its worker."""
        return 5 * self.heartbeat

    @property
    def grace(self) -> float:
        """A waiting job this far past due is looked up in the transport (and events this
        old still pending get their dispatcher nudged again)."""
        return 3 * self.heartbeat

    @property
    def tick(self) -> float:
        """The scheduler's period."""
        return 1.5 * self.heartbeat


TIMING = Timing()


class Job(TenantMixin, Base):
    __tablename__ = "jobs"
    __audit__ = False
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "status", "kind"),
        # One waiting job per dedupe key: "sync now" pressed twice queues one sync.
        Index(
            "uq_jobs_tenant_id_dedupe_key_waiting",
            "tenant_id",
            "dedupe_key",
            unique=True,
            postgresql_where=text("status IN ('queued', 'retrying')"),
            sqlite_where=text("status IN ('queued', 'retrying')"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    args: Mapped[dict] = mapped_column(default=dict)
    result: Mapped[dict | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()


@dataclass(frozen=True)
class JobSpec:
    kind: str
    func: Callable[..., Any]
    queue: str = "default"
    max_attempts: int = 3
    backoff: tuple[int, ...] = (5, 30, 120, 600)
    timeout: int = 1800

    def delay_before(self, attempt: int) -> int:
        """Seconds to wait before attempt number `attempt` (2 = first retry)."""
        return self.backoff[min(attempt - 2, len(self.backoff) - 1)]


@dataclass(frozen=True)
class PeriodicSpec:
    kind: str
    every: timedelta
    # Yields (tenant_id, args) pairs to enqueue; runs in a system session. Default: one job
    # per active tenant with no arguments.
    targets: Callable[[Session], Iterable[tuple[uuid.UUID, dict[str, Any]]]] | None = None


_registry: dict[str, JobSpec] = {}
_periodic: dict[str, PeriodicSpec] = {}


def job(
    kind: str,
    *,
    queue: str = "default",
    max_attempts: int = 3,
    backoff: tuple[int, ...] = (5, 30, 120, 600),
    timeout: int = 1800,
) -> Callable:
    """Register `func(ctx: JobContext, **args)` as the job `kind`."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; use one of {QUEUES}")

    def decorate(func: Callable) -> Callable:
        _registry[kind] = JobSpec(kind, func, queue, max_attempts, tuple(backoff), timeout)
        return func

    return decorate


def periodic(
    kind: str, every: timedelta, targets: Callable[[Session], Iterable[tuple[uuid.UUID, dict[str, Any]]]] | None = None
) -> None:
    """Run the registered job `kind` every `every`, per tenant (or per `targets`)."""
    _periodic[kind] = PeriodicSpec(kind, every, targets)


def spec(kind: str) -> JobSpec:
    try:
        return _registry[kind]
    except KeyError:
        raise KeyError(f"no job kind {kind!r} is registered") from None


def registered_kinds() -> list[str]:
    return sorted(_registry)


# ---------------------------------------------------------------------------------------------
# Enqueueing


def enqueue(kind: str, *, dedupe_key: str | None = None, s: Session | None = None, **args: Any) -> Job:
    """Create the job row in the current transaction; it is handed to a worker after commit.

    With `dedupe_key`, a job with the same key that is still waiting to run is returned
    instead of a new one. Arguments must be JSON values (ids, not objects).
    """
    s = s or session()
    js = spec(kind)
    json.dumps(args)  # fail here, not in the worker, on arguments that cannot travel
    if dedupe_key:
        existing = _waiting(s, dedupe_key)
        if existing is not None:
            return existing
    row = Job(
        kind=kind,
        queue=js.queue,
        args=args,
        max_attempts=js.max_attempts,
        dedupe_key=dedupe_key,
        created_by=str(current_actor())[:200],
    )
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError:
        # A concurrent transaction queued the same key first; use its job.
        existing = _waiting(s, dedupe_key) if dedupe_key else None
        if existing is None:
            raise
        return existing
    s.info.setdefault("pending_jobs", []).append((row.tenant_id, row.id, 0, row.kind, 0))
    return row


def _waiting(s: Session, dedupe_key: str) -> Job | None:
    return s.execute(select(Job).where(Job.dedupe_key == dedupe_key, Job.status.in_(WAITING))).scalar_one_or_none()


@event.listens_for(Session, "after_commit")
def _submit_after_commit(s: Session) -> None:
    if s.in_nested_transaction():
        return  # a savepoint was released; the real commit is still to come
    hand_over(s.info.pop("pending_jobs", []))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(s: Session) -> None:
    if not s.in_nested_transaction():
        s.info.pop("pending_jobs", None)


def hand_over(pending: Iterable[tuple]) -> int:
    """Give committed jobs to the transport. This runs after a commit, so it must not raise: a
    transport that is down (Redis) is logged, the rows stay waiting, and `recover()` submits
    them when it is back. The client of a committed write gets its success. Returns how many
    were handed over."""
    pending = list(pending)
    for i, (tenant_id, job_id, attempt, kind, delay) in enumerate(pending):
        try:
            backend().submit(tenant_id, job_id, attempt, kind, delay)
        except Exception as exc:  # noqa: BLE001 - committed already; the sweep has the rest
            log.warning(
                "could not hand %d committed job(s) to the transport (%s: %s); the scheduler's sweep will",
                len(pending) - i,
                type(exc).__name__,
                exc,
            )
            return i  # the others would wait on the same dead transport
    return len(pending)


# ---------------------------------------------------------------------------------------------
# Running


class JobContext:
    """Handed to job functions: identity of the run and live progress reporting."""

    def __init__(self, row: Job) -> None:
        self.job_id = row.id
        self.tenant_id = row.tenant_id
        self.kind = row.kind
        self.attempt = row.attempts
        self.args = dict(row.args)

    def progress(self, percent: int, message: str = "") -> None:
        """Record progress in its own transaction so the API shows it while the job runs.

        SQLite (the embedded demo) has a single writer: once the job's transaction has
        written, a second connection would wait for it until it timed out. There progress
        joins the job's own transaction and shows when the job commits."""
        percent = max(0, min(100, int(percent)))
        stmt = (
            update(Job)
            .where(Job.id == self.job_id)
            .values(progress=percent, message=message[:500], heartbeat_at=utcnow())
        )
        if session.get_bind().dialect.name == "sqlite" and session().in_transaction():
            session.execute(stmt)
            return
        with new_session() as s:
            s.execute(stmt)
            s.commit()


def run_job(tenant_id: str, job_id: str, attempt: int) -> str:
    """The transport calls this with primitives only: `attempt` is how many attempts the row
    had when the message was sent. Returns what happened, for RQ's log."""
    with tenant_context(tenant_id):
        jid = uuid.UUID(job_id)
        number = attempt + 1  # this attempt's number once claimed
        try:
            row = session.execute(select(Job).where(Job.id == jid)).scalar_one_or_none()
            if row is None:
                return "missing"
            claimed = session.execute(
                update(Job)
                .where(Job.id == jid, Job.status.in_(WAITING), Job.attempts == attempt)
                .values(status="running", attempts=number, started_at=utcnow(), heartbeat_at=utcnow(), progress=0)
            ).rowcount
            session.commit()
            if not claimed:
                return "already-claimed"
            session.refresh(row)
            js = _registry.get(row.kind)
            if js is None:
                return _finish(jid, number, "failed", error=f"no job kind {row.kind!r} is registered here")
            ctx = JobContext(row)
            with _heartbeat(jid, number), actor_context(Actor("job", str(jid), f"job:{row.kind}")):
                result = js.func(ctx, **row.args)
                session.commit()  # after-commit hand-overs never raise: the work is done
            return _finish(jid, number, "succeeded", result=_jsonable_result(result))
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job row
            _rollback_quietly()
            log.warning("job %s (tenant %s) attempt %s failed: %s", job_id, tenant_id, number, exc)
            return _record_failure(jid, attempt, exc)
        finally:
            session.remove()


def _rollback_quietly() -> None:
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - a connection the database dropped; the pool replaces it
        log.debug("rollback after a failed job attempt failed", exc_info=True)


@contextmanager
def _heartbeat(job_id: uuid.UUID, number: int) -> Iterator[None]:
    """While the job function runs, a thread of its own stamps the row's `heartbeat_at` every
    `TIMING.heartbeat` seconds on its own connection, whatever the function is busy with. When
    the process dies the stamps stop, and `recover()` requeues the job (DESIGN §7)."""
    stop = threading.Event()
    tenant_id = current_tenant_id()

    def beat() -> None:
        with tenant_context(tenant_id):
            while not stop.wait(TIMING.heartbeat):
                try:
                    with new_session() as s:
                        alive = s.execute(
                            update(Job)
                            .where(Job.id == job_id, Job.status == "running", Job.attempts == number)
                            .values(heartbeat_at=utcnow())
                        ).rowcount
                        s.commit()
                except Exception as exc:  # noqa: BLE001 - the database is away; the next beat retries
                    log.warning("heartbeat of job %s failed: %s", job_id, exc)
                    continue
                if not alive:
                    log.warning("job %s attempt %s was requeued while it ran; its outcome is dropped", job_id, number)
                    return

    thread = threading.Thread(target=beat, name="tradelane-job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _jsonable_result(result: Any) -> dict | None:
    if result is None:
        return None
    if not isinstance(result, dict):
        result = {"value": result}
    return jsonable(result)


def _finish(
    job_id: uuid.UUID, number: int, status: str, *, result: dict | None = None, error: str | None = None
) -> str:
    """Record the outcome of attempt `number`, unless the job was requeued meanwhile (its
    heartbeat was lost): then the attempt now running owns the row."""
    values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error": error}
    if status == "succeeded":
        values.update(progress=100, result=result)
    with new_session() as s:
        done = s.execute(
            update(Job).where(Job.id == job_id, Job.status == "running", Job.attempts == number).values(**values)
        ).rowcount
        s.commit()
    if not done:
        log.warning("job %s attempt %s %s after it was requeued; the later attempt decides", job_id, number, status)
        return "superseded"
    return status


def _record_failure(job_id: uuid.UUID, attempt: int, exc: BaseException) -> str:
    """Record a failed attempt and schedule the next one. A failure before the claim (the
    job's first statement) counts as an attempt too, so the retry travels under a new RQ id and
    a job that cannot even start ends failed after `max_attempts` instead of looping."""
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
    number = attempt + 1
    with new_session() as s:
        row = s.execute(select(Job).where(Job.id == job_id).with_for_update()).scalar_one_or_none()
        if row is None:
            return "missing"
        running_mine = row.status == "running" and row.attempts == number
        unclaimed = row.status in WAITING and row.attempts == attempt
        if not (running_mine or unclaimed):
            log.warning("job %s attempt %s failed after it was requeued; the later attempt decides", job_id, number)
            return "superseded"
        row.attempts = number
        row.error = error
        js = _registry.get(row.kind)
        # An error that says it must not be retried (an adapter write whose outcome is unknown,
        # docs/decisions/0009) fails the job at once.
        if js and number < row.max_attempts and getattr(exc, "retryable", True) is not False:
            delay = js.delay_before(number + 1)
            row.status = "retrying"
            row.message = f"attempt {number} failed; retrying in {delay}s"
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)
            s.info.setdefault("pending_jobs", []).append((row.tenant_id, row.id, number, row.kind, delay))
            s.commit()
            return "retrying"
        row.status = "failed"
        row.finished_at = utcnow()
        s.commit()
        return "failed"


def retry(job_id: uuid.UUID) -> Job:
    """Run a failed job again (from the API or portal); attempts start over."""
    from core.errors import InvalidTransition, NotFound

    row = session.execute(select(Job).where(Job.id == job_id)).scalar_one_or_none()
    if row is None:
        raise NotFound("job", job_id)
    if row.status != "failed":
        raise InvalidTransition("job", row.status, "retry", Msg("jobs.only_failed_retried"))
    row.status, row.attempts, row.error, row.finished_at, row.progress = "queued", 0, None, None, 0
    row.max_attempts = spec(row.kind).max_attempts if row.kind in _registry else row.max_attempts
    session.flush()
    session.info.setdefault("pending_jobs", []).append((row.tenant_id, row.id, 0, row.kind, 0))
    return row


# ---------------------------------------------------------------------------------------------
# Recovery: the job table is the truth, the transport may lose what it was given


def recover(now: datetime | None = None) -> dict[str, int]:
    """The scheduler runs this every tick, across tenants: jobs of dead workers go back to
    the queue, and waiting jobs the transport lost are submitted again."""
    return {"requeued": reap_stalled(now), "resubmitted": resubmit_lost(now)}


def _each_tenant(stmt: Any) -> Any:
    """Look across tenants through the tenants table: each tenant's jobs are then read by the
    (tenant_id, status, kind) index, which leads with tenant_id like every index (DESIGN §2)."""
    from tenants.models import Tenant

    return stmt.join(Tenant, Tenant.id == Job.tenant_id)


def reap_stalled(now: datetime | None = None) -> int:
    """Running jobs whose heartbeat stopped more than `TIMING.dead_after` ago lost their
    worker (killed, crashed, or its database connection gone): they are retried at once while
    attempts remain, else they fail visibly. The job's timeout plays no part: a heartbeat comes
    from a thread of the process, not from the job's progress. A sync resumes from its cursor."""
    now = now or utcnow()
    silent_since = now - timedelta(seconds=TIMING.dead_after)
    last_sign = func.coalesce(Job.heartbeat_at, Job.started_at, Job.updated_at)
    here = backend()
    count = 0
    with system_session() as s:
        rows = s.execute(
            _each_tenant(select(Job.id, Job.tenant_id, Job.kind, Job.attempts, Job.max_attempts)).where(
                Job.status == "running", last_sign < silent_since
            )
        ).all()
        for r in rows:
            if here.running_here(r.id):
                continue  # this process runs it (embedded mode): alive, however quiet
            retry_now = r.attempts < r.max_attempts
            values: dict[str, Any] = (
                {"status": "retrying", "message": "the worker running it stopped; retrying", "next_attempt_at": now}
                if retry_now
                else {"status": "failed", "error": "the worker running it stopped", "finished_at": now}
            )
            taken = s.execute(
                update(Job)
                .where(Job.id == r.id, Job.status == "running", Job.attempts == r.attempts, last_sign < silent_since)
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not taken:
                continue  # it beat, or finished, meanwhile
            count += 1
            log.warning("job %s (tenant %s) lost its worker on attempt %s", r.id, r.tenant_id, r.attempts)
            if retry_now:
                s.info.setdefault("pending_jobs", []).append((r.tenant_id, r.id, r.attempts, r.kind, 0))
    return count


def resubmit_lost(now: datetime | None = None, limit: int = 5000) -> int:
    """Waiting jobs past due by more than `TIMING.grace` that the transport does not hold (a
    Redis restart lost them, or Redis was down at their commit) are submitted again, due now.
    Submitting a waiting job twice is harmless: the claim runs it once."""
    now = now or utcnow()
    overdue = now - timedelta(seconds=TIMING.grace)
    with system_session() as s:
        rows = s.execute(
            _each_tenant(select(Job.tenant_id, Job.id, Job.attempts, Job.kind))
            .where(
                or_(
                    and_(Job.status == "queued", Job.updated_at < overdue),
                    and_(Job.status == "retrying", func.coalesce(Job.next_attempt_at, Job.updated_at) < overdue),
                )
            )
            .order_by(Job.updated_at)
            .limit(limit)
        ).all()
    if not rows:
        return 0
    transport = backend()
    held = transport.holds([(r.tenant_id, r.id, r.attempts) for r in rows])
    lost = [(r.tenant_id, r.id, r.attempts, r.kind, 0) for r, kept in zip(rows, held) if not kept]
    if lost:
        log.warning("%d waiting job(s) were not in the transport; submitting them again", len(lost))
    return hand_over(lost)


RETENTION = timedelta(days=30)


def purge_finished(older_than: timedelta = RETENTION) -> int:
    """Finished jobs are kept for a month, then deleted (the audit log and events remain)."""
    return session.execute(delete(Job).where(Job.status.in_(FINAL), Job.finished_at < utcnow() - older_than)).rowcount


@job("jobs.purge", max_attempts=1)
def _purge_job(ctx: JobContext) -> dict:
    return {"purged": purge_finished()}


periodic("jobs.purge", timedelta(hours=1))


# ---------------------------------------------------------------------------------------------
# Transports


class InProcessBackend:
    """Runs jobs on a background thread of this process (embedded mode).

    `eager=True` runs each job to completion before `submit` returns (on its own thread, so it
    gets its own session); retries then run at once instead of after their backoff.

    `hold()` keeps submitted jobs waiting until `release()`: the demo holds them while it
    seeds, because its channels are emulated by the server it starts afterwards, and a sync
    that ran before the server listens could not connect.
    """

    def __init__(self, eager: bool = False) -> None:
        self.eager = eager
        self._heap: list[tuple[float, int, tuple]] = []
        self._seq = 0
        self._running: list[tuple] = []
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._held = False

    def hold(self) -> None:
        with self._cv:
            self._held = True

    def release(self) -> None:
        with self._cv:
            self._held = False
            self._cv.notify_all()

    def submit(self, tenant_id: Any, job_id: Any, attempt: int, kind: str, delay: int = 0) -> None:
        call = (str(tenant_id), str(job_id), attempt)
        if self.eager:
            worker = threading.Thread(target=self._run, args=(call,), name="tradelane-job-eager")
            worker.start()
            worker.join()
            return
        with self._cv:
            self._seq += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, self._seq, call))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="tradelane-jobs", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    def _run(self, call: tuple) -> None:
        with self._cv:
            self._running.append(call)
        try:
            run_job(*call)
        finally:
            with self._cv:
                self._running.remove(call)
                self._cv.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while self._held or not self._heap or self._heap[0][0] > time.monotonic():
                    timeout = self._heap[0][0] - time.monotonic() if self._heap and not self._held else None
                    self._cv.wait(timeout)
                _, _, call = heapq.heappop(self._heap)
            self._run(call)

    def holds(self, keys: list[tuple[Any, Any, int]]) -> list[bool]:
        """Whether each (tenant, job, attempt) is waiting in this process or running here."""
        with self._cv:
            here = {call for _, _, call in self._heap} | set(self._running)
        return [(str(t), str(j), a) in here for t, j, a in keys]

    def running_here(self, job_id: Any) -> bool:
        with self._cv:
            return any(call[1] == str(job_id) for call in self._running)

    def wait_idle(self, timeout: float = 30.0, include_delayed: bool = False) -> bool:
        """Block until no job is running or due (tests and the CLI use this)."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                now = time.monotonic()
                due = [h for h in self._heap if include_delayed or h[0] <= now]
                if not due and not self._running:
                    return True
                if now >= deadline:
                    return False
                self._cv.wait(min(0.05, deadline - now))


class RQBackend:
    """Hands jobs to RQ. The RQ job id is derived from (tenant, job, attempt), so submitting
    the same attempt twice enqueues it once.

    The connection used to submit fails fast (a few seconds at most when Redis is away): it is
    used right after commits, and a write must not hang on a dead Redis. Workers open their
    own, blocking connection (core.worker)."""

    def __init__(self, redis_url: str, queue_prefix: str = "") -> None:
        from redis import Redis
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        self.redis_url = redis_url
        self.redis = Redis.from_url(
            redis_url,
            socket_connect_timeout=2,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        )
        self.queue_prefix = queue_prefix

    def queue(self, name: str, connection: Any = None) -> Any:
        from rq import Queue
        from rq.serializers import JSONSerializer

        return Queue(self.queue_prefix + name, connection=connection or self.redis, serializer=JSONSerializer)

    @staticmethod
    def rq_id(tenant_id: Any, job_id: Any, attempt: int) -> str:
        # Tenant id in the RQ id and description: Redis keys and logs carry the tenant (DESIGN §2).
        return f"tl-{uuid.UUID(str(tenant_id)).hex}-{uuid.UUID(str(job_id)).hex}-{attempt}"

    def submit(self, tenant_id: Any, job_id: Any, attempt: int, kind: str, delay: int = 0) -> None:
        tid, jid = uuid.UUID(str(tenant_id)), uuid.UUID(str(job_id))
        js = _registry.get(kind) or JobSpec(kind, run_job)
        self.put(
            js.queue,
            self.rq_id(tid, jid, attempt),
            run_job,
            (str(tid), str(jid), attempt),
            delay=delay,
            job_timeout=js.timeout + 60,
            result_ttl=3600,
            failure_ttl=7 * 86400,
            description=f"{kind} {jid} (tenant {tid})",
        )

    def put(self, queue: str, rq_id: str, func: Callable, args: tuple, *, delay: int = 0, **options: Any) -> bool:
        """Enqueue under a unique RQ id (after `delay` seconds). Returns False when a live copy
        already holds the id: the same message is waiting or running, and once is enough.

        A finished, failed or orphaned copy (its worker died) does not count: RQ keeps such a
        job for its result or failure TTL, and refusing the id meanwhile would swallow the
        submission. It is deleted and the message enqueued again. A scheduled copy does not
        hold a message that is due now: its scheduler is late or gone."""
        from rq.exceptions import DuplicateJobError, NoSuchJobError
        from rq.job import Job as RQJob

        q = self.queue(queue)
        for _ in range(3):
            try:
                if delay:
                    q.enqueue_in(timedelta(seconds=delay), func, *args, job_id=rq_id, unique=True, **options)
                else:
                    q.enqueue(func, *args, job_id=rq_id, unique=True, **options)
                return True
            except DuplicateJobError:
                if self._live([rq_id], due_now=not delay)[0]:
                    return False
                try:
                    RQJob.fetch(rq_id, connection=self.redis).delete()
                except NoSuchJobError:
                    pass  # gone meanwhile; enqueue again
        raise RuntimeError(f"RQ job id {rq_id} stays taken by a job that is neither waiting nor running")

    def holds(self, keys: list[tuple[Any, Any, int]]) -> list[bool]:
        """Whether RQ holds each (tenant, job, attempt) as a live message, for a job due now."""
        return self._live([self.rq_id(*k) for k in keys], due_now=True)

    def _live(self, rq_ids: list[str], *, due_now: bool) -> list[bool]:
        """RQ job ids that are waiting (queued, deferred; scheduled unless due now) or running
        on a worker that RQ's worker registry still holds (a worker's key expires a minute
        after its last heartbeat)."""
        from rq.job import Job as RQJob
        from rq.worker import Worker

        if not rq_ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for rq_id in rq_ids:
            pipe.hmget(RQJob.key_for(rq_id), "status", "worker_name")
        found = pipe.execute()
        workers = sorted({name for status, name in found if status == b"started" and name})
        pipe = self.redis.pipeline(transaction=False)
        for name in workers:
            pipe.exists(Worker.redis_worker_namespace_prefix + name.decode())
        alive = {name for name, exists in zip(workers, pipe.execute()) if exists}

        def live(status: bytes | None, worker: bytes | None) -> bool:
            if status in (None, b"finished", b"failed", b"stopped", b"canceled"):
                return False
            if status == b"started":
                return worker in alive
            if status == b"scheduled":
                return not due_now
            return True  # queued, deferred and RQ's other waiting states

        return [live(status, worker) for status, worker in found]

    def running_here(self, job_id: Any) -> bool:
        return False  # RQ runs jobs in worker processes; their heartbeats speak for them

    def work(
        self, queues: Iterable[str] = QUEUES, burst: bool = False, with_scheduler: bool = True, simple: bool = False
    ) -> None:
        from core import worker

        worker.work(self, queues, burst=burst, with_scheduler=with_scheduler, simple=simple)


_backend: InProcessBackend | RQBackend | None = None


def configure(
    redis_url: str | None, eager: bool = False, queue_prefix: str = "", heartbeat: float | None = None
) -> InProcessBackend | RQBackend:
    global _backend, TIMING
    if heartbeat is not None:
        TIMING = Timing(float(heartbeat))
    _backend = RQBackend(redis_url, queue_prefix) if redis_url and not eager else InProcessBackend(eager=eager)
    return _backend


def backend() -> InProcessBackend | RQBackend:
    if _backend is None:
        return configure(None)
    return _backend


# ---------------------------------------------------------------------------------------------
# Periodic scheduling


def _all_tenants(s: Session) -> Iterable[tuple[uuid.UUID, dict[str, Any]]]:
    from tenants.service import active_tenant_ids

    return [(tid, {}) for tid in active_tenant_ids(s)]


def schedule_due(now: datetime | None = None, last_run: dict[str, datetime] | None = None) -> int:
    """Enqueue every periodic job whose interval has elapsed. Returns how many were enqueued.

    A periodic job is skipped while the previous one for the same target is still queued or
    running, so a slow run never piles up behind itself.
    """
    now = now or utcnow()
    last_run = last_run if last_run is not None else {}
    enqueued = 0
    for ps in list(_periodic.values()):
        previous = last_run.get(ps.kind)
        if previous is not None and now - previous < ps.every:
            continue
        last_run[ps.kind] = now
        with system_session() as sys:
            targets = list((ps.targets or _all_tenants)(sys))
        for tenant_id, args in targets:
            key = (
                f"periodic:{ps.kind}:"
                + hashlib.sha1(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()[:16]
            )
            with tenant_context(tenant_id), actor_context(Actor("system", None, "scheduler")):
                try:
                    if (
                        session.execute(select(Job.id).where(Job.dedupe_key == key, Job.status.in_(ACTIVE))).first()
                        is None
                    ):
                        enqueue(ps.kind, dedupe_key=key, **args)
                        enqueued += 1
                    session.commit()
                except Exception:  # noqa: BLE001 - one tenant's failure must not stop the rest
                    session.rollback()
                    log.exception("could not enqueue periodic %s for tenant %s", ps.kind, tenant_id)
                finally:
                    session.remove()
    return enqueued


@dataclass
class Scheduler:
    """Each tick: periodic jobs, `recover()` and the outbox sweep. With Redis, a lock keeps one
    active scheduler per deployment (per queue prefix, as deployments may share a Redis).

    Every step is its own try: a database or Redis outage costs ticks, never the process.
    `parent_pid`, when set, ends the loop once that process is gone (the worker that spawned
    this scheduler was killed), so a replacement worker's scheduler takes over."""

    redis_url: str | None = None
    queue_prefix: str = ""
    tick: float | None = None
    parent_pid: int | None = None
    last_run: dict[str, datetime] = field(default_factory=dict)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    _stop: threading.Event = field(default_factory=threading.Event)
    _redis: Any = None

    def _leader(self, ttl: float) -> bool:
        if not self.redis_url:
            return True
        if self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=5)
        r, key, me = self._redis, f"tradelane:{self.queue_prefix}scheduler:leader", self.token
        if r.set(key, me, nx=True, ex=max(1, int(ttl))):
            return True
        if r.get(key) == me.encode():
            r.expire(key, max(1, int(ttl)))
            return True
        return False

    def tick_once(self) -> None:
        from core import events

        tick = self.tick or TIMING.tick
        try:
            if not self._leader(tick * 3):
                return
        except Exception as exc:  # noqa: BLE001 - Redis is away; try again next tick
            log.warning("scheduler: cannot reach Redis (%s)", exc)
            return
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("periodic jobs", lambda: schedule_due(last_run=self.last_run)),
            ("job recovery", recover),
            ("outbox sweep", lambda: events.sweep(older_than=timedelta(seconds=TIMING.grace))),
        ]
        for name, step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - the scheduler keeps ticking
                log.warning("scheduler: %s failed (%s: %s)", name, type(exc).__name__, exc)

    def run(self) -> None:
        while not self._stop.is_set():
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                log.warning("scheduler: the worker that started it is gone; stopping")
                return
            self.tick_once()
            self._stop.wait(self.tick or TIMING.tick)

    def start_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.run, name="tradelane-scheduler", daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stop.set()
