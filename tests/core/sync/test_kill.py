"""A sync worker killed mid-window (SIGKILL to a real `tradelane worker` process and its work
horse) is resumed by the next run: every order of the window once, none twice. And with no
one pressing "sync now": the job's heartbeat stops, the scheduler of another worker requeues
it within seconds, and that worker continues the window from its cursor.

The emulator is served over real HTTP from a thread of this process, slowed down so the kill
lands between pages; the worker runs RQ on the test Redis with this run's queue prefix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import jobs
from core.db import session
from core.orders.models import Order
from core.sync.models import SyncRun, SyncState
from tests.core.sync.helpers import EMULATORS
from tests.servers import Worker, fresh_database, using_database, using_redis, wait_until
from tests.support import body, make_tenant

ROOT = Path(__file__).resolve().parents[3]
# Two pages of each platform's order list, and a delay per API call that spreads each page
# over a second or two (the per-order item calls of Amazon and AliExpress add up), so the
# kill after the first page lands before the second is in.
ORDERS = {"shopify": 500, "woocommerce": 200, "amazon": 200, "aliexpress": 100}
LATENCY = {"shopify": 1.0, "woocommerce": 1.0, "amazon": 0.015, "aliexpress": 0.03}


def _worker(database_url: str, redis_url: str, queue_prefix: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TRADELANE_QUEUE_PREFIX": queue_prefix,
        "TRADELANE_ENCRYPTION_KEY": "aADf7Xrw0bOYO9214ZDDjcnw24WdGbL1QmnWxyFUiME=",
        "SECRET_KEY": "test-secret",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "worker", "--burst", "--queue", "sync", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and the work horse running the job (RQ starts each horse in a
    session of its own, so it is found as the worker's child)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker.pid:
            children.append(int(stat.parent.name))
    for pid in [*children, worker.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def _until_released(key: str) -> None:
    """The database ends a killed worker's sessions, and with them its lock, once it reads
    the closed socket: wait for that instant."""
    from core.connections import exclusive

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with exclusive(key) as got:
            if got:
                return
        time.sleep(0.05)
    raise AssertionError(f"{key} is still locked 10 s after the worker died")


def _state(tenant, connection_id: uuid.UUID) -> SyncState | None:
    with tenant.scope():
        return session.execute(select(SyncState).where(SyncState.connection_id == connection_id)).scalar_one_or_none()


@pytest.mark.slow
@pytest.mark.parametrize("name", tuple(EMULATORS))
def test_a_worker_killed_mid_window_is_resumed_by_the_next_run(
    app, tenant_a, tenant_b, served, database_url, redis_url, queue_prefix, name, undispatched
):
    emulator, base_url = served(name)
    now = datetime.now(UTC)
    seeded = set(
        map(
            str, emulator.generate_orders(ORDERS[name], start=now - timedelta(hours=6), end=now - timedelta(minutes=10))
        )
    )
    emulator.faults.throttle = False
    emulator.faults.latency = LATENCY[name]
    created = tenant_a.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": name,
            "display_name": f"{name} kill",
            "settings": {**emulator.connection_settings(base_url), "pacing": False},
        },
    )
    assert created.status_code == 201, body(created)
    connection_id = uuid.UUID(body(created)["id"])

    backend = jobs.configure(redis_url, queue_prefix=queue_prefix)
    try:
        assert tenant_a.api.post(f"connections/{connection_id}/sync").status_code == 202
    finally:
        jobs.configure(None, eager=True)
    worker = _worker(database_url, redis_url, queue_prefix)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = _state(tenant_a, connection_id)
            if state is not None and state.window_end is not None and state.window_pages >= 1:
                break
            assert worker.poll() is None, f"the worker exited early: {worker.stderr.read().decode()[-2000:]}"
            time.sleep(0.05)
        else:
            raise AssertionError("the worker committed no page within a minute")
        _kill(worker)
    finally:
        if worker.poll() is None:
            _kill(worker)
        for q in jobs.QUEUES:
            backend.queue(q).empty()

    state = _state(tenant_a, connection_id)
    assert state.window_end is not None and state.page_cursor, "killed mid-window, with a page still to read"
    with tenant_a.scope():
        part = session.execute(
            select(func.count())
            .select_from(Order)
            .where(Order.connection_id == connection_id, Order.parent_id.is_(None))
        ).scalar_one()
    assert 0 < part < len(seeded)

    emulator.faults.latency = 0
    _until_released(f"sync:{connection_id}")
    assert tenant_a.api.post(f"connections/{connection_id}/sync").status_code == 202  # runs in this process
    with tenant_a.scope():
        runs = (
            session.execute(select(SyncRun).where(SyncRun.connection_id == connection_id).order_by(SyncRun.started_at))
            .scalars()
            .all()
        )
        ids = (
            session.execute(
                select(Order.external_order_id).where(Order.connection_id == connection_id, Order.parent_id.is_(None))
            )
            .scalars()
            .all()
        )
    assert [(r.status, r.resumed) for r in runs] == [("interrupted", False), ("succeeded", True)]
    assert runs[1].orders_created == len(seeded) - part
    assert len(ids) == len(set(ids)) == len(seeded) and set(ids) == seeded
    state = _state(tenant_a, connection_id)
    assert state.window_end is None and state.high_water is not None
    with tenant_b.scope():
        assert session.execute(select(func.count()).select_from(Order)).scalar_one() == 0


@pytest.mark.slow
def test_a_killed_sync_worker_is_noticed_and_its_sync_resumes_by_itself(
    app, served, database_url, redis_url, queue_prefix
):
    """SIGKILL the worker mid-sync. Another worker is running, with the scheduler: it notices
    the dead job by its heartbeat, requeues it, and finishes the window from the cursor the
    killed run committed. One run, every order once, the job succeeded on its second attempt."""
    from core.jobs import FINAL, Job

    emulator, base_url = served("shopify")
    now = datetime.now(UTC)
    seeded = set(
        map(str, emulator.generate_orders(1000, start=now - timedelta(hours=6), end=now - timedelta(minutes=10)))
    )
    emulator.faults.throttle = False
    emulator.faults.latency = LATENCY["shopify"]
    workers: list[Worker] = []
    with fresh_database(database_url) as url, using_database(url):
        tenant_a, tenant_b = make_tenant(app, "Killed sync"), make_tenant(app, "Bystander")
        created = tenant_a.api.post(
            "connections",
            {
                "kind": "channel",
                "plugin": "shopify",
                "display_name": "shopify kill",
                "settings": {**emulator.connection_settings(base_url), "pacing": False},
            },
        )
        assert created.status_code == 201, body(created)
        connection_id = uuid.UUID(body(created)["id"])
        try:
            with using_redis(redis_url, queue_prefix):
                sync = tenant_a.api.post(f"connections/{connection_id}/sync")
                assert sync.status_code == 202
            job_id = uuid.UUID(body(sync)["job_id"])
            doomed = Worker(url, redis_url, queue_prefix, "--queue", "sync", "--no-scheduler")
            workers.append(doomed)

            def paged() -> bool:
                state = _state(tenant_a, connection_id)
                assert doomed.alive(), doomed.output()
                return state is not None and state.window_end is not None and state.window_pages >= 1

            def periodic_jobs_queued() -> bool:  # what a scheduler's first tick does
                with tenant_a.scope():
                    return session.execute(select(Job.id).where(Job.dedupe_key.like("periodic:%"))).first() is not None

            wait_until(paged, 90, "the worker commits a page")
            emulator.faults.latency = 60  # its next call hangs (its heartbeat goes on meanwhile)
            workers.append(Worker(url, redis_url, queue_prefix, "--queue", "sync"))  # another, with the scheduler
            wait_until(periodic_jobs_queued, 90, "the other worker's scheduler ticks")
            assert _state(tenant_a, connection_id).page_cursor, "the window is not done"
            doomed.kill()
            killed = time.monotonic()
            emulator.faults.latency = 0.05

            def job() -> Job:
                with tenant_a.scope():
                    return session.execute(select(Job).where(Job.id == job_id)).scalar_one()

            wait_until(
                lambda: job().status != "running" or job().attempts == 2, 90, "the dead worker's job is requeued"
            )
            requeued = time.monotonic() - killed
            wait_until(lambda: job().status in FINAL, 120, "the resumed sync ends")
            finished = time.monotonic() - killed
            print(f"[recovery] sync worker SIGKILL: job requeued after {requeued:.1f} s, done after {finished:.1f} s")
        finally:
            for worker in workers:
                worker.close()
            for q in jobs.QUEUES:
                jobs.RQBackend(redis_url, queue_prefix).queue(q).empty()

        done = job()
        assert (done.status, done.attempts) == ("succeeded", 2), (done.status, done.error)
        with tenant_a.scope():
            runs = session.execute(select(SyncRun).where(SyncRun.connection_id == connection_id)).scalars().all()
            ids = (
                session.execute(
                    select(Order.external_order_id).where(
                        Order.connection_id == connection_id, Order.parent_id.is_(None)
                    )
                )
                .scalars()
                .all()
            )
        assert [(r.status, r.resumed, r.attempts) for r in runs] == [("succeeded", True, 2)]
        assert runs[0].orders_created == len(seeded)
        assert len(ids) == len(set(ids)) == len(seeded) and set(ids) == seeded
        state = _state(tenant_a, connection_id)
        assert state.window_end is None and state.high_water is not None
        with tenant_b.scope():
            assert session.execute(select(func.count()).select_from(Order)).scalar_one() == 0
