"""One sync per connection (core.connections.exclusive): the run's session advisory lock goes
with its database session -- a worker killed, or the database restarted -- and the run, which
does not notice by itself, checks the lock before every page commit. When it is gone the run
commits nothing more and its job retries from the last committed cursor, so no two runs ever
write one connection's window at once.

The first test ends the lock's session on the shared server (pg_terminate_backend of that one
session); the second restarts a throwaway server of its own (tests/pgserver.py)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select, text

from core import connections
from core.db import db, session
from core.sync.models import SyncRun, SyncState
from tests.pgserver import ThrowawayPostgres
from tests.support import body, make_tenant


class OnListing(httpx.BaseTransport):
    """Passes requests to the emulator, doing `action` before the `nth` order-list request."""

    def __init__(self, inner: httpx.BaseTransport, nth: int, action: Callable[[], None]) -> None:
        self.inner, self.nth, self.action, self.seen = inner, nth, action, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/orders.json"):
            self.seen += 1
            if self.seen == self.nth:
                self.action()
        return self.inner.handle_request(request)


def _end_lock_session(key: str) -> None:
    # With a timeout, pg_terminate_backend waits until that backend has exited and so released
    # its locks; without one it only sends the signal, and the lock could still be held a moment.
    with db.require_engine().connect() as admin:
        ended = admin.execute(
            text(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
                " AND classid::bigint = (hashtextextended(:k, 0) >> 32) & 4294967295"
                " AND objid::bigint = hashtextextended(:k, 0) & 4294967295"
            ),
            {"k": key},
        ).all()
        admin.commit()
    assert ended == [(True,)], ended


def _interrupt_on_second_page(channel, action: Callable[[], None]) -> None:
    inner = httpx.WSGITransport(app=channel.emulator)
    connections.route(channel.base_url, transport=OnListing(inner, 2, action), clock=channel.clock)


def _assert_stopped_then_resumed(tenant, channel, seeded: set[str], held) -> None:
    """The first attempt stopped before committing page 2; the retry finished the window."""
    with tenant.scope():
        (run,) = session.execute(select(SyncRun).where(SyncRun.connection_id == channel.connection_id)).scalars()
        state = session.execute(select(SyncState).where(SyncState.connection_id == channel.connection_id)).scalar_one()
        assert run.status == "retrying" and "lost" in run.error and "stopped before committing a page" in run.error
        assert state.window_pages == 1
    assert channel.order_count() == 250
    held.run_all()
    (run,) = body(tenant.api.get(f"connections/{channel.conn}/sync-runs"))
    assert (run["status"], run["attempts"], run["resumed"]) == ("succeeded", 2, True), run
    assert {o.external_order_id for o in channel.orders()} == seeded and channel.order_count() == len(seeded)


def test_a_run_whose_lock_session_ended_stops_before_its_next_page_commit(tenant_a, connect, held, undispatched):
    channel = connect(tenant_a, "shopify")
    seeded = set(channel.generate(600, hours=12))  # three pages of 250
    channel.settle()
    key = f"sync:{channel.conn}"
    taken: list[bool] = []

    def end_the_lock() -> None:
        _end_lock_session(key)
        with connections.exclusive(key) as other:  # released: another run could take it now
            taken.append(bool(other))

    _interrupt_on_second_page(channel, end_the_lock)
    assert tenant_a.api.post(f"connections/{channel.conn}/sync").status_code == 202
    held.run_one()
    assert taken == [True]
    _assert_stopped_then_resumed(tenant_a, channel, seeded, held)


@pytest.fixture
def throwaway_database(app):
    """Point the app at a PostgreSQL server of this test's own, migrated; put it back after."""
    from core.migrate import upgrade

    server = ThrowawayPostgres()
    if not server.available:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    server.start()
    engine = db.require_engine()
    original, role = engine.url.render_as_string(hide_password=False), db.app_role
    try:
        db.configure(server.url, app_role=role)
        upgrade(db.require_engine())
        yield server
    finally:
        db.configure(original, app_role=role)
        server.stop()


@pytest.mark.slow
def test_a_database_restart_mid_window_stops_the_run_before_its_next_page_commit(
    app, throwaway_database, connect, held, undispatched
):
    tenant = make_tenant(app, "Restart")
    channel = connect(tenant, "shopify")
    seeded = set(channel.generate(600, hours=12))
    channel.settle()
    key = f"sync:{channel.conn}"
    taken: list[bool] = []

    def restart() -> None:
        throwaway_database.restart()
        with connections.exclusive(key) as other:  # the restart released the run's lock
            taken.append(bool(other))

    _interrupt_on_second_page(channel, restart)
    assert tenant.api.post(f"connections/{channel.conn}/sync").status_code == 202
    held.run_one()
    assert taken == [True]
    _assert_stopped_then_resumed(tenant, channel, seeded, held)
