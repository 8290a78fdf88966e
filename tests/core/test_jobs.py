"""Jobs (DESIGN §7): a job table with progress and outcome, tenant-aware execution, retries
with backoff, dedupe; run on the real Redis with RQ workers as well as in-process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from core import jobs
from core.db import new_session, session
from tests.fixtures.jobs import sequence_value
from tests.support import body


def _job(tenant, job_id):
    return body(tenant.api.get(f"jobs/{job_id}"))


def test_job_runs_in_its_tenant_and_records_its_outcome(tenants):
    a, b = tenants
    with a.scope():
        job_id = jobs.enqueue("test.count", name="seq").id
    data = _job(a, job_id)
    assert data["status"] == "succeeded" and data["progress"] == 100 and data["result"] == {"value": 1}
    assert data["attempts"] == 1 and data["finished_at"]
    with a.scope():
        assert sequence_value("seq") == 1
    with b.scope():
        assert sequence_value("seq") == 0
    assert b.api.get(f"jobs/{job_id}").status_code == 404


def test_job_enqueued_in_a_rolled_back_transaction_never_runs(tenant_a):
    with pytest.raises(RuntimeError), tenant_a.scope():
        jobs.enqueue("test.count", name="never")
        raise RuntimeError("use case failed")
    with tenant_a.scope():
        assert sequence_value("never") == 0
        assert session.execute(select(jobs.Job).where(jobs.Job.kind == "test.count")).first() is None


def test_failed_job_retries_and_then_fails_with_its_error(tenant_a):
    with tenant_a.scope():
        broken = jobs.enqueue("test.broken").id
        flaky = jobs.enqueue("test.flaky", name="flaky").id
    data = _job(tenant_a, broken)
    assert data["status"] == "failed" and data["attempts"] == 2 and "never works" in data["error"]
    data = _job(tenant_a, flaky)
    assert data["status"] == "succeeded" and data["attempts"] == 2 and data["result"]["attempt"] == 2


def test_failed_job_can_be_retried_from_the_api(tenant_a):
    with tenant_a.scope():
        broken = jobs.enqueue("test.broken").id
    audit_before = len(body(tenant_a.api.get("audit?page_size=200")))
    resp = tenant_a.api.post(f"jobs/{broken}/retry")
    assert resp.status_code == 202
    data = _job(tenant_a, broken)
    assert data["status"] == "failed" and data["attempts"] == 2  # it ran both attempts again
    assert len(body(tenant_a.api.get("audit?page_size=200"))) == audit_before
    with tenant_a.scope():
        job_id = jobs.enqueue("test.count", name="x").id
    assert tenant_a.api.post(f"jobs/{job_id}/retry").status_code == 409


def test_dedupe_key_joins_a_waiting_job(tenant_a):
    jobs.configure(None, eager=False)
    try:
        with tenant_a.scope():
            first = jobs.enqueue("test.count", dedupe_key="sync-now", name="dedupe").id
            second = jobs.enqueue("test.count", dedupe_key="sync-now", name="dedupe").id
        assert first == second
        jobs.backend().wait_idle()
    finally:
        jobs.configure(None, eager=True)
    with tenant_a.scope():
        assert sequence_value("dedupe") == 1


def test_jobs_list_filters_and_paginates(tenant_a):
    with tenant_a.scope():
        jobs.enqueue("test.count", name="l1")
        jobs.enqueue("test.broken")
    failed = body(tenant_a.api.get("jobs?status=failed"))
    assert [j["kind"] for j in failed] == ["test.broken"]
    assert tenant_a.api.get("jobs?status=bogus").status_code == 422


def test_progress_is_visible_while_the_job_runs(app, tenant_a):
    seen = []

    @jobs.job("test.observe", max_attempts=1)
    def observe(ctx) -> None:
        ctx.progress(40, "counting")
        # What another connection (the API, the portal) reads while the job is still running:
        with new_session() as other:
            row = other.execute(select(jobs.Job).where(jobs.Job.id == ctx.job_id)).scalar_one()
            seen.append((row.status, row.progress, row.message))

    with tenant_a.scope():
        job_id = jobs.enqueue("test.observe").id
    assert seen == [("running", 40, "counting")]
    assert _job(tenant_a, job_id)["status"] == "succeeded"


@pytest.fixture
def rq(app, redis_url, queue_prefix):
    from redis import Redis

    try:
        Redis.from_url(redis_url).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis is required at {redis_url}: {exc}")
    backend = jobs.configure(redis_url, queue_prefix=queue_prefix)
    yield backend
    for q in jobs.QUEUES:
        backend.queue(q).empty()
    jobs.configure(None, eager=True)


def _work(backend, with_scheduler=True):
    """Run an RQ worker in burst mode, then give pytest back its signal handlers (RQ's
    worker installs its own for SIGINT/SIGTERM and leaves them behind)."""
    import signal

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        backend.work(burst=True, with_scheduler=with_scheduler)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _work_until(backend, tenant, job_id, statuses, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _work(backend)
        data = _job(tenant, job_id)
        if data["status"] in statuses:
            return data
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not reach {statuses}: {data}")


def test_rq_worker_runs_the_job_in_its_tenant(rq, tenant_a):
    with tenant_a.scope():
        job_id = jobs.enqueue("test.count", name="rq").id
    assert rq.queue("default").count == 1
    assert _job(tenant_a, job_id)["status"] == "queued"
    data = _work_until(rq, tenant_a, job_id, {"succeeded"})
    assert data["result"] == {"value": 1}
    with tenant_a.scope():
        assert sequence_value("rq") == 1


def test_rq_job_that_fails_once_succeeds_on_retry(rq, tenant_a):
    with tenant_a.scope():
        job_id = jobs.enqueue("test.flaky", name="rq-flaky").id
    _work(rq)
    data = _job(tenant_a, job_id)
    assert data["status"] == "retrying" and data["attempts"] == 1 and "first attempt" in data["error"]
    assert data["next_attempt_at"]
    data = _work_until(rq, tenant_a, job_id, {"succeeded", "failed"})
    assert data["status"] == "succeeded" and data["attempts"] == 2
    with tenant_a.scope():
        assert sequence_value("rq-flaky") == 1


def test_rq_delivering_a_job_twice_runs_it_once(rq, tenant_a):
    with tenant_a.scope():
        row = jobs.enqueue("test.count", name="twice")
        job_id = row.id
    rq.submit(tenant_a.id, job_id, 0, "test.count")  # a duplicate message for the same attempt
    assert rq.queue("default").count == 1, "the same attempt is one RQ job"
    jobs.run_job(str(tenant_a.id), str(job_id), 0)
    _work(rq, with_scheduler=False)
    with tenant_a.scope():
        assert sequence_value("twice") == 1


def test_housekeeping_purges_old_jobs_and_idempotency_keys(tenant_a):
    from datetime import timedelta

    from core import idempotency
    from core.db import utcnow

    tenant_a.api.post("api-keys", {"name": "kept", "roles": ["viewer"]}, headers={"Idempotency-Key": "old"})
    with tenant_a.scope():
        old = jobs.enqueue("test.count", name="old").id
    with tenant_a.scope():
        session.execute(select(jobs.Job).where(jobs.Job.id == old)).scalar_one().finished_at = utcnow() - timedelta(
            days=31
        )
        record = idempotency.find("old")
        record.created_at = utcnow() - timedelta(days=2)
    with tenant_a.scope():
        result = jobs.enqueue("jobs.purge")
        purge = jobs.enqueue("idempotency.purge")
    assert _job(tenant_a, result.id)["result"]["purged"] == 1
    assert _job(tenant_a, purge.id)["result"]["purged"] == 1
    assert tenant_a.api.get(f"jobs/{old}").status_code == 404


class HeldBackend:
    """A transport that keeps what it is given, as if every worker were down."""

    def __init__(self):
        self.submitted = []

    def submit(self, *args):
        self.submitted.append(args)


SQLITE_RUN = """
import sys
from sqlalchemy import select
from core.app import create_app
from core.db import db, session, unit_of_work
from core.migrate import upgrade
from core.tenancy import tenant_context
from tests.support import make_tenant
import tests.fixtures.jobs  # noqa: F401 - the job kinds
from core import jobs

app = create_app({"DATABASE_URL": sys.argv[1], "REDIS_URL": None, "JOBS_INLINE": True, "TESTING": True,
                  "SECRET_KEY": "t", "TRADELANE_ENCRYPTION_KEY": "aADf7Xrw0bOYO9214ZDDjcnw24WdGbL1QmnWxyFUiME="})
upgrade(db.require_engine())
tenant = make_tenant(app, "SQLite tenant")
with tenant_context(tenant.id), unit_of_work():
    job_id = jobs.enqueue("test.write_then_progress", name="sqlite").id
with tenant_context(tenant.id), unit_of_work():
    row = session.execute(select(jobs.Job).where(jobs.Job.id == job_id)).scalar_one()
    print(row.status, row.progress, row.error)
"""


def test_progress_after_writing_does_not_lock_sqlite(tmp_path):
    """The embedded demo's database: a job that writes and then reports progress succeeds
    instead of waiting on its own write lock until SQLite gives up."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_RUN, f"sqlite:///{tmp_path / 'jobs.db'}"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRADELANE_INSTANCE_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-3:] == ["succeeded", "100", "None"], done.stdout


def test_a_held_in_process_backend_runs_nothing_until_released(monkeypatch):
    ran = []
    monkeypatch.setattr(jobs, "run_job", lambda tenant, job_id, attempt: ran.append(job_id))
    backend = jobs.InProcessBackend()
    backend.hold()
    backend.submit("t", "j1", 1, "x")
    assert not backend.wait_idle(timeout=0.3) and ran == []
    backend.release()
    assert backend.wait_idle(timeout=5) and ran == ["j1"]
