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
