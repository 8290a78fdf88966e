"""Use cases of the channel sync that doors call: rules per connection, "sync now", pushing
stock on demand, webhook subscriptions, and reading runs, pushes, listings and webhooks.

The work itself runs in jobs (core/sync/jobs.py): the order sync in `core.sync.engine`,
push-back in `core.sync.push`, webhook fetches in `core.sync.webhooks`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core import jobs
from core.db import get_or_none, session, utcnow, uuid7
from core.errors import Conflict, NotFound, ValidationError
from core.messages import Msg
from core.ports import ChannelCapability as Cap
from core.ports import ChannelOrder
from core.sync import rules
from core.sync.models import SyncListing, SyncPush, SyncRun, SyncSettings, SyncState, WebhookReceipt
from core.tenancy import current_tenant_id
from tenants.models import PluginConnection

# Warehouses that ship the seller's own orders; platform (FBA) stock is the platform's to publish.
MERCHANT_WAREHOUSES = ("domestic", "overseas_3pl")
RUN_STATUSES = ("running", "retrying", "succeeded", "failed", "interrupted")
PUSH_STATUSES = ("ok", "partial", "retrying", "failed")


# ---------------------------------------------------------------------------------------------
# Connections and their rules


def channel_connection(connection_id: uuid.UUID | str) -> PluginConnection:
    """The tenant's channel connection, or NotFound (other kinds and other tenants alike)."""
    conn = get_or_none(PluginConnection, connection_id)
    if conn is None or conn.kind != "channel":
        raise NotFound("channel connection", connection_id)
    return conn


def capabilities(conn: PluginConnection) -> frozenset[str]:
    """What the connection's adapter can do; nothing when its plugin is not installed."""
    from core.plugins import registry

    try:
        return registry().adapter("channel", conn.plugin).capabilities
    except KeyError:
        return frozenset()


def settings_for(connection_id: uuid.UUID) -> SyncSettings:
    """The connection's rules; defaults (not stored) until someone changes them."""
    row = session.execute(select(SyncSettings).where(SyncSettings.connection_id == connection_id)).scalar_one_or_none()
    return row if row is not None else SyncSettings(connection_id=connection_id, **rules.DEFAULTS)


def stock_rules(settings: SyncSettings) -> rules.StockRules:
    return rules.StockRules(
        buffer=settings.stock_buffer,
        percent=settings.stock_percent,
        maximum=settings.stock_maximum,
        zero_out_level=settings.zero_out_level,
    )


def update_settings(connection_id: uuid.UUID, **changes: Any) -> SyncSettings:
    """Change some of a connection's rules; the others keep their values."""
    conn = channel_connection(connection_id)
    values = rules.clean(changes)
    if values.get("warehouse_ids"):
        _check_warehouses(values["warehouse_ids"])
    row = settings_for(conn.id)
    if row not in session:  # the defaults, stored from now on
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    if (
        Cap.PUSH_QUANTITY in capabilities(conn)
        and row.push_stock
        and conn.enabled
        and (
            {"stock_buffer", "stock_percent", "stock_maximum", "zero_out_level", "warehouse_ids", "push_stock"}
            & set(values)
        )
    ):
        request_stock_push(conn.id, force=False)  # new rules, new quantities
    return row


def _check_warehouses(ids: Sequence[str]) -> None:
    from core.inventory import service as inventory

    found = {str(w.id): w for w in inventory.warehouse_facts([uuid.UUID(i) for i in ids])}
    errors: dict[str, list[str]] = {}
    for i, ident in enumerate(ids):
        wh = found.get(ident)
        if wh is None:
            errors[f"warehouse_ids.{i}"] = [Msg("sync.no_warehouse", ident=ident)]
        elif wh.type == "platform":
            errors[f"warehouse_ids.{i}"] = [Msg("sync.platform_warehouse", code=wh.code)]
    if errors:
        raise ValidationError(errors)


def feeding_warehouses(settings: SyncSettings) -> list[uuid.UUID]:
    """The warehouses whose available stock a connection's listings publish."""
    from core.inventory import service as inventory

    if settings.warehouse_ids is None:
        return [w.id for w in inventory.warehouse_facts(types=MERCHANT_WAREHOUSES, active=True)]
    chosen = inventory.warehouse_facts([uuid.UUID(i) for i in settings.warehouse_ids], active=True)
    return [w.id for w in chosen if w.type != "platform"]


def state_for(connection_id: uuid.UUID, create: bool = False) -> SyncState | None:
    row = session.execute(select(SyncState).where(SyncState.connection_id == connection_id)).scalar_one_or_none()
    if row is None and create:
        row = SyncState(connection_id=connection_id, window_pages=0, auth_blocked=False)
        session.add(row)
        session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Asking for work


def request_sync(connection_id: uuid.UUID, trigger: str = "manual") -> jobs.Job:
    """Queue an order sync of the connection ("sync now"); pressed twice, it queues one."""
    conn = channel_connection(connection_id)
    if not conn.enabled:
        raise Conflict(Msg("sync.disabled_enable_it_sync", display_name=conn.display_name), {"enabled": ["false"]})
    if Cap.ORDERS not in capabilities(conn):
        raise Conflict(Msg("sync.cannot_list_orders_plugin", display_name=conn.display_name))
    return jobs.enqueue("sync.connection", dedupe_key=f"sync:{conn.id}", connection_id=str(conn.id), trigger=trigger)


def request_stock_push(connection_id: uuid.UUID, force: bool = True) -> jobs.Job:
    """Queue a stock push. `force` pushes every listing, not only those whose quantity changed
    (after someone edited quantities on the channel by hand)."""
    conn = channel_connection(connection_id)
    if not conn.enabled:
        raise Conflict(Msg("sync.disabled_enable_it_push", display_name=conn.display_name), {"enabled": ["false"]})
    if Cap.PUSH_QUANTITY not in capabilities(conn):
        raise Conflict(Msg("sync.cannot_receive_stock_quantities", display_name=conn.display_name))
    kind = "force" if force else "changed"
    return jobs.enqueue(
        "sync.push_stock", dedupe_key=f"push_stock:{conn.id}:{kind}", connection_id=str(conn.id), force=force
    )


def subscribe_webhooks(connection_id: uuid.UUID, public_url: str) -> SyncState:
    """Ask the channel to send order webhooks to this deployment (safe to repeat)."""
    from core import connections
    from core.ports import AdapterError

    conn = channel_connection(connection_id)
    if Cap.WEBHOOK_SUBSCRIBE not in capabilities(conn):
        raise Conflict(Msg("sync.cannot_subscribe_webhooks_configure", display_name=conn.display_name))
    url = f"{public_url.rstrip('/')}/webhooks/{conn.plugin}/{conn.id}"
    try:
        with connections.using(conn, "channel", retry=connections.INTERACTIVE_RETRY) as adapter:
            topics = adapter.subscribe_webhooks(url)
    except AdapterError as exc:
        raise Conflict(
            Msg("sync.refused_subscription", display_name=conn.display_name, describe=connections.describe(exc))
        ) from None
    state = state_for(conn.id, create=True)
    state.webhook_url, state.webhook_topics, state.webhooks_subscribed_at = url, list(topics), utcnow()
    session.flush()
    return state


def retry_push(push_id: uuid.UUID) -> jobs.Job:
    """Run a failed push again: a shipment confirmation, or a stock push of every listing."""
    push = get_push(push_id)
    if push.status not in ("failed", "partial"):
        raise Conflict(Msg("sync.only_failed_pushes_can", status=push.status), {"status": [push.status]})
    if push.kind == "stock":
        return request_stock_push(push.connection_id, force=True)
    conn = channel_connection(push.connection_id)
    if not conn.enabled:
        raise Conflict(Msg("sync.disabled_enable_it_push_2", display_name=conn.display_name), {"enabled": ["false"]})
    shipment = (push.key or "").split(":")[1]
    return jobs.enqueue(
        "sync.push_shipment", dedupe_key=f"ship:{shipment}", connection_id=str(conn.id), event_id=str(push.event_id)
    )


# ---------------------------------------------------------------------------------------------
# Listings and what they publish


@dataclass(frozen=True)
class ListingStock:
    """A listing of the connection and the quantity it publishes now."""

    seller_sku: str
    sku_id: uuid.UUID | None
    sku_code: str | None
    units_per_listing: int
    mapping_id: uuid.UUID | None
    local_available: int  # in local units, across the connection's warehouses
    available: int  # in listing units
    quantity: int | None  # what is published; None: unmapped, nothing is pushed
    problem: str  # "", "unmapped", "not_sellable"
    last_quantity: int | None = None
    last_pushed_at: datetime | None = None
    last_ok: bool | None = None
    last_message: str = ""


def listing_stock(connection_id: uuid.UUID) -> list[ListingStock]:
    """Every listing of the connection (mapped, or seen on its orders) with the quantity its
    rules publish, sorted by seller SKU."""
    from core.catalog import service as catalog
    from core.inventory import service as inventory

    conn = channel_connection(connection_id)
    settings = settings_for(conn.id)
    targets: dict[str, tuple[uuid.UUID, int, uuid.UUID | None]] = {
        seller_sku: (m.sku_id, m.quantity, m.mapping_id) for seller_sku, m in catalog.listing_mappings(conn.id).items()
    }
    seen = {
        row.seller_sku: row
        for row in session.execute(select(SyncListing).where(SyncListing.connection_id == conn.id)).scalars()
    }
    by_code = [s for s in seen if s not in targets]
    for code, sku_id in catalog.sku_ids_by_code(by_code).items():
        targets[code] = (sku_id, 1, None)
    skus = catalog.sku_facts(t[0] for t in targets.values())
    warehouses = feeding_warehouses(settings)
    available: dict[uuid.UUID, int] = {}
    if skus and warehouses:
        for b in inventory.list_buckets(skus.keys(), warehouses):
            available[b.sku_id] = available.get(b.sku_id, 0) + max(b.available, 0)
    rule = stock_rules(settings)
    out = []
    for seller_sku in sorted(set(targets) | set(seen)):
        last = seen.get(seller_sku)
        history = (
            dict(
                last_quantity=last.last_quantity,
                last_pushed_at=last.last_pushed_at,
                last_ok=last.last_ok,
                last_message=last.last_message,
            )
            if last
            else {}
        )
        target = targets.get(seller_sku)
        if target is None:
            out.append(ListingStock(seller_sku, None, None, 1, None, 0, 0, None, "unmapped", **history))
            continue
        sku_id, per, mapping_id = target
        sku = skus.get(sku_id)
        local = available.get(sku_id, 0)
        units = rules.listing_units(local, per)
        sellable = sku is not None and sku.status == "approved" and sku.active
        out.append(
            ListingStock(
                seller_sku,
                sku_id,
                sku.code if sku else None,
                per,
                mapping_id,
                local,
                units,
                rule.publishable(units) if sellable else 0,
                "" if sellable else "not_sellable",
                **history,
            )
        )
    return out


def remember_listings(connection_id: uuid.UUID, orders: Iterable[ChannelOrder]) -> None:
    """Record the seller SKUs of merchant-fulfilled orders as listings of the connection.
    Platform-fulfilled (FBA) listings are the platform's to publish, so they are left out."""
    ensure_listings(
        connection_id,
        {
            line.seller_sku.strip()
            for o in orders
            if o.fulfilment == "merchant"
            for line in o.lines
            if line.seller_sku.strip()
        },
    )


def ensure_listings(connection_id: uuid.UUID, seller_skus: set[str]) -> None:
    if not seller_skus:
        return
    known = set(
        session.execute(
            select(SyncListing.seller_sku).where(
                SyncListing.connection_id == connection_id, SyncListing.seller_sku.in_(seller_skus)
            )
        ).scalars()
    )
    new = sorted(seller_skus - known)
    if not new:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    tenant, now = current_tenant_id(), utcnow()
    # Two imports of one connection (a sync and a webhook fetch) may meet here: the unique key
    # keeps one row, and neither transaction fails for it.
    session.execute(
        insert(SyncListing)
        .values(
            [
                {
                    "id": uuid7(),
                    "tenant_id": tenant,
                    "created_at": now,
                    "updated_at": now,
                    "connection_id": connection_id,
                    "seller_sku": sku[:200],
                    "last_message": "",
                }
                for sku in new
            ]
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "connection_id", "seller_sku"])
    )


# ---------------------------------------------------------------------------------------------
# Reading runs, pushes and webhooks


def runs_query(*, connection_id: uuid.UUID | None = None, status: str | None = None) -> Any:
    stmt = select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
    if connection_id is not None:
        stmt = stmt.where(SyncRun.connection_id == connection_id)
    if status:
        stmt = stmt.where(SyncRun.status == status)
    return stmt


def get_run(run_id: uuid.UUID) -> SyncRun:
    run = get_or_none(SyncRun, run_id)
    if run is None:
        raise NotFound("sync run", run_id)
    return run


def run_progress(run: SyncRun) -> tuple[int, str]:
    """Percent and message of a run's job while it runs (100 once it is over)."""
    if run.status not in ("running", "retrying") or run.job_id is None:
        return 100, ""
    job = get_or_none(jobs.Job, run.job_id)
    return (job.progress, job.message) if job is not None else (0, "")


def pushes_query(*, connection_id: uuid.UUID | None = None, kind: str | None = None, status: str | None = None) -> Any:
    stmt = select(SyncPush).order_by(SyncPush.created_at.desc(), SyncPush.id.desc())
    if connection_id is not None:
        stmt = stmt.where(SyncPush.connection_id == connection_id)
    if kind:
        stmt = stmt.where(SyncPush.kind == kind)
    if status:
        stmt = stmt.where(SyncPush.status == status)
    return stmt


def get_push(push_id: uuid.UUID) -> SyncPush:
    push = get_or_none(SyncPush, push_id)
    if push is None:
        raise NotFound("push", push_id)
    return push


def webhooks_query(connection_id: uuid.UUID) -> Any:
    return (
        select(WebhookReceipt)
        .where(WebhookReceipt.connection_id == connection_id)
        .order_by(WebhookReceipt.created_at.desc(), WebhookReceipt.id.desc())
    )
