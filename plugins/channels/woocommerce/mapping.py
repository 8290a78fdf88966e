"""WooCommerce order JSON <-> ChannelOrder (shared/reference/channels.md §3.4).

Money is a string with the store's decimals, except `line_items[].price`, a JSON number, which
is not used: the unit price comes from the line subtotal. Line `subtotal`/`total` are tax
exclusive whatever `prices_include_tax` says (WooCommerce stores lines net), and dates are
read from the `*_gmt` twins: the plain ones are in the site's time zone, without an offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.ports import Address, ChannelOrder, ChannelOrderLine, spread_order_charges

STATUSES = {
    "pending": "pending",
    "on-hold": "pending",
    "failed": "pending",
    "checkout-draft": "pending",
    "processing": "unshipped",
    "completed": "shipped",
    "cancelled": "cancelled",
    "trash": "cancelled",
    "refunded": "refunded",
}


def parse_gmt(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def amount(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def status_of(order: Mapping[str, Any]) -> str:
    return STATUSES.get(order.get("status") or "", "pending")


def address_of(data: Mapping[str, Any] | None, email: str = "") -> Address | None:
    if not data or not any(data.get(k) for k in ("address_1", "city", "country")):
        return None
    return Address(
        name=" ".join(x for x in (data.get("first_name"), data.get("last_name")) if x),
        company=data.get("company") or "",
        line1=data.get("address_1") or "",
        line2=data.get("address_2") or "",
        city=data.get("city") or "",
        state=data.get("state") or "",
        postal_code=data.get("postcode") or "",
        country=data.get("country") or "",
        phone=data.get("phone") or "",
        email=email,
    )


def line_of(item: Mapping[str, Any]) -> ChannelOrderLine:
    quantity = int(item["quantity"])
    subtotal, total = amount(item.get("subtotal")), amount(item.get("total"))
    return ChannelOrderLine(
        external_line_id=str(item["id"]),
        seller_sku=item.get("sku") or "",
        quantity=quantity,
        unit_price=subtotal / quantity if quantity else subtotal,
        title=item.get("name") or "",
        item_tax=amount(item.get("total_tax")),
        discount=subtotal - total,
        external_listing_id=str(item.get("variation_id") or item.get("product_id") or ""),
        line_total=subtotal,
    )


def order_from_woo(data: Mapping[str, Any]) -> ChannelOrder:
    currency = data["currency"]
    shipping_lines = data.get("shipping_lines") or []
    fees = sum((amount(f.get("total")) for f in data.get("fee_lines") or []), Decimal(0))
    fee_tax = sum((amount(f.get("total_tax")) for f in data.get("fee_lines") or []), Decimal(0))
    lines = spread_order_charges(
        [line_of(i) for i in data.get("line_items") or []],
        currency,
        # Fees (gift wrap, payment surcharges) are charges like shipping for the order's books.
        shipping=sum((amount(s.get("total")) for s in shipping_lines), Decimal(0)) + fees,
        shipping_tax=sum((amount(s.get("total_tax")) for s in shipping_lines), Decimal(0)) + fee_tax,
    )
    billing = data.get("billing") or {}
    shipping = address_of(data.get("shipping"))
    if shipping is None:  # virtual goods or "ship to billing address"
        shipping = address_of(billing)
    return ChannelOrder(
        external_order_id=str(data["id"]),
        status=status_of(data),
        external_status=data.get("status") or "",
        purchased_at=parse_gmt(data["date_created_gmt"]),
        updated_at=parse_gmt(data.get("date_modified_gmt") or data["date_created_gmt"]),
        currency=currency,
        lines=lines,
        buyer_name=" ".join(x for x in (billing.get("first_name"), billing.get("last_name")) if x),
        buyer_email=billing.get("email") or "",
        buyer_phone=billing.get("phone") or "",
        shipping_address=shipping,
        shipping_service=shipping_lines[0].get("method_title", "") if shipping_lines else "",
        total=amount(data.get("total")),
        buyer_remarks=data.get("customer_note") or "",
        raw=data,
        order_number=str(data.get("number") or ""),
    )
