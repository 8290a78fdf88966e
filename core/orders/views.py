"""Orders as the API and the portal show them, with the buyer's personal data masked for
callers without `orders:pii`. Masking happens here, on the way out; stored data is untouched.
City, state, postal code and country stay visible: warehouses and reports need them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import exports
from core.db import session
from core.money import round_money
from core.orders.models import Order, OrderHold, OrderLine, OrderRefund, OrderReturn, OrderShipment
from core.orders.service.base import line_live_total

PII_FIELDS = (
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "ship_name",
    "ship_company",
    "ship_line1",
    "ship_line2",
    "ship_line3",
    "ship_phone",
    "ship_email",
)


def mask_name(value: str) -> str:
    return " ".join(part[0] + "***" for part in value.split()) if value else ""


def mask_email(value: str) -> str:
    if "@" not in value:
        return "***" if value else ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    return "***" + "".join(digits[-4:]) if value else ""


def mask_text(value: str) -> str:
    return "***" if value else ""


MASKS = {
    "buyer_name": mask_name,
    "ship_name": mask_name,
    "ship_company": mask_text,
    "buyer_email": mask_email,
    "ship_email": mask_email,
    "buyer_phone": mask_phone,
    "ship_phone": mask_phone,
    "ship_line1": mask_text,
    "ship_line2": mask_text,
    "ship_line3": mask_text,
}


def personal(order: Order, reveal: bool) -> dict[str, str]:
    """The buyer's personal fields, masked unless `reveal`."""
    return {k: (getattr(order, k) if reveal else MASKS[k](getattr(order, k) or "")) for k in PII_FIELDS}


def address_view(order: Order, reveal: bool) -> dict[str, Any]:
    p = personal(order, reveal)
    return {
        "name": p["ship_name"],
        "company": p["ship_company"],
        "line1": p["ship_line1"],
        "line2": p["ship_line2"],
        "line3": p["ship_line3"],
        "city": order.ship_city,
        "state": order.ship_state,
        "postal_code": order.ship_postal_code,
        "country": order.ship_country,
        "phone": p["ship_phone"],
        "email": p["ship_email"],
        "source": order.address_source,
    }


def summary_view(order: Order, reveal: bool, hold: OrderHold | None = None) -> dict[str, Any]:
    p = personal(order, reveal)
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "connection_id": order.connection_id,
        "marketplace": order.marketplace,
        "external_order_id": order.external_order_id,
        "external_number": order.external_number,
        "external_status": order.external_status,
        "purchased_at": order.purchased_at,
        "fulfilment": order.fulfilment,
        "parent_id": order.parent_id,
        "merged_into_id": order.merged_into_id,
        "buyer": {"name": p["buyer_name"], "email": p["buyer_email"], "phone": p["buyer_phone"]},
        "ship_country": order.ship_country,
        "currency": order.currency,
        "amounts": {
            k: _m(v, order.currency)
            for k, v in (
                ("goods", order.goods_amount),
                ("tax", order.tax_amount),
                ("shipping", order.shipping_amount),
                ("discount", order.discount_amount),
                ("total", order.total),
                ("refunded", order.refunded_amount),
            )
        },
        "tags": list(order.tags or []),
        "warehouse_id": order.warehouse_id,
        "hold": hold_view(hold) if hold is not None else None,
        "review_note": order.review_note,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def hold_view(hold: OrderHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "type": hold.type,
        "source": hold.source,
        "reason": hold.reason,
        "problems": list(hold.problems or []),
        "held_from": hold.held_from,
        "created_at": hold.created_at,
        "released_at": hold.released_at,
        "released_by": hold.released_by,
        "release_note": hold.release_note,
    }


def line_view(order: Order, line: OrderLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "position": line.position,
        "parent_line_id": line.parent_line_id,
        "external_order_id": line.external_order_id or order.external_order_id,
        "external_line_id": line.external_line_id,
        "seller_sku": line.seller_sku,
        "title": line.title,
        "sku_id": line.sku_id,
        "sku_code": line.sku_code,
        "kit_type": line.kit_type,
        "units_per_item": line.units_per_item,
        "quantity": line.quantity,
        "quantity_cancelled": line.quantity_cancelled,
        "quantity_shipped": line.quantity_shipped,
        "quantity_returned": line.quantity_returned,
        "quantity_refunded": line.quantity_refunded,
        "unit_price": _price(line.unit_price, order.currency),
        **{
            k: _m(getattr(line, k), order.currency)
            for k in ("item_amount", "item_tax", "shipping", "shipping_tax", "discount", "promotion", "refunded")
        },
        "total": _m(line_live_total(order, line), order.currency),
    }


def detail_view(order: Order, reveal: bool) -> dict[str, Any]:
    holds = list(
        session.execute(
            select(OrderHold).where(OrderHold.order_id == order.id).order_by(OrderHold.created_at)
        ).scalars()
    )
    current = next((h for h in holds if h.released_at is None), None)
    out = summary_view(order, reveal, current)
    children = session.execute(
        select(Order.id, Order.number, Order.status).where(Order.parent_id == order.id).order_by(Order.number)
    ).all()
    sources = session.execute(
        select(Order.id, Order.number, Order.status).where(Order.merged_into_id == order.id).order_by(Order.number)
    ).all()
    out.update(
        {
            "shipping_address": address_view(order, reveal),
            "shipping_service": order.shipping_service,
            "buyer_remarks": order.buyer_remarks,
            "seller_note": order.seller_note,
            "prices_include_tax": order.prices_include_tax,
            "reported_total": order.reported_total,
            "channel_status": order.channel_status,
            "cancel_reason": order.cancel_reason,
            "shipped_at": order.shipped_at,
            "delivered_at": order.delivered_at,
            "cancelled_at": order.cancelled_at,
            "lines": [line_view(order, ln) for ln in order.lines],
            "holds": [hold_view(h) for h in holds],
            "children": [{"id": i, "number": n, "status": s} for i, n, s in children],
            "merged_from": [{"id": i, "number": n, "status": s} for i, n, s in sources],
            "shipments": [
                shipment_view(s)
                for s in session.execute(
                    select(OrderShipment).where(OrderShipment.order_id == order.id).order_by(OrderShipment.shipped_at)
                ).scalars()
            ],
            "refunds": [
                refund_view(r)
                for r in session.execute(
                    select(OrderRefund).where(OrderRefund.order_id == order.id).order_by(OrderRefund.created_at)
                ).scalars()
            ],
            "returns": [
                return_view(r)
                for r in session.execute(
                    select(OrderReturn).where(OrderReturn.order_id == order.id).order_by(OrderReturn.created_at)
                ).scalars()
            ],
        }
    )
    return out


def shipment_view(s: OrderShipment) -> dict[str, Any]:
    return {
        "id": s.id,
        "carrier": s.carrier,
        "service": s.service,
        "tracking_number": s.tracking_number,
        "weight_g": s.weight_g,
        "length_cm": s.length_cm,
        "width_cm": s.width_cm,
        "height_cm": s.height_cm,
        "shipped_at": s.shipped_at,
        "by_platform": s.by_platform,
        "warehouse_id": s.warehouse_id,
        "lines": list(s.lines or []),
        "cost_value": s.cost_value,
        "cost_currency": s.cost_currency,
    }


def refund_view(r: OrderRefund) -> dict[str, Any]:
    return {
        "id": r.id,
        "method": r.method,
        "type": r.type,
        "amount": _m(r.amount, r.currency),
        "currency": r.currency,
        "reason": r.reason,
        "lines": list(r.lines or []),
        "evidence": list(r.evidence or []),
        "return_id": r.return_id,
        "external_refund_id": r.external_refund_id,
        "created_at": r.created_at,
    }


def return_view(r: OrderReturn) -> dict[str, Any]:
    return {
        "id": r.id,
        "order_id": r.order_id,
        "number": r.number,
        "status": r.status,
        "reason": r.reason,
        "carrier": r.carrier,
        "tracking_number": r.tracking_number,
        "warehouse_id": r.warehouse_id,
        "lines": list(r.lines or []),
        "inspection": list(r.inspection or []),
        "received_at": r.received_at,
        "value_restocked": r.value_restocked,
        "value_damaged": r.value_damaged,
        "cost_currency": r.cost_currency,
        "created_at": r.created_at,
    }


# ---------------------------------------------------------------------------------------------
# Export (CSV and XLSX)

EXPORT_COLUMNS = (
    "number",
    "status",
    "channel",
    "shop",
    "marketplace",
    "external_order_id",
    "purchased_at",
    "fulfilment",
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "ship_name",
    "ship_line1",
    "ship_city",
    "ship_state",
    "ship_postal_code",
    "ship_country",
    "currency",
    "goods",
    "tax",
    "shipping",
    "discount",
    "total",
    "refunded",
    "warehouse",
    "tags",
    "hold_type",
    "lines",
)


def export_order_rows(stmt: Any, reveal: bool, *, numbers: bool = False) -> Iterator[list[Any]]:
    """The rows of the orders `stmt` selects, read a page at a time with their lines; more than
    core.exports.MAX_ROWS orders are refused before anything is written (they used to be cut
    at 50,000 without a word)."""
    exports.check_size(stmt)
    return _export_order_rows(stmt, reveal, numbers)


def _export_order_rows(stmt: Any, reveal: bool, numbers: bool) -> Iterator[list[Any]]:
    for chunk in exports.pages(stmt.options(selectinload(Order.lines))):
        yield from export_rows(chunk, reveal, numbers=numbers)


def export_response(stmt: Any, reveal: bool, fmt: str) -> Any:
    """The orders `stmt` selects as the `fmt` download (one row per order; `lines` lists
    SKU x quantity; amounts are numbers in XLSX, text in the currency's minor unit in CSV)."""
    rows = export_order_rows(stmt, reveal, numbers=fmt == "xlsx")
    return exports.response("orders", EXPORT_COLUMNS, rows, _same, fmt)


def _same(row: list[Any]) -> list[Any]:
    return row


def export_rows(orders: Iterable[Order], reveal: bool, *, numbers: bool = False) -> Iterator[list[Any]]:
    """The export's rows (EXPORT_COLUMNS), one per order. With `numbers`, amounts are Decimals
    (for a spreadsheet) instead of text in the currency's minor unit."""
    from core.inventory import service as inventory
    from tenants.service import connections_facts

    orders = list(orders)
    ids = [o.id for o in orders]
    shops = {i: c.display_name for i, c in connections_facts().items()}
    whs = inventory.warehouse_codes()
    holds = (
        {
            h.order_id: h.type
            for h in session.execute(
                select(OrderHold).where(OrderHold.order_id.in_(ids), OrderHold.released_at.is_(None))
            ).scalars()
        }
        if ids
        else {}
    )
    for o in orders:
        p = personal(o, reveal)
        lines = "; ".join(f"{ln.sku_code or ln.seller_sku} x {ln.live_quantity}" for ln in o.lines if ln.live_quantity)
        yield (
            [
                o.number,
                o.status,
                o.channel,
                shops.get(o.connection_id, ""),
                o.marketplace,
                o.external_order_id or "",
                o.purchased_at.isoformat(),
                o.fulfilment,
                p["buyer_name"],
                p["buyer_email"],
                p["buyer_phone"],
                p["ship_name"],
                p["ship_line1"],
                o.ship_city,
                o.ship_state,
                o.ship_postal_code,
                o.ship_country,
                o.currency,
                *(
                    (round_money(v, o.currency) if v is not None else None) if numbers else _s(v, o.currency)
                    for v in (
                        o.goods_amount,
                        o.tax_amount,
                        o.shipping_amount,
                        o.discount_amount,
                        o.total,
                        o.refunded_amount,
                    )
                ),
                whs.get(o.warehouse_id, ""),
                ",".join(o.tags or []),
                holds.get(o.id, ""),
                lines,
            ]
        )


def _s(value: Decimal | None, currency: str) -> str:
    return "" if value is None else f"{round_money(value, currency):f}"


def _price(value: Decimal, currency: str) -> Decimal:
    """A unit price in the currency's minor unit, unless the channel gave more decimals."""
    rounded = round_money(value, currency)
    return rounded if rounded == value else value.normalize()


def _m(value: Decimal | None, currency: str) -> Decimal | None:
    """Order amounts in the currency's minor unit (stored with four decimals)."""
    return None if value is None else round_money(value, currency)
