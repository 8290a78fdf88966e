"""Put-away labels for the units that passed QC: SKU code, product name, bin and a Code128
barcode of the SKU code, one 60 x 40 mm label per page (the size label printers take)."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from core.errors import Conflict
from core.messages import Msg
from core.purchasing.models import Receipt
from core.purchasing.service.common import get, sku_names

WIDTH, HEIGHT = 60 * mm, 40 * mm
LATIN = "Helvetica"
CJK = "STSong-Light"  # an Adobe CID font every PDF reader has: Chinese product names print without font files
MAX_LABELS = 5000


def _font_for(text: str) -> str:
    if any(ord(ch) > 0xFF for ch in text):
        if CJK not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK))
        return CJK
    return LATIN


def _fit(c: canvas.Canvas, text: str, size: float, width: float) -> tuple[str, str, float]:
    """The text in a font that can draw it, shrunk (then cut) to the label's width."""
    font = _font_for(text)
    while size > 5 and c.stringWidth(text, font, size) > width:
        size -= 0.5
    while text and c.stringWidth(text, font, size) > width:
        text = text[:-1]
    return text, font, size


def labels_for(receipt_id: Any, per: str = "unit") -> list[dict[str, Any]]:
    """What to print for an inspected receipt: one label per passed unit (`per="unit"`) or per
    line (`per="line"`)."""
    from core.inventory import service as inventory

    receipt = get(Receipt, receipt_id, "receipt")
    lines = [rl for rl in receipt.lines if rl.qc_status == "inspected" and rl.passed_quantity]
    if not lines:
        raise Conflict(Msg("purchasing.receipt_has_no_units", number=receipt.number), {"state": [receipt.status]})
    names = sku_names(rl.sku_id for rl in lines)
    bins = inventory.bin_codes(rl.location_id for rl in lines if rl.location_id)
    out = []
    for rl in lines:
        code, name = names.get(rl.sku_id, (str(rl.sku_id), ""))
        label = {
            "sku_code": code,
            "name": name,
            "location": bins.get(rl.location_id, ""),
            "receipt": receipt.number,
            "quantity": rl.passed_quantity,
        }
        out.extend([label] * (rl.passed_quantity if per == "unit" else 1))
    if len(out) > MAX_LABELS:
        raise Conflict(Msg("purchasing.labels_more_than_one", out=len(out), max_labels=MAX_LABELS))
    return out


def putaway_labels_pdf(receipt_id: Any, per: str = "unit") -> bytes:
    labels = labels_for(receipt_id, per)
    buf = io.BytesIO()
    # Uncompressed: label printers' drivers and tests read the text as it is.
    c = canvas.Canvas(buf, pagesize=(WIDTH, HEIGHT), pageCompression=0)
    c.setTitle(f"Put-away labels {labels[0]['receipt']}")
    margin, inner = 3 * mm, WIDTH - 6 * mm
    for label in labels:
        text, font, size = _fit(c, label["sku_code"], 12, inner)
        c.setFont(font, size)
        c.drawString(margin, HEIGHT - margin - size, text)
        text, font, size = _fit(c, label["name"], 7, inner)
        c.setFont(font, size)
        c.drawString(margin, HEIGHT - margin - 12 - 2 - size, text)
        barcode = code128.Code128(label["sku_code"], barHeight=11 * mm, barWidth=0.75)
        if barcode.width > inner:  # long codes: narrower bars, still scannable at label-printer resolution
            barcode = code128.Code128(label["sku_code"], barHeight=11 * mm, barWidth=0.75 * inner / barcode.width)
        barcode.drawOn(c, margin + max(inner - barcode.width, 0) / 2, 8 * mm)  # width includes the quiet zones
        c.setFont(LATIN, 9)
        location = f"BIN {label['location']}" if label["location"] else "BIN -"
        c.drawString(margin, margin, location)
        c.setFont(LATIN, 6)
        c.drawRightString(WIDTH - margin, margin, label["receipt"])
        c.showPage()
    c.save()
    return buf.getvalue()
