"""Helpers for order tests: a channel connection, channel orders, stock, events, settings."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent
from core.ports import Address, ChannelOrder, ChannelOrderLine
from tests.core.inventory.helpers import snapshot, stock, warehouse  # noqa: F401 - re-exported

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def connection(tenant: Any, name: str | None = None) -> uuid.UUID:
    """A channel connection (the foundation's in-memory "dummy" plugin)."""
    resp = tenant.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "dummy",
            "display_name": name or f"Shop {secrets.token_hex(3)}",
            "settings": {"shop": "s", "api_token": "good-token"},
        },
    )
    assert resp.status_code == 201, resp.get_json()
    return uuid.UUID(resp.get_json()["id"])


def line(
    seller_sku: str, quantity: int = 1, price: str = "10.00", ext: str | None = None, **kw: Any
) -> ChannelOrderLine:
    return ChannelOrderLine(
        external_line_id=ext or secrets.token_hex(4),
        seller_sku=seller_sku,
        quantity=quantity,
        unit_price=Decimal(price),
        **kw,
    )


def address(country: str = "US", **kw: Any) -> Address:
    data = {
        "name": "Jane Buyer",
        "line1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": country,
        "phone": "+1 555 0100",
        **kw,
    }
    return Address(**data)


def channel_order(
    *lines: ChannelOrderLine,
    ext: str | None = None,
    status: str = "unshipped",
    currency: str = "USD",
    updated: int = 0,
    country: str = "US",
    **kw: Any,
) -> ChannelOrder:
    kw.setdefault("shipping_address", address(country))
    kw.setdefault("buyer_name", "Jane Buyer")
    kw.setdefault("buyer_email", "jane@example.com")
    return ChannelOrder(
        external_order_id=ext or f"EXT-{secrets.token_hex(5)}",
        status=status,
        external_status=kw.pop("external_status", status.title()),
        purchased_at=kw.pop("purchased_at", T0),
        updated_at=T0 + timedelta(minutes=updated),
        currency=currency,
        lines=tuple(lines),
        **kw,
    )


def events(tenant: Any, name: str | None = None, entity_id: Any = None) -> list[OutboxEvent]:
    with tenant.scope():
        stmt = select(OutboxEvent).order_by(OutboxEvent.created_at, OutboxEvent.id)
        if name:
            stmt = stmt.where(OutboxEvent.name == name)
        if entity_id is not None:
            stmt = stmt.where(OutboxEvent.entity_id == str(entity_id))
        return list(session.execute(stmt).scalars())


def settings(tenant: Any, **changes: Any) -> None:
    from core.orders import service

    with tenant.scope():
        service.update_settings(**changes)


def rates(tenant: Any, rates: dict[str, str], on: Any = None) -> None:
    """Dated rates against the tenant's CNY, {"USD": "7.1"}, on the day of T0 (the orders'
    purchase day) unless `on` is given."""
    from core.fx import service as fx

    day = on or T0.date()
    with tenant.scope():
        fx.set_rates([{"base": c, "quote": "CNY", "date": day, "rate": r} for c, r in rates.items()], source="manual")


APPROVE_ALL = [
    {"name": "Everything", "action": "approve", "fulfilment": "merchant"},
    {"name": "Platform", "action": "approve", "fulfilment": "platform"},
]


def names(items: Iterable[OutboxEvent]) -> list[str]:
    return [e.name for e in items]
