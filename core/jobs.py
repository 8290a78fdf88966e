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
"""
from __future__ import annotations

import heapq
import hashlib
import json
import logging
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import Index, Integer, String, Text, delete, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, TenantMixin, new_session, session, system_session, utcnow
from core.jsonutil import jsonable
from core.tenancy import Actor, actor_context, current_actor, tenant_context

log = logging.getLogger("tradelane.jobs")

QUEUES = ("sync", "labels", "finance", "default")
ACTIVE = ("queued", "running", "retrying")
# A job waiting to run absorbs requests with the same dedupe key; a running one does not,
# because the new request may carry data the running job has already read past.
WAITING = ("queued", "retrying")
FINAL = ("succeeded", "failed", "cancelled")


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


def job(kind: str, *, queue: str = "default", max_attempts: int = 3,
        backoff: tuple[int, ...] = (5, 30, 120, 600), timeout: int = 1800) -> Callable:
    """Register `func(ctx: JobContext, **args)` as the job `kind`."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; use one of {QUEUES}")

    def decorate(func: Callable) -> Callable:
        _registry[kind] = JobSpec(kind, func, queue, max_attempts, tuple(backoff), timeout)
        return func

    return decorate


def periodic(kind: str, every: timedelta,
             targets: Callable[[Session], Iterable[tuple[uuid.UUID, dict[str, Any]]]] | None = None) -> None:
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
    row = Job(kind=kind, queue=js.queue, args=args, max_attempts=js.max_attempts,
              dedupe_key=dedupe_key, created_by=str(current_actor())[:200])
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
    return s.execute(
        select(Job).where(Job.dedupe_key == dedupe_key, Job.status.in_(WAITING))
    ).scalar_one_or_none()


@event.listens_for(Session, "after_commit")
def _submit_after_commit(s: Session) -> None:
    if s.in_nested_transaction():
        return  # a savepoint was released; the real commit is still to come
    for tenant_id, job_id, attempt, kind, delay in s.info.pop("pending_jobs", []):
        backend().submit(tenant_id, job_id, attempt, kind, delay)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(s: Session) -> None:
    if not s.in_nested_transaction():
        s.info.pop("pending_jobs", None)


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
        stmt = (update(Job).where(Job.id == self.job_id)
                .values(progress=percent, message=message[:500], heartbeat_at=utcnow()))
        if session.get_bind().dialect.name == "sqlite" and session().in_transaction():
            session.execute(stmt)
            return
        with new_session() as s:
            s.execute(stmt)
            s.commit()


def run_job(tenant_id: str, job_id: str, attempt: int) -> str:
    """The transport calls this with primitives only. Returns what happened, for RQ's log."""
    with tenant_context(tenant_id):
        jid = uuid.UUID(job_id)
        try:
            row = session.execute(select(Job).where(Job.id == jid)).scalar_one_or_none()
            if row is None:
                return "missing"
            claimed = session.execute(
                update(Job)
                .where(Job.id == jid, Job.status.in_(("queued", "retrying")), Job.attempts == attempt)
                .values(status="running", attempts=attempt + 1, started_at=utcnow(),
                        heartbeat_at=utcnow(), progress=0)
            ).rowcount
            session.commit()
            if not claimed:
                return "already-claimed"
            session.refresh(row)
            js = _registry.get(row.kind)
            if js is None:
                _finish(jid, "failed", error=f"no job kind {row.kind!r} is registered here")
                return "unknown-kind"
            ctx = JobContext(row)
            with actor_context(Actor("job", str(jid), f"job:{row.kind}")):
                result = js.func(ctx, **row.args)
            session.commit()
            _finish(jid, "succeeded", result=_jsonable_result(result))
            return "succeeded"
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job row
            session.rollback()
            log.warning("job %s (tenant %s) attempt %s failed: %s", job_id, tenant_id, attempt + 1, exc)
            return _record_failure(jid, exc)
        finally:
            session.remove()


def _jsonable_result(result: Any) -> dict | None:
    if result is None:
        return None
    if not isinstance(result, dict):
        result = {"value": result}
    return jsonable(result)


def _finish(job_id: uuid.UUID, status: str, *, result: dict | None = None, error: str | None = None) -> None:
    values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error": error}
    if status == "succeeded":
        values.update(progress=100, result=result)
    with new_session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(**values))
        s.commit()


def _record_failure(job_id: uuid.UUID, exc: BaseException) -> str:
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
    with new_session() as s:
        row = s.execute(select(Job).where(Job.id == job_id)).scalar_one()
        js = _registry.get(row.kind)
        if js and row.attempts < row.max_attempts:
            delay = js.delay_before(row.attempts + 1)
            row.status = "retrying"
            row.error = error
            row.message = f"attempt {row.attempts} failed; retrying in {delay}s"
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)
            s.commit()
            backend().submit(row.tenant_id, row.id, row.attempts, row.kind, delay)
            return "retrying"
        row.status = "failed"
        row.error = error
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
        raise InvalidTransition("job", row.status, "retry", "only failed jobs can be retried")
    row.status, row.attempts, row.error, row.finished_at, row.progress = "queued", 0, None, None, 0
    row.max_attempts = spec(row.kind).max_attempts if row.kind in _registry else row.max_attempts
    session.flush()
    session.info.setdefault("pending_jobs", []).append((row.tenant_id, row.id, 0, row.kind, 0))
    return row


def reap_stalled(grace: timedelta = timedelta(minutes=5)) -> int:
    """Jobs whose worker died (no heartbeat past their timeout) go back to the queue."""
    now = utcnow()
    count = 0
    rows = session.execute(select(Job).where(Job.status == "running")).scalars().all()
    for row in rows:
        js = _registry.get(row.kind)
        limit = timedelta(seconds=js.timeout if js else 1800) + grace
        if row.heartbeat_at and now - row.heartbeat_at > limit:
            count += 1
            if row.attempts < row.max_attempts:
                row.status, row.message = "retrying", "worker lost; retrying"
                session.info.setdefault("pending_jobs", []).append(
                    (row.tenant_id, row.id, row.attempts, row.kind, 0))
            else:
                row.status, row.error, row.finished_at = "failed", "worker lost", now
    return count


RETENTION = timedelta(days=30)


def purge_finished(older_than: timedelta = RETENTION) -> int:
    """Finished jobs are kept for a month, then deleted (the audit log and events remain)."""
    return session.execute(
        delete(Job).where(Job.status.in_(FINAL), Job.finished_at < utcnow() - older_than)
    ).rowcount


@job("jobs.reap", max_attempts=1)
def _reap_job(ctx: JobContext) -> dict:
    return {"requeued_or_failed": reap_stalled(), "purged": purge_finished()}


periodic("jobs.reap", timedelta(minutes=5))


# ---------------------------------------------------------------------------------------------
# Transports


class InProcessBackend:
    """Runs jobs on a background thread of this process (embedded mode).

    `eager=True` runs each job to completion before `submit` returns (on its own thread, so it
    gets its own session); retries then run at once instead of after their backoff.
    """

    def __init__(self, eager: bool = False) -> None:
        self.eager = eager
        self._heap: list[tuple[float, int, tuple]] = []
        self._seq = 0
        self._busy = 0
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, tenant_id: Any, job_id: Any, attempt: int, kind: str, delay: int = 0) -> None:
        call = (str(tenant_id), str(job_id), attempt)
        if self.eager:
            worker = threading.Thread(target=run_job, args=call, name="tradelane-job-eager")
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

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cv.wait(timeout)
                _, _, call = heapq.heappop(self._heap)
                self._busy += 1
            try:
                run_job(*call)
            finally:
                with self._cv:
                    self._busy -= 1
                    self._cv.notify_all()

    def wait_idle(self, timeout: float = 30.0, include_delayed: bool = False) -> bool:
        """Block until no job is running or due (tests and the CLI use this)."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                now = time.monotonic()
                due = [h for h in self._heap if include_delayed or h[0] <= now]
                if not due and not self._busy:
                    return True
                if now >= deadline:
                    return False
                self._cv.wait(min(0.05, deadline - now))


class RQBackend:
    """Hands jobs to RQ. The RQ job id is derived from (tenant, job, attempt), so submitting
    the same attempt twice enqueues it once."""

    def __init__(self, redis_url: str, queue_prefix: str = "") -> None:
        from redis import Redis

        self.redis_url = redis_url
        self.redis = Redis.from_url(redis_url)
        self.queue_prefix = queue_prefix

    def queue(self, name: str) -> Any:
        from rq import Queue
        from rq.serializers import JSONSerializer

        return Queue(self.queue_prefix + name, connection=self.redis, serializer=JSONSerializer)

    def submit(self, tenant_id: Any, job_id: Any, attempt: int, kind: str, delay: int = 0) -> None:
        from rq.exceptions import DuplicateJobError

        tid, jid = uuid.UUID(str(tenant_id)), uuid.UUID(str(job_id))
        js = _registry.get(kind) or JobSpec(kind, run_job)
        q = self.queue(js.queue)
        # Tenant id in the RQ id and description: Redis keys and logs carry the tenant (DESIGN §2).
        kwargs = dict(job_id=f"tl-{tid.hex}-{jid.hex}-{attempt}", unique=True,
                      job_timeout=js.timeout + 60, result_ttl=3600, failure_ttl=7 * 86400,
                      description=f"{kind} {jid} (tenant {tid})")
        try:
            if delay:
                q.enqueue_in(timedelta(seconds=delay), run_job, str(tid), str(jid), attempt, **kwargs)
            else:
                q.enqueue(run_job, str(tid), str(jid), attempt, **kwargs)
        except DuplicateJobError:
            pass

    def work(self, queues: Iterable[str] = QUEUES, burst: bool = False, with_scheduler: bool = True,
             simple: bool = False) -> None:
        from rq import SimpleWorker, Worker
        from rq.serializers import JSONSerializer

        cls = SimpleWorker if simple else Worker
        worker = cls([self.queue(q) for q in queues], connection=self.redis, serializer=JSONSerializer)
        worker.work(burst=burst, with_scheduler=with_scheduler)


_backend: InProcessBackend | RQBackend | None = None


def configure(redis_url: str | None, eager: bool = False, queue_prefix: str = "") -> InProcessBackend | RQBackend:
    global _backend
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
            key = f"periodic:{ps.kind}:" + hashlib.sha1(
                json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()[:16]
            with tenant_context(tenant_id), actor_context(Actor("system", None, "scheduler")):
                try:
                    if session.execute(select(Job.id).where(
                            Job.dedupe_key == key, Job.status.in_(ACTIVE))).first() is None:
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
    """Ticks `schedule_due` and the outbox sweep. With Redis, a lock keeps one active
    scheduler per deployment."""

    redis_url: str | None = None
    tick: float = 15.0
    last_run: dict[str, datetime] = field(default_factory=dict)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _leader(self) -> bool:
        if not self.redis_url:
            return True
        from redis import Redis

        r = Redis.from_url(self.redis_url)
        key, me, ttl = "tradelane:scheduler:leader", self.token, int(self.tick * 3)
        if r.set(key, me, nx=True, ex=ttl):
            return True
        if r.get(key) == me.encode():
            r.expire(key, ttl)
            return True
        return False

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._leader():
                    from core import events

                    schedule_due(last_run=self.last_run)
                    events.sweep()
            except Exception:  # noqa: BLE001 - the scheduler keeps ticking
                log.exception("scheduler tick failed")
            self._stop.wait(self.tick)

    def start_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.run, name="tradelane-scheduler", daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stop.set()

