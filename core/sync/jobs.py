"""Job kinds of the channel sync, all on the `sync` queue, and the periodic order sync.

- `sync.connection` (connection_id, trigger): the order sync of one connection; "sync now"
  queues it with the dedupe key `sync:<connection>`, so pressing twice queues one run.
- `sync.fetch_order` (connection_id, external_order_id): a webhook's order, read and upserted.
- `sync.push_shipment` (connection_id, event_id): confirm an `order.shipped` to the channel.
- `sync.push_stock` (connection_id, force): publish listing quantities. Stock changes queue it
  under one dedupe key per connection, so a burst of changes joins the job still waiting and
  the job reads the numbers when it runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs import JobContext, job, periodic

# How often the scheduler looks for connections whose interval has passed.
TICK = timedelta(minutes=1)


@job("sync.connection", queue="sync", max_attempts=4, backoff=(30, 120, 600), timeout=3600)
def sync_connection(ctx: JobContext, connection_id: str, trigger: str = "schedule") -> dict[str, Any]:
    from core.sync import engine

    return engine.run(ctx, uuid.UUID(connection_id), trigger)


@job("sync.fetch_order", queue="sync", max_attempts=5, backoff=(10, 60, 300, 900))
def fetch_order(ctx: JobContext, connection_id: str, external_order_id: str) -> dict[str, Any]:
    from core.sync import webhooks

    return webhooks.fetch_order(ctx, uuid.UUID(connection_id), external_order_id)


@job("sync.push_shipment", queue="sync", max_attempts=6, backoff=(30, 120, 600, 1800, 3600))
def push_shipment(ctx: JobContext, connection_id: str, event_id: str) -> dict[str, Any]:
    from core.sync import push

    return push.push_shipment(ctx, uuid.UUID(connection_id), uuid.UUID(event_id))


@job("sync.push_stock", queue="sync", max_attempts=5, backoff=(10, 60, 300, 900))
def push_stock(ctx: JobContext, connection_id: str, force: bool = False) -> dict[str, Any]:
    from core.sync import push

    return push.push_stock(ctx, uuid.UUID(connection_id), force=force)


def due_connections(s: Session) -> Iterable[tuple[uuid.UUID, dict[str, Any]]]:
    """Enabled channel connections of active tenants whose sync interval has passed (runs in
    a system session: the scheduler looks across tenants). A connection whose credentials
    were refused waits until someone fixes or re-tests it."""
    from core.db import utcnow
    from core.plugins import registry
    from core.ports import ChannelCapability as Cap
    from core.sync.models import SyncSettings, SyncState
    from core.sync.rules import DEFAULTS
    from tenants.models import PluginConnection, Tenant

    conns = s.execute(
        select(PluginConnection.id, PluginConnection.tenant_id, PluginConnection.plugin, PluginConnection.status)
        .join(Tenant, Tenant.id == PluginConnection.tenant_id)
        .where(PluginConnection.kind == "channel", PluginConnection.enabled.is_(True), Tenant.active.is_(True))
        .order_by(PluginConnection.tenant_id, PluginConnection.id)
    ).all()
    if not conns:
        return []
    ids = [c.id for c in conns]
    intervals = dict(
        s.execute(
            select(SyncSettings.connection_id, SyncSettings.interval_minutes).where(SyncSettings.connection_id.in_(ids))
        ).all()
    )
    states = {
        row.connection_id: row
        for row in s.execute(
            select(SyncState.connection_id, SyncState.last_started_at, SyncState.auth_blocked).where(
                SyncState.connection_id.in_(ids)
            )
        ).all()
    }
    channels = registry().adapters["channel"]
    now = utcnow()
    out = []
    for c in conns:
        info = channels.get(c.plugin)
        if info is None or Cap.ORDERS not in info.capabilities:
            continue
        interval = intervals.get(c.id, DEFAULTS["interval_minutes"])
        state = states.get(c.id)
        if not interval or (state is not None and state.auth_blocked and c.status == "error"):
            continue
        if state is not None and state.last_started_at and now - state.last_started_at < timedelta(minutes=interval):
            continue
        out.append((c.tenant_id, {"connection_id": str(c.id), "trigger": "schedule"}))
    return out


periodic("sync.connection", TICK, targets=due_connections)
