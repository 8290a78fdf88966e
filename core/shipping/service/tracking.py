"""Tracking: open shipments polled in each carrier's batches, their events stored with the
carrier's raw code and description and a normalised status (reference §6.2), the order
marked delivered (签收) when the carrier says so, and exceptions and returns raised on the
dashboard (their shipment shows the status; `shipment.exception` is emitted)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import connections, events
from core.db import session, utcnow
from core.errors import InvalidTransition, NotFound
from core.orders import service as orders
from core.ports import AdapterError
from core.shipping.events import ShipmentDelivered, ShipmentException
from core.shipping.models import OPEN_TRACKING, TRACKING_STATUSES, Shipment, TrackingEvent

log = logging.getLogger("tradelane.shipping.tracking")

# How often an open shipment is asked about: soon after its label, then every few hours.
POLL_EVERY = timedelta(hours=2)
BATCH = 30  # numbers per carrier call at most (FedEx takes 30, reference §2.1)

# Statuses as the runtime's port and the carriers name them, mapped onto §6.2's enum.
ALIASES = {
    "label_created": "pending",
    "pre_transit": "pending",
    "info_received": "pending",
    "on_hold": "exception",
    "delivery_failed": "exception",
    "failure": "exception",
    "return_to_sender": "returned",
    "available_for_pickup": "ready_for_pickup",
}
# The order of a shipment's life: a later scan never moves it back (scans arrive out of order).
RANK = {
    "unknown": 0,
    "pending": 1,
    "picked_up": 2,
    "in_transit": 3,
    "delivery_delayed": 3,
    "exception": 3,
    "ready_for_pickup": 4,
    "out_for_delivery": 4,
    "delivered": 9,
    "returned": 9,
    "cancelled": 9,
}


def normalise(status: str) -> str:
    value = (status or "").strip().lower().replace("-", "_").replace(" ", "_")
    value = ALIASES.get(value, value)
    return value if value in TRACKING_STATUSES else "unknown"


def _digest(ev: Any) -> str:
    raw = "|".join(str(x) for x in (ev.occurred_at.isoformat(), ev.code, ev.description, ev.location or ""))
    return hashlib.sha256(raw.encode()).hexdigest()


def due(limit: int = 500) -> list[Shipment]:
    """Open shipments whose next look is due, oldest first."""
    return list(
        session.execute(
            select(Shipment)
            .where(
                Shipment.status.in_(("labelled", "packed", "shipped")),
                Shipment.tracking_status.in_(OPEN_TRACKING),
                Shipment.next_track_at <= utcnow(),
            )
            .order_by(Shipment.next_track_at)
            .limit(limit)
        ).scalars()
    )


def track(shipments: Iterable[Shipment]) -> dict[str, int]:
    """Ask each shipment's carrier, connection by connection, in the carrier's batch size
    (`CarrierAdapter.track_batch_size`); store new events. A number the carrier does not know
    is recorded on its shipment and asked again later; it never fails the others."""
    by_conn: dict[uuid.UUID, list[Shipment]] = {}
    for s in shipments:
        if s.connection_id and s.tracking_number:
            by_conn.setdefault(s.connection_id, []).append(s)
        else:  # its connection was deleted: nobody can be asked
            s.next_track_at = None
    counts = {"asked": 0, "events": 0, "delivered": 0, "failed": 0}
    for conn_id, group in by_conn.items():
        try:
            with connections.using(conn_id, "carrier") as carrier:
                size = max(1, min(int(carrier.track_batch_size or 1), BATCH))
                for start in range(0, len(group), size):
                    chunk = group[start : start + size]
                    counts["asked"] += len(chunk)
                    try:
                        results = carrier.track([s.tracking_number for s in chunk])
                    except AdapterError as exc:
                        counts["failed"] += len(chunk)
                        for s in chunk:
                            s.error = connections.describe(exc)[:2000]
                            s.next_track_at = utcnow() + POLL_EVERY
                        continue
                    by_number = {r.tracking_number: r for r in results}
                    for shipment in chunk:
                        result = by_number.get(shipment.tracking_number)
                        if result is None or not result.found:
                            counts["failed"] += 1
                            shipment.error = (result.message if result else "") or "the carrier does not know it yet"
                            shipment.next_track_at = utcnow() + POLL_EVERY
                            continue
                        n, delivered = apply(shipment, result.events)
                        counts["events"] += n
                        counts["delivered"] += delivered
        except (AdapterError, NotFound) as exc:  # the connection could not be opened at all
            log.warning("tracking through connection %s failed: %s", conn_id, exc)
            counts["failed"] += len(group)
            for s in group:
                s.next_track_at = utcnow() + POLL_EVERY
    session.flush()
    return counts


def apply(shipment: Shipment, found: Iterable[Any]) -> tuple[int, int]:
    """Store the events not seen before; move the shipment's status forward; mark the order
    delivered on delivery. Returns (new events, 1 if it was delivered now)."""
    known = set(session.execute(select(TrackingEvent.digest).where(TrackingEvent.shipment_id == shipment.id)).scalars())
    new = 0
    latest = None
    for ev in sorted(found, key=lambda e: e.occurred_at):
        digest = _digest(ev)
        status = normalise(ev.status)
        if digest not in known:
            known.add(digest)
            new += 1
            session.add(
                TrackingEvent(
                    shipment_id=shipment.id,
                    occurred_at=ev.occurred_at,
                    status=status,
                    code=(ev.code or ev.status)[:64],
                    description=ev.description or "",
                    location=(ev.location or "")[:300],
                    digest=digest,
                )
            )
        if latest is None or RANK[status] >= RANK[latest[0]]:
            latest = (status, ev)
    now = utcnow()
    shipment.last_tracked_at = now
    shipment.next_track_at = now + POLL_EVERY
    shipment.error = None
    delivered = 0
    if latest is not None and (latest[0] != shipment.tracking_status):
        previous, (status, ev) = shipment.tracking_status, latest
        if RANK.get(previous, 0) <= RANK[status] or previous in ("exception", "unknown"):
            shipment.tracking_status = status
            if status in ("exception", "returned"):
                events.emit(
                    "shipment.exception",
                    ShipmentException(
                        shipment_id=shipment.id,
                        order_id=shipment.order_id,
                        status=status,
                        description=ev.description,
                        tracking_number=shipment.tracking_number,
                    ),
                    entity_type="shipment",
                    entity_id=shipment.id,
                )
            if status in ("picked_up", "in_transit", "out_for_delivery", "delivered") and shipment.status != "shipped":
                _hand_over_by_scan(shipment)
            if status == "delivered":
                _delivered(shipment, ev.occurred_at)
                delivered = 1
    if shipment.tracking_status in ("delivered", "returned", "cancelled"):
        shipment.next_track_at = None
    return new, delivered


def _hand_over_by_scan(shipment: Shipment) -> None:
    """The carrier scanned a parcel nobody handed over here: it left, so the order shipped."""
    from core.shipping.service.shipments import hand_over

    try:
        hand_over(shipment.id)
    except InvalidTransition as exc:
        log.info("shipment %s was scanned, but its order cannot be marked shipped: %s", shipment.number, exc)


def _delivered(shipment: Shipment, when: Any) -> None:
    shipment.status, shipment.delivered_at = "delivered", when
    try:
        orders.deliver(shipment.order_id, delivered_at=when)
    except InvalidTransition as exc:  # refunded or returned meanwhile: the order keeps its status
        log.info("order of shipment %s not marked delivered: %s", shipment.number, exc)
    events.emit(
        "shipment.delivered",
        ShipmentDelivered(shipment_id=shipment.id, order_id=shipment.order_id, delivered_at=when),
        entity_type="shipment",
        entity_id=shipment.id,
    )


def events_of(shipment: Shipment) -> list[TrackingEvent]:
    return list(
        session.execute(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment.id)
            .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
        ).scalars()
    )
