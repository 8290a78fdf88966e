"""Jobs recover by themselves (DESIGN §7, docs/decisions/0005-jobs.md): the job table is the
truth and Redis only the transport.

- A job whose worker died is requeued once its heartbeat is a few beats old, whatever the
  job's timeout; waiting jobs Redis lost are submitted again by the scheduler's sweep.
- A Redis failure after a commit is logged and left to that sweep: a committed write answers
  2xx, a finished job stays succeeded.
- Real processes: a `tradelane worker` keeps going through a Redis restart, and through a
  PostgreSQL restart mid job; every job then ends, each effect once, with no manual retry.
  (The worker killed mid-sync is in tests/core/sync/test_kill.py.)

This module runs on a database of its own: the sweep looks at every tenant's jobs, and the
suite's shared database holds other tests' jobs, left waiting on purpose.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from core import events, jobs
from core.db import db, session, system_session, utcnow
from core.events import OutboxEvent, emit
from tests.core.test_jobs import HeldBackend, _job, _work_until, rq  # noqa: F401 - rq is a fixture
from tests.fixtures.events import Counted
from tests.fixtures.jobs import sequence_value
from tests.pgserver import ThrowawayPostgres
from tests.servers import (
    RedisServer,
    Worker,
    fresh_database,
    using_database,
    using_redis,
    wait_until,
)
from tests.support import body, make_tenant


@pytest.fixture(scope="module", autouse=True)
def own_database(app, database_url):
    with fresh_database(database_url) as url, using_database(url):
        yield url


@pytest.fixture(autouse=True)
def settle():
    """Jobs a test left waiting (handed to a Redis that was down) and events it left pending
    are finished inline afterwards, so the next test's sweep starts from nothing."""
    yield
    jobs.configure(None, eager=True)
    events.configure(None, eager=True)
    jobs.recover(now=_later())
    events.sweep(older_than=timedelta(0))


def _row(tenant, job_id) -> jobs.Job | None:
    try:
        with tenant.scope():
            return session.execute(select(jobs.Job).where(jobs.Job.id == job_id)).scalar_one()
    except OperationalError:
        return None  # the database is restarting


def _unfinished() -> list[tuple[str, str]]:
    """Every job of every tenant that has not ended, and every event still pending."""
    try:
        with system_session() as s:
            open_jobs = s.execute(select(jobs.Job.kind, jobs.Job.status).where(jobs.Job.status.notin_(jobs.FINAL)))
            pending = s.execute(select(OutboxEvent.name).where(OutboxEvent.dispatched_at.is_(None)))
            return [tuple(r) for r in open_jobs] + [(name, "pending event") for (name,) in pending]
    except OperationalError:
        return [("database", "restarting")]


def _failed() -> list[tuple[str, str | None]]:
    with system_session() as s:
        return [tuple(r) for r in s.execute(select(jobs.Job.kind, jobs.Job.error).where(jobs.Job.status == "failed"))]


def _work_simple(backend) -> None:
    """An RQ SimpleWorker in burst mode: jobs run in this process, so a fault injected here
    reaches them (RQ's forking worker would copy it into each work horse)."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        backend.work(burst=True, with_scheduler=True, simple=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _later(seconds: float = 120):
    """A moment well past every grace period: the sweep's view of a job left waiting."""
    return utcnow() + timedelta(seconds=seconds)


# ---------------------------------------------------------------------------------------------
# In this process, on the suite's Redis


def test_a_stalled_job_is_requeued_within_a_minute_whatever_its_timeout(tenant_a, monkeypatch):
    """A heartbeat a minute old means a dead worker, even for a job allowed 30 minutes."""
    held = HeldBackend()
    monkeypatch.setattr(jobs, "_backend", held)
    with tenant_a.scope():
        job_id = jobs.enqueue("test.flaky", name="stalled").id
    assert len(held.submitted) == 1 and jobs.spec("test.flaky").timeout >= 1800
    with tenant_a.scope():  # a worker claimed it and died without a trace
        row = session.execute(select(jobs.Job).where(jobs.Job.id == job_id)).scalar_one()
        row.status, row.attempts, row.heartbeat_at = "running", 1, utcnow() - timedelta(seconds=60)
    monkeypatch.undo()
    assert jobs.recover() == {"requeued": 1, "resubmitted": 0}
    data = _job(tenant_a, job_id)
    assert data["status"] == "succeeded" and data["attempts"] == 2
    with tenant_a.scope():
        assert sequence_value("stalled") == 1


def test_a_running_job_keeps_its_heartbeat_and_is_not_requeued(tenant_a, monkeypatch):
    """The heartbeat comes from a thread of the job's process: a job busy for several beats
    (and reporting no progress) is alive, and the sweep leaves it alone."""
    jobs.configure(None, heartbeat=0.2)
    monkeypatch.setattr(jobs.InProcessBackend, "running_here", lambda self, job_id: False)  # judge by heartbeat
    seen = []

    @jobs.job("test.quiet", max_attempts=1)
    def quiet(ctx) -> None:
        time.sleep(2.5)  # five heartbeats and more: dead_after is 1 s
        with system_session() as s:
            seen.append(s.execute(select(jobs.Job.heartbeat_at).where(jobs.Job.id == ctx.job_id)).scalar_one())
        seen.append(jobs.reap_stalled())

    try:
        with tenant_a.scope():
            job_id = jobs.enqueue("test.quiet").id
        jobs.backend().wait_idle()
    finally:
        jobs.configure(None, eager=True, heartbeat=10)
    beat, requeued = seen
    data = _job(tenant_a, job_id)
    assert requeued == 0 and data["status"] == "succeeded" and data["attempts"] == 1
    assert (utcnow() - beat).total_seconds() < 1.0, "the heartbeat went on while the job was busy"


def test_a_job_whose_first_statement_fails_counts_the_attempt_and_runs_again(rq, tenant_a):
    """The database fails the job's very first statement: the attempt counts (the retry gets
    an RQ id of its own instead of the one RQ still holds) and the job then succeeds."""
    with tenant_a.scope():
        job_id = jobs.enqueue("test.flaky", name="first-fails").id
    injected = []

    def fail_once(conn, cursor, statement, parameters, context, executemany):
        if not injected and statement.lstrip().startswith("SELECT jobs.") and "FOR UPDATE" not in statement:
            injected.append(statement)
            raise OperationalError(statement, parameters, RuntimeError("server closed the connection unexpectedly"))

    engine = db.require_engine()
    event.listen(engine, "before_cursor_execute", fail_once)
    try:
        _work_simple(rq)
    finally:
        event.remove(engine, "before_cursor_execute", fail_once)
    assert injected, "the fault was injected"
    data = _job(tenant_a, job_id)
    assert data["status"] == "retrying" and data["attempts"] == 1, data
    assert data["message"] == "attempt 1 failed; retrying in 1s"
    data = _work_until(rq, tenant_a, job_id, {"succeeded", "failed"})
    assert data["status"] == "succeeded" and data["attempts"] == 2
    with tenant_a.scope():
        assert sequence_value("first-fails") == 1


def test_a_failed_job_retried_from_the_api_runs_again_on_rq(rq, tenant_a):
    """Its first attempt's RQ id is still held by RQ (a finished job, for its result TTL): the
    retry must not be swallowed as a duplicate."""
    with tenant_a.scope():
        job_id = jobs.enqueue("test.broken").id
    first = _work_until(rq, tenant_a, job_id, {"failed"})
    assert first["attempts"] == 2
    assert tenant_a.api.post(f"jobs/{job_id}/retry").status_code == 202
    again = _work_until(rq, tenant_a, job_id, {"failed"})
    assert again["attempts"] == 2 and again["started_at"] > first["started_at"]


def test_waiting_jobs_that_redis_lost_are_submitted_again_and_their_dedupe_key_frees(rq, tenant_a):
    """Redis lost the queued job and the delayed retry ("sync now" and stock pushes wait on
    such dedupe keys): the sweep submits them again, each runs once."""
    with tenant_a.scope():
        flaky = jobs.enqueue("test.flaky_later", name="lost-retry").id
    _work_simple(rq)  # first attempt fails; its retry waits in RQ's scheduled registry
    assert _job(tenant_a, flaky)["status"] == "retrying"
    with tenant_a.scope():
        queued = jobs.enqueue("test.count", name="lost-queued").id
        pressed = jobs.enqueue("test.count", dedupe_key="sync-now", name="lost-pressed").id
    from rq.registry import ScheduledJobRegistry

    for name in jobs.QUEUES:  # what a Redis restart does to them (this Redis is shared: ours only)
        rq.queue(name).empty()
        rq.redis.delete(ScheduledJobRegistry(queue=rq.queue(name)).key)
    for key in rq.redis.scan_iter(f"rq:job:tl-{tenant_a.id.hex}-*"):
        rq.redis.delete(key)
    with tenant_a.scope():  # "sync now" pressed again joins the waiting job, which RQ no longer has
        assert jobs.enqueue("test.count", dedupe_key="sync-now", name="lost-pressed").id == pressed
    assert jobs.resubmit_lost(now=utcnow()) == 0, "not before they are overdue"
    assert jobs.recover(now=_later()) == {"requeued": 0, "resubmitted": 3}
    assert jobs.recover(now=_later()) == {"requeued": 0, "resubmitted": 0}, "RQ holds them now"
    for job_id in (flaky, queued, pressed):
        assert _work_until(rq, tenant_a, job_id, {"succeeded", "failed"})["status"] == "succeeded"
    with tenant_a.scope():
        assert [sequence_value(n) for n in ("lost-retry", "lost-queued", "lost-pressed")] == [1, 1, 1]
    assert _job(tenant_a, flaky)["attempts"] == 2


def test_a_failed_dispatcher_run_does_not_swallow_the_next_nudge(rq, tenant_a, redis_url, queue_prefix):
    """The tenant's dispatcher job failed (the database was down): RQ keeps it a day under the
    tenant's one dispatcher id. The next nudge replaces it instead of being absorbed by it."""
    from rq.job import JobStatus

    dispatcher = events.configure(redis_url, queue_prefix=queue_prefix)
    try:
        dispatcher.nudge(tenant_a.id)
        (stale,) = rq.queue("default").jobs
        stale.set_status(JobStatus.FAILED)  # as RQ leaves a run that raised
        rq.queue("default").remove(stale)
        with tenant_a.scope():
            emit("test.created", Counted(counter="after-failed-run"), entity_type="thing", entity_id="f-1")
        assert [j.id for j in rq.queue("default").jobs] == [stale.id], "the nudge enqueued a fresh run"
        _work_simple(rq)
    finally:
        events.configure(None, eager=True)
    with tenant_a.scope():
        assert sequence_value("events:after-failed-run") == 1


def test_a_job_that_finished_while_redis_is_down_is_succeeded(tenant_a, monkeypatch):
    """The job's own commit hands its child job and its event to a Redis that is down: that
    is logged and left to the sweep, and the job that did its work is not marked failed."""
    monkeypatch.setattr(jobs, "_backend", HeldBackend())
    with tenant_a.scope():
        job_id = jobs.enqueue("test.spawn", name="spawned").id
    monkeypatch.undo()
    with using_redis(RedisServer().url, "dead-"):  # nothing listens on that port
        outcome = jobs.run_job(str(tenant_a.id), str(job_id), 0)
    assert outcome == "succeeded"
    data = _job(tenant_a, job_id)
    assert data["status"] == "succeeded" and data["attempts"] == 1 and data["error"] is None
    with tenant_a.scope():
        assert sequence_value("spawned") == 1
        child = session.execute(select(jobs.Job).where(jobs.Job.kind == "test.count")).scalar_one()
        assert child.status == "queued", "committed, and left to the sweep"


def test_an_api_write_committed_while_redis_is_down_answers_2xx_once_and_is_delivered_later(
    app, tenant_a, queue_prefix
):
    """Redis is down at commit: the client gets the success it earned (a 500 would make it
    retry, and a retry without a key duplicates the write), and once Redis is back the sweep
    delivers the event and runs the job."""
    redis = RedisServer()
    try:
        with using_redis(redis.url, queue_prefix):
            started = time.monotonic()
            created = tenant_a.api.post("categories", {"code": "REDIS-DOWN", "name_en": "Written while Redis is down"})
            run = tenant_a.api.post("replenishment/runs")
            answered = time.monotonic() - started
            assert created.status_code == 201, body(created)
            assert run.status_code == 202, body(run)
            assert answered < 15, f"the writes waited {answered:.1f} s on a dead Redis"
            print(f"[recovery] two writes with Redis down answered in {answered:.2f} s")
            categories = body(tenant_a.api.get("categories?code=REDIS-DOWN"))
            assert [c["code"] for c in categories] == ["REDIS-DOWN"]
            job_id = body(run)["job_id"]
            assert _job(tenant_a, job_id)["status"] == "queued"
            redis.start()
            assert jobs.recover(now=_later())["resubmitted"] == 1
            assert events.sweep(older_than=timedelta(0)) >= 1
            backend = jobs.backend()
            _work_simple(backend)
            assert _job(tenant_a, job_id)["status"] == "succeeded"
        with tenant_a.scope():
            ev = session.execute(select(OutboxEvent).where(OutboxEvent.name == "category.created")).scalar_one()
            assert ev.dispatched_at is not None
    finally:
        redis.kill()


# ---------------------------------------------------------------------------------------------
# Real workers, servers restarted under them


@pytest.mark.slow
def test_a_redis_restart_under_a_worker_loses_no_job(app, database_url, queue_prefix):
    """Redis restarts (empty) while a worker runs a job, with jobs queued behind it, a retry
    delayed in Redis, a dedupe key waiting and an event to deliver. The worker keeps running;
    the sweep re-submits what Redis lost; every job ends, each effect once."""
    redis = RedisServer().start()
    worker = None
    try:
        with fresh_database(database_url) as url, using_database(url):
            tenant, bystander = make_tenant(app, "Redis restart"), make_tenant(app, "Bystander")
            with using_redis(redis.url, queue_prefix):
                worker = Worker(url, redis.url, queue_prefix)
                with tenant.scope():
                    later = jobs.enqueue("test.flaky_later", name="later").id
                wait_until(lambda: (r := _row(tenant, later)) and r.status == "retrying", 60, "a first attempt fails")
                with tenant.scope():
                    slow = jobs.enqueue("test.slow", name="slow", seconds=4).id
                wait_until(lambda: (r := _row(tenant, slow)) and r.status == "running", 30, "the slow job starts")
                with tenant.scope():
                    queued = [jobs.enqueue("test.count", name=f"queued-{i}").id for i in range(3)]
                    pressed = jobs.enqueue("test.count", dedupe_key="sync-now", name="pressed").id
                    emit("test.restart", Counted(counter="restart"), entity_type="thing", entity_id="r-1")

                redis.kill()  # the slow job ends while Redis is away
                time.sleep(5)
                redis.start()
                back = time.monotonic()
                assert worker.alive(), worker.output()
                with tenant.scope():  # "sync now" again: joins the job Redis lost
                    assert jobs.enqueue("test.count", dedupe_key="sync-now", name="pressed").id == pressed

                wait_until(lambda: not _unfinished(), 120, f"every job ends ({_unfinished()})", 0.2)
                recovered = time.monotonic() - back
                print(f"[recovery] Redis restart: every job finished {recovered:.1f} s after Redis was back")
                assert worker.alive(), worker.output()
                assert worker.stop() == 0, worker.output()
            assert _failed() == []
            with tenant.scope():
                names = ["later", "slow", "queued-0", "queued-1", "queued-2", "pressed", "events:restart"]
                assert [sequence_value(n) for n in names] == [1] * len(names)
            assert _row(tenant, later).attempts == 2
            assert all(_row(tenant, j).attempts == 1 for j in [slow, *queued, pressed])
            with bystander.scope():
                assert sequence_value("events:restart") == 0
    finally:
        if worker is not None:
            worker.close()
        redis.kill()


@pytest.mark.slow
def test_a_postgresql_restart_mid_job_is_recovered(app, redis_url, queue_prefix):
    """PostgreSQL crashes and comes back while a job is halfway through its steps (each its
    own transaction): the job is resumed from its last committed step and ends with every
    step taken once."""
    pg = ThrowawayPostgres()
    assert pg.available, "PostgreSQL is not installed (apt-get install postgresql)"
    pg.start()
    worker = None
    try:
        url = pg.url
        with using_database(url):
            tenant = make_tenant(app, "PostgreSQL restart")
            with using_redis(redis_url, queue_prefix):
                worker = Worker(url, redis_url, queue_prefix)
                with tenant.scope():
                    job_id = jobs.enqueue("test.steps", name="steps", steps=40, pause=0.1).id

                def stepped() -> int:
                    with tenant.scope():
                        return sequence_value("steps")

                wait_until(lambda: stepped() >= 10, 60, "the job takes its first steps")
                pg.crash()
                time.sleep(3)
                pg.recover()
                back = time.monotonic()

                wait_until(lambda: not _unfinished(), 120, f"every job ends ({_unfinished()})", 0.2)
                recovered = time.monotonic() - back
                print(f"[recovery] PostgreSQL restart: the job finished {recovered:.1f} s after the database was back")
                assert worker.alive(), worker.output()
            row = _row(tenant, job_id)
            assert row.status == "succeeded" and row.attempts >= 2, (row.status, row.attempts, row.error)
            assert stepped() == 40 and row.result == {"value": 40}
            assert _failed() == []
    finally:
        if worker is not None:
            worker.close()
        pg.stop()
