"""AliExpress order JSON <-> ChannelOrder (shared/reference/channels.md §4.2-4.5).

Times are naive strings in US Pacific time, converted here with the daylight-saving rules of
America/Los_Angeles. In the autumn hour that happens twice a wall time has two readings; the
adapter keeps an order when either falls in the window (`pacific_readings`), so none is lost.
The order list carries lines but no address, so listed orders say `lines_complete=False`
until the order detail completes them. List-shaped fields may come wrapped
(`{"order_dto": [...]}`) or bare (`simplify=true`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.ports import Address, ChannelOrder, ChannelOrderLine, spread_order_charges

PACIFIC = ZoneInfo("America/Los_Angeles")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
STATUSES = {
    "PLACE_ORDER_SUCCESS": "pending",
    "RISK_CONTROL": "pending",
    "WAIT_SELLER_EXAMINE_MONEY": "pending",
    "IN_FROZEN": "pending",
    "IN_CANCEL": "pending",  # the buyer asked to cancel: hold the parcel until the seller decides
    "WAIT_SELLER_SEND_GOODS": "unshipped",
    "SELLER_PART_SEND_GOODS": "partially_shipped",
    "WAIT_BUYER_ACCEPT_GOODS": "shipped",
    "FUND_PROCESSING": "shipped",
    "IN_ISSUE": "shipped",
}


def to_pacific(value: datetime) -> str:
    return value.astimezone(PACIFIC).strftime(TIME_FORMAT)


def from_pacific(value: str) -> datetime:
    return datetime.strptime(value.strip(), TIME_FORMAT).replace(tzinfo=PACIFIC).astimezone(UTC)


def pacific_readings(value: str) -> tuple[datetime, ...]:
    """Every UTC instant a Pacific wall time can mean: two in the repeated autumn hour."""
    wall = datetime.strptime(value.strip(), TIME_FORMAT)
    return tuple(sorted({wall.replace(tzinfo=PACIFIC, fold=fold).astimezone(UTC) for fold in (0, 1)}))


def unwrap(value: Any) -> list[Any]:
    """`{"order_dto": [...]}` or `[...]` -> the list."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        for inner in value.values():
            if isinstance(inner, list):
                return inner
    return []


def amount(money: Mapping[str, Any] | None) -> Decimal:
    if not money:
        return Decimal(0)
    if money.get("amount") not in (None, ""):
        return Decimal(str(money["amount"]))
    if money.get("cent") is not None:
        return Decimal(int(money["cent"])) / Decimal(int(money.get("cent_factor") or 100))
    return Decimal(0)


def status_of(status: str, end_reason: str = "", refund: Mapping[str, Any] | None = None, shipped: bool = False) -> str:
    """FINISH covers every closed order; the end reason and the refund tell how it closed."""
    if status != "FINISH":
        return STATUSES.get(status, "pending")
    reason = (end_reason or "").lower()
    if "cancel" in reason or "send_goods_timeout" in reason or "risk_reject" in reason:
        return "cancelled"
    if (refund or {}).get("refund_status") == "refund_ok" or "refund" in reason or "issue" in reason:
        return "refunded" if shipped else "cancelled"  # money back before shipping is a cancellation
    return "shipped"  # closed after delivery


def _line(order_id: Any, item: Mapping[str, Any], detail: bool) -> ChannelOrderLine:
    quantity = int(item["product_count"])
    unit = amount(item.get("product_price") if detail else item.get("product_unit_price"))
    return ChannelOrderLine(
        external_line_id=str(item.get("id") if detail else item.get("child_id")),
        seller_sku=item.get("sku_code") or "",
        quantity=quantity,
        unit_price=unit,
        title=item.get("product_name") or "",
        discount=amount(item.get("child_order_discount_info")) if detail else Decimal(0),
        external_listing_id=str(item.get("product_id") or ""),
        line_total=unit * quantity,
    )


def order_from_list(dto: Mapping[str, Any]) -> ChannelOrder:
    """An order of `aliexpress.solution.order.get`: lines without discounts, no address."""
    pay = dto.get("pay_amount") or {}
    status = dto["order_status"]
    return ChannelOrder(
        external_order_id=str(dto["order_id"]),
        status=status_of(
            status,
            dto.get("end_reason", ""),
            shipped=dto.get("logistics_status") not in (None, "", "NO_LOGISTICS", "WAIT_SELLER_SEND_GOODS"),
        ),
        external_status=status + (f"/{dto['end_reason']}" if dto.get("end_reason") else ""),
        purchased_at=from_pacific(dto["gmt_create"]),
        updated_at=from_pacific(dto.get("gmt_update") or dto["gmt_create"]),
        currency=pay.get("currency_code") or "USD",
        lines=tuple(_line(dto["order_id"], p, False) for p in unwrap(dto.get("product_list"))),
        buyer_name=dto.get("buyer_signer_fullname") or "",
        total=amount(pay) if pay else None,
        lines_complete=False,
        raw=dto,
    )


def order_from_detail(data: Mapping[str, Any]) -> ChannelOrder:
    """An order of `aliexpress.solution.order.info.get` (the `data` object): complete."""
    total = data.get("order_amount") or {}
    currency = total.get("currency_code") or "USD"
    address = data.get("receipt_address") or {}
    phone = " ".join(
        x
        for x in (
            f"+{address['phone_country']}" if address.get("phone_country") else "",
            address.get("mobile_no") or address.get("phone_number") or "",
        )
        if x
    )
    logistics = unwrap(data.get("logistic_info_list"))
    lines = spread_order_charges(
        [_line(data["id"], c, True) for c in unwrap(data.get("child_order_list"))],
        currency,
        shipping=amount(data.get("logistics_amount")),
    )
    buyer = data.get("buyer_info") or {}
    status = data["order_status"]
    end_reason = data.get("order_end_reason") or ""
    return ChannelOrder(
        external_order_id=str(data["id"]),
        status=status_of(status, end_reason, data.get("refund_info"), shipped=bool(logistics)),
        external_status=status + (f"/{end_reason}" if end_reason else ""),
        purchased_at=from_pacific(data["gmt_create"]),
        updated_at=from_pacific(data.get("gmt_modified") or data["gmt_create"]),
        currency=currency,
        lines=lines,
        buyer_name=" ".join(x for x in (buyer.get("first_name"), buyer.get("last_name")) if x),
        buyer_phone=phone,
        shipping_address=Address(
            name=address.get("contact_person") or "",
            line1=address.get("address") or address.get("detail_address") or "",
            line2=address.get("address2") or "",
            city=address.get("city") or "",
            state=address.get("province") or "",
            postal_code=address.get("zip") or "",
            country=address.get("country") or "",
            phone=phone,
        )
        if address
        else None,
        shipping_service=(unwrap(data.get("child_order_list")) or [{}])[0].get("logistics_service_name", ""),
        total=amount(total) if total else None,
        buyer_remarks=data.get("memo") or "",
        raw=data,
    )
