"""Amazon Orders v0 JSON <-> ChannelOrder (shared/reference/channels.md §1.5).

getOrders lists orders without their items: mapped orders say `lines_complete=False` until
`order_with_items` adds the getOrderItems result. `ItemPrice` is the price of all units of the
line, so the unit price is ItemPrice / QuantityOrdered and the exact figure stays in
`line_total`. In the EU, UK and Japan prices include VAT and ItemTax is the VAT inside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.ports import Address, ChannelOrder, ChannelOrderLine, ChannelRefund

STATUSES = {
    "PendingAvailability": "pending",
    "Pending": "pending",
    "Unshipped": "unshipped",
    "PartiallyShipped": "partially_shipped",
    "Shipped": "shipped",
    "InvoiceUnconfirmed": "shipped",
    "Canceled": "cancelled",
    "Unfulfillable": "cancelled",
}
MARKETPLACE_CURRENCY = {
    "ATVPDKIKX0DER": "USD",
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
    "A2Q3Y263D00KWC": "BRL",
    "A1F83G8C2ARO7P": "GBP",
    "A1PA6795UKMFR9": "EUR",
    "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1805IZSGTT6HS": "EUR",
    "A2NODRKZP88ZB9": "SEK",
    "A1C3SOZRARQ6R3": "PLN",
    "AMEN7PMS3EDWL": "EUR",
    "A33AVAJ2PDY3EV": "TRY",
    "A2VIGQ35RCS4UG": "AED",
    "A21TJRUUN4KGV": "INR",
    "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD",
    "A19VAU5U5O7RUS": "SGD",
}
# Marketplaces whose item prices include tax (VAT, GST or consumption tax).
TAX_INCLUSIVE = {
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "APJ6JRA9NG5V4",
    "A1RKKUPIHCS9HS",
    "A1805IZSGTT6HS",
    "A2NODRKZP88ZB9",
    "A1C3SOZRARQ6R3",
    "AMEN7PMS3EDWL",
    "A33AVAJ2PDY3EV",
    "A1VC38T7YXB528",
    "A39IBJ37TRP1C6",
    "A19VAU5U5O7RUS",
    "A21TJRUUN4KGV",
    "A2VIGQ35RCS4UG",
}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def amount(money: Mapping[str, Any] | None) -> Decimal:
    return Decimal(str(money["Amount"])) if money and money.get("Amount") not in (None, "") else Decimal(0)


def address_of(data: Mapping[str, Any] | None, buyer: Mapping[str, Any] | None) -> Address | None:
    if not data:
        return None
    return Address(
        name=data.get("Name") or "",
        company=data.get("CompanyName") or "",
        line1=data.get("AddressLine1") or "",
        line2=data.get("AddressLine2") or "",
        line3=data.get("AddressLine3") or "",
        city=data.get("City") or "",
        state=data.get("StateOrRegion") or "",
        postal_code=data.get("PostalCode") or "",
        country=data.get("CountryCode") or "",
        phone=data.get("Phone") or "",
        email=(buyer or {}).get("BuyerEmail") or "",
    )


def order_from_amazon(data: Mapping[str, Any]) -> ChannelOrder:
    marketplace = data.get("MarketplaceId") or ""
    total = data.get("OrderTotal")
    currency = (total or {}).get("CurrencyCode") or MARKETPLACE_CURRENCY.get(marketplace, "")
    buyer = data.get("BuyerInfo") or {}
    return ChannelOrder(
        external_order_id=data["AmazonOrderId"],
        status=STATUSES.get(data["OrderStatus"], "pending"),
        external_status=data["OrderStatus"],
        purchased_at=parse_time(data["PurchaseDate"]),
        updated_at=parse_time(data["LastUpdateDate"]),
        currency=currency,
        marketplace=marketplace,
        fulfilment="platform" if data.get("FulfillmentChannel") == "AFN" else "merchant",
        buyer_name=buyer.get("BuyerName") or "",
        buyer_email=buyer.get("BuyerEmail") or "",
        buyer_phone=(data.get("ShippingAddress") or {}).get("Phone") or "",
        shipping_address=address_of(data.get("ShippingAddress"), buyer),
        shipping_service=data.get("ShipServiceLevel") or "",
        total=amount(total) if total else None,  # withheld while the order is Pending
        lines_complete=False,
        raw=data,
        order_number=data.get("SellerOrderId") or "",
        prices_include_tax=marketplace in TAX_INCLUSIVE,
    )


def line_of(item: Mapping[str, Any]) -> ChannelOrderLine:
    quantity = int(item.get("QuantityOrdered") or 0)
    price = amount(item.get("ItemPrice"))
    return ChannelOrderLine(
        external_line_id=item["OrderItemId"],
        seller_sku=item.get("SellerSKU") or "",
        quantity=quantity,
        unit_price=price / quantity,
        title=item.get("Title") or "",
        item_tax=amount(item.get("ItemTax")),
        shipping_price=amount(item.get("ShippingPrice")),
        shipping_tax=amount(item.get("ShippingTax")),
        discount=amount(item.get("PromotionDiscount")) + amount(item.get("ShippingDiscount")),
        external_listing_id=item.get("ASIN") or "",
        line_total=price,
        quantity_shipped=int(item.get("QuantityShipped") or 0),
    )


def order_with_items(order: ChannelOrder, items: Sequence[Mapping[str, Any]]) -> ChannelOrder:
    # A line whose every unit was cancelled has nothing to ship or book.
    lines = tuple(line_of(i) for i in items if int(i.get("QuantityOrdered") or 0) > 0)
    currency = order.currency or next((i["ItemPrice"]["CurrencyCode"] for i in items if i.get("ItemPrice")), "")
    return replace(
        order, lines=lines, currency=currency, lines_complete=True, raw={**order.raw, "OrderItems": list(items)}
    )


def refund_from_amazon(event: dict[str, Any]) -> ChannelRefund | None:
    """A Finances API RefundEvent as a ChannelRefund: what the buyer got back (the charge
    adjustments, negative in the event) as a positive amount, per seller SKU. The event has no
    id of its own; its order, posting time and adjustment item ids identify it."""
    oid = event.get("AmazonOrderId")
    posted = event.get("PostedDate")
    if not oid or not posted:
        return None
    amount, currency, skus, ids = Decimal(0), "", [], []
    for adj in event.get("ShipmentItemAdjustmentList") or []:
        for charge in adj.get("ItemChargeAdjustmentList") or []:
            money = charge.get("ChargeAmount") or {}
            amount -= Decimal(str(money.get("CurrencyAmount") or 0))
            currency = currency or str(money.get("CurrencyCode") or "")
        ids.append(str(adj.get("OrderAdjustmentItemId") or ""))
        if adj.get("SellerSKU"):
            skus.append((str(adj["SellerSKU"]), int(adj.get("QuantityShipped") or 0)))
    when = datetime.fromisoformat(str(posted).replace("Z", "+00:00")).astimezone(UTC)
    ident = f"{oid}:{when.strftime('%Y%m%dT%H%M%S')}:{'/'.join(sorted(i for i in ids if i))}"
    return ChannelRefund(
        external_refund_id=ident[:100],
        external_order_id=str(oid),
        posted_at=when,
        currency=currency,
        amount=amount,
        skus=tuple(skus),
    )
