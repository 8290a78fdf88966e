"""MyDHL API JSON <-> the carrier port (shared/reference/carriers.md §2.3, §3.2, §3.5, §6).

Metric units for the whole request (kilograms and centimetres, rounded up). The price is the
`BILLC` entry of `totalPrice[]` (the account's billing currency), never the local-currency
or base-currency entries next to it. EORI, IOSS and VAT travel as the shipper's registration
numbers (EOR, SDT, VAT).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from core.ports import (
    Address,
    CarrierService,
    Document,
    Label,
    PackageLimits,
    RateQuote,
    ShipmentRequest,
    TrackingEvent,
    TrackingResult,
    latest_result,
)

# §3.5: 70 kg per piece on the standard network; pieces with a side over about 120 cm pay an
# oversize surcharge or need pre-booking, so 120 cm is the limit orders are split to.
PIECE = PackageLimits(70_000, Decimal(120), dim_divisor=5000)
# Cross-border products only: DOMESTIC EXPRESS (N) exists in some countries and not in others
# (availability depends on the account and the lane, §2.3), so it is not offered blindly.
SERVICES = (
    CarrierService("P", "DHL Express Worldwide", PIECE, scope="international", ddp=True),
    CarrierService("Y", "DHL Express 12:00", PIECE, scope="international", ddp=True),
    CarrierService("E", "DHL Express 9:00", PIECE, scope="international", ddp=True),
    CarrierService("H", "DHL Economy Select", PIECE, scope="international", ddp=True),
)
# events[].typeCode -> TRACKING_STATUSES (§2.3; karrio's lists overlap, §1.6, so each code is
# placed once: PU is picked up, CR a customs release, CD a clearance delay).
STATUSES = {
    "SA": "pending",
    "PU": "picked_up",
    **dict.fromkeys(("AF", "AR", "DF", "PL", "CC", "CR", "RR"), "in_transit"),
    **dict.fromkeys(("WC", "OO"), "out_for_delivery"),
    **dict.fromkeys(("OK", "DL", "DD", "PD"), "delivered"),
    **dict.fromkeys(("OH", "HP", "CD", "BA", "NH", "CM"), "exception"),
    "RT": "returned",
}
REASONS = {"CD": "customs", "OH": "held", "HP": "held", "BA": "address", "NH": "not_home", "CM": "moved"}
EXPORT_REASONS = {
    "sale": "commercial_purpose_or_sale",
    "gift": "gift",
    "sample": "sample",
    "documents": "permanent",
    "return": "return",
    "repair": "temporary",
}


def kilos(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.001"), rounding=ROUND_CEILING)


def whole_cm(value: Decimal) -> int:
    return max(1, int(Decimal(value).to_integral_value(rounding=ROUND_CEILING)))


def planned(when: datetime) -> str:
    """MyDHL's planned shipping time: "2025-01-18T17:00:00 GMT+01:00"."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S GMT+00:00")


def _packages(request: ShipmentRequest) -> list[dict[str, Any]]:
    out = []
    for p in request.parcels:
        package: dict[str, Any] = {"weight": kilos(p.weight_g)}
        if p.length_cm and p.width_cm and p.height_cm:
            package["dimensions"] = {
                "length": whole_cm(p.length_cm),
                "width": whole_cm(p.width_cm),
                "height": whole_cm(p.height_cm),
            }
        out.append(package)
    return out


def _place(a: Address) -> dict[str, str]:
    return {"postalCode": a.postal_code, "cityName": a.city, "countryCode": a.country}


def rate_body(request: ShipmentRequest, account: str, when: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customerDetails": {"shipperDetails": _place(request.ship_from), "receiverDetails": _place(request.ship_to)},
        "accounts": [{"typeCode": "shipper", "number": account}],
        "plannedShippingDateAndTime": planned(when),
        "unitOfMeasurement": "metric",
        "isCustomsDeclarable": request.customs is not None,
        "packages": _packages(request),
        "nextBusinessDay": True,
    }
    if request.service:
        body["productCode"] = request.service
    if request.customs is not None:
        body["monetaryAmount"] = [
            {"typeCode": "declaredValue", "value": request.customs.total_value, "currency": request.customs.currency}
        ]
    return body


def _party(a: Address) -> dict[str, Any]:
    address = {"postalCode": a.postal_code, "cityName": a.city, "countryCode": a.country, "addressLine1": a.line1}
    if a.line2:
        address["addressLine2"] = a.line2
    if a.state:
        address["provinceCode"] = a.state
    return {
        "postalAddress": address,
        "contactInformation": {
            "phone": a.phone,
            "companyName": a.company or a.name,
            "fullName": a.name,
            "email": a.email,
        },
    }


def ship_body(request: ShipmentRequest, account: str, when: datetime) -> dict[str, Any]:
    shipper = _party(request.ship_from)
    content: dict[str, Any] = {
        "packages": [
            {**p, "customerReferences": [{"value": request.reference, "typeCode": "CU"}]} for p in _packages(request)
        ],
        "isCustomsDeclarable": request.customs is not None,
        "description": "Merchandise",
        "incoterm": request.customs.incoterm if request.customs else "DAP",
        "unitOfMeasurement": "metric",
    }
    accounts = [{"typeCode": "shipper", "number": account}]
    images = [{"typeCode": "label", "templateName": "ECOM26_84_001", "isRequested": True}]
    if request.customs is not None:
        c = request.customs
        content["declaredValue"] = c.total_value
        content["declaredValueCurrency"] = c.currency
        content["description"] = "; ".join(item.description for item in c.items)[:70]
        declaration: dict[str, Any] = {
            "lineItems": [
                {
                    "number": n,
                    "description": item.description[:512],
                    "price": item.value,
                    "quantity": {"value": item.quantity, "unitOfMeasurement": item.unit},
                    "commodityCodes": [{"typeCode": "outbound", "value": item.hs_code}],
                    "exportReasonType": "permanent",
                    "manufacturerCountry": item.origin_country,
                    "weight": {"netValue": kilos(item.line_weight_g), "grossValue": kilos(item.line_weight_g)},
                }
                for n, item in enumerate(c.items, 1)
            ],
            "exportReasonType": EXPORT_REASONS.get(c.export_reason, "commercial_purpose_or_sale"),
        }
        if c.invoice_number:
            declaration["invoice"] = {"number": c.invoice_number, "date": (c.invoice_date or when.date()).isoformat()}
        content["exportDeclaration"] = declaration
        numbers = [("EOR", c.eori), ("SDT", c.ioss), ("VAT", c.vat_number)]
        shipper["registrationNumbers"] = [
            {
                "typeCode": code,
                "number": number,
                "issuerCountryCode": number[:2] if code != "SDT" else request.ship_to.country,
            }
            for code, number in numbers
            if number
        ]
        if c.incoterm == "DDP":
            accounts.append({"typeCode": "duties-taxes", "number": account})
        images.append({"typeCode": "invoice", "invoiceType": "commercial", "isRequested": True})
    return {
        "plannedShippingDateAndTime": planned(when),
        "pickup": {"isRequested": False},
        "productCode": request.service,
        "accounts": accounts,
        "customerReferences": [{"value": request.reference, "typeCode": "CU"}],
        "customerDetails": {"shipperDetails": shipper, "receiverDetails": _party(request.ship_to)},
        "content": content,
        "outputImageProperties": {"encodingFormat": request.label_format.lower(), "imageOptions": images},
        "getRateEstimates": True,
    }


def _billing(prices: list[Mapping[str, Any]]) -> tuple[Decimal, str] | None:
    entry = next((p for p in prices if p.get("currencyType") == "BILLC"), None)
    if entry is None or entry.get("price") in (None, ""):
        return None
    return Decimal(str(entry["price"])), str(entry.get("priceCurrency") or "")


def quotes_from(data: Mapping[str, Any], names: Mapping[str, str]) -> list[RateQuote]:
    out = []
    for product in data.get("products") or []:
        price = _billing(product.get("totalPrice") or [])
        if price is None or not price[1]:
            continue
        capabilities = product.get("deliveryCapabilities") or {}
        days = capabilities.get("totalTransitDays")
        eta = capabilities.get("estimatedDeliveryDateAndTime")
        code = str(product.get("productCode", ""))
        out.append(
            RateQuote(
                service=code,
                amount=price[0],
                currency=price[1],
                transit_days=int(days) if days not in (None, "") and int(days) > 0 else None,
                service_name=product.get("productName") or names.get(code, code),
                estimated_delivery=datetime.fromisoformat(str(eta)).date() if eta else None,
            )
        )
    return out


def label_from(data: Mapping[str, Any], request: ShipmentRequest) -> Label:
    documents = data.get("documents") or []
    label = next((d for d in documents if d.get("typeCode") == "label"), None)
    fmt = str((label or {}).get("imageFormat", "PDF")).upper()
    others = tuple(
        Document(
            "commercial_invoice" if d["typeCode"] == "invoice" else str(d["typeCode"]),
            str(d.get("imageFormat", "PDF")).upper(),
            base64.b64decode(d.get("content", "")),
            "A4",
        )
        for d in documents
        if d is not label
    )
    charge = _billing(data.get("shipmentCharges") or [])
    return Label(
        tracking_number=data["shipmentTrackingNumber"],
        label_data=base64.b64decode((label or {}).get("content", "")),
        label_format="ZPL" if fmt == "ZPL" else "PDF",
        cost=charge[0] if charge else None,
        currency=charge[1] if charge else None,
        carrier_reference=data["shipmentTrackingNumber"],
        label_size="4x6",
        documents=others,
        piece_tracking_numbers=tuple(
            p["trackingNumber"] for p in data.get("packages") or [] if p.get("trackingNumber")
        ),
        service=request.service,
    )


def _when(event: Mapping[str, Any]) -> datetime:
    local = datetime.fromisoformat(f"{event['date']}T{event.get('time', '00:00:00')}")
    offset = str(event.get("GMTOffset") or "+00:00")
    sign = -1 if offset.startswith("-") else 1
    hours, _, minutes = offset.lstrip("+-").partition(":")
    return (local - sign * timedelta(hours=int(hours or 0), minutes=int(minutes or 0))).replace(tzinfo=UTC)


def track_result(number: str, shipment: Mapping[str, Any] | None) -> TrackingResult:
    if not shipment:
        return TrackingResult(number, "unknown", found=False, message="DHL Express has no shipment with this number")
    events = []
    for e in shipment.get("events") or []:
        code = str(e.get("typeCode", ""))
        area = (e.get("serviceArea") or [{}])[0]
        events.append(
            TrackingEvent(
                _when(e),
                STATUSES.get(code, "unknown"),
                e.get("description", ""),
                area.get("description", ""),
                code,
                REASONS.get(code, ""),
            )
        )
    eta = shipment.get("estimatedDeliveryDate")
    return latest_result(number, events, estimated_delivery=date.fromisoformat(str(eta)[:10]) if eta else None)
