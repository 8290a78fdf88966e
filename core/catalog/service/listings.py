"""Channel listing mappings: which local SKU (and how many units of it) a seller SKU stands for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from core import validation as f
from core.catalog import events
from core.catalog.models import ListingMapping, Sku
from core.catalog.service.common import get_sku, like_pattern, sku_label
from core.db import get_or_none, session
from core.errors import Conflict, NotFound
from core.events import emit
from core.messages import Msg


def mapping_query(
    *, connection_id: uuid.UUID | None = None, sku_id: uuid.UUID | None = None, q: str | None = None
) -> Any:
    stmt = select(ListingMapping)
    if connection_id:
        stmt = stmt.where(ListingMapping.connection_id == connection_id)
    if sku_id:
        stmt = stmt.where(ListingMapping.sku_id == sku_id)
    if q and q.strip():
        stmt = stmt.where(ListingMapping.seller_sku.ilike(like_pattern(q), escape="\\"))
    return stmt.order_by(ListingMapping.seller_sku, ListingMapping.id)


def get_mapping(mapping_id: uuid.UUID | str) -> ListingMapping:
    row = get_or_none(ListingMapping, mapping_id)
    if row is None:
        raise NotFound("listing mapping", mapping_id)
    return row


def create_mapping(
    *, connection_id: uuid.UUID, seller_sku: str, sku_id: uuid.UUID, quantity: int = 1, note: str = ""
) -> ListingMapping:
    errors = f.Errors()
    seller = f.text(errors, "seller_sku", seller_sku, max_len=200, required=True)
    qty = f.integer(errors, "quantity", quantity, minimum=1, maximum=10_000, required=True)
    note = f.text(errors, "note", note, max_len=500)
    _channel_connection(errors, connection_id)
    sku = _mappable_sku(errors, sku_id)
    errors.raise_if_any()
    existing = session.execute(
        select(ListingMapping).where(ListingMapping.connection_id == connection_id, ListingMapping.seller_sku == seller)
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            Msg("catalog.seller_sku_already_mapped", seller=seller, sku_id=sku_label(get_sku(existing.sku_id))),
            {"seller_sku": [Msg("catalog.already_mapped")]},
        )
    row = ListingMapping(connection_id=connection_id, seller_sku=seller, sku_id=sku.id, quantity=qty, note=note)
    session.add(row)
    session.flush()
    emit("listing.mapped", _mapping_payload(row, sku), entity_type="listing_mapping", entity_id=row.id)
    return row


def update_mapping(mapping_id: uuid.UUID, **changes: Any) -> ListingMapping:
    row = get_mapping(mapping_id)
    errors = f.Errors()
    sku = get_sku(row.sku_id)
    if "sku_id" in changes:
        sku = _mappable_sku(errors, changes["sku_id"])
    if "quantity" in changes:
        qty = f.integer(errors, "quantity", changes["quantity"], minimum=1, maximum=10_000, required=True)
    if "note" in changes:
        note = f.text(errors, "note", changes["note"], max_len=500)
    errors.raise_if_any()
    row.sku_id = sku.id
    if "quantity" in changes:
        row.quantity = qty
    if "note" in changes:
        row.note = note
    session.flush()
    emit("listing.remapped", _mapping_payload(row, sku), entity_type="listing_mapping", entity_id=row.id)
    return row


def delete_mapping(mapping_id: uuid.UUID) -> None:
    row = get_mapping(mapping_id)
    payload = _mapping_payload(row, get_sku(row.sku_id))
    session.delete(row)
    session.flush()
    emit("listing.unmapped", payload, entity_type="listing_mapping", entity_id=row.id)


def _channel_connection(errors: f.Errors, connection_id: Any) -> None:
    from tenants.service import connection_facts

    conn = connection_facts(connection_id) if connection_id is not None else None
    if conn is None:
        errors.add("connection_id", Msg("catalog.no_connection", connection_id=connection_id))
    elif conn.kind != "channel":
        errors.add(
            "connection_id", Msg("catalog.connection_not_sales_channel", display_name=conn.display_name, kind=conn.kind)
        )


def _mappable_sku(errors: f.Errors, sku_id: Any) -> Sku | None:
    sku = get_or_none(Sku, sku_id)
    if sku is None:
        errors.add("sku_id", Msg("catalog.no_sku", sku_id=sku_id))
    elif sku.status == "discontinued":
        errors.add("sku_id", Msg("catalog.sku_discontinued", sku=sku_label(sku)))
    return sku


def _mapping_payload(row: ListingMapping, sku: Sku) -> events.ListingMapping:
    return events.ListingMapping(
        id=row.id,
        connection_id=row.connection_id,
        seller_sku=row.seller_sku,
        sku_id=sku.id,
        sku_code=sku.code,
        quantity=row.quantity,
        kit_type=sku.kit_type,
    )
