"""Orders coming in: from a channel connection (`upsert_from_channel`, `upsert_many`) and from
the API (`create_order`, manual and offline orders). Both normalise into the same rows and run
the same pipeline: holds for whatever blocks the order, auto-review, split rules, allocation.

Idempotency: an original order is unique per (tenant, connection, external order id). A
re-delivered payload is recognised by its digest and changes nothing. A later payload may
change only what the channel owns (its status, the address until staff correct it, buyer
contact details it withheld before, remarks); staff decisions (review, holds, splits,
warehouse, tags, notes) are never overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from core import validation as f
from core.db import in_values, new_object, session, utcnow, uuid7
from core.errors import NotFound, ValidationError
from core.messages import Msg, joined
from core.numbering import next_values_apart
from core.orders.models import Order, OrderLine
from core.orders.service import allocation, holds, pipeline, skus
from core.orders.service.base import (
    NUMBER_PREFIX,
    NUMBER_SEQUENCE,
    add,
    emit_event,
    placed_payload,
    recompute_totals,
    record,
    staged,
)
from core.orders.service.incoming import (  # noqa: F401 - the package exports normalise from here
    ADDRESS_COLUMNS,
    BUYER_COLUMNS,
    GONE,
    Incoming,
    address_fields,
    normalise,
)
from core.orders.service.rows import complete
from core.orders.service.skus import apply_resolutions
from core.ports import Address, ChannelOrder, ChannelOrderLine, spread_order_charges

MANUAL = "manual"
SHIPPED = ("shipped", "partially_shipped")


@dataclass(frozen=True)
class UpsertResult:
    """What importing one channel order did: `created`, `updated` (something the channel owns
    changed), `unchanged` (a re-delivery, or an older payload), or `rejected` (invalid
    payload; `error` says why and nothing was written for it)."""

    order_id: uuid.UUID | None
    outcome: str
    error: str = ""


def _channel_of(connection_id: uuid.UUID) -> str:
    from tenants.service import connection_facts

    row = connection_facts(connection_id)
    if row is None or row.kind != "channel":
        raise NotFound("channel connection", connection_id)
    return row.plugin


def _build(channel: str, connection_id: uuid.UUID | None, inc: Incoming, number: str) -> Order:
    order_id = uuid7()
    order = new_object(
        Order,
        id=order_id,
        number=number,
        channel=channel,
        connection_id=connection_id,
        status="pending_review",
        channel_digest=inc.digest,
        tags=[],
        **inc.fields,
    )
    lines = []
    for position, data in enumerate(inc.lines, 1):
        line_id = uuid7()
        lines.append(
            new_object(
                OrderLine,
                id=line_id,
                origin_line_id=line_id,
                order_id=order_id,
                position=position,
                quantity_cancelled=0,
                quantity_shipped=0,
                quantity_returned=0,
                quantity_refunded=0,
                refunded=Decimal(0),
                cost_value=Decimal(0),
                **data,
            )
        )
    order.lines = lines
    recompute_totals(order)
    complete(order)  # defaults now: split children copy them
    return order


def _initial_state(order: Order, inc: Incoming, problems: list[dict[str, Any]]) -> None:
    """Where a new order starts: cancelled, on hold for what blocks it, or waiting for review."""
    if inc.status in GONE:
        order.status, order.cancelled_at = "cancelled", utcnow()
        order.cancel_reason = Msg("order.gone_before_import", channel_status=inc.status)
        return
    if problems:
        kind = "unmapped_sku" if any(p["type"] == "unmapped_sku" for p in problems) else "unsellable_sku"
        holds.hold(order, kind, "system", joined(p["message"] for p in problems), problems=problems)
    elif inc.status == "pending":
        holds.hold(order, "awaiting_payment", "channel", Msg("order.not_paid"))
    elif order.fulfilment == "merchant" and inc.status in SHIPPED:
        holds.hold(order, "shipped_on_channel", "channel", Msg("order.shipped_on_channel"))


def _create_many(
    channel: str, connection_id: uuid.UUID | None, incomings: Sequence[Incoming], event: str
) -> list[Order]:
    resolutions = skus.resolve(connection_id, {ln["seller_sku"] for inc in incomings for ln in inc.lines})
    # Taken apart and committed at once: the numbers' row is every import's of the tenant,
    # and held to the commit it would make two shops' imports take turns.
    numbers = next_values_apart(NUMBER_SEQUENCE, len(incomings))
    orders = []
    # Stock is reserved last: after staged() has written the orders, lines, timeline and audit
    # entries, so the tenant's hot balance rows stay locked only from the reservation to the
    # commit (allocation.reserving_last).
    with allocation.reserving_last() as reservations, staged():
        for inc, n in zip(incomings, numbers):
            order = _build(channel, connection_id, inc, f"{NUMBER_PREFIX}-{n:06d}")
            problems = apply_resolutions(order, resolutions)
            add(order)
            verb = "imported" if event == "order.imported" else "created"
            ref = order.external_order_id
            message = (
                Msg("order.imported", channel=channel, ref=ref)
                if event == "order.imported"
                else Msg("order.created_ref", ref=ref)
                if ref
                else Msg("order.created")
            )
            record(order, verb, joined([message, *inc.notes]), to_status="pending_review")
            emit_event(event, placed_payload(order), "order", order.id)
            _initial_state(order, inc, problems)
            orders.append(order)
        pipeline.advance(orders)
        for order, inc in zip(orders, incomings):
            if order.fulfilment == "platform" and inc.status in SHIPPED:
                from core.orders.service import fulfilment

                fulfilment.ship_by_platform(order, inc.source.updated_at)
    return [reservations.corrected.get(o.id, o) for o in orders]


# ---------------------------------------------------------------------------------------------
# The sync engine's door


def _serialise_connection(connection_id: uuid.UUID) -> None:
    """One import per connection at a time (a transaction-scoped advisory lock), so two
    workers delivering the same order cannot both create it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"orders:{connection_id}"})


def upsert_from_channel(connection_id: uuid.UUID, order: ChannelOrder) -> UpsertResult:
    """Import or update one channel order (see the module docstring). Raises ValidationError
    for an invalid payload and NotFound for an unknown connection."""
    channel = _channel_of(connection_id)
    inc = normalise(order)
    _serialise_connection(connection_id)
    existing = _originals(connection_id, [inc.external_order_id])
    current = existing.get(inc.external_order_id)
    if current is None:
        created = _create_many(channel, connection_id, [inc], "order.imported")[0]
        return UpsertResult(created.id, "created")
    from core.orders.service import channel_updates

    return UpsertResult(current.id, channel_updates.apply(current, inc))


def upsert_many(connection_id: uuid.UUID, orders: Sequence[ChannelOrder]) -> list[UpsertResult]:
    """`upsert_from_channel` for a page of orders in a few queries per page; one result per
    order, in order. An invalid order is `rejected` (with the reason) and the others go on."""
    channel = _channel_of(connection_id)
    results: list[UpsertResult | None] = [None] * len(orders)
    valid: list[tuple[int, Incoming]] = []
    for i, order in enumerate(orders):
        try:
            valid.append((i, normalise(order)))
        except ValidationError as exc:
            results[i] = UpsertResult(None, "rejected", exc.message)
    _serialise_connection(connection_id)
    existing = _originals(connection_id, {inc.external_order_id for _, inc in valid})
    first: dict[str, tuple[int, Incoming]] = {}
    repeats: list[tuple[int, Incoming]] = []
    for i, inc in valid:
        if inc.external_order_id in first or inc.external_order_id in existing:
            repeats.append((i, inc))
        else:
            first[inc.external_order_id] = (i, inc)
    fresh = list(first.values())
    for (i, _), order in zip(fresh, _create_many(channel, connection_id, [inc for _, inc in fresh], "order.imported")):
        results[i] = UpsertResult(order.id, "created")
    if repeats:
        from core.orders.service import channel_updates

        # The same order twice in one page: the later payload updates what the first created.
        existing.update(_originals(connection_id, {inc.external_order_id for _, inc in repeats} - set(existing)))
        for i, inc in repeats:
            current = existing[inc.external_order_id]
            results[i] = UpsertResult(current.id, channel_updates.apply(current, inc))
    return [r for r in results if r is not None]


def channel_versions(connection_id: uuid.UUID, external_ids: Iterable[str]) -> dict[str, datetime]:
    """The channel's change time of each order this connection already holds (for the
    sync engine: a version already imported needs no second look at its lines)."""
    ids = set(external_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Order.external_order_id, Order.channel_updated_at).where(
            Order.connection_id == connection_id,
            Order.parent_id.is_(None),
            in_values(Order.external_order_id, ids),
            Order.channel_updated_at.is_not(None),
        )
    )
    return {ext: at for ext, at in rows}  # type: ignore[misc]


def _originals(connection_id: uuid.UUID, external_ids: Iterable[str]) -> dict[str, Order]:
    ids = set(external_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Order)
        .where(Order.connection_id == connection_id, Order.parent_id.is_(None), in_values(Order.external_order_id, ids))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {o.external_order_id: o for o in rows}  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Manual and offline orders (POST /api/v1/orders)


def create_order(data: dict[str, Any]) -> Order:
    """A manual or offline order: lines name local SKUs (`sku_id` or `sku`, the SKU code).
    It takes the same road as channel orders: holds, auto-review, split rules, allocation."""
    errors = f.Errors()
    currency = f.currency(errors, "currency", data.get("currency"), required=True)
    external_id = f.text(errors, "external_order_id", data.get("external_order_id"), max_len=100)
    lines_in = data.get("lines") or []
    if not lines_in:
        errors.add("lines", Msg("lines_required"))
    lines = []
    for i, item in enumerate(lines_in):
        code = _manual_sku_code(errors, f"lines.{i}", item)
        qty = f.integer(errors, f"lines.{i}.quantity", item.get("quantity"), minimum=1, required=True)
        # No price (absent, null or blank) is a free line, never a dropped one.
        price = f.decimal(errors, f"lines.{i}.unit_price", item.get("unit_price") or "0", places=6)
        amounts = {
            k: f.decimal(errors, f"lines.{i}.{k}", item.get(k, "0"), places=4) or Decimal(0)
            for k in ("item_tax", "shipping_price", "shipping_tax", "discount")
        }
        if code and qty and price is not None:
            lines.append(
                ChannelOrderLine(
                    external_line_id=str(i + 1),
                    seller_sku=code,
                    quantity=qty,
                    unit_price=price,
                    title=str(item.get("title") or ""),
                    **amounts,
                )
            )
    shipping = f.decimal(errors, "shipping", data.get("shipping", "0"), places=4) or Decimal(0)
    discount = f.decimal(errors, "discount", data.get("discount", "0"), places=4) or Decimal(0)
    address = data.get("shipping_address") or {}
    country = f.country(errors, "shipping_address.country", address.get("country"))
    if not country:
        errors.add("shipping_address.country", Msg("required"))
    if (
        external_id
        and session.execute(
            select(Order.id).where(
                Order.connection_id.is_(None),
                Order.channel == MANUAL,
                Order.parent_id.is_(None),
                Order.external_order_id == external_id,
            )
        ).first()
    ):
        errors.add("external_order_id", Msg("orders.manual_order_with_reference", external_id=external_id))
    errors.raise_if_any()
    now = utcnow()
    buyer = data.get("buyer") or {}
    channel_order = ChannelOrder(
        external_order_id=external_id or "-",
        status="unshipped",
        external_status="",
        purchased_at=data.get("purchased_at") or now,
        updated_at=now,
        currency=currency,
        lines=spread_order_charges(lines, currency, shipping=shipping, discount=discount),
        marketplace=str(data.get("marketplace") or ""),
        buyer_name=str(buyer.get("name") or ""),
        buyer_email=str(buyer.get("email") or ""),
        buyer_phone=str(buyer.get("phone") or ""),
        shipping_address=Address(**{k: str(address.get(k) or "") for k in Address.__dataclass_fields__}),
        shipping_service=str(data.get("shipping_service") or ""),
        buyer_remarks=str(data.get("buyer_remarks") or ""),
        prices_include_tax=bool(data.get("prices_include_tax", False)),
    )
    try:
        inc = normalise(channel_order)
    except ValidationError as exc:
        raise ValidationError(
            {
                k.replace("line_total", "unit_price").replace("shipping_price", "shipping"): v
                for k, v in exc.errors.items()
            }
        ) from None
    inc.fields["external_order_id"] = external_id or None
    inc.fields["channel_status"] = ""
    order = _create_many(MANUAL, None, [inc], "order.created")[0]
    if data.get("tags") or data.get("seller_note"):
        from core.orders.service.editing import update_order

        update_order(order.id, tags=data.get("tags"), seller_note=data.get("seller_note"))
    return order


def _manual_sku_code(errors: f.Errors, path: str, item: dict[str, Any]) -> str | None:
    from core.catalog import service as catalog

    if item.get("sku_id"):
        try:
            ident = uuid.UUID(str(item["sku_id"]))
        except ValueError:
            errors.add(f"{path}.sku_id", Msg("not_an_id"))
            return None
        facts = catalog.sku_facts([ident]).get(ident)
        code = facts.code if facts is not None else None
        if code is None:
            errors.add(f"{path}.sku_id", Msg("orders.no_such_sku_or_code"))
        return code
    code = f.text(errors, f"{path}.sku", item.get("sku"), max_len=64)
    if not code:
        errors.add(f"{path}.sku", Msg("orders.sku_or_sku_id"))
    elif not catalog.sku_ids_by_code([code]):
        errors.add(f"{path}.sku", Msg("orders.no_sku_has_code", code=code))
    return code or None
