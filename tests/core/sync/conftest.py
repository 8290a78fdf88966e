"""Fixtures of the sync tests: `connect(tenant, name)` gives a tenant a connection to a
channel emulator in this process (undone after the test); `undispatched` leaves events in the
outbox; `held` keeps submitted jobs until the test runs them."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from core import jobs
from tests.core.sync import helpers


@pytest.fixture
def connect(app):
    made: list[helpers.Channel] = []

    def make(tenant, name, **kw):
        channel = helpers.connect(tenant, name, **kw)
        made.append(channel)
        return channel

    yield make
    for channel in made:
        channel.close()


class _Undispatched:
    def nudge(self, tenant_id: object) -> None:
        return None


@pytest.fixture
def undispatched(monkeypatch):
    """Leave events in the outbox. The suite dispatches them inline after every commit, which
    would deliver each imported order's events inside the sync being measured; production
    dispatches them in the background. For tests about what a sync stores."""
    from core import events

    monkeypatch.setattr(events, "_dispatcher", _Undispatched())


class HeldJobs:
    """A job transport that keeps what it is given: tests run the jobs when they choose."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, str, int]] = []

    def submit(self, tenant_id, job_id, attempt, kind, delay=0) -> None:
        self.submitted.append((str(tenant_id), str(job_id), attempt))

    def run_one(self) -> None:
        jobs.run_job(*self.submitted.pop(0))

    def run_all(self) -> None:
        while self.submitted:
            jobs.run_job(*self.submitted.pop(0))


@pytest.fixture
def held(monkeypatch) -> HeldJobs:
    backend = HeldJobs()
    monkeypatch.setattr(jobs, "_backend", backend)
    return backend


@pytest.fixture
def served():
    """served(name) -> (emulator, base URL): an emulator on the real clock, served over HTTP
    from a thread on a free port (for code that opens its own connections: test_connection,
    worker processes)."""
    servers = []

    def serve(name: str):
        emulator = helpers.EMULATORS[name](seed=5)
        server = make_server("127.0.0.1", 0, emulator, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return emulator, f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()
