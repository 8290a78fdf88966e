"""A clock that tests move by hand, shared by an adapter and its emulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from core.ports import Clock

DEFAULT_START = datetime(2026, 10, 5, 12, 0, 0, tzinfo=UTC)


class VirtualClock(Clock):
    """`sleep` advances time instead of waiting, so an adapter pacing itself against an
    emulator's rate limits, or an emulator hiding orders younger than two minutes, costs no
    real time. Give the same instance to the adapter's ConnectionContext and the emulator."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._monotonic = 0.0
        self.slept = 0.0  # total seconds slept, for tests that assert pacing happened
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            self.advance(seconds)

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move time forward by `seconds` (plus any timedelta keywords); returns the new now."""
        step = timedelta(seconds=seconds, **delta)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += step
            self._monotonic += step.total_seconds()
            return self._now
