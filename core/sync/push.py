"""Push-back to the channels: shipment confirmations (`sync.push_shipment`) and listing
quantities (`sync.push_stock`).

Every push is a `SyncPush` row. A push the channel refuses (the request is wrong) is recorded
as failed and not retried; one that fails for a passing reason (throttling, a 5xx, a timeout)
is recorded as retrying and its job tries again with backoff, as failed after the last
attempt. Refused credentials mark the connection, which the seller must fix. Failed pushes
can be retried from the API and the portal.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import ExitStack
from typing import Any

from sqlalchemy import select

from core import connections, jobs
from core.connections import describe
from core.db import get_or_none, session, utcnow
from core.events import OutboxEvent
from core.messages import Msg
from core.ports import AdapterError, ListingQuantity, ShipmentConfirmation
from core.ports import ChannelCapability as Cap
from core.sync import service
from core.sync.models import SyncListing, SyncPush
from tenants.models import PluginConnection

log = logging.getLogger("tradelane.sync")

CHUNK = 100  # listings per push call: one transaction each, so a failure keeps what went through
DETAILS_KEPT = 1000


def _final(ctx: Any, kind: str) -> bool:
    return getattr(ctx, "attempt", 1) >= jobs.spec(kind).max_attempts


def _usable(conn: PluginConnection | None, capability: str) -> str | None:
    """Why the connection cannot take this push, or None."""
    if conn is None or conn.kind != "channel":
        return Msg("sync.connection_gone")
    if not conn.enabled:
        return Msg("sync.connection_disabled")
    if capability not in service.capabilities(conn):
        return f"{conn.plugin} does not accept this"
    return None


# ---------------------------------------------------------------------------------------------
# Shipments


def push_shipment(ctx: Any, connection_id: uuid.UUID, event_id: uuid.UUID) -> dict[str, Any]:
    """Confirm an `order.shipped` event's shipment to the channel, once per channel order it
    covers (a merged order covers several). Confirmations already accepted are skipped, so a
    retry repeats only what failed; the adapters' confirm is itself safe to repeat."""
    ev = session.execute(select(OutboxEvent).where(OutboxEvent.id == event_id)).scalar_one_or_none()
    if ev is None or ev.name != "order.shipped":
        return {"skipped": Msg("sync.no_shipment_event")}
    p = ev.data  # OrderShipped
    conn = get_or_none(PluginConnection, connection_id)
    why = _usable(conn, Cap.SHIP_CONFIRM)
    entries = [e for e in p.channel_orders if e.get("external_order_id")]
    adapter = None
    done = failed = 0
    with ExitStack() as opened:
        for entry in entries:
            ext = entry["external_order_id"]
            key = f"shipment:{p.shipment_id}:{ext}"
            push = session.execute(select(SyncPush).where(SyncPush.key == key)).scalar_one_or_none()
            if push is not None and push.status == "ok":
                continue
            if push is None:
                push = SyncPush(
                    connection_id=connection_id,
                    kind="shipment",
                    key=key,
                    event_id=ev.id,
                    order_id=p.order_id,
                    external_order_id=ext,
                    tracking_number=p.tracking_number or "",
                    status="retrying",
                    attempts=0,
                    listings=0,
                    failed=0,
                    message="",
                    details=[],
                )
                session.add(push)
            push.attempts += 1
            push.job_id = getattr(ctx, "job_id", None)
            if why is not None:
                push.status, push.message = "failed", why
                failed += 1
                session.commit()
                continue
            assert conn is not None
            adapter = adapter or opened.enter_context(connections.using(conn, "channel"))
            lines = tuple((str(x["external_line_id"]), int(x["quantity"])) for x in entry.get("lines") or [])
            if any(not line_id for line_id, _ in lines):
                lines = ()  # a line the channel does not know by id: confirm the whole order
            confirmation = ShipmentConfirmation(
                external_order_id=ext,
                carrier=p.carrier or "",
                service=p.service or "",
                tracking_number=p.tracking_number or "",
                tracking_url=p.tracking_url or "",
                shipped_at=p.shipped_at,
                lines=lines,
                reference=str(p.shipment_id),
            )
            try:
                adapter.confirm_shipment(confirmation)
            except AdapterError as exc:
                message = describe(exc, adapter)
                retry = exc.retryable and not _final(ctx, "sync.push_shipment")
                push.status, push.message = ("retrying" if retry else "failed"), message
                session.commit()
                if retry:
                    raise
                failed += 1
                continue
            push.status, push.message = "ok", ""
            done += 1
            connections.save_state(adapter)
            session.commit()
    return {"confirmed": done, "failed": failed}


# ---------------------------------------------------------------------------------------------
# Stock


def push_stock(ctx: Any, connection_id: uuid.UUID, force: bool = False) -> dict[str, Any]:
    """Publish each listing's quantity under the connection's rules. Only listings whose
    quantity differs from what the channel last accepted (or whose last push failed) are sent,
    unless `force`. The numbers are read when the job runs, so one job covers every stock
    change before it."""
    conn = get_or_none(PluginConnection, connection_id)
    why = _usable(conn, Cap.PUSH_QUANTITY)
    if why is not None:
        return {"skipped": why}
    assert conn is not None
    if not service.settings_for(conn.id).push_stock:
        return {"skipped": Msg("sync.push_off")}
    # Two pushes of one connection must not interleave: an older number could land last.
    with connections.exclusive(f"push_stock:{conn.id}", wait=True):
        return _push_stock(ctx, conn, force)


def _push_stock(ctx: Any, conn: PluginConnection, force: bool) -> dict[str, Any]:
    listings = [x for x in service.listing_stock(conn.id) if x.quantity is not None]
    todo = [x for x in listings if force or x.last_ok is not True or x.last_quantity != x.quantity]
    if not todo:
        return {"pushed": 0}
    service.ensure_listings(conn.id, {x.seller_sku for x in todo})
    rows = {
        r.seller_sku: r
        for r in session.execute(
            select(SyncListing).where(
                SyncListing.connection_id == conn.id, SyncListing.seller_sku.in_({x.seller_sku for x in todo})
            )
        ).scalars()
    }
    job_id = getattr(ctx, "job_id", None)
    push = (
        session.execute(
            select(SyncPush).where(SyncPush.job_id == job_id, SyncPush.kind == "stock")
        ).scalar_one_or_none()
        if job_id
        else None
    )
    if push is None:  # a retry of the job carries on with its push record
        push = SyncPush(connection_id=conn.id, kind="stock", job_id=job_id, attempts=0, message="", details=[])
        session.add(push)
    push.status, push.listings, push.failed, push.attempts = "retrying", 0, 0, push.attempts + 1
    details: list[dict[str, Any]] = []
    adapter = None
    try:
        with connections.using(conn, "channel") as adapter:
            for i in range(0, len(todo), CHUNK):
                chunk = todo[i : i + CHUNK]
                _push_chunk(adapter, chunk, rows, push, details)
                connections.save_state(adapter)
                session.commit()
    except AdapterError as exc:
        message = describe(exc, adapter)
        attempts = push.attempts
        session.rollback()
        push.attempts = attempts
        retry = exc.retryable and not _final(ctx, "sync.push_stock")
        _record_failure(push, message, retry)
        if retry:
            raise
        return {"pushed": push.listings, "failed": push.failed, "error": message}
    return {"pushed": push.listings, "failed": push.failed}


def _push_chunk(
    adapter: Any, chunk: list[Any], rows: dict[str, SyncListing], push: SyncPush, details: list[dict[str, Any]]
) -> None:
    """Push one chunk of listings and record each result on its listing and on the push."""
    results = adapter.push_quantities([ListingQuantity(x.seller_sku, x.quantity) for x in chunk])
    now = utcnow()
    for listing, result in zip(chunk, results):
        row = rows[listing.seller_sku]
        row.last_pushed_at, row.last_ok, row.last_message = now, result.ok, (result.message or "")[:500]
        if result.ok:
            row.last_quantity = listing.quantity
        else:
            push.failed += 1
        if len(details) < DETAILS_KEPT:
            details.append(
                {
                    "seller_sku": listing.seller_sku,
                    "quantity": listing.quantity,
                    "ok": result.ok,
                    "message": result.message or "",
                }
            )
    push.listings += len(chunk)
    push.details = list(details)
    push.status = "partial" if push.failed else "ok"
    push.message = f"{push.failed} of {push.listings} listings refused" if push.failed else ""


def _record_failure(push: SyncPush, message: str, retry: bool) -> None:
    """Keep the push row (and what went through before the failure) with the error; refused
    credentials were marked on the connection by the runtime."""
    if push not in session:
        session.add(push)
    push.status = "retrying" if retry else "failed"
    push.message = message
    session.commit()
