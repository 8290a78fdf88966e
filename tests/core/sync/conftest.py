"""Fixtures of the sync tests: `connect(tenant, name)` gives a tenant a connection to a
channel emulator in this process, undone after the test."""
from __future__ import annotations

import pytest

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
