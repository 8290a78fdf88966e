"""The adapter runtime (DESIGN §6): the one place core opens and calls the adapters of every
kind -- channels, carriers and accounting targets -- for a tenant connection.

    with connections.using(connection_id, "carrier") as carrier:
        label = carrier.create_label(request)

`using` opens the connection's adapter with its decrypted credentials and state, the
connection's timeout and retry policy (`core.ports.RetryPolicy`, applied to each request the
adapter sends: docs/decisions/0009-one-retry-layer.md), and yields it bound to the runtime.
Each operation the adapter declares (`Adapter.operations`) is then called through `_call`,
which

- looks a write up before sending it, when the adapter can (`Operation.lookup`);
- turns a failure of a write that is not safe to repeat into `OutcomeUnknown(retryable=False)`,
  so neither the caller nor its job sends it again;
- blanks credential values out of the error's message and logs every failure;
- marks the connection when its credentials are refused (the seller must act).

On leaving the block the adapter's state is saved and the adapter closed.

What the runtime learns about a connection -- rotated credentials, refused credentials, the
adapter's state -- is true whatever becomes of the work around the call, so it is written
into the door's transaction and, should the door roll back, written again when the session
next commits (`_keep`). `tenants` keeps the connection rows and their encrypted secrets; this
module only tells it what changed.

Also here: `call_each` (one read of several connections at once, each in a thread: quotes
from every carrier), `route` (reach connections through an in-process transport: tests, the
demo, benchmarks), `describe` (an error as recorded: credentials blanked), `test` (the portal's and
API's connection test) and `exclusive` (a lock per connection held across transactions, which
a run re-checks before each commit).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from core.db import db, session, utcnow
from core.errors import NotFound
from core.ports import (
    DEFAULT_RETRY,
    Adapter,
    AdapterError,
    AuthError,
    ConnectionContext,
    OutcomeUnknown,
    RemoteRejected,
    RetryPolicy,
    Secret,
    TransientError,
)
from core.tenancy import NoTenantError
from tenants import service as tenants
from tenants.models import PluginConnection

log = logging.getLogger("tradelane.connections")

# Background work (jobs) takes core.ports.DEFAULT_RETRY; a person waiting on a page gets fewer,
# shorter tries.
INTERACTIVE_RETRY = RetryPolicy(attempts=2, max_wait=5.0)

# ---------------------------------------------------------------------------------------------
# Routes: connections reached through a transport of the caller's choosing

_routes: dict[str, dict[str, Any]] = {}


def route(base_url: str, *, transport: Any = None, clock: Any = None) -> None:
    """Reach every connection whose base URL starts with `base_url` through the httpx
    `transport` (and `clock`) instead of the network: tests, benchmarks and the embedded demo
    reach emulators in this process with it."""
    _routes[base_url.rstrip("/")] = {k: v for k, v in (("transport", transport), ("clock", clock)) if v is not None}


def unroute(base_url: str) -> None:
    _routes.pop(base_url.rstrip("/"), None)


def _routed(conn: PluginConnection) -> dict[str, Any]:
    base = str((conn.settings or {}).get("base_url") or "")
    for prefix, options in _routes.items():
        if base == prefix or base.startswith(prefix + "/"):
            return options
    return {}


# ---------------------------------------------------------------------------------------------
# Using an adapter


class BoundAdapter:
    """An adapter bound to the runtime, as `using` yields it. Its declared operations go
    through the runtime; every other attribute (ctx, capabilities, list_lag, window_end, ...)
    is the adapter's own."""

    __slots__ = ("_adapter", "_connection")

    def __init__(self, adapter: Adapter, connection: PluginConnection) -> None:
        object.__setattr__(self, "_adapter", adapter)
        object.__setattr__(self, "_connection", connection)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._adapter, name)
        if name in self._adapter.operations and callable(value):
            return functools.partial(_call, self, name)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._adapter, name, value)

    def __repr__(self) -> str:
        return f"<{type(self._adapter).__name__} of connection {self._connection.id}>"


def _connection(connection: uuid.UUID | str | PluginConnection, kind: str) -> PluginConnection:
    if isinstance(connection, PluginConnection):
        conn = connection
    else:
        conn = tenants.get_connection(uuid.UUID(str(connection)))
    if conn.kind != kind:
        raise NotFound(f"{kind} connection", conn.id)
    return conn


def _open(conn: PluginConnection, retry: RetryPolicy) -> Adapter:
    info = tenants.adapter_info(conn.kind, conn.plugin)
    ctx = ConnectionContext(
        connection_id=str(conn.id),
        tenant_id=str(conn.tenant_id),
        settings=dict(conn.settings),
        credentials={k: Secret(str(v)) for k, v in tenants.connection_credentials(conn).items()},
        state=tenants.connection_state(conn),
        save_credentials=lambda new: _keep(conn, credentials=dict(new)),
        retry=retry,
        **_routed(conn),
    )
    return info.cls(ctx)


@contextmanager
def using(
    connection: uuid.UUID | str | PluginConnection, kind: str, *, retry: RetryPolicy = DEFAULT_RETRY
) -> Iterator[Any]:
    """Open the connection's adapter of `kind` (NotFound for a connection of another kind) and
    yield it bound to the runtime; save its state and close it afterwards. `retry` is the
    policy its requests are sent again under (INTERACTIVE_RETRY where a person waits)."""
    conn = _connection(connection, kind)
    adapter = _open(conn, retry)
    bound = BoundAdapter(adapter, conn)
    try:
        yield bound
    except BaseException:
        _keep(conn, write=False, state=dict(adapter.ctx.state))  # the door is about to roll back
        raise
    else:
        save_state(bound)
    finally:
        try:
            adapter.close()
        except Exception:  # noqa: BLE001 - closing must not hide what happened in the block
            log.warning("closing the %s adapter of connection %s failed", conn.plugin, conn.id, exc_info=True)


def save_state(adapter: BoundAdapter) -> None:
    """Persist what the adapter keeps between calls (cached tokens, id maps) into the current
    transaction now; a run that commits page by page calls it before each commit."""
    _keep(adapter._connection, state=dict(adapter._adapter.ctx.state))


def _call(bound: BoundAdapter, name: str, /, *args: Any, **kwargs: Any) -> Any:
    adapter, conn = bound._adapter, bound._connection
    op = adapter.operations[name]
    try:
        if op.lookup:
            done = getattr(adapter, op.lookup)(*args, **kwargs)
            if done is not None:
                log.info("%s of connection %s had already happened; its result was looked up", name, conn.id)
                return done
        return getattr(adapter, name)(*args, **kwargs)
    except Exception as exc:
        failed = _failed(bound, name, exc)
        if failed is exc:
            raise
        raise failed from exc


def _failed(bound: BoundAdapter, name: str, exc: Exception) -> Exception:
    """The runtime's bookkeeping of a failed operation (credentials blanked, logged, refused
    credentials marked); returns the exception to raise."""
    adapter, conn = bound._adapter, bound._connection
    op = adapter.operations[name]
    _redact(exc, adapter)
    if isinstance(exc, AdapterError):
        # A refusal is the remote's answer to this request (the caller shows it, e.g. "USPS mails
        # from the US only" beside one carrier's quote); only faults are worth a warning.
        level = logging.INFO if isinstance(exc, RemoteRejected) else logging.WARNING
        log.log(level, "%s %s of connection %s failed: %s", conn.plugin, name, conn.id, describe(exc))
        if isinstance(exc, AuthError):
            record_error(conn, describe(exc))
        if exc.retryable and not (op.repeatable or op.lookup):
            return OutcomeUnknown(
                f"{name} may have been performed ({type(exc).__name__}: {exc}); it is not sent again: "
                f"check on {adapter.display_name or adapter.name} before trying again",
                retryable=False,
                status=exc.status,
            )
    else:
        log.error("%s %s of connection %s raised %s", conn.plugin, name, conn.id, describe(exc))
    return exc


def call_each(bounds: Sequence[BoundAdapter], name: str, /, *args: Any) -> list[Any]:
    """Call the same read (`name`, an idempotent operation) on several bound adapters at once,
    each in a thread of its own, so asking four carriers takes as long as the slowest, not the
    sum. Returns, in order, each call's result or the exception it raised. A call still
    unanswered when its own timeouts and retries must have run out (the connection's timeout
    per send, the policy's sends and waits) is given up as a TransientError; its thread is left
    to end on its own. Only the adapter's own code runs in the threads: the bookkeeping of
    failures, which writes to the connection, is done here in the caller's thread."""
    for bound in bounds:
        op = bound._adapter.operations[name]
        if not op.idempotent or op.lookup:
            raise ValueError(f"{name} is not a read: call it through `using` one connection at a time")
    outcomes: list[Any] = [None] * len(bounds)
    finished = [threading.Event() for _ in bounds]

    def work(i: int) -> None:
        try:
            outcomes[i] = getattr(bounds[i]._adapter, name)(*args)
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread below
            outcomes[i] = exc
        finally:
            finished[i].set()

    for i in range(len(bounds)):
        threading.Thread(target=work, args=(i,), name=f"{name}-{i}", daemon=True).start()
    started = time.monotonic()
    answers: list[Any] = []
    for i, bound in enumerate(bounds):
        ctx = bound._adapter.ctx
        budget = ctx.timeout * ctx.retry.attempts + ctx.retry.max_wait * (ctx.retry.attempts - 1) + 1.0
        if finished[i].wait(max(0.0, started + budget - time.monotonic())):
            answer = outcomes[i]
        else:  # a late answer lands in `outcomes`, which nobody reads any more
            answer = TransientError(f"{name} got no answer within {budget:.0f} s")
        answers.append(_failed(bound, name, answer) if isinstance(answer, Exception) else answer)
    return answers


def _redact(exc: BaseException, adapter: Adapter) -> None:
    """Blank the connection's credential values out of the exception's message, in place, so
    whatever records or logs it downstream is safe."""
    values = [s.reveal() for s in adapter.ctx.credentials.values() if len(s.reveal()) >= 4]
    if values and exc.args:
        exc.args = tuple(_blank(a, values) if isinstance(a, str) else a for a in exc.args)


def _blank(message: str, values: list[str]) -> str:
    for value in values:
        message = message.replace(value, "***")
    return message


def describe(exc: BaseException, adapter: Any = None) -> str:
    """An error as recorded on runs, pushes and the connection: the adapter's own words, with
    any credential value that slipped into them blanked out."""
    kind = type(exc).__name__
    message = f"{kind}: {exc}" if isinstance(exc, AdapterError) else f"plugin error: {kind}: {exc}"
    if adapter is not None:
        message = _blank(message, [s.reveal() for s in adapter.ctx.credentials.values() if len(s.reveal()) >= 4])
    return message[:2000]


# ---------------------------------------------------------------------------------------------
# The connection's health


def record_error(conn: PluginConnection, error: str | None) -> None:
    """Mark the connection failing with `error`, or working when None (a sync that succeeds
    proves it)."""
    _keep(conn, status="error" if error else "ok", last_error=error[:2000] if error else None, last_checked_at=utcnow())


def test(connection_id: uuid.UUID) -> PluginConnection:
    """Make the adapter's cheap authenticated call and record the outcome on the connection."""
    conn = tenants.get_connection(connection_id)
    try:
        with using(conn, conn.kind, retry=INTERACTIVE_RETRY) as adapter:
            account = str(adapter.check_connection() or "")[:200]
    except Exception as exc:  # noqa: BLE001 - bad credentials and plugin bugs alike are shown on the connection
        record_error(conn, describe(exc))
    else:
        _keep(conn, status="ok", last_error=None, account=account, last_checked_at=utcnow())
    return conn


# ---------------------------------------------------------------------------------------------
# Writes that outlive the door's rollback

_KEPT = "tradelane.connections.kept"


def _keep(conn: PluginConnection, *, write: bool = True, **changes: Any) -> None:
    """Write `changes` (tenants.change_connection's arguments) on the connection in the current
    transaction, and remember them until a commit: if the door rolls back (a failed page, a
    failed push), they are written again when the session next commits."""
    kept = session().info.setdefault(_KEPT, {})
    entry = kept.setdefault(conn.id, {})
    if changes.get("credentials"):
        changes["credentials"] = {**entry.get("credentials", {}), **changes["credentials"]}
    entry.update(changes)
    if write:
        tenants.change_connection(conn, **changes)
        session.flush()


@event.listens_for(Session, "before_commit")
def _write_kept(s: Session) -> None:
    kept = s.info.get(_KEPT)
    if not kept:
        return
    for conn_id, changes in kept.items():
        try:
            conn = s.get(PluginConnection, conn_id)
        except NoTenantError:  # a session outside the tenant's context cannot be the door's
            return
        if conn is not None:
            tenants.change_connection(conn, **changes)


@event.listens_for(Session, "after_commit")
def _forget_kept(s: Session) -> None:
    s.info.pop(_KEPT, None)


# ---------------------------------------------------------------------------------------------
# One worker per connection: a lock held across transactions


class LockLost(Exception):
    """The lock was released under its holder (the database restarted or ended its session):
    another worker may hold it now, so the holder must stop before committing more."""


class Exclusive:
    """A held (or refused) lock, as `exclusive` yields it: true when obtained."""

    def __init__(self, key: str, obtained: bool, holds: Callable[[], bool]) -> None:
        self.key, self.obtained, self._holds = key, obtained, holds

    def __bool__(self) -> bool:
        return self.obtained

    def check(self) -> None:
        """Raise LockLost unless the lock is still held. Call it before each commit of work
        the lock protects."""
        if not self.obtained:
            raise LockLost(f"the lock {self.key} was never obtained")
        try:
            held = self._holds()
        except Exception as exc:  # noqa: BLE001 - a connection the database dropped holds nothing
            raise LockLost(f"the lock {self.key} was lost with its database session ({type(exc).__name__})") from exc
        if not held:
            raise LockLost(f"the lock {self.key} was released under this run")


_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()

# The advisory lock of `key` is held by this session: a bigint key shows in pg_locks as
# classid (high 32 bits) and objid (low 32 bits) with objsubid 1.
_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
    " AND objsubid = 1 AND classid::bigint = (hashtextextended(:k, 0) >> 32) & 4294967295"
    " AND objid::bigint = hashtextextended(:k, 0) & 4294967295"
)


@contextmanager
def exclusive(key: str, *, wait: bool = False, engine: Any = None) -> Iterator[Exclusive]:
    """Hold a lock named `key` (e.g. f"sync:{connection id}") across transactions; the value is
    true when it was obtained. `wait` blocks until it is free.

    On PostgreSQL it is a session advisory lock on a database connection of its own, so a
    worker that is killed loses it with its connection and the next run takes over at once.
    The same is true of a database restart, which the holder does not notice by itself: it
    calls `check()` before each commit and stops on LockLost. Embedded mode (SQLite, one
    process) uses a lock of this process."""
    engine = engine or db.require_engine()
    if engine.dialect.name != "postgresql":
        with _local_guard:
            lock = _local_locks.setdefault(key, threading.Lock())
        got = lock.acquire(blocking=wait)
        try:
            yield Exclusive(key, got, lambda: True)
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
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), {"k": key}).scalar())
        conn.commit()

        def holds() -> bool:
            held = conn.execute(_HELD, {"k": key}).scalar()
            conn.commit()
            return bool(held)

        try:
            yield Exclusive(key, got, holds)
        finally:
            if got:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})
                    conn.commit()
                except Exception:  # noqa: BLE001 - a broken connection must not go back to the pool
                    conn.invalidate()
    finally:
        conn.close()
