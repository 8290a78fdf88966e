"""Staff edits: the address (before shipment; from then on the channel no longer overwrites
it), the shipping service, the seller's note and tags."""

from __future__ import annotations

import uuid
from typing import Any

from core import validation as f
from core.errors import ValidationError
from core.messages import Msg
from core.orders.events import OrderUpdated
from core.orders.models import BEFORE_SHIPMENT, Order
from core.orders.service.base import emit, lock_order, record, require_status

ADDRESS = {
    "name": 200,
    "company": 200,
    "line1": 300,
    "line2": 300,
    "line3": 300,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 2,
    "phone": 50,
    "email": 200,
}
MAX_TAGS = 20


def clean_tags(errors: f.Errors, value: Any) -> list[str]:
    if not isinstance(value, list):
        errors.add("tags", Msg("orders.tags_list"))
        return []
    tags = []
    for i, tag in enumerate(value):
        text = f.text(errors, f"tags.{i}", tag, max_len=40)
        if text and text not in tags:
            tags.append(text)
    if len(tags) > MAX_TAGS:
        errors.add("tags", Msg("orders.use_at_most_tags", max_tags=MAX_TAGS))
    return tags


def update_order(
    order_id: uuid.UUID,
    *,
    shipping_address: dict[str, Any] | None = None,
    shipping_service: str | None = None,
    seller_note: str | None = None,
    tags: list[str] | None = None,
    quiet: bool = False,
) -> Order:
    errors = f.Errors()
    changes: dict[str, Any] = {}
    if shipping_address is not None:
        if not isinstance(shipping_address, dict):
            errors.add("shipping_address", Msg("not_object"))
        else:
            for key in sorted(set(shipping_address) - set(ADDRESS)):
                errors.add(f"shipping_address.{key}", Msg("unknown_field"))
            for key, size in ADDRESS.items():
                if key in shipping_address:
                    if key == "country":
                        value = f.country(errors, "shipping_address.country", shipping_address[key])
                        if not value and "shipping_address.country" not in errors.errors:
                            errors.add("shipping_address.country", Msg("required"))
                    else:
                        value = f.text(errors, f"shipping_address.{key}", shipping_address[key], max_len=size)
                    changes[f"ship_{key}"] = value or ""
    if shipping_service is not None:
        changes["shipping_service"] = f.text(errors, "shipping_service", shipping_service, max_len=100)
    if seller_note is not None:
        changes["seller_note"] = f.text(errors, "seller_note", seller_note, max_len=5000)
    if tags is not None:
        changes["tags"] = clean_tags(errors, tags)
    errors.raise_if_any()
    order = lock_order(order_id)
    if any(k.startswith("ship") for k in changes):
        require_status(order, BEFORE_SHIPMENT, "change the address or shipping service of")
    changed = {k: v for k, v in changes.items() if getattr(order, k) != v}
    if not changed:
        return order
    for name, value in changed.items():
        setattr(order, name, value)
    if any(k.startswith("ship_") for k in changed):
        order.address_source = "staff"
    if not quiet:
        record(
            order,
            "edited",
            Msg("order.edited", fields=sorted(changed)),
            fields=sorted(changed),
        )
        emit("order.updated", order, OrderUpdated, source="staff", changes=tuple(sorted(changed)))
    return order


def set_tags(order: Order, add: list[str] = (), remove: list[str] = ()) -> None:  # type: ignore[assignment]
    tags = [t for t in (order.tags or []) if t not in set(remove)]
    for t in add:
        if t not in tags:
            tags.append(t)
    if len(tags) > MAX_TAGS:
        raise ValidationError.field("tags", Msg("orders.use_at_most_tags", max_tags=MAX_TAGS))
    if tags != list(order.tags or []):
        order.tags = tags
        record(order, "tagged", Msg("order.tags", tags=tags or ["—"]))
