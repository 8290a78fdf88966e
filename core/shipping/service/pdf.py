"""Small PDF tables for shipping's documents (commercial invoice, CN22/CN23, pick list,
packing slip), drawn with reportlab on A4; Chinese text in the CID font every reader has."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

LATIN = "Helvetica"
CJK = "STSong-Light"
MARGIN = 15 * mm


def font_for(text: str) -> str:
    if any(ord(ch) > 0xFF for ch in text):
        if CJK not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK))
        return CJK
    return LATIN


class Document:
    """A4 pages with a title, key-value header lines and a table that continues on new pages."""

    def __init__(self, title: str) -> None:
        self.buffer = io.BytesIO()
        self.c = canvas.Canvas(self.buffer, pagesize=A4)
        self.c.setTitle(title)
        self.width, self.height = A4
        self.y = self.height - MARGIN

    def text(self, value: str, size: float = 9, x: float = MARGIN, bold: bool = False) -> None:
        value = str(value)
        font = font_for(value)
        if bold and font == LATIN:
            font = "Helvetica-Bold"
        width = self.width - x - MARGIN
        while value and self.c.stringWidth(value, font, size) > width:
            value = value[:-1]
        self.c.setFont(font, size)
        self.c.drawString(x, self.y, value)

    def line(self, value: str = "", size: float = 9, bold: bool = False) -> None:
        self.need(size + 3)
        self.text(value, size, bold=bold)
        self.y -= size + 3

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.c.showPage()
            self.y = self.height - MARGIN

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        total = self.width - 2 * MARGIN
        xs = [MARGIN]
        for w in widths[:-1]:
            xs.append(xs[-1] + w * total)

        def row(values: Sequence[str], bold: bool = False) -> None:
            self.need(12)
            for x, value in zip(xs, values, strict=False):
                keep = self.y
                self.text(value, 8, x=x, bold=bold)
                self.y = keep
            self.y -= 12

        row(headers, bold=True)
        for values in rows:
            row([str(v) for v in values])

    def page(self) -> None:
        self.c.showPage()
        self.y = self.height - MARGIN

    def bytes(self) -> bytes:
        self.c.save()
        return self.buffer.getvalue()
