"""Order webhooks: verified, deduplicated, and turned into a targeted fetch of the order.

A webhook is a hint, never the record: the job `sync.fetch_order` reads the order's current
state from the channel's API and upserts it, so a late, repeated or out-of-order delivery
cannot move an order backwards, and polling still finds whatever webhooks miss.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import connections, jobs
from core.connections import describe
from core.db import get_or_none, session, system_session
from core.errors import NotFound, Unauthorized, ValidationError
from core.messages import Msg
from core.orders import service as orders
from core.ports import AdapterError
from core.ports import ChannelCapability as Cap
from core.sync import service
from core.sync.models import WebhookReceipt
from tenants.models import PluginConnection

log = logging.getLogger("tradelane.sync.webhooks")


def tenant_of(channel: str, connection_id: uuid.UUID) -> uuid.UUID:
    """The tenant owning the connection a webhook is addressed to (a lookup across tenants,
    before any tenant context exists). Unknown ids and a channel that does not match are
    both 404, so the answer tells nothing about other tenants."""
    with system_session() as s:
        row = s.execute(
            select(PluginConnection.tenant_id, PluginConnection.kind, PluginConnection.plugin).where(
                PluginConnection.id == connection_id
            )
        ).first()
    if row is None or row.kind != "channel" or row.plugin != channel:
        raise NotFound("connection", connection_id)
    return row.tenant_id


def receive(connection_id: uuid.UUID, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """Handle one delivery inside its tenant's context. Raises Unauthorized (and stores
    nothing) when the signature does not verify over the raw body."""
    conn = service.channel_connection(connection_id)
    if Cap.WEBHOOKS not in service.capabilities(conn):
        raise NotFound(f"webhook endpoint of {conn.plugin}")
    with connections.using(conn, "channel") as adapter:
        try:
            authentic = adapter.verify_webhook(headers, body)
        except Exception:  # noqa: BLE001 - a malformed delivery is simply not authentic
            authentic = False
        if not authentic:
            log.warning("webhook for connection %s refused: the signature does not verify", conn.id)
            raise Unauthorized(Msg("sync.webhook_signature"))
        try:
            event = adapter.parse_webhook(headers, body)
        except (AdapterError, ValueError, KeyError, TypeError) as exc:
            raise ValidationError.field(
                "body", Msg("sync.webhook_cannot_read", detail=describe(exc, adapter))
            ) from None
    if event.topic == "ping":
        return {"status": "ignored", "topic": event.topic}
    receipt = WebhookReceipt(
        connection_id=conn.id,
        dedupe_key=event.dedupe_key[:200],
        topic=event.topic[:100],
        delivery_id=(event.delivery_id or "")[:200],
        external_order_id=event.external_order_id,
        outcome="queued",
        message="",
    )
    try:
        with session.begin_nested():
            session.add(receipt)
    except IntegrityError:
        return {"status": "duplicate", "topic": event.topic}
    if not event.external_order_id:
        receipt.outcome, receipt.message = "ignored", Msg("sync.no_order_in_webhook")
    elif not conn.enabled:
        receipt.outcome, receipt.message = "ignored", Msg("sync.connection_disabled")
    else:
        job = jobs.enqueue(
            "sync.fetch_order",
            dedupe_key=f"fetch:{conn.id}:{event.external_order_id}",
            connection_id=str(conn.id),
            external_order_id=event.external_order_id,
        )
        receipt.job_id = job.id
    session.flush()
    return {"status": receipt.outcome, "topic": event.topic, "receipt_id": str(receipt.id)}


def fetch_order(ctx: Any, connection_id: uuid.UUID, external_order_id: str) -> dict[str, Any]:
    """Read one order from the channel and upsert it (the job `sync.fetch_order`)."""
    conn = get_or_none(PluginConnection, connection_id)
    job_id = getattr(ctx, "job_id", None)
    if conn is None or conn.kind != "channel" or not conn.enabled:
        _settle(job_id, "ignored", Msg("sync.connection_disabled_or_gone"))
        return {"skipped": Msg("sync.connection_disabled_or_gone")}
    try:
        with connections.using(conn, "channel") as adapter:
            order = adapter.get_order(external_order_id)
            result = orders.upsert_many(conn.id, [order])[0]
            service.remember_listings(conn.id, [order])
    except AdapterError as exc:
        message = describe(exc)  # credentials are already blanked out by the runtime
        session.rollback()
        final = not exc.retryable or getattr(ctx, "attempt", 1) >= jobs.spec("sync.fetch_order").max_attempts
        _settle(job_id, "failed" if final else "queued", message)
        session.commit()
        if not final:
            raise
        return {"error": message}
    outcome = "failed" if result.outcome == "rejected" else result.outcome
    _settle(job_id, outcome, result.error)
    return {"order_id": str(result.order_id) if result.order_id else None, "outcome": result.outcome}


def _settle(job_id: uuid.UUID | None, outcome: str, message: str) -> None:
    """Every receipt this fetch answered (deliveries that joined a waiting fetch included)."""
    if job_id is None:
        return
    session.execute(
        update(WebhookReceipt)
        .where(WebhookReceipt.job_id == job_id)
        .values(outcome=outcome, message=(message or "")[:500])
        .execution_options(synchronize_session=False)
    )
