"""Opening a connection's adapter for sync work, keeping credentials out of recorded errors,
and making sure only one worker drives a connection's order sync at a time.

`route(base_url, transport=, clock=)` sends every connection whose base URL starts with
`base_url` through an httpx transport (and clock) of the caller's choosing instead of the
network: tests, benchmarks and the embedded demo reach emulators in this process with it.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import text

from core.db import db
from core.ports import Adapter, AdapterError
from tenants import service as tenants
from tenants.models import PluginConnection

_routes: dict[str, dict[str, Any]] = {}


def route(base_url: str, *, transport: Any = None, clock: Any = None) -> None:
    """Reach connections whose base URL starts with `base_url` through `transport`/`clock`."""
    _routes[base_url.rstrip("/")] = {k: v for k, v in (("transport", transport), ("clock", clock)) if v is not None}


def unroute(base_url: str) -> None:
    _routes.pop(base_url.rstrip("/"), None)


def open_adapter(conn: PluginConnection) -> Adapter:
    base = str((conn.settings or {}).get("base_url") or "")
    extra: dict[str, Any] = {}
    for prefix, options in _routes.items():
        if base == prefix or base.startswith(prefix + "/"):
            extra = options
            break
    return tenants.open_adapter(conn, **extra)


def describe(exc: BaseException, adapter: Adapter | None = None) -> str:
    """An error as recorded on runs, pushes and the connection: the adapter's own words, with
    any credential value that slipped into them blanked out."""
    kind = type(exc).__name__
    message = f"{kind}: {exc}" if isinstance(exc, AdapterError) else f"plugin error: {kind}: {exc}"
    if adapter is not None:
        for secret in adapter.ctx.credentials.values():
            value = secret.reveal()
            if len(value) >= 4:
                message = message.replace(value, "***")
    return message[:2000]


_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def exclusive(key: str, *, wait: bool = False) -> Iterator[bool]:
    """Hold a lock named `key` across transactions; yields whether it was obtained.

    On PostgreSQL it is a session advisory lock on a connection of its own, so a worker that
    is killed loses it with its connection and the next run takes over at once. Embedded mode
    (SQLite, one process) uses a lock of this process."""
    engine = db.require_engine()
    if engine.dialect.name != "postgresql":
        with _local_guard:
            lock = _local_locks.setdefault(key, threading.Lock())
        got = lock.acquire(blocking=wait)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    conn = engine.connect()
    try:
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": key})
            got = True
        else:
            got = conn.execute(text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), {"k": key}).scalar()
        conn.commit()
        try:
            yield bool(got)
        finally:
            if got:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})
                    conn.commit()
                except Exception:  # noqa: BLE001 - a broken connection must not go back to the pool
                    conn.invalidate()
    finally:
        conn.close()
