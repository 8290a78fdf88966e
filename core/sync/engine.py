"""The order sync of one channel connection (the job `sync.connection`).

Windows run over the channel's "last changed" time. A fresh window starts at the last
committed window end minus the connection's overlap (clock skew, changes stamped late) and
ends at `adapter.window_end()` (now minus the channel's list lag), fixed when the window
starts. Each page's orders are upserted, and the page cursor saved, in one transaction: a
worker killed mid-window leaves the window and cursor of its last committed page, and the
next run continues from there before opening a fresh window. The upsert is keyed on
(tenant, connection, external order id) and ignores payloads it has seen, so overlaps,
re-deliveries and a page read twice change nothing.

One run per connection at a time: the run holds a lock named after the connection
(core.connections.exclusive), which a dead worker loses with its database connection. A
database restart releases it too, without the run noticing; so the run checks it before every
page commit and, when it is gone, stops without committing the page (the job retries and
continues from the last committed cursor, unless another run holds the lock by then).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core import connections, jobs
from core.connections import Exclusive, LockLost, describe
from core.db import get_or_none, session, utcnow
from core.messages import Msg
from core.orders import service as orders
from core.ports import AdapterError, AuthError, ChannelOrder, RemoteRejected
from core.sync import service
from core.sync.models import SyncRun, SyncState
from tenants.models import PluginConnection

log = logging.getLogger("tradelane.sync")

ERRORS_KEPT = 50  # a run keeps the first errors in full and counts the rest


def run(ctx: Any, connection_id: uuid.UUID, trigger: str = "schedule") -> dict[str, Any]:
    """Sync the connection's orders. `ctx` is the job's context (progress, attempt, job id)."""
    conn = get_or_none(PluginConnection, connection_id)
    if conn is None or conn.kind != "channel":
        return {"skipped": Msg("sync.connection_gone")}
    if not conn.enabled:
        return {"skipped": Msg("sync.connection_disabled")}
    with connections.exclusive(f"sync:{conn.id}") as lock:
        if not lock:
            return {"skipped": Msg("sync.already_running")}
        return _Run(ctx, conn, trigger, lock).execute()


class _Run:
    def __init__(self, ctx: Any, conn: PluginConnection, trigger: str, lock: Exclusive) -> None:
        self.ctx, self.conn, self.trigger, self.lock = ctx, conn, trigger, lock
        self.settings = service.settings_for(conn.id)
        self.adapter: Any = None  # the channel adapter, bound to the runtime
        self.percent = 0
        self.first_seen: datetime | None = None

    # -- the run's record -------------------------------------------------------------------

    def _open_record(self) -> SyncRun:
        job_id = getattr(self.ctx, "job_id", None)
        row = None
        if job_id is not None:  # a retry of this job continues its run
            row = session.execute(select(SyncRun).where(SyncRun.job_id == job_id)).scalar_one_or_none()
        if row is None:
            row = SyncRun(
                connection_id=self.conn.id,
                job_id=job_id,
                trigger=self.trigger,
                status="running",
                started_at=utcnow(),
                errors=[],
                attempts=1,
                pages=0,
                orders_seen=0,
                orders_created=0,
                orders_updated=0,
                orders_unchanged=0,
                orders_rejected=0,
                error_count=0,
                duration_ms=0,
                remote_ms=0,
                store_ms=0,
                resumed=False,
            )
            session.add(row)
        else:
            row.status, row.error, row.finished_at = "running", None, None
            row.attempts += 1
        session.flush()
        # This run holds the connection's lock, so any other run still marked running died
        # with its worker; its window is continued here.
        session.execute(
            update(SyncRun)
            .where(SyncRun.connection_id == self.conn.id, SyncRun.status == "running", SyncRun.id != row.id)
            .values(
                status="interrupted",
                finished_at=utcnow(),
                error="the worker stopped during this run; a later run continued its window",
            )
            .execution_options(synchronize_session=False)
        )
        return row

    def _note(self, order: str | None, message: str) -> None:
        self.record.error_count += 1
        if len(self.record.errors) < ERRORS_KEPT:
            self.record.errors = [*self.record.errors, {"at": utcnow().isoformat(), "order": order, "message": message}]

    # -- the run ----------------------------------------------------------------------------

    def execute(self) -> dict[str, Any]:
        self.began = time.perf_counter()
        self.record = self._open_record()
        self.state: SyncState = service.state_for(self.conn.id, create=True)  # type: ignore[assignment]
        self.state.last_started_at = utcnow()
        session.commit()
        try:
            with connections.using(self.conn, "channel") as self.adapter:
                if self.state.window_end is not None:
                    self.record.resumed = True
                    self._page_through()
                if self._open_window():
                    self._page_through()
            return self._succeeded()
        except AuthError as exc:
            return self._failed(exc, retry=False, blocked=True)
        except AdapterError as exc:
            return self._failed(exc, retry=exc.retryable)
        except LockLost as exc:
            log.warning("sync of connection %s stopped: %s", self.conn.id, exc)
            return self._failed(exc, retry=True, message=f"stopped before committing a page: {exc}")
        except Exception as exc:  # noqa: BLE001 - database hiccups and plugin bugs: the job retries
            log.exception("sync of connection %s failed", self.conn.id)
            return self._failed(exc, retry=True)

    def _open_window(self) -> bool:
        assert self.adapter is not None
        clock = self.adapter.ctx.clock
        if self.state.high_water is not None:
            start = self.state.high_water - timedelta(seconds=self.settings.overlap_seconds)
        else:
            start = clock.now() - timedelta(days=self.settings.first_sync_days)
        end = self.adapter.window_end()
        if end <= start:
            return False
        self.state.window_start, self.state.window_end = start, end
        self.state.page_cursor, self.state.window_pages = None, 0
        self.lock.check()
        session.commit()
        return True

    def _page_through(self) -> None:
        assert self.adapter is not None
        adapter, state, record = self.adapter, self.state, self.record
        start, end = state.window_start, state.window_end
        assert start is not None and end is not None
        record.window_start = record.window_start or start
        record.window_end = end
        while True:
            t0 = time.perf_counter()
            page = adapter.list_orders(start, end, state.page_cursor)
            complete = self._complete(page.orders)
            t1 = time.perf_counter()
            results = orders.upsert_many(self.conn.id, complete) if complete else []
            service.remember_listings(self.conn.id, complete)
            self._count(page.orders, complete, results)
            state.page_cursor = page.next_cursor
            state.window_pages += 1
            record.pages += 1
            record.remote_ms += int((t1 - t0) * 1000)
            connections.save_state(adapter)
            self.lock.check()  # another run may hold the connection by now: commit nothing then
            session.commit()  # the page's orders, the cursor after it and the run's counts together
            record.store_ms += int((time.perf_counter() - t1) * 1000)
            self._progress(page.orders, start, end)
            if page.next_cursor is None:
                break
        state.high_water = end
        state.window_start = state.window_end = state.page_cursor = None
        state.window_pages = 0
        self.lock.check()
        session.commit()

    def _complete(self, listed: Sequence[ChannelOrder]) -> list[ChannelOrder]:
        """Orders ready to import: those listed without lines get them fetched, except a
        version already imported (an overlapping or repeated window lists it again): its
        lines would cost a rate-limited call each (Amazon allows getOrderItems one every two
        seconds) to change nothing."""
        assert self.adapter is not None
        known = orders.channel_versions(self.conn.id, [o.external_order_id for o in listed if not o.lines_complete])
        out = []
        for order in listed:
            if not order.lines_complete:
                seen = known.get(order.external_order_id)
                if seen is not None and order.updated_at <= seen:
                    self.record.orders_unchanged += 1
                    continue
                try:
                    order = self.adapter.fetch_order_lines(order)
                except RemoteRejected as exc:
                    self.record.orders_rejected += 1
                    self._note(order.external_order_id, f"lines could not be fetched: {describe(exc, self.adapter)}")
                    continue
            out.append(order)
        return out

    def _count(
        self, listed: Sequence[ChannelOrder], imported: Sequence[ChannelOrder], results: Sequence[orders.UpsertResult]
    ) -> None:
        record = self.record
        record.orders_seen += len(listed)
        for order, result in zip(imported, results):
            if result.outcome == "created":
                record.orders_created += 1
            elif result.outcome == "updated":
                record.orders_updated += 1
            elif result.outcome == "unchanged":
                record.orders_unchanged += 1
            else:
                record.orders_rejected += 1
                self._note(order.external_order_id, result.error)

    def _progress(self, listed: Sequence[ChannelOrder], start: datetime, end: datetime) -> None:
        """How far the newest change seen is from the oldest towards the window's end: an
        estimate (channels list by change time or by id), never going back."""
        if listed:
            oldest = min(o.updated_at for o in listed)
            self.first_seen = min(self.first_seen or oldest, oldest)
            span = (end - self.first_seen).total_seconds()
            if span > 0:
                done = (max(o.updated_at for o in listed) - self.first_seen).total_seconds()
                self.percent = max(self.percent, min(99, int(done * 100 / span)))
        r = self.record
        counts = {"page": r.pages, "seen": r.orders_seen, "created": r.orders_created, "updated": r.orders_updated}
        message = (
            Msg("jobs.sync_page_rejected", **counts, rejected=r.orders_rejected)
            if r.orders_rejected
            else Msg("jobs.sync_page", **counts)
        )
        if hasattr(self.ctx, "progress"):
            self.ctx.progress(self.percent, message)

    # -- endings ----------------------------------------------------------------------------

    def _close_record(self, status: str, error: str | None = None) -> None:
        r = self.record
        r.status, r.error, r.finished_at = status, error, utcnow()
        r.duration_ms += int((time.perf_counter() - self.began) * 1000)

    def _succeeded(self) -> dict[str, Any]:
        self._close_record("succeeded")
        self.state.last_succeeded_at = utcnow()
        self.state.auth_blocked = False
        if self.conn.status != "ok" or self.conn.last_error:
            connections.record_error(self.conn, None)  # a sync that works proves the connection
        session.commit()
        return self.summary()

    def _failed(
        self, exc: BaseException, *, retry: bool, blocked: bool = False, message: str | None = None
    ) -> dict[str, Any]:
        session.rollback()  # the page in flight; committed pages and their cursor stay
        message = message or describe(exc, self.adapter)
        final = not retry or getattr(self.ctx, "attempt", 1) >= _max_attempts()
        self._note(None, message)
        self._close_record("failed" if final else "retrying", message)
        if blocked:
            self.state.auth_blocked = True
        if final:
            connections.record_error(self.conn, message)
        session.commit()
        if not final:
            raise exc  # the job retries after its backoff and continues from the saved cursor
        return self.summary()

    def summary(self) -> dict[str, Any]:
        r = self.record
        return {
            "run_id": str(r.id),
            "status": r.status,
            "window_start": r.window_start,
            "window_end": r.window_end,
            "pages": r.pages,
            "created": r.orders_created,
            "updated": r.orders_updated,
            "unchanged": r.orders_unchanged,
            "rejected": r.orders_rejected,
            "errors": r.error_count,
            **({"error": r.error} if r.error else {}),
        }


def _max_attempts() -> int:
    try:
        return jobs.spec("sync.connection").max_attempts
    except KeyError:
        return 1
