"""Shopify order JSON <-> ChannelOrder (shared/reference/channels.md §2.5).

Amounts come from the `*_set.shop_money` figures: the shop's currency is what the seller is paid
in and books; the buyer's presentment currency stays in `raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.ports import Address, ChannelOrder, ChannelOrderLine, spread_order_charges

CARRIERS = {  # our carrier names -> Shopify's tracking companies (case matters for tracking links)
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL Express",
    "dhl express": "DHL Express",
    "dhl ecommerce": "DHL eCommerce",
    "4px": "4PX",
    "yunexpress": "YunExpress",
    "yanwen": "Yanwen",
    "china post": "China Post",
    "cainiao": "Cainiao",
    "royal mail": "Royal Mail",
    "canada post": "Canada Post",
    "australia post": "Australia Post",
    "dpd": "DPD",
    "gls": "GLS",
}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def shop_amount(obj: Mapping[str, Any], plain: str, money_set: str | None = None) -> Decimal:
    """The shop-currency amount of a field, preferring its `*_set` twin."""
    twin = obj.get(money_set or f"{plain}_set")
    if isinstance(twin, dict) and twin.get("shop_money"):
        return Decimal(str(twin["shop_money"]["amount"]))
    value = obj.get(plain)
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def status_of(order: Mapping[str, Any]) -> str:
    financial = order.get("financial_status") or ""
    fulfilment = order.get("fulfillment_status")
    if order.get("cancelled_at") or financial in ("voided", "expired"):
        return "cancelled"
    if financial == "refunded":
        return "refunded"
    if fulfilment == "fulfilled":
        return "shipped"
    if fulfilment == "partial":
        return "partially_shipped"
    if financial in ("pending", "authorized", "partially_paid", ""):
        return "pending"
    return "unshipped"


def address_of(data: Mapping[str, Any] | None) -> Address | None:
    if not data:
        return None
    return Address(
        name=data.get("name") or " ".join(x for x in (data.get("first_name"), data.get("last_name")) if x),
        company=data.get("company") or "",
        line1=data.get("address1") or "",
        line2=data.get("address2") or "",
        city=data.get("city") or "",
        state=data.get("province_code") or data.get("province") or "",
        postal_code=data.get("zip") or "",
        country=data.get("country_code") or "",
        phone=data.get("phone") or "",
    )


def line_of(item: Mapping[str, Any]) -> ChannelOrderLine:
    quantity = int(item["quantity"])
    unit = shop_amount(item, "price")
    allocations = item.get("discount_allocations") or []
    if allocations:
        discount = sum((shop_amount(a, "amount") for a in allocations), Decimal(0))
    else:
        discount = shop_amount(item, "total_discount")
    tax = sum((shop_amount(t, "price") for t in item.get("tax_lines") or []), Decimal(0))
    shipped = 0
    if item.get("fulfillment_status") in ("fulfilled", "partial"):
        shipped = quantity - int(item.get("fulfillable_quantity") or 0)
    return ChannelOrderLine(
        external_line_id=str(item["id"]),
        seller_sku=item.get("sku") or "",
        quantity=quantity,
        unit_price=unit,
        title=item.get("name") or item.get("title") or "",
        item_tax=tax,
        discount=discount,
        external_listing_id=str(item.get("variant_id") or ""),
        line_total=unit * quantity,
        quantity_shipped=shipped,
    )


def order_from_shopify(data: Mapping[str, Any]) -> ChannelOrder:
    currency = data["currency"]
    shipping_lines = data.get("shipping_lines") or []
    shipping = sum(
        (
            shop_amount(
                s,
                "discounted_price" if s.get("discounted_price") is not None else "price",
                "discounted_price_set" if s.get("discounted_price_set") else "price_set",
            )
            for s in shipping_lines
        ),
        Decimal(0),
    )
    shipping_tax = sum((shop_amount(t, "price") for s in shipping_lines for t in s.get("tax_lines") or []), Decimal(0))
    lines = spread_order_charges(
        [line_of(i) for i in data.get("line_items") or []], currency, shipping=shipping, shipping_tax=shipping_tax
    )
    customer = data.get("customer") or {}
    address = address_of(data.get("shipping_address"))
    buyer = " ".join(x for x in (customer.get("first_name"), customer.get("last_name")) if x)
    financial, fulfilment = data.get("financial_status") or "", data.get("fulfillment_status") or "unfulfilled"
    return ChannelOrder(
        external_order_id=str(data["id"]),
        status=status_of(data),
        external_status=f"{financial}/{fulfilment}" + ("/cancelled" if data.get("cancelled_at") else ""),
        purchased_at=parse_time(data.get("processed_at") or data["created_at"]),
        updated_at=parse_time(data["updated_at"]),
        currency=currency,
        lines=lines,
        buyer_name=buyer or (address.name if address else ""),
        buyer_email=data.get("email") or customer.get("email") or "",
        buyer_phone=data.get("phone") or (address.phone if address else "") or "",
        shipping_address=address,
        shipping_service=shipping_lines[0].get("title", "") if shipping_lines else "",
        total=shop_amount(data, "total_price"),
        buyer_remarks=data.get("note") or "",
        raw=data,
        order_number=data.get("name") or "",
        prices_include_tax=bool(data.get("taxes_included")),
    )
