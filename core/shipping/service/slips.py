"""Packing slips (出库单): one page per order, in Chinese or English, from the order's live
shipment -- what leaves the warehouse (SKU, product, quantity, bin), for whom and how. The
warehouse prints it with the label (打印双单) and packs against it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from core import validation as f
from core.db import utcnow
from core.errors import ValidationError
from core.inventory.service import warehouses
from core.messages import Msg
from core.orders import service as orders
from core.shipping.service.pdf import Document
from core.shipping.service.picking import bin_of
from core.shipping.service.shipments import live_shipment

LOCALES = ("en", "zh-CN")
MAX_ORDERS = 500

# The document's own words; the portal's catalogues are the web layer's, not core's.
WORDS = {
    "en": {
        "title": "Packing slip",
        "order": "Order",
        "shop_order": "Shop order",
        "shipment": "Shipment",
        "date": "Printed",
        "warehouse": "Warehouse",
        "carrier": "Carrier",
        "tracking": "Tracking number",
        "ship_to": "Ship to",
        "bin": "Bin",
        "sku": "SKU",
        "product": "Product",
        "qty": "Qty",
        "units": "Units",
        "remarks": "Buyer's note",
        "packed_by": "Packed by: ______________    Checked by: ______________",
    },
    "zh-CN": {
        "title": "出库单",
        "order": "订单号",
        "shop_order": "平台单号",
        "shipment": "发货单号",
        "date": "打印时间",
        "warehouse": "发货仓库",
        "carrier": "物流渠道",
        "tracking": "运单号",
        "ship_to": "收件人",
        "bin": "库位",
        "sku": "SKU",
        "product": "品名",
        "qty": "数量",
        "units": "件数合计",
        "remarks": "买家留言",
        "packed_by": "打包人：______________    复核人：______________",
    },
}


def locale_of(value: Any) -> str:
    """ "zh-CN" (also "zh_CN", "zh") or "en"; anything else is refused naming the field."""
    errors = f.Errors()
    raw = str(value or "en").strip().replace("_", "-")
    locale = f.choice(errors, "locale", "zh-CN" if raw.lower() in ("zh", "zh-cn", "zh-hans") else raw, LOCALES)
    errors.raise_if_any()
    return locale or "en"


def _address(to: dict[str, Any]) -> list[str]:
    lines = [to.get("name", ""), to.get("company", ""), to.get("line1", ""), to.get("line2", ""), to.get("line3", "")]
    lines.append(" ".join(v for v in (to.get("city"), to.get("state"), to.get("postal_code")) if v))
    lines.append(to.get("country", ""))
    return [ln for ln in lines if ln]


def packing_slips_pdf(order_ids: Sequence[Any], locale: Any = "en") -> bytes:
    """One page per order, in the order given. Every order must have a live shipment (its
    label bought or about to be): refused naming each order that has none."""
    words = WORDS[locale_of(locale)]
    errors = f.Errors()
    if not isinstance(order_ids, (list, tuple)) or not order_ids:
        raise ValidationError.field("order_ids", Msg("orders.choose_at_least_one"))
    if len(order_ids) > MAX_ORDERS:
        raise ValidationError.field("order_ids", Msg("orders.at_most_orders_at", max_orders=MAX_ORDERS))
    found = []
    for i, oid in enumerate(order_ids):
        try:
            order = orders.get_order(uuid.UUID(str(oid)))
        except ValueError:
            errors.add(f"order_ids.{i}", Msg("not_order_id"))
            continue
        shipment = live_shipment(order.id)
        if shipment is None:
            errors.add(f"order_ids.{i}", Msg("shipping.order_has_no_shipment", number=order.number))
            continue
        found.append((order, shipment))
    errors.raise_if_any()
    doc = Document(words["title"])
    printed = f"{utcnow():%Y-%m-%d %H:%M} UTC"
    for n, (order, shipment) in enumerate(found):
        if n:
            doc.page()
        wh = warehouses.get_warehouse(shipment.warehouse_id) if shipment.warehouse_id else None
        doc.line(f"{words['title']}  {order.number}", 15, bold=True)
        doc.line()
        facts = [
            (words["order"], order.number),
            (words["shop_order"], order.external_number or order.external_order_id or ""),
            (words["shipment"], shipment.number),
            (words["warehouse"], f"{wh.code} {wh.name}" if wh else ""),
            (words["carrier"], f"{shipment.carrier} {shipment.service}".strip()),
            (words["tracking"], shipment.tracking_number),
            (words["date"], printed),
        ]
        for key, value in facts:
            if value:
                doc.line(f"{key}: {value}", 10)
        doc.line()
        doc.line(words["ship_to"], 10, bold=True)
        for ln in _address(shipment.ship_to):
            doc.line(ln, 10)
        doc.line()
        rows, units = [], 0
        for parcel in shipment.parcels:
            for item in parcel.contents:
                units += int(item["quantity"])
                rows.append(
                    [
                        bin_of(item["sku_id"], shipment.warehouse_id) or "—",
                        item["sku_code"],
                        item["title"],
                        str(item["quantity"]),
                    ]
                )
        rows.sort(key=lambda r: (r[0] == "—", r[0], r[1]))
        doc.table([words["bin"], words["sku"], words["product"], words["qty"]], rows, [0.15, 0.2, 0.5, 0.15])
        doc.line()
        doc.line(f"{words['units']}: {units}", 10, bold=True)
        if order.buyer_remarks:
            doc.line(f"{words['remarks']}: {order.buyer_remarks}", 10)
        doc.line()
        doc.line(words["packed_by"], 10)
    return doc.bytes()
