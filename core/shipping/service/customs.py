"""Customs data for a cross-border shipment, taken from the SKUs (reference §3.1-§3.4), and the
documents made from it: the commercial invoice for couriers, CN22/CN23 for postal items.

Missing data is refused before any carrier is called: the error names the SKU and the field.
EU low-value rule (§3.4): a consignment to the EU worth €150 or less travels under IOSS, so
the tenant's IOSS number must be set; above €150 import VAT is paid at the border."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import money
from core.db import utcnow
from core.errors import ValidationError
from core.messages import Msg
from core.orders.service.regions import REGIONS
from core.ports import CustomsItem
from core.shipping.service.pdf import Document

IOSS_LIMIT_EUR = Decimal("150")
# CN22 up to 300 SDR (about $420, reference §3.3) and under 2 kg; CN23 above.
CN22_LIMIT_USD = Decimal("420")
CN22_LIMIT_G = 2000
POSTAL_CARRIERS = frozenset({"usps"})


@dataclass(frozen=True)
class Line:
    sku_code: str
    description: str
    description_zh: str
    hs_code: str
    origin_country: str
    quantity: int
    unit_value: Decimal
    currency: str
    net_weight_g: int


def lines_for(items: list[dict[str, Any]]) -> list[Line]:
    """Customs lines from the shipment's items ({sku, quantity, unit_value, currency}: `sku` is
    the catalogue's SKU row); raises ValidationError naming each SKU and missing field."""
    errors: dict[str, list[str]] = {}
    out = []
    for item in items:
        sku = item["sku"]
        code = sku.code or str(sku.id)
        missing = [
            name
            for name, value in (
                ("customs_name_en", sku.customs_name_en),
                ("hs_code", sku.hs_code),
                ("origin_country", sku.origin_country),
                ("net_weight_g", sku.net_weight_g or sku.gross_weight_g),
            )
            if not value
        ]
        value, currency = (sku.declared_value, sku.declared_currency) if sku.declared_value else (None, None)
        if value is None:
            value, currency = item.get("unit_value"), item.get("currency")
        if value is None or not currency:
            missing.append("declared_value")
        for name in missing:
            errors.setdefault(f"skus.{code}.{name}", []).append(f"SKU {code} has no {name.replace('_', ' ')}")
        if missing:
            continue
        out.append(
            Line(
                code,
                sku.customs_name_en,
                sku.customs_name_zh or "",
                sku.hs_code,
                sku.origin_country,
                int(item["quantity"]),
                Decimal(value),
                currency,
                int(sku.net_weight_g or sku.gross_weight_g),
            )
        )
    if errors:
        raise ValidationError(errors, Msg("shipping.customs_missing", problems=[m[0] for m in errors.values()]))
    return out


def total(lines: list[Line]) -> tuple[Decimal, str]:
    """The consignment's value in the currency of its first line (others converted at today's rate)."""
    currency = lines[0].currency
    amount = Decimal(0)
    for ln in lines:
        rate = Decimal(1) if ln.currency == currency else money.rate(ln.currency, currency, utcnow().date())
        amount += ln.unit_value * ln.quantity * rate
    return amount, currency


def check_eu(lines: list[Line], country: str, ioss: str) -> dict[str, Any]:
    """The EU low-value facts of the shipment; ValidationError when IOSS is needed and unset."""
    if country not in REGIONS["EU"]:
        return {}
    amount, currency = total(lines)
    eur = amount if currency == "EUR" else amount * money.rate(currency, "EUR", utcnow().date())
    low = eur <= IOSS_LIMIT_EUR
    if low and not ioss:
        raise ValidationError.field(
            "ioss",
            Msg("shipping.goods_are_worth_eur", country=country, value=eur.quantize(Decimal("0.01"))),
        )
    return {"value_eur": str(eur.quantize(Decimal("0.01"))), "ioss_applies": low}


def ports_items(lines: list[Line]) -> tuple[CustomsItem, ...]:
    return tuple(
        CustomsItem(
            description=ln.description,
            quantity=ln.quantity,
            value=ln.unit_value,
            currency=ln.currency,
            hs_code=ln.hs_code,
            origin_country=ln.origin_country,
            weight_g=ln.net_weight_g,
            sku=ln.sku_code,
        )
        for ln in lines
    )


def postal_form(lines: list[Line]) -> str:
    amount, currency = total(lines)
    usd = amount if currency == "USD" else amount * money.rate(currency, "USD", utcnow().date())
    weight = sum(ln.net_weight_g * ln.quantity for ln in lines)
    return "cn22" if usd <= CN22_LIMIT_USD and weight < CN22_LIMIT_G else "cn23"


def document_pdf(kind: str, header: dict[str, Any], lines: list[Line]) -> bytes:
    """The commercial invoice (couriers) or CN22/CN23 (postal) as a PDF."""
    title = {"commercial_invoice": "COMMERCIAL INVOICE", "cn22": "CUSTOMS DECLARATION CN 22", "cn23": "CN 23"}[kind]
    doc = Document(f"{title} {header['invoice_number']}")
    doc.line(title, 14, bold=True)
    for key in ("invoice_number", "invoice_date", "shipment", "order", "incoterm", "export_reason"):
        doc.line(f"{key.replace('_', ' ').title()}: {header.get(key, '')}")
    for key in ("eori", "ioss", "vat_number"):
        if header.get(key):
            doc.line(f"{key.upper().replace('_NUMBER', '')}: {header[key]}")
    doc.line(f"Shipper: {header['shipper']}")
    doc.line(f"Consignee: {header['consignee']}")
    doc.line()
    rows = [
        [
            ln.sku_code,
            ln.description + (f" / {ln.description_zh}" if ln.description_zh else ""),
            ln.hs_code,
            ln.origin_country,
            str(ln.quantity),
            f"{ln.unit_value:.2f} {ln.currency}",
            f"{ln.unit_value * ln.quantity:.2f} {ln.currency}",
            f"{ln.net_weight_g * ln.quantity} g",
        ]
        for ln in lines
    ]
    doc.table(
        ["SKU", "Description", "HS code", "Origin", "Qty", "Unit value", "Value", "Net weight"],
        rows,
        [0.13, 0.3, 0.1, 0.07, 0.06, 0.12, 0.12, 0.1],
    )
    amount, currency = total(lines)
    doc.line()
    doc.line(f"Total declared value: {amount:.2f} {currency}", bold=True)
    doc.line("I declare that the information above is true and correct.")
    return doc.bytes()
