"""TinyShop order JSON -> core.ports.ChannelOrder. Money is parsed as Decimal, never float."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.ports import Address, ChannelOrder, ChannelOrderLine, spread_order_charges

STATUSES = {
    "awaiting_payment": "pending",
    "paid": "unshipped",
    "shipped": "shipped",
    "cancelled": "cancelled",
    "refunded": "refunded",
}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def order_from_tinyshop(data: Mapping[str, Any]) -> ChannelOrder:
    currency = data["currency"]
    lines = [
        ChannelOrderLine(
            external_line_id=str(item["id"]),
            seller_sku=item["sku"],
            quantity=int(item["quantity"]),
            unit_price=Decimal(str(item["unit_price"])),
            title=item.get("title", ""),
            line_total=Decimal(str(item["unit_price"])) * int(item["quantity"]),
        )
        for item in data["items"]
    ]
    ship_to = data.get("ship_to") or {}
    return ChannelOrder(
        external_order_id=str(data["id"]),
        status=STATUSES.get(data["status"], "pending"),
        external_status=data["status"],
        purchased_at=parse_time(data["created_at"]),
        updated_at=parse_time(data["updated_at"]),
        currency=currency,
        lines=spread_order_charges(lines, currency, shipping=Decimal(str(data.get("shipping") or "0"))),
        buyer_name=(data.get("customer") or {}).get("name", ""),
        buyer_email=(data.get("customer") or {}).get("email", ""),
        shipping_address=Address(
            name=ship_to.get("name", ""),
            line1=ship_to.get("street", ""),
            city=ship_to.get("city", ""),
            postal_code=ship_to.get("postcode", ""),
            country=ship_to.get("country", ""),
        )
        if ship_to
        else None,
        total=Decimal(str(data["total"])),
        raw=data,
    )
