"""Event subscribers of the channel sync. They only queue jobs: they run inside the event's
delivery transaction, and the channel is called from the job."""

from __future__ import annotations

from sqlalchemy import select

from core import jobs
from core.db import get_or_none, session
from core.events import OutboxEvent, subscribe
from core.ports import ChannelCapability as Cap
from core.sync import service
from tenants.models import PluginConnection


@subscribe("order.shipped", name="sync.push_shipment")
def on_order_shipped(event: OutboxEvent) -> None:
    """Confirm our shipments to the channel the order came from (not the platform's own, not
    manual orders)."""
    p = event.data  # OrderShipped
    if p.by_platform or not p.connection_id or not p.channel_orders:
        return
    conn = _connection(p.connection_id)
    if conn is None or not conn.enabled or Cap.SHIP_CONFIRM not in service.capabilities(conn):
        return
    if not service.settings_for(conn.id).push_shipments:
        return
    jobs.enqueue(
        "sync.push_shipment", dedupe_key=f"ship:{p.shipment_id}", connection_id=str(conn.id), event_id=str(event.id)
    )


@subscribe("stock.changed", name="sync.push_stock")
def on_stock_changed(event: OutboxEvent) -> None:
    """Queue a stock push for every connection fed by a warehouse whose stock changed."""
    changed = {item.warehouse_id for item in event.data.items}  # StockChanged
    conns = (
        session.execute(
            select(PluginConnection).where(PluginConnection.kind == "channel", PluginConnection.enabled.is_(True))
        )
        .scalars()
        .all()
    )
    for conn in conns:
        if Cap.PUSH_QUANTITY not in service.capabilities(conn):
            continue
        settings = service.settings_for(conn.id)  # read once: it gates the push and names the warehouses
        if settings.push_stock and changed & {str(w) for w in service.feeding_warehouses(settings)}:
            service.request_stock_push(conn.id, force=False)


@subscribe("listing.mapped", "listing.remapped", "listing.unmapped", name="sync.push_mapping")
def on_listing_mapping(event: OutboxEvent) -> None:
    """A listing now stands for other stock: publish its new quantity."""
    conn = _connection(event.data.connection_id)  # ListingMapping
    if conn is not None and _pushes_stock(conn):
        service.request_stock_push(conn.id, force=False)


def _connection(connection_id: object) -> PluginConnection | None:
    conn = get_or_none(PluginConnection, connection_id)
    return conn if conn is not None and conn.kind == "channel" else None


def _pushes_stock(conn: PluginConnection) -> bool:
    return conn.enabled and Cap.PUSH_QUANTITY in service.capabilities(conn) and service.settings_for(conn.id).push_stock
