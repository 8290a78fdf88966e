"""Carton labels of a first-leg shipment: one 100 x 150 mm page per physical carton.

Each label carries the carton id as Code 128 (for a platform shipment Amazon's own pattern,
`<shipment id>U<carton number, 6 digits>`, otherwise `<number>-<carton, 3 digits>`), "carton i of
N", the route (the source warehouse's address to the destination's), what is inside and the
carton's size and weight. Chinese names print in a CID font reportlab ships with, so no font
file is needed.
"""

from __future__ import annotations

import io
import uuid

from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from core.inventory.models import Transfer, Warehouse
from core.inventory.service import skus
from core.inventory.service.warehouses import get_warehouse

FONT = "STSong-Light"
PAGE = (100 * mm, 150 * mm)
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def carton_id(t: Transfer, n: int) -> str:
    if t.platform_reference:
        return f"{t.platform_reference}U{n:06d}"
    return f"{t.number}-{n:03d}"


def _address(wh: Warehouse) -> list[str]:
    lines = [
        wh.company or wh.name,
        wh.contact_name,
        wh.address_line1,
        wh.address_line2,
        " ".join(p for p in (wh.city, wh.state, wh.postal_code) if p),
        wh.country,
    ]
    return [ln for ln in lines if ln]


def box_labels_pdf(t: Transfer) -> bytes:
    src, dst = get_warehouse(t.source_warehouse_id), get_warehouse(t.destination_warehouse_id)
    codes = skus.codes(uuid.UUID(i["sku_id"]) for b in t.boxes for i in b.contents)
    total = sum(b.count for b in t.boxes)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=PAGE)
    pdf.setTitle(f"{t.number} carton labels")
    width, height = PAGE
    n = 0
    for box in t.boxes:
        for _ in range(box.count):
            n += 1
            y = height - 10 * mm
            pdf.setFont(FONT, 14)
            pdf.drawString(6 * mm, y, f"{t.number}   {n} / {total}")
            if t.platform_reference:
                y -= 6 * mm
                pdf.setFont(FONT, 10)
                pdf.drawString(6 * mm, y, f"Shipment {t.platform_reference}")
            ident = carton_id(t, n)
            barcode = code128.Code128(ident, barHeight=18 * mm, barWidth=0.32 * mm)
            y -= 24 * mm
            barcode.drawOn(pdf, max((width - barcode.width) / 2, 2 * mm), y)
            y -= 5 * mm
            pdf.setFont(FONT, 10)
            pdf.drawCentredString(width / 2, y, ident)
            for title, wh in (("FROM", src), ("TO", dst)):
                y -= 7 * mm
                pdf.setFont(FONT, 9)
                pdf.drawString(6 * mm, y, f"{title}: {wh.code}")
                pdf.setFont(FONT, 8)
                for line in _address(wh)[:5]:
                    y -= 4 * mm
                    pdf.drawString(10 * mm, y, line[:60])
            y -= 7 * mm
            pdf.setFont(FONT, 9)
            pdf.drawString(6 * mm, y, "CONTENTS")
            pdf.setFont(FONT, 8)
            for item in box.contents[:8]:
                y -= 4 * mm
                pdf.drawString(
                    10 * mm, y, f"{codes.get(uuid.UUID(item['sku_id']), item['sku_id'])}   x {item['quantity']}"
                )
            if len(box.contents) > 8:
                y -= 4 * mm
                pdf.drawString(10 * mm, y, f"... and {len(box.contents) - 8} more SKUs")
            pdf.setFont(FONT, 8)
            pdf.drawString(
                6 * mm, 8 * mm, f"{box.length_cm} x {box.width_cm} x {box.height_cm} cm   {box.weight_kg} kg"
            )
            pdf.showPage()
    if n == 0:
        pdf.setFont(FONT, 12)
        pdf.drawString(6 * mm, height / 2, f"{t.number}: no cartons planned yet")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()
