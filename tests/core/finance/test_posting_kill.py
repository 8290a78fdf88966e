"""A real `tradelane worker` killed mid-posting (SIGKILL to it and its work horse), then the
job recovered by the sweep and run by a new worker process: every voucher is in Kingdee's
emulator exactly once, none twice, none missing.

The emulator is served over real HTTP from a thread of this process, slowed down so the kill
lands in the middle of the run; the workers run RQ on the test Redis with this run's prefix."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from core import jobs
from core.db import session, utcnow
from core.finance.posting_models import Posting
from plugins.accounting.kingdee.emulator import KingdeeEmulator
from tests.servers import Worker, wait_until
from tests.support import body

VOUCHERS = 40
MAPPED = {"6601.05": "6601", "1002.01": "1002.01"}


@pytest.fixture
def kingdee():
    emulator = KingdeeEmulator(seed=3)
    server = make_server("127.0.0.1", 0, emulator, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield emulator, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _postings(tenant, conn: str) -> list[Posting]:
    with tenant.scope():
        return list(session.execute(select(Posting).where(Posting.connection_id == uuid.UUID(conn))).scalars())


def _until_released(key: str) -> None:
    from core.connections import exclusive

    def free() -> bool:
        with exclusive(key) as got:
            return bool(got)

    wait_until(free, 15, f"{key} released after the worker died")


@pytest.mark.slow
def test_a_worker_killed_mid_posting_posts_every_voucher_once(
    app, tenant_a, tenant_b, kingdee, database_url, redis_url, queue_prefix
):
    emulator, base = kingdee
    emulator.faults.latency = 0.05  # each call a little slow, so the run spans seconds
    assert tenant_a.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    for i in range(VOUCHERS):
        resp = tenant_a.api.post(
            "finance/vouchers",
            {
                "date": "2026-03-05",
                "memo": f"fee {i}",
                "lines": [
                    {"account": "6601.05", "debit": f"{i + 1}.00"},
                    {"account": "1002.01", "credit": f"{i + 1}.00"},
                ],
            },
        )
        assert resp.status_code == 201, body(resp)
    created = tenant_a.api.post(
        "connections",
        {
            "kind": "accounting",
            "plugin": "kingdee",
            "display_name": "Kingdee kill",
            "settings": emulator.connection_settings(base),
        },
    )
    assert created.status_code == 201, body(created)
    conn = body(created)["id"]
    mapped = tenant_a.api.put(
        f"finance/posting/targets/{conn}/mappings",
        {"mappings": [{"kind": "account", "local_key": k, "external_code": v} for k, v in MAPPED.items()]},
    )
    assert mapped.status_code == 200, body(mapped)

    backend = jobs.configure(redis_url, queue_prefix=queue_prefix)
    workers: list[Worker] = []
    try:
        run = tenant_a.api.post(f"finance/posting/targets/{conn}/runs", {"start_date": "2026-03-01"})
        assert run.status_code == 202, body(run)
        doomed = Worker(database_url, redis_url, queue_prefix, "--burst", "--queue", "finance", "--no-scheduler")
        workers.append(doomed)

        def some_posted() -> bool:
            assert doomed.alive(), doomed.output()
            return sum(p.status == "posted" for p in _postings(tenant_a, conn)) >= 5

        wait_until(some_posted, 90, "the worker posted five vouchers")
        doomed.kill()
        done = [p for p in _postings(tenant_a, conn) if p.status == "posted"]
        assert 0 < len(done) < VOUCHERS, "killed mid-run"

        _until_released(f"posting:{conn}")
        emulator.faults.latency = 0
        assert jobs.recover(now=utcnow() + timedelta(minutes=5))  # the sweep finds the dead job
        again = Worker(database_url, redis_url, queue_prefix, "--burst", "--queue", "finance", "--no-scheduler")
        workers.append(again)
        wait_until(lambda: not again.alive(), 120, "the second worker finished the run")
        assert again.proc.returncode == 0, again.output()
    finally:
        for w in workers:
            w.close()
        for q in jobs.QUEUES:
            backend.queue(q).empty()
        jobs.configure(None, eager=True)

    rows = _postings(tenant_a, conn)
    assert len(rows) == VOUCHERS and all(r.status == "posted" for r in rows), Counter(r.status for r in rows)
    refs = Counter(e["FBUSNO"] for v in emulator.vouchers.values() for e in v["FEntity"][:1])
    assert len(emulator.vouchers) == VOUCHERS, f"{len(emulator.vouchers)} vouchers in Kingdee for {VOUCHERS}"
    assert set(refs.values()) == {1} and set(refs) == {r.reference for r in rows}
    assert {r.external_id for r in rows} == {str(v) for v in emulator.vouchers}
    assert all(v["FDocumentStatus"] == "C" for v in emulator.vouchers.values()), "every voucher audited"
    assert body(tenant_b.api.get("finance/posting/results?page_size=100")) == []
